/**
 * Task: one input item on its way through a stage, and what it produced.
 * Tasks are pooled per stage: a hot stage reuses the same few objects, and the
 * callbacks that receive an item's result are bound once per Task, not per item.
 */
import type { Envelope } from "../envelope";
import type { ExecutorTask } from "../executors/executor";

export interface TaskSink {
  complete(task: Task, result: unknown): void;
  fail(task: Task, error: unknown): void;
}

export class Task implements ExecutorTask {
  envelope!: Envelope;
  /** The worker slot (in-process executors); -1 for place markers and while the task holds no worker. */
  slot = -1;
  /** Holds a worker from the executor: from its call until its result needs no more user code. */
  holdsWorker = false;
  /**
   * What this item produced: outputs[flushed..produced) are still to be written.
   * Indexes instead of push/shift keep the array's storage across reuses.
   */
  private readonly outputs: Envelope[] = [];
  private produced = 0;
  private flushed = 0;
  done = false;
  queued = false;
  /** An input item (not a place marker) not yet written, rejected, expanded or failed: counted in inFlight. */
  live = false;
  /** When the function was called (ms), for timed items whose result comes later; 0 when not timed. */
  startedAt = 0;
  /** How many items this timed item stands for in busy time (see StageRunner's sampling). */
  weight = 1;
  timer: NodeJS.Timeout | undefined;
  /** Retries used so far for this item. */
  attempts = 0;
  /** Counts calls, never reset: an answer from an earlier call (timed out, retried) sees another number and is ignored. */
  calls = 0;
  /** flatMap: children written before the item failed. */
  children = 0;
  /** Set while a flatMap expansion is paused. */
  resume: (() => void) | undefined;
  readonly onValue: (value: unknown) => void;
  readonly onError: (error: unknown) => void;

  constructor(sink: TaskSink) {
    this.onValue = (value) => sink.complete(this, value);
    this.onError = (error) => sink.fail(this, error);
  }

  get unwritten(): number {
    return this.produced - this.flushed;
  }

  add(envelope: Envelope): void {
    this.outputs[this.produced++] = envelope;
  }

  /** The oldest unwritten output; call only when `unwritten > 0`. */
  takeOutput(): Envelope {
    const envelope = this.outputs[this.flushed]!;
    this.outputs[this.flushed++] = undefined as never;
    if (this.flushed === this.produced) this.produced = this.flushed = 0;
    return envelope;
  }
}

export class TaskPool {
  private readonly free: Task[] = [];

  constructor(private readonly sink: TaskSink) {}

  take(envelope: Envelope): Task {
    const task = this.free.pop() ?? new Task(this.sink);
    task.envelope = envelope;
    return task;
  }

  /** Only for a task nothing refers to any more: done, written and out of the queue. */
  give(task: Task): void {
    task.envelope = undefined as never;
    task.slot = -1;
    task.holdsWorker = false;
    task.done = false;
    task.queued = false;
    task.live = false;
    task.startedAt = 0;
    task.children = 0;
    this.free.push(task);
  }
}
