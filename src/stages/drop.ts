/**
 * DropStage: `drop(n)`. Skips the first n items (the first n to arrive, like
 * take's) and passes the rest on. A skipped item counts as filtered, and leaves
 * a hole in its place when an ordered() follows.
 */
import type { BoundedBuffer } from "../buffer";
import { EMPTY } from "../buffer";
import { type Envelope, Kind, markerEnvelope } from "../envelope";
import type { RunControl } from "../run-control";
import type { StageCounters } from "../stats/stage-counters";
import { checkCount } from "./step-checks";

/** @internal The step `drop(count)` adds. */
export interface DropStep {
  readonly type: "drop";
  readonly count: number;
}

/** @internal The step of `drop(count)`, checked. */
export function dropStep(count: unknown): DropStep {
  return { type: "drop", count: checkCount("drop()", "count", count, 0) };
}

export class DropStage {
  constructor(
    private readonly count: number,
    private readonly input: BoundedBuffer<Envelope>,
    private readonly output: BoundedBuffer<Envelope>,
    private readonly control: RunControl,
    private readonly counters: StageCounters,
    private readonly keepPlaces: boolean,
  ) {}

  async run(): Promise<void> {
    const { input, output, control, counters } = this;
    // Every item after the first n passes through here: shift and push while we can, wait only when we must.
    for (;;) {
      if (control.signal.aborted) return;
      if (!output.hasSpace) {
        const blockedAt = performance.now();
        await output.whenSpace();
        counters.blockedMs += performance.now() - blockedAt;
        continue;
      }
      const envelope = input.shift();
      if (envelope === EMPTY) {
        if (input.finished) break;
        await input.whenReadable();
        continue;
      }
      if (envelope.kind !== Kind.Value) {
        if (this.keepPlaces) output.push(envelope);
        continue;
      }
      counters.itemsIn++;
      if (counters.filtered < this.count) {
        counters.filtered++;
        if (this.keepPlaces) output.push(markerEnvelope(envelope.key, Kind.Hole));
        continue;
      }
      output.push(envelope);
      counters.itemsOut++;
    }
    if (!control.signal.aborted) output.close();
  }
}
