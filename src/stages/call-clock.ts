/**
 * CallClock: a stage's timing of its calls. It decides which calls are timed
 * (fast calls one in SAMPLE_EVERY, since reading the clock costs as much as a
 * trivial call; every call while calls are slow), records what it measured into
 * the stage's counters, and keeps the per-item timers (timeouts, retry delays)
 * so that a stopping run can drop them all at once.
 */
import type { StageCounters } from "../stats/stage-counters";
import type { Task } from "./task";

const SAMPLE_EVERY = 16;
/** A synchronous call slower than this is timed every time. */
export const SLOW_CALL_MS = 0.02;
/** An asynchronous item's time includes its wait behind the others in flight, so "slow" starts later. */
export const SLOW_ASYNC_MS = 1;

export class CallClock {
  private tick = 0;
  /**
   * 1 while calls are slow, SAMPLE_EVERY while they are fast; the first call is
   * always timed. Never, for an executor that times its items itself.
   */
  private every: number;
  private readonly timers = new Set<Task>();

  constructor(
    private readonly counters: StageCounters,
    executorTimesItems: boolean,
  ) {
    this.every = executorTimesItems ? Infinity : 1;
  }

  /** Whether the next call is timed; a timed call stands for `weight` calls in busy time. */
  sampleNext(): boolean {
    if (++this.tick < this.every) return false;
    this.tick = 0;
    return true;
  }

  get weight(): number {
    return this.every;
  }

  /** Records a timed call for `weight` calls, and times every call from now on if calls are slow. */
  record(ms: number, weight: number, slowMs: number): void {
    this.counters.recordItem(ms, weight);
    this.every = ms > slowMs ? 1 : SAMPLE_EVERY;
  }

  /** Calls `fire(task)` after `ms`, unless cleared first. A task has one timer at a time. */
  arm(task: Task, ms: number, fire: (task: Task) => void): void {
    task.setTimer(
      setTimeout(() => {
        task.setTimer(undefined);
        this.timers.delete(task);
        fire(task);
      }, ms),
    );
    this.timers.add(task);
  }

  clear(task: Task): void {
    if (task.timer === undefined) return;
    clearTimeout(task.timer);
    task.setTimer(undefined);
    this.timers.delete(task);
  }

  /** The run is stopping: no timer may fire or keep the process alive. */
  clearAll(): void {
    for (const task of this.timers) this.clear(task);
  }
}
