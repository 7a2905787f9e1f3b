/**
 * BoundedBuffer: the channel between two stages.
 *
 * The producer asks `hasSpace` before it pushes and waits with `whenSpace()`
 * when there is none; the buffer itself never refuses an item, so a stage can
 * decide how far past the bound it may go (it may not: see StageRunner). The
 * consumer takes with `shift()` and waits with `whenReadable()`.
 * `abort()` wakes every waiter so that a run can stop without anyone hanging.
 */
export const EMPTY: unique symbol = Symbol("pipelab.empty");

export class BoundedBuffer<T> {
  /** Bound in items; 0 means unbounded. */
  readonly maxsize: number;
  /** Most items held at once, for statistics. */
  peak = 0;
  private readonly items: T[] = [];
  private head = 0;
  private isClosed = false;
  private isAborted = false;
  private spaceWaiters: Array<() => void> = [];
  private readWaiters: Array<() => void> = [];

  constructor(maxsize: number) {
    this.maxsize = maxsize;
  }

  get size(): number {
    return this.items.length - this.head;
  }

  get hasSpace(): boolean {
    return this.maxsize === 0 || this.size < this.maxsize;
  }

  /** Closed by its producer and nothing left to take, or aborted. */
  get finished(): boolean {
    return this.isAborted || (this.isClosed && this.size === 0);
  }

  get aborted(): boolean {
    return this.isAborted;
  }

  push(item: T): void {
    if (this.isAborted) return;
    if (this.isClosed) throw new Error("BoundedBuffer: push after close");
    this.items.push(item);
    if (this.size > this.peak) this.peak = this.size;
    wake(this.readWaiters);
  }

  /** The oldest item, or EMPTY when there is none right now. */
  shift(): T | typeof EMPTY {
    if (this.isAborted || this.head === this.items.length) return EMPTY;
    const item = this.items[this.head];
    this.items[this.head++] = undefined as T;
    // Compact now and then instead of Array#shift, which is O(n) per call.
    if (this.head > 1024 && this.head * 2 > this.items.length) {
      this.items.splice(0, this.head);
      this.head = 0;
    }
    if (this.spaceWaiters.length > 0 && this.hasSpace) wake(this.spaceWaiters);
    return item;
  }

  /** The oldest item without taking it, or EMPTY when there is none right now. */
  peek(): T | typeof EMPTY {
    if (this.isAborted || this.head === this.items.length) return EMPTY;
    return this.items[this.head]!;
  }

  /** Resolves when an item can be taken, or the buffer is finished. */
  whenReadable(): Promise<void> {
    if (this.size > 0 || this.finished || this.isClosed) return Promise.resolve();
    return new Promise((resolve) => this.readWaiters.push(resolve));
  }

  /** Resolves when there is space, or the buffer was aborted. */
  whenSpace(): Promise<void> {
    if (this.hasSpace || this.isAborted) return Promise.resolve();
    return new Promise((resolve) => this.spaceWaiters.push(resolve));
  }

  /** Waits for space, then pushes. */
  async put(item: T): Promise<void> {
    while (!this.hasSpace && !this.isAborted) await this.whenSpace();
    this.push(item);
  }

  /** Waits for an item; EMPTY means the buffer is finished. */
  async take(): Promise<T | typeof EMPTY> {
    for (;;) {
      const item = this.shift();
      if (item !== EMPTY || this.finished) return item;
      await this.whenReadable();
    }
  }

  /** The producer is done; the consumer drains what is left. */
  close(): void {
    this.isClosed = true;
    wake(this.readWaiters);
  }

  /** The run is stopping: drop everything and wake all waiters. */
  abort(): void {
    this.isAborted = true;
    this.items.length = 0;
    this.head = 0;
    wake(this.readWaiters);
    wake(this.spaceWaiters);
  }
}

function wake(waiters: Array<() => void>): void {
  if (waiters.length === 0) return;
  const woken = waiters.splice(0, waiters.length);
  for (const resolve of woken) resolve();
}
