/**
 * BatchRecords: the rows of a source that loads its file piece by piece (a
 * Parquet row group, an Arrow record batch) and builds rows from the loaded
 * piece a batch at a time. Rows already built are handed on synchronously, as
 * the source pump prefers (it awaits only thenables); a promise is returned
 * only to load the next piece.
 *
 * return() may come while a load is pending (the pump calls it then, since
 * the source says awaitReturn): it waits for that load to settle and closes
 * the file, so a stopped run leaves no descriptor open.
 *
 * Busy time: building rows inside next() is timed by the pump; the decoding a
 * subclass does inside load() and the rows built right after a load (both
 * outside next()) are added up in busyOutsideNextMs.
 */
import type { SelfTimedIterator } from "../stages/source";

type Step = IteratorResult<unknown, undefined>;
const DONE: Step = { done: true, value: undefined };

export abstract class BatchRecords implements AsyncIterableIterator<unknown>, SelfTimedIterator {
  busyOutsideNextMs = 0;
  private rows: unknown[] = [];
  private at = 0;
  private finished = false;
  private closing: Promise<void> | undefined;
  private pending: Promise<unknown> | undefined;
  /** Set by return(): a load in progress should stop at its next await. */
  protected stopped = false;

  /** Rows from the piece already loaded, or undefined when it is used up (a load must come first). */
  protected abstract build(): unknown[] | undefined;

  /** Loads the next piece (opening the file first, if needed); false at the end of the file. */
  protected abstract load(): Promise<boolean>;

  /** Closes the file; called once. */
  protected abstract close(): Promise<void>;

  // Typed as async for the iterator protocol; answers synchronously whenever it can.
  next(): Promise<Step> {
    return this.step() as Promise<Step>;
  }

  private step(): Step | Promise<Step> {
    if (this.at < this.rows.length) return this.give();
    if (this.finished) return DONE;
    let batch: unknown[] | undefined;
    try {
      batch = this.build();
    } catch (error) {
      // The consumer will not call return() after a failed next(): close the file here.
      void this.finish().catch(() => {});
      throw error;
    }
    if (batch !== undefined && batch.length > 0) return this.give(batch);
    return this.fetch();
  }

  private give(batch?: unknown[]): Step {
    if (batch) {
      this.rows = batch;
      this.at = 0;
    }
    const value = this.rows[this.at];
    this.rows[this.at++] = undefined;
    return { done: false, value };
  }

  private async fetch(): Promise<Step> {
    try {
      while (!this.stopped) {
        const more = this.load();
        this.pending = more;
        if (!(await more)) break;
        const from = performance.now();
        const batch = this.build();
        this.busyOutsideNextMs += performance.now() - from;
        if (batch !== undefined && batch.length > 0) return this.give(batch);
      }
    } catch (error) {
      await this.finish().catch(() => {});
      throw error;
    }
    await this.finish();
    return DONE;
  }

  private finish(): Promise<void> {
    this.finished = true;
    this.rows = [];
    this.at = 0;
    return (this.closing ??= this.close());
  }

  async return(): Promise<Step> {
    this.stopped = true;
    await this.pending?.catch(() => {});
    await this.finish();
    return DONE;
  }

  [Symbol.asyncIterator](): this {
    return this;
  }
}
