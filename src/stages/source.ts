/**
 * Sources: what `from()` accepts, checked when the pipeline is built, and
 * opened afresh for every run (so a pipeline re-runs from its source).
 */
import type { Readable } from "node:stream";
import { describe } from "../errors";

/** Anything `from()` reads: an iterable, an async iterable, a Node Readable, or a function that makes one per run. */
export type SourceInput<T> = Iterable<T> | AsyncIterable<T> | (() => Iterable<T> | AsyncIterable<T>);

/** @internal */
export type SourceIterator = Iterator<unknown> | AsyncIterator<unknown>;

/**
 * @internal A source iterator that does part of its work outside next() (a file
 * source whose parser runs in its stream's callbacks) adds up that time here, in
 * ms, so the source's busy time counts it. The pump measures the time inside
 * next() itself: leave that out, or it counts twice.
 */
export interface SelfTimedIterator {
  readonly busyOutsideNextMs: number;
}

/**
 * @internal A file that worker threads can read themselves, range by range: when worker stages
 * follow it, each thread parses its own byte ranges and runs the stages there (run-parts.ts).
 */
export interface ThreadReadable {
  /** This run's ranges of the file, each an item for `reader`: about enough for `workers` threads to share. */
  ranges(workers: number): Promise<unknown[]>;
  /** The module function a thread reads one range with, `(range, ctx) => rows`, and the context it gets. */
  reader: { module: string; export: string; context: Record<string, unknown> };
}

/** @internal */
export class Source {
  private consumed = false;
  /** A generator object or a stream: it can be read by one run only. */
  private readonly oneShot: boolean;

  /**
   * @param awaitReturn the iterator's return() is safe to await even while a
   *   next() is pending (pipelab's own merged runs), so a stopping run waits for
   *   the source's cleanup instead of leaving it behind.
   * @param readInThreads set by file sources that worker threads can read themselves
   */
  constructor(
    private readonly input: unknown,
    readonly awaitReturn = false,
    readonly readInThreads?: ThreadReadable,
  ) {
    if (typeof input === "function") {
      this.oneShot = false;
      return;
    }
    if (!isIterable(input) && !isAsyncIterable(input)) {
      throw new TypeError(`from(): expected an iterable, an async iterable, a Readable stream or a function returning one, got ${describe(input)}`);
    }
    this.oneShot = isIteratorObject(input) || isReadable(input);
  }

  /**
   * The run stopped while a read was pending. An async iterator cannot be told
   * to return then (its return() waits behind the read), but a stream can be
   * destroyed, as `for await` over a stream does on break.
   */
  abandon(): void {
    if (isReadable(this.input)) this.input.destroy();
  }

  /** Opens the source for a run. */
  open(): SourceIterator {
    if (this.oneShot) {
      if (this.consumed) {
        throw new Error(
          "This pipeline's source (a generator, iterator or stream) was consumed by an earlier run and cannot be read again; " +
            "to run a pipeline more than once, pass a function that creates the source: from(() => makeSource())",
        );
      }
      this.consumed = true;
    }
    const made = typeof this.input === "function" ? (this.input as () => unknown)() : this.input;
    if (isAsyncIterable(made)) return made[Symbol.asyncIterator]();
    if (isIterable(made)) return made[Symbol.iterator]();
    throw new TypeError(`from(): the source function must return an iterable or async iterable, got ${describe(made)}`);
  }
}

function isIterable(value: unknown): value is Iterable<unknown> {
  return value !== null && value !== undefined && typeof (value as Iterable<unknown>)[Symbol.iterator] === "function";
}

function isAsyncIterable(value: unknown): value is AsyncIterable<unknown> {
  return value !== null && value !== undefined && typeof (value as AsyncIterable<unknown>)[Symbol.asyncIterator] === "function";
}

/** Generator objects and iterators return themselves from [Symbol.iterator](); arrays and sets do not. */
function isIteratorObject(value: unknown): boolean {
  const v = value as Partial<Iterable<unknown> & AsyncIterable<unknown> & Iterator<unknown>>;
  if (typeof v.next !== "function") return false;
  try {
    return (v[Symbol.iterator]?.() as unknown) === v || (v[Symbol.asyncIterator]?.() as unknown) === v;
  } catch {
    return true;
  }
}

function isReadable(value: unknown): value is Readable {
  const v = value as Partial<Readable>;
  return typeof v.pipe === "function" && typeof v.read === "function";
}
