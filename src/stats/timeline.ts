/**
 * Timeline: samples a run (items out and buffer depth per stage) so
 * throughput and queues can be charted. It samples at the run's start and
 * then often enough that a short run still gives a curve: every 5 ms at
 * first (a 150 ms run gets ~30 points, where a fixed 100 ms gave 2). Bounded:
 * when it holds MAX_SAMPLES it drops every other sample and samples half as
 * often, so a run of any length keeps between MAX_SAMPLES/2 and MAX_SAMPLES
 * evenly spaced samples, and the timer fires ever more rarely (after 1.5 s
 * every 10 ms, after a minute every ~320 ms). A sample reads a few counters,
 * and the main thread's event-loop utilization since the sample before.
 */
import { type EventLoopUtilization, performance } from "node:perf_hooks";
import type { TimelineSample } from "./snapshot";

const FIRST_INTERVAL_MS = 5;
const MAX_SAMPLES = 300;

export class Timeline {
  readonly samples: TimelineSample[] = [];
  /** The event loop's readings at each sample (cumulative), so thinning keeps each share exact. */
  private readonly loads: EventLoopUtilization[] = [];
  private interval: number;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly startedAt: number,
    private readonly read: () => { itemsOut: number[]; queue: number[] },
    private readonly maxSamples = MAX_SAMPLES,
    intervalMs = FIRST_INTERVAL_MS,
  ) {
    if (!Number.isInteger(maxSamples) || maxSamples < 2) throw new RangeError(`Timeline: maxSamples must be an integer >= 2, got ${maxSamples}`);
    this.interval = intervalMs;
  }

  /** Takes the first sample (the run's start: charts begin at 0) and starts the clock. */
  start(): void {
    this.sample();
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
    const load = performance.eventLoopUtilization();
    const sample: TimelineSample = { atMs: performance.now() - this.startedAt, ...this.read() };
    const before = this.loads[this.loads.length - 1];
    if (before) sample.mainThread = performance.eventLoopUtilization(load, before).utilization;
    this.samples.push(sample);
    this.loads.push(load);
    if (this.samples.length >= this.maxSamples) {
      // Keep the first sample (the start) and every other one after it.
      let kept = 0;
      for (let i = 0; i < this.samples.length; i += 2) {
        const sample = this.samples[i]!;
        // Its share now covers the time since the sample kept before it (a new object: snapshots taken earlier keep theirs).
        this.samples[kept] =
          kept === 0 ? sample : { ...sample, mainThread: performance.eventLoopUtilization(this.loads[i]!, this.loads[kept - 1]!).utilization };
        this.loads[kept++] = this.loads[i]!;
      }
      this.samples.length = kept;
      this.loads.length = kept;
      this.interval *= 2;
    }
  }
}
