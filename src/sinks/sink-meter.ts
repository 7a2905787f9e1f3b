/**
 * SinkMeter: one sink of an into() as the run sees it. It hands items to the
 * sink's writer, counts and times them into the sink's row of the statistics
 * (a sink whose writes wait, like a slow async sink.each, shows busy and is
 * named as the bottleneck), and wraps whatever the sink throws in a SinkError
 * naming its key.
 */
import { SinkError } from "../errors";
import { CallClock, SLOW_ASYNC_MS, SLOW_CALL_MS } from "../stages/call-clock";
import type { StageStats } from "../stats/snapshot";
import { newCounters } from "../stats/stage-counters";
import type { SinkWriter } from "./sink";

export class SinkMeter<Out = unknown> {
  /** The sink's row in the statistics: `into.file`, after the stages' rows. */
  readonly stats: Pick<StageStats, "name" | "mode" | "workers">;
  readonly counters = newCounters();
  private readonly clock = new CallClock(this.counters, false);

  constructor(
    readonly key: string,
    private readonly writer: SinkWriter<Out>,
  ) {
    this.stats = { name: `into.${key}`, mode: "sink", workers: 1 };
  }

  /** Hands one item to the sink; a promise when the next item must wait for it. */
  take(item: unknown): PromiseLike<void> | undefined {
    const c = this.counters;
    c.itemsIn++;
    if (this.writer.full) {
      c.filtered++;
      return undefined;
    }
    const timed = this.clock.sampleNext();
    const weight = this.clock.weight;
    const start = timed ? performance.now() : 0;
    let wait: void | PromiseLike<void>;
    try {
      wait = this.writer.push(item);
    } catch (error) {
      c.errors++;
      throw new SinkError(this.key, error);
    }
    if (wait === undefined) {
      c.itemsOut++;
      if (timed) this.clock.record(performance.now() - start, weight, SLOW_CALL_MS);
      return undefined;
    }
    // A write that waits is timed whether sampled or not, and stands for itself alone: waiting is
    // where a slow sink spends its time, and one wait for the disk is not like the writes around it.
    c.inFlight++;
    const from = timed ? start : performance.now();
    return wait.then(
      () => {
        c.inFlight--;
        c.itemsOut++;
        this.clock.record(performance.now() - from, 1, SLOW_ASYNC_MS);
      },
      (error: unknown) => {
        c.inFlight--;
        c.errors++;
        throw new SinkError(this.key, error);
      },
    );
  }

  async end(): Promise<void> {
    await this.wrap(() => this.writer.end());
  }

  async commit(): Promise<Out> {
    return this.wrap(() => this.writer.commit());
  }

  abandon(): Promise<void> {
    return this.writer.abandon();
  }

  private async wrap<R>(step: () => R | Promise<R>): Promise<R> {
    try {
      return await step();
    } catch (error) {
      throw new SinkError(this.key, error);
    }
  }
}
