/**
 * Timeline: samples a run every ~100 ms (items out and buffer depth per
 * stage) so throughput and queues can be charted. Bounded: when it has
 * MAX_SAMPLES it drops every other sample and samples half as often.
 */
import type { TimelineSample } from "./snapshot";

const FIRST_INTERVAL_MS = 100;
const MAX_SAMPLES = 300;

export class Timeline {
  readonly samples: TimelineSample[] = [];
  private interval: number;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly startedAt: number,
    private readonly read: () => { itemsOut: number[]; queue: number[] },
    private readonly maxSamples = MAX_SAMPLES,
    intervalMs = FIRST_INTERVAL_MS,
  ) {
    this.interval = intervalMs;
  }

  start(): void {
    this.schedule();
  }

  /** Takes the last sample and stops the clock. */
  stop(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    this.sample();
  }

  private schedule(): void {
    this.timer = setTimeout(() => {
      this.sample();
      this.schedule();
    }, this.interval);
    // Sampling must never keep a process alive.
    this.timer.unref();
  }

  private sample(): void {
    this.samples.push({ atMs: performance.now() - this.startedAt, ...this.read() });
    if (this.samples.length >= this.maxSamples) {
      let kept = 0;
      for (let i = 0; i < this.samples.length; i += 2) this.samples[kept++] = this.samples[i]!;
      this.samples.length = kept;
      this.interval *= 2;
    }
  }
}
