/**
 * The writers of the sinks that stay in memory or hand items to a function:
 * sink.array (and toArray), sink.count, sink.each and sink.reduce. A function
 * that returns a promise is awaited before the next item reaches it, so items
 * arrive in order and a slow function holds the run back instead of piling up
 * calls.
 */
import { isThenable } from "../thenable";
import type { SinkWriter } from "./sink";

/** The first `limit` items (all of them without one). */
export class ArrayWriter<T> implements SinkWriter<T[]> {
  private readonly items: T[] = [];

  constructor(private readonly limit = Infinity) {}

  get full(): boolean {
    return this.items.length >= this.limit;
  }

  push(item: unknown): void {
    if (this.items.length < this.limit) this.items.push(item as T);
  }

  end(): void {}

  commit(): T[] {
    return this.items;
  }

  async abandon(): Promise<void> {}
}

export class CountWriter implements SinkWriter<number> {
  private count = 0;

  push(): void {
    this.count++;
  }

  end(): void {}

  commit(): number {
    return this.count;
  }

  async abandon(): Promise<void> {}
}

export class EachWriter<T> implements SinkWriter<void> {
  private index = 0;

  constructor(private readonly fn: (item: T, index: number) => unknown) {}

  push(item: unknown): PromiseLike<void> | undefined {
    const result = this.fn(item as T, this.index++);
    return isThenable(result) ? (result as PromiseLike<void>) : undefined;
  }

  end(): void {}

  commit(): void {}

  async abandon(): Promise<void> {}
}

/** Marks "no initial value": the first item is the accumulator, as with Array.prototype.reduce. */
export const NO_INITIAL: unique symbol = Symbol("no initial value");

export class ReduceWriter<T, A> implements SinkWriter<A> {
  private accumulator: A | typeof NO_INITIAL;
  private index = 0;

  constructor(
    private readonly fn: (accumulator: A, item: T, index: number) => A | PromiseLike<A>,
    initial: A | typeof NO_INITIAL,
  ) {
    this.accumulator = initial;
  }

  push(item: unknown): PromiseLike<void> | undefined {
    const index = this.index++;
    if (this.accumulator === NO_INITIAL) {
      this.accumulator = item as unknown as A;
      return undefined;
    }
    const next = this.fn(this.accumulator, item as T, index);
    if (!isThenable(next)) {
      this.accumulator = next;
      return undefined;
    }
    return next.then((value) => {
      this.accumulator = value;
    });
  }

  end(): void {
    if (this.accumulator === NO_INITIAL)
      throw new TypeError("sink.reduce(): the run gave no items and there is no initial value (pass one: sink.reduce(fn, initial))");
  }

  commit(): A {
    return this.accumulator as A;
  }

  async abandon(): Promise<void> {}
}
