/**
 * SourcePump: reads a source into the first buffer, honouring its bound, and
 * (when an ordered() stage needs it) a window on how far the source may run
 * ahead of the last item released in order.
 *
 * It measures the source's busy time (SourceClock): the main thread's time in
 * the source's synchronous work (a generator's body, a file source's parsing
 * and casting inside next()) and in handing items on, not its waits for the
 * disk, for buffer space or for a turn of the event loop. A source that works
 * outside next() (a parser in a stream's callbacks) adds that time itself
 * (SelfTimedIterator).
 */
import type { BoundedBuffer } from "../buffer";
import type { Doorbell } from "../doorbell";
import { FairShare } from "../fair-share";
import { type Envelope, valueEnvelope } from "../envelope";
import { AbortError, ErrorCode, messageOf, StageError } from "../errors";
import { type RunControl, unlessAborted } from "../run-control";
import type { StageCounters } from "../stats/stage-counters";
import { isThenable } from "../thenable";
import { SourceClock } from "./source-clock";
import type { Source, SourceIterator } from "./source";

/** The source may emit item i only while i < limit(); `bell` rings when the limit grows. */
export interface SourceGate {
  limit(): number;
  readonly bell: Doorbell;
}

export class SourcePump {
  constructor(
    private readonly source: Source,
    private readonly output: BoundedBuffer<Envelope>,
    private readonly control: RunControl,
    private readonly counters: StageCounters,
    private readonly gate: SourceGate | undefined,
  ) {}

  async run(): Promise<void> {
    const { output, control, counters, gate } = this;
    const { signal } = control;
    let iterator: SourceIterator | undefined;
    let midStep = false;
    const fairShare = new FairShare();
    const clock = new SourceClock(counters);
    try {
      iterator = this.source.open();
      clock.watch(iterator);
      for (let index = 0; ; index++) {
        const turn = fairShare.turn();
        if (turn) {
          clock.stop();
          await turn;
          clock.start();
        }
        if (gate && index >= gate.limit()) {
          clock.stop();
          while (gate && index >= gate.limit() && !signal.aborted) await unlessAborted(gate.bell.wait(), signal, undefined);
          clock.start();
        }
        if (!output.hasSpace) {
          const blockedAt = performance.now();
          clock.stop(blockedAt);
          while (!output.hasSpace && !signal.aborted) await output.whenSpace();
          const resumedAt = performance.now();
          clock.start(resumedAt);
          counters.blockedMs += resumedAt - blockedAt;
        }
        if (signal.aborted) break;
        let step = iterator.next();
        // A slow or stuck source must not hold up a stopping run.
        if (isThenable(step)) {
          clock.beforeWait();
          midStep = true;
          step = await unlessAborted(step, signal, STOPPED);
          clock.afterWait();
          if (step === STOPPED) break;
          midStep = false;
        }
        if (signal.aborted) break;
        if (step.done) break;
        counters.itemsOut++;
        output.push(valueEnvelope(index, step.value));
      }
    } catch (error) {
      if (!signal.aborted) control.fail(this.wrap(error));
    }
    // (A next() that rejected or was cut short ends a wait, not a stretch of work.)
    if (!midStep) clock.stop();
    if (signal.aborted) {
      // Let the source clean up (close a file, end a generator). One stuck in a
      // step would never answer, so wait only where that cannot happen.
      const cleanup = Promise.resolve()
        .then(() => iterator?.return?.())
        .catch((error) => control.fail(this.wrap(error)));
      if (!midStep || this.source.awaitReturn) await cleanup;
      else this.source.abandon();
      return;
    }
    output.close();
  }

  private wrap(error: unknown): Error {
    if (error instanceof StageError || error instanceof AbortError) return error;
    return new StageError(`The source failed after ${this.counters.itemsOut} items: ${messageOf(error)}`, {
      stage: "source",
      index: this.counters.itemsOut,
      cause: error,
      code: ErrorCode.SourceFailed,
    });
  }
}

const STOPPED = { done: true, value: undefined, stopped: true } as const;
