/**
 * Expansions: a flatMap stage's items turning into their children, within the
 * stage's window and, before an ordered() stage, within ordered()'s window.
 *
 * Children are written one by one as they come. An expansion pauses while its
 * children cannot be written: the item whose outputs can be written now waits
 * only while its last child is unwritten; the others also while the stage holds
 * budget - 1 items, which leaves the writable item room for its next child (it
 * must always be able to go on).
 *
 * An item whose child waits behind an earlier item (ordered, not the head) parks
 * and gives its worker back until it becomes the head: holding the worker would
 * keep new items from starting, and deadlock a run whose earlier item waits for
 * a later one. Parked items are woken one at a time, as each becomes the head,
 * never all at once. A lazy iterable (a generator) gets a worker back before it
 * computes its next child, so user code never runs for more than `workers` items;
 * reading an array needs none.
 */
import type { BoundedBuffer } from "../buffer";
import { childKey, type Envelope, Kind, markerEnvelope, rootOf, valueEnvelope } from "../envelope";
import type { ResolvedStageOptions } from "../options";
import { isThenable } from "../thenable";
import type { OutputQueue } from "./output-queue";
import type { ReorderProgress } from "./reorder";
import type { Task } from "./task";

/** What an expansion needs from its stage. */
export interface ExpansionHost {
  /** Whether the executor has a worker free now. */
  hasRoom(): boolean;
  acquireWorker(task: Task): void;
  releaseWorker(task: Task): void;
  /** The task gives up its place in the stage's window (waiting for ordered()), or takes it back. */
  leaveWindow(): void;
  rejoinWindow(): void;
  /** Writes what the queue can write, and wakes whatever waits on the stage. */
  flush(): void;
  wake(): void;
  /** Every child is out: the item is expanded. */
  expanded(task: Task): void;
  failed(task: Task, error: unknown): void;
}

/** ordered() downstream: how far it got, and how many items it may hold while it waits. */
export interface OrderWindow {
  progress: ReorderProgress;
  limit: number;
}

export class Expansions {
  /** Expansions waiting for output space, for the window, or for ordered(); each holds its worker or its wait is bounded. */
  private readonly paused = new Set<Task>();
  /** Expansions whose next child waits behind an earlier item; woken when they become the head. */
  private readonly parked = new Set<Task>();
  /** The run is stopping (set by halt(), when the stage's own flag is): expansions end. */
  private stopped = false;
  /** Expansions of lazy iterables waiting for a worker to pull their next child; served before new input. */
  private readonly workerWaiters: Array<{ task: Task; resume: () => void }> = [];

  constructor(
    private readonly host: ExpansionHost,
    private readonly queue: OutputQueue,
    private readonly output: BoundedBuffer<Envelope>,
    private readonly options: Pick<ResolvedStageOptions, "budget">,
    private readonly keepPlaces: boolean,
    private readonly order: OrderWindow | undefined,
  ) {
    order?.progress.onProgress(() => this.resumePaused());
  }

  /** Writes the children of `result` (what the flatMap function returned) as they come. */
  async expand(task: Task, result: unknown): Promise<void> {
    const { host } = this;
    const iterator = iteratorOf(result);
    if (!iterator) {
      const got = result === null ? "null" : typeof result;
      return host.failed(task, new TypeError(`a flatMap function must return an iterable or async iterable, got ${got}`));
    }
    const parent = task.envelope.key;
    let position = 0;
    const lazy = !Array.isArray(result);
    try {
      for (;;) {
        if (this.stopped) {
          void Promise.resolve(iterator.return?.()).catch(() => {});
          return;
        }
        if (this.waitsForOrder(task)) {
          await this.yieldPlace(task);
          continue;
        }
        const wait = this.waitFor(task);
        if (wait === "head") {
          host.releaseWorker(task);
          await this.pause(task, this.parked);
          continue;
        }
        if (wait === "space") {
          await this.pause(task, this.paused);
          continue;
        }
        if (lazy && !task.holdsWorker) {
          await this.waitForWorker(task);
          continue;
        }
        let step = iterator.next();
        if (isThenable(step)) step = await step;
        if (step.done) break;
        if (this.stopped) continue;
        this.queue.produce(task, valueEnvelope(childKey(parent, position++), step.value));
        this.queue.enqueue(task);
        host.flush();
      }
    } catch (error) {
      // Children already written cannot be taken back: such an item is not tried again.
      task.setChildren(position);
      return host.failed(task, error);
    }
    if (this.keepPlaces) this.queue.produce(task, markerEnvelope(childKey(parent, position), Kind.End));
    host.expanded(task);
  }

  /** Gives a worker to the expansion that has waited longest for one, if there is room. */
  serveWorkerWaiter(): boolean {
    if (this.workerWaiters.length === 0 || !this.host.hasRoom()) return false;
    // Acquire here, not when the expansion resumes: by then new input could have taken the room.
    const waiter = this.workerWaiters.shift()!;
    this.host.acquireWorker(waiter.task);
    waiter.resume();
    return true;
  }

  /** Paused expansions look again: their outputs were written, one became the head, or ordered() moved. */
  resumePaused(): void {
    const head = this.queue.headTask;
    if (head !== undefined && this.parked.has(head)) head.wake();
    for (const task of this.paused) task.wake();
  }

  /** The run is stopping: wake every waiting expansion, which then sees it and ends. */
  halt(): void {
    this.stopped = true;
    for (const task of this.parked) task.wake();
    this.resumePaused();
    for (const waiter of this.workerWaiters.splice(0)) waiter.resume();
  }

  /** What the task must wait for before it produces another child, if anything. */
  private waitFor(task: Task): "head" | "space" | undefined {
    const { budget } = this.options;
    if (budget === Infinity) return undefined;
    const writable = this.queue.isWritable(task);
    if (task.unwritten > 0) return writable ? "space" : "head";
    return !writable && this.queue.unwritten + this.output.size >= budget - 1 ? "space" : undefined;
  }

  /** Children of an item after the one ordered() waits for, while ordered() already holds its limit. */
  private waitsForOrder(task: Task): boolean {
    const { order } = this;
    return order !== undefined && rootOf(task.envelope.key) > order.progress.released && order.progress.backlog >= order.limit;
  }

  /**
   * Waits for ordered() without holding a worker or a place in the window:
   * the item ordered() waits for may need them to get through this stage.
   */
  private async yieldPlace(task: Task): Promise<void> {
    this.host.releaseWorker(task);
    this.host.leaveWindow();
    do await this.pause(task, this.paused);
    while (!this.stopped && this.waitsForOrder(task));
    if (!this.stopped) this.host.rejoinWindow();
  }

  private waitForWorker(task: Task): Promise<void> {
    return new Promise<void>((resume) => {
      this.workerWaiters.push({ task, resume });
      this.host.wake();
    });
  }

  /** Resolves when woken from `where` (a flush, progress of ordered(), becoming the head, or stop). */
  private pause(task: Task, where: Set<Task>): Promise<void> {
    where.add(task);
    return task.pause(() => where.delete(task));
  }

  get hasPaused(): boolean {
    return this.paused.size > 0 || this.parked.size > 0;
  }
}

type AnyIterator = Iterator<unknown> | AsyncIterator<unknown>;

function iteratorOf(result: unknown): AnyIterator | undefined {
  if (result === null || result === undefined) return undefined;
  const r = result as Partial<AsyncIterable<unknown> & Iterable<unknown>>;
  if (typeof r[Symbol.asyncIterator] === "function") return r[Symbol.asyncIterator]!();
  if (typeof r[Symbol.iterator] === "function") return r[Symbol.iterator]!();
  return undefined;
}
