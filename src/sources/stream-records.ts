/**
 * StreamRecords: the records of a file source, handed to the source pump
 * without a promise per record. `next()` answers synchronously while records
 * are buffered and returns a promise only when it must wait for the disk,
 * which the pump accepts (it awaits only thenables). `return()` (an early
 * stop) destroys the streams, closing the file.
 */
import type { Readable } from "node:stream";

type Step = IteratorResult<unknown, undefined>;

export abstract class StreamRecords implements AsyncIterableIterator<unknown> {
  protected ended = false;
  private failure: Error | undefined;
  private wake: (() => void) | undefined;

  /**
   * @param stream where records come from; its 'readable', 'end' and 'error' events drive the reader
   * @param closeAll destroys every stream of the source (the file and any parser on it)
   */
  constructor(
    protected readonly stream: Readable,
    private readonly closeAll: () => void,
  ) {
    const wake = () => {
      const resume = this.wake;
      this.wake = undefined;
      resume?.();
    };
    stream.on("readable", wake);
    stream.on("end", () => {
      this.ended = true;
      wake();
    });
    stream.on("error", (error: Error) => {
      this.failure ??= this.describe(error);
      wake();
    });
  }

  /** The next record already buffered, if any. Throws for a record that cannot be read. */
  protected abstract take(): { value: unknown } | undefined;

  /** The error to report for a stream error. */
  protected abstract describe(error: Error): Error;

  /** Reports a stream error from another stream of the source (the file under a parser). */
  protected fail(error: Error): void {
    this.failure ??= error;
    this.wake?.();
  }

  // Typed as async for the iterator protocol; answers synchronously whenever it can.
  next(): Promise<Step> {
    return this.step() as Promise<Step>;
  }

  private step(): Step | Promise<Step> {
    if (this.failure) throw this.failure;
    const got = this.take();
    if (got) return { done: false, value: got.value };
    if (this.ended) return { done: true, value: undefined };
    return new Promise<void>((resolve) => (this.wake = resolve)).then(() => this.step());
  }

  return(): Promise<Step> {
    this.closeAll();
    return Promise.resolve({ done: true, value: undefined });
  }

  [Symbol.asyncIterator](): this {
    return this;
  }
}
