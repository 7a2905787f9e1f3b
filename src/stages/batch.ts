/**
 * BatchStage: `batch(size, { ms })`. Gathers consecutive items into arrays of
 * `size` and writes each array as one item; a shorter one when `ms` has passed
 * since the batch's first item, and at the end of the input. Never an empty one.
 *
 * Places, for an ordered() downstream: a batch takes the place of its last item,
 * and the place of each item before it is sent on as a hole as soon as a later
 * item joins the batch. So ordered() waits on one item per batch at most, and
 * the source's window (which ordered()'s progress opens) keeps moving while a
 * batch fills: had the batch taken its first item's place, ordered() could not
 * move until the batch was full, nor the source read past its window, and a
 * batch larger than what the window lets through would wait forever. (Items that
 * arrive out of order are put back in order before they reach a batch that an
 * ordered() follows: see RunParts.)
 *
 * Counting, so that each row reads in = out + filtered + errors + inFlight:
 * items, not arrays. itemsIn: items taken; itemsOut: items written inside
 * batches; inFlight: items in the batch being gathered; `batches`: the arrays
 * written. The step after a batch counts arrays.
 */
import type { BoundedBuffer } from "../buffer";
import { EMPTY } from "../buffer";
import { Doorbell } from "../doorbell";
import { type Envelope, type ItemKey, Kind, markerEnvelope, valueEnvelope } from "../envelope";
import { describe } from "../errors";
import { MAX_TIMER_MS } from "../options";
import type { RunControl } from "../run-control";
import type { StageCounters } from "../stats/stage-counters";
import { checkCount, checkName, checkOptionKeys } from "./step-checks";

/** Options of `batch()`. */
export interface BatchOptions {
  /** Milliseconds after a batch's first item when the batch is written, however few items it has. Default: no limit. */
  ms?: number;
  /** Shown in statistics. Default: `batch(size)`. */
  name?: string;
}

/** @internal The step `batch(size, options)` adds. */
export interface BatchStep {
  readonly type: "batch";
  readonly size: number;
  /** Milliseconds after a batch's first item when it is written however short; undefined: no limit. */
  readonly ms: number | undefined;
  readonly name: string | undefined;
}

/** @internal The step of `batch(size, options)`, checked. */
export function batchStep(size: unknown, options: unknown): BatchStep {
  const o = checkOptionKeys("batch()", options, ["ms", "name"]);
  checkCount("batch()", "size", size, 1);
  const { ms } = o;
  if (ms !== undefined) {
    const wanted = `a number of milliseconds from 0 to ${MAX_TIMER_MS}`;
    if (typeof ms !== "number") throw new TypeError(`batch(): option "ms" must be ${wanted}, got ${describe(ms)}`);
    // NaN and Infinity fail here too: a timer cannot wait that long (Node would fire it at once).
    if (!(ms >= 0 && ms <= MAX_TIMER_MS)) throw new RangeError(`batch(): option "ms" must be ${wanted}, got ${describe(ms)}`);
  }
  return { type: "batch", size: size as number, ms, name: checkName("batch()", o.name) };
}

/** @internal */
export class BatchStage {
  private items: unknown[] = [];
  /** The key of the batch's last item: the batch's place. */
  private lastKey: ItemKey = 0;
  private timer: NodeJS.Timeout | undefined;
  /** `ms` has passed since the batch's first item: it is written now, however short. */
  private due = false;
  private readonly bell = new Doorbell();

  /**
   * @param ms milliseconds after its first item when a batch is written anyway; undefined: no limit
   * @param keepPlaces send holes for the items' places, and upstream markers on (an ordered() follows)
   */
  constructor(
    private readonly size: number,
    private readonly ms: number | undefined,
    private readonly input: BoundedBuffer<Envelope>,
    private readonly output: BoundedBuffer<Envelope>,
    private readonly control: RunControl,
    private readonly counters: StageCounters,
    private readonly keepPlaces: boolean,
  ) {}

  async run(): Promise<void> {
    const { input, output, control, counters } = this;
    const halt = () => {
      this.clearTimer();
      this.bell.ring();
    };
    control.signal.addEventListener("abort", halt, { once: true });
    try {
      for (;;) {
        if (control.signal.aborted) return;
        if (this.due) {
          await this.write();
          continue;
        }
        const envelope = input.shift();
        if (envelope === EMPTY) {
          if (input.finished) break;
          // The timer rang since we looked: write the batch rather than wait.
          if (this.bell.takeRing()) continue;
          const waitingSince = performance.now();
          await Promise.race([input.whenReadable(), this.bell.wait()]);
          counters.waitingMs += performance.now() - waitingSince;
          continue;
        }
        if (envelope.kind !== Kind.Value) {
          if (this.keepPlaces) await this.put(envelope);
          continue;
        }
        await this.add(envelope);
      }
      if (control.signal.aborted) return;
      await this.write();
      if (!control.signal.aborted) output.close();
    } finally {
      // However the run ends, no timer may fire after it or keep the process alive.
      this.clearTimer();
      control.signal.removeEventListener("abort", halt);
    }
  }

  private async add(envelope: Envelope): Promise<void> {
    const { counters } = this;
    counters.itemsIn++;
    counters.inFlight++;
    // The batch's place moves on to this item: the one before leaves a hole.
    if (this.items.length > 0 && this.keepPlaces) await this.put(markerEnvelope(this.lastKey, Kind.Hole));
    this.items.push(envelope.value);
    this.lastKey = envelope.key;
    if (this.items.length === 1 && this.ms !== undefined) this.startTimer(this.ms);
    if (this.items.length >= this.size) await this.write();
  }

  /** Writes the batch being gathered, if it has items, and starts a new one. */
  private async write(): Promise<void> {
    this.clearTimer();
    this.due = false;
    const { items, counters } = this;
    if (items.length === 0) return;
    this.items = [];
    await this.put(valueEnvelope(this.lastKey, items));
    // Stopped while waiting for space: the batch was not written, and stays in inFlight (what the run abandoned).
    if (this.control.signal.aborted) return;
    counters.itemsOut += items.length;
    counters.inFlight -= items.length;
    counters.batches++;
  }

  /** Writes once the output has space (a full output holds the batch up: nothing more is taken meanwhile). */
  private async put(envelope: Envelope): Promise<void> {
    const { output } = this;
    if (!output.hasSpace) {
      const blockedAt = performance.now();
      while (!output.hasSpace && !output.aborted) await output.whenSpace();
      this.counters.blockedMs += performance.now() - blockedAt;
    }
    output.push(envelope);
  }

  private startTimer(ms: number): void {
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.due = true;
      this.bell.ring();
    }, ms);
  }

  private clearTimer(): void {
    if (this.timer === undefined) return;
    clearTimeout(this.timer);
    this.timer = undefined;
  }
}
