/**
 * FairShare: lets a busy loop give the event loop a turn.
 *
 * When every function in a pipeline is synchronous (or resolves at once), the
 * whole run moves through already-resolved promises and never reaches the
 * event loop: timers, I/O and AbortSignal.timeout() would wait until the run
 * ends, and a slow synchronous stage would fill its buffer before its consumer
 * ever ran. A loop calls `turn()` once per item and awaits the promise it gets
 * back, which comes after about SLICE_MS of work. Reading the clock costs
 * ~50 ns, so for fast items it is read only every `stride` items.
 */
const SLICE_MS = 4;
const MAX_STRIDE = 256;

export class FairShare {
  private count = 0;
  private stride = 1;
  private lastCheck = performance.now();
  private sliceStart = this.lastCheck;

  /** A promise to await when this loop has had the event loop long enough; otherwise undefined. */
  turn(): Promise<void> | undefined {
    if (++this.count < this.stride) return undefined;
    const now = performance.now();
    const perItem = (now - this.lastCheck) / this.count;
    this.count = 0;
    this.lastCheck = now;
    // Slow items: check after each one; fast items: check ever more rarely.
    this.stride = perItem * this.stride > SLICE_MS / 4 ? 1 : Math.min(this.stride * 2, MAX_STRIDE);
    if (now - this.sliceStart < SLICE_MS) return undefined;
    return new Promise((resolve) =>
      setImmediate(() => {
        this.sliceStart = this.lastCheck = performance.now();
        resolve();
      }),
    );
  }
}
