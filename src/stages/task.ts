/**
 * Task: one input item on its way through a stage, and what it produced.
 * Every change of a task's state happens here, through a method that names it;
 * the runner, the output queue, the expansions and the clock only ask for them.
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
  /** The item's position in the stage's input, from 0 (`ctx.index`); the runner sets it when it takes the item. */
  index = -1;
  /** A cached stage's miss: the key its result is stored under once the function answers. */
  cacheKey: string | undefined = undefined;
  /** The worker slot, the executor's to set (in-process executors); -1 while the task holds no worker. */
  slot = -1;
  /**
   * What this item produced: outputs[flushed..produced) are still to be written.
   * Indexes instead of push/shift keep the array's storage across reuses.
   */
  private readonly outputs: Envelope[] = [];
  private produced = 0;
  private flushed = 0;
  private isDone = false;
  private isQueued = false;
  private isLive = false;
  private hasWorker = false;
  private retriesUsed = 0;
  private childrenWritten = 0;
  private callStartedAt = 0;
  private callWeight = 1;
  /** Counts calls, never reset: an answer from an earlier call (timed out, retried) sees another number and is ignored. */
  private callCount = 0;
  private pendingTimer: NodeJS.Timeout | undefined;
  private wakeUp: (() => void) | undefined;
  readonly onValue: (value: unknown) => void;
  readonly onError: (error: unknown) => void;

  constructor(sink: TaskSink) {
    this.onValue = (value) => sink.complete(this, value);
    this.onError = (error) => sink.fail(this, error);
  }

  /** Its function has answered for good (or it is a place marker): nothing more will be produced. */
  get done(): boolean {
    return this.isDone;
  }
  /** In the output queue. */
  get queued(): boolean {
    return this.isQueued;
  }
  /** An input item not yet written, rejected, expanded or failed: counted in inFlight. */
  get live(): boolean {
    return this.isLive;
  }
  /** Holds a worker from the executor. */
  get holdsWorker(): boolean {
    return this.hasWorker;
  }
  /** Retries used so far. */
  get attempts(): number {
    return this.retriesUsed;
  }
  /** flatMap: children written before the item failed. */
  get children(): number {
    return this.childrenWritten;
  }
  /** When a timed call started (ms), for a result that comes later; 0 when not timed. */
  get startedAt(): number {
    return this.callStartedAt;
  }
  /** How many calls this timed call stands for in busy time (see CallClock). */
  get weight(): number {
    return this.callWeight;
  }
  /** The current call's number (see `newCall`). */
  get calls(): number {
    return this.callCount;
  }
  get timer(): NodeJS.Timeout | undefined {
    return this.pendingTimer;
  }
  get paused(): boolean {
    return this.wakeUp !== undefined;
  }

  /** An input item enters the stage. */
  begin(): void {
    this.isLive = true;
    this.retriesUsed = 0;
  }

  /** Leaves inFlight; true the first time only. */
  settle(): boolean {
    if (!this.isLive) return false;
    this.isLive = false;
    return true;
  }

  finish(): void {
    this.isDone = true;
  }

  /** Joins the output queue; true the first time only. */
  enqueue(): boolean {
    if (this.isQueued) return false;
    this.isQueued = true;
    return true;
  }

  takeWorker(): void {
    this.hasWorker = true;
  }

  /** Gives its worker back; true when it held one. */
  giveWorker(): boolean {
    if (!this.hasWorker) return false;
    this.hasWorker = false;
    return true;
  }

  /** A new call of the function for this item; its number tells its answer from a late one. */
  newCall(): number {
    return ++this.callCount;
  }

  /** Any answer still on its way belongs to a call given up on. */
  abandonCall(): void {
    this.callCount++;
  }

  /** The call is timed, standing for `weight` calls; its result comes later. */
  timeCall(startedAt: number, weight: number): void {
    this.callStartedAt = startedAt;
    this.callWeight = weight;
  }

  /** The timed call answered: its start, once (0 when it was not timed). */
  takeCallStart(): number {
    const startedAt = this.callStartedAt;
    this.callStartedAt = 0;
    return startedAt;
  }

  retried(): void {
    this.retriesUsed++;
  }

  /** flatMap: the item failed after writing `count` children (0: it may be tried again). */
  setChildren(count: number): void {
    this.childrenWritten = count;
  }

  setTimer(timer: NodeJS.Timeout | undefined): void {
    this.pendingTimer = timer;
  }

  /** Waits until `wake()`; `onWake` runs first. */
  pause(onWake: () => void): Promise<void> {
    return new Promise((resolve) => {
      this.wakeUp = () => {
        this.wakeUp = undefined;
        onWake();
        resolve();
      };
    });
  }

  wake(): void {
    this.wakeUp?.();
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

  /** Back to the pool: only for a task nothing refers to any more (done, written, out of the queue). */
  reset(): void {
    this.cacheKey = undefined;
    this.envelope = undefined as never;
    this.slot = -1;
    this.hasWorker = false;
    this.isDone = false;
    this.isQueued = false;
    this.isLive = false;
    this.callStartedAt = 0;
    this.childrenWritten = 0;
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
    task.reset();
    this.free.push(task);
  }
}
