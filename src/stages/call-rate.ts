/**
 * CallRate: a stage's `rate` option, as a token bucket. Turns come back at `perSecond`, evenly
 * spaced; up to `burst` (the stage's workers) may be saved up during a pause, so calls never start
 * faster than the workers could have started them anyway. The bucket starts full: the first
 * `burst` calls go at once, like the first calls of a stage without a rate.
 */
export class CallRate {
  private turns: number;
  private countedAt = performance.now();
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly perSecond: number,
    private readonly burst: number,
  ) {
    this.turns = burst;
  }

  /**
   * Takes a turn to start a call: 0 when one was free, else how many milliseconds until the
   * next comes (nothing is taken then: ask again when they have passed).
   * @example const wait = rate.take(); if (wait > 0) rate.wakeIn(wait, () => bell.ring())
   */
  take(): number {
    const now = performance.now();
    this.turns = Math.min(this.burst, this.turns + ((now - this.countedAt) * this.perSecond) / 1000);
    this.countedAt = now;
    if (this.turns >= 1) {
      this.turns--;
      return 0;
    }
    return Math.max(1, Math.ceil(((1 - this.turns) * 1000) / this.perSecond));
  }

  /** Calls `wake` in `ms`; one wake is pending at a time (a new one replaces it). */
  wakeIn(ms: number, wake: () => void): void {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = undefined;
      wake();
    }, ms);
  }

  /** The stage is ending: no wake may fire or keep the process alive. */
  stop(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
  }
}
