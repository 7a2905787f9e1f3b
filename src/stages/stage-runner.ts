/**
 * StageRunner: runs one map / filter / flatMap / each stage. It reads its input
 * buffer, gives items to its executor while the executor has room, and writes
 * results through an OutputQueue, in input order or as completed.
 *
 * Backpressure: an item is taken only while (items taken but not yet written)
 * + (items in the output buffer) < maxsize + workers, and nothing is written
 * past `maxsize`; so however slow the consumer, a stage holds at most
 * maxsize + workers items it has produced or is producing. A flatMap item's
 * children count one by one: an expansion pauses while its children cannot be
 * written (or, behind the head in an ordered stage, while that bound is reached).
 */
import type { BoundedBuffer } from "../buffer";
import { EMPTY } from "../buffer";
import { Doorbell } from "../doorbell";
import { childKey, type Envelope, formatKey, type ItemKey, Kind, markerEnvelope, rootOf, valueEnvelope } from "../envelope";
import { messageOf, StageError, TimeoutError } from "../errors";
import { DEFERRED, type Executor, HookError, type ResultSink } from "../executors/executor";
import { FairShare } from "../fair-share";
import { isThenable } from "../thenable";
import type { Operation, ResolvedStageOptions } from "../options";
import { type RunControl, whenAborted } from "../run-control";
import type { StageCounters } from "../stats/stage-counters";
import { decideFailure } from "./failure-policy";
import { OutputQueue } from "./output-queue";
import type { ReorderProgress } from "./reorder";
import { type Task, TaskPool } from "./task";

export interface StageDefinition {
  name: string;
  operation: Operation;
  options: ResolvedStageOptions;
  /** Send holes and end markers downstream, because an ordered() stage needs them. */
  keepPlaces: boolean;
  /**
   * The ordered() downstream, for a flatMap: children of items after the one
   * ordered() waits for pause while it already holds `limit` items, so a slow
   * item cannot make it hoard every other item's children.
   */
  order?: { progress: ReorderProgress; limit: number };
}

/**
 * Fast calls are timed one in SAMPLE_EVERY: a clock reading costs as much as a
 * trivial call. While calls take longer than SLOW_CALL_MS, every one is timed.
 */
const SAMPLE_EVERY = 16;
const SLOW_CALL_MS = 0.02;
/** An asynchronous item's time includes its wait behind the others in flight, so "slow" starts later. */
const SLOW_ASYNC_MS = 1;

export class StageRunner {
  private readonly bell = new Doorbell();
  private readonly fairShare = new FairShare();
  /** Where results and failures come back, from promises and from the executor. */
  private readonly sink = {
    complete: (task: Task, value: unknown) => this.complete(task, value),
    fail: (task: Task, error: unknown) => this.failItem(task, error),
    failStage: (error: unknown) => {
      if (!this.stopped) this.control.fail(this.wrap(error));
    },
  };
  private readonly tasks = new TaskPool(this.sink);
  private readonly queue: OutputQueue;
  /** Items taken from the input and not yet fully written. */
  private held = 0;
  /** Mirrors control.signal.aborted, read on every item (the signal's getter is not free). */
  private stopped = false;
  private readonly timed = new Set<Task>();
  private sampleTick = 0;
  /**
   * 1 while calls are slow, SAMPLE_EVERY while they are fast; the first call is
   * always timed. Never, for an executor that times its items itself.
   */
  private sampleEvery: number;
  /** flatMap expansions waiting for their outputs to drain. */
  private readonly paused = new Set<Task>();
  /** Expansions of lazy iterables that gave up their worker and want one back to pull a child; served before new input. */
  private readonly workerWaiters: Array<{ task: Task; resume: () => void }> = [];

  constructor(
    private readonly stage: StageDefinition,
    private readonly input: BoundedBuffer<Envelope>,
    private readonly output: BoundedBuffer<Envelope>,
    private readonly executor: Executor,
    private readonly control: RunControl,
    private readonly counters: StageCounters,
  ) {
    const onSpace = () => {
      if (this.stopped) return;
      this.flush();
      this.bell.ring();
    };
    this.queue = new OutputQueue(output, stage.options.ordered, counters, (task) => this.retire(task), onSpace);
    this.sampleEvery = executor.timesItems ? Infinity : 1;
    stage.order?.progress.onProgress(() => this.resumePaused());
  }

  /** Runs the stage to its end. Never rejects: failures go to `control.fail`. */
  async run(): Promise<void> {
    const halt = () => this.halt();
    this.stopped = this.control.signal.aborted;
    this.control.signal.addEventListener("abort", halt, { once: true });
    try {
      // The executor hands back only the tasks it was given, which are Tasks.
      await Promise.race([this.executor.start(this.sink as ResultSink), whenAborted(this.control.signal)]);
      if (!this.stopped) await this.drive();
    } catch (error) {
      this.control.fail(this.wrap(error));
    }
    try {
      await this.executor.stop(this.stopped);
    } catch (error) {
      this.control.fail(this.wrap(error));
    }
    this.control.signal.removeEventListener("abort", halt);
  }

  private async drive(): Promise<void> {
    const { input, output, executor } = this;
    const { workers, maxsize } = this.stage.options;
    for (;;) {
      if (this.stopped) return;
      if (this.serveWorkerWaiter()) continue;
      const roomInWindow = maxsize === 0 || this.held + output.size < maxsize + workers;
      if (roomInWindow && executor.hasRoom()) {
        const envelope = input.shift();
        if (envelope !== EMPTY) {
          this.accept(envelope);
          const turn = this.fairShare.turn();
          if (turn) {
            executor.flush();
            await turn;
          }
          continue;
        }
        if (input.finished) break;
        // Something changed since we looked (a result came back): look again rather than wait.
        if (this.bell.takeRing()) continue;
        executor.flush();
        const waitingSince = performance.now();
        await Promise.race([input.whenReadable(), this.bell.wait()]);
        this.counters.waitingMs += performance.now() - waitingSince;
      } else {
        executor.flush();
        await this.bell.wait();
      }
    }
    executor.flush();
    while (this.held > 0 && !this.stopped) {
      if (this.serveWorkerWaiter()) continue;
      await this.bell.wait();
    }
    if (!this.stopped) output.close();
  }

  /** Gives a worker to the expansion that has waited longest for one, if there is room. */
  private serveWorkerWaiter(): boolean {
    if (this.workerWaiters.length === 0 || !this.executor.hasRoom()) return false;
    // Acquire here, not when the expansion resumes: by then new input could have taken the room.
    const waiter = this.workerWaiters.shift()!;
    this.acquireWorker(waiter.task);
    waiter.resume();
    return true;
  }

  private accept(envelope: Envelope): void {
    this.held++;
    const task = this.tasks.take(envelope);
    if (envelope.kind !== Kind.Value) {
      // A place marker from upstream: no work, just keep its place.
      this.queue.produce(task, envelope);
      task.done = true;
      this.queue.enqueue(task);
      this.flush();
      return;
    }
    this.counters.itemsIn++;
    this.counters.inFlight++;
    task.live = true;
    task.attempts = 0;
    if (this.stage.options.ordered) this.queue.enqueue(task);
    this.acquireWorker(task);
    this.invoke(task);
  }

  /** Calls the function for an acquired task (again, for a retry) and takes care of its result. */
  private invoke(task: Task): void {
    const { timeout } = this.stage.options;
    const sampled = ++this.sampleTick >= this.sampleEvery;
    if (sampled) this.sampleTick = 0;
    const startedAt = sampled || timeout > 0 ? performance.now() : 0;
    const call = ++task.calls;
    let result: unknown;
    try {
      result = this.executor.call(task);
    } catch (error) {
      return this.failItem(task, error);
    }
    // The call may have stopped the run (a batch that could not be sent): arm nothing then.
    if (this.stopped) return;
    if (result === DEFERRED || isThenable(result)) {
      if (timeout > 0) {
        task.timer = setTimeout(() => this.timeOut(task), timeout);
        this.timed.add(task);
      }
      if (result !== DEFERRED) {
        // Worker executors time their own items; here the sampled ones are timed when they settle.
        if (sampled) {
          task.startedAt = startedAt;
          task.weight = this.sampleEvery;
        }
        // Through a real promise: a home-made thenable could call back twice, or after the task was reused.
        // A call that can be given up on (timeout) or made again (retries) must not answer for a later one.
        if (timeout > 0 || this.stage.options.retries > 0) {
          Promise.resolve(result).then(
            (value) => task.calls === call && this.complete(task, value),
            (error) => task.calls === call && this.failItem(task, error),
          );
        } else {
          Promise.resolve(result).then(task.onValue, task.onError);
        }
      }
      return;
    }
    if (startedAt > 0) {
      const ms = performance.now() - startedAt;
      if (sampled) this.recordSample(ms, this.sampleEvery, SLOW_CALL_MS);
      // A synchronous function cannot be interrupted; it fails when it returns.
      if (timeout > 0 && ms > timeout) return this.failItem(task, this.timeoutError(task));
    }
    this.complete(task, result);
  }

  private timeoutError(task: Task): TimeoutError {
    return new TimeoutError(this.stage.name, formatKey(task.envelope.key), this.stage.options.timeout);
  }

  /** The item overran its timeout: its call is given up (its late answer ignored, its thread replaced). */
  private timeOut(task: Task): void {
    task.timer = undefined;
    this.timed.delete(task);
    if (this.stopped) return;
    task.calls++;
    this.executor.abandon?.(task);
    this.failItem(task, this.timeoutError(task));
  }

  /** Records a timed item for `weight` items, and times every item from now on if items are slow. */
  private recordSample(ms: number, weight: number, slowMs: number): void {
    this.counters.recordItem(ms, weight);
    this.sampleEvery = ms > slowMs ? 1 : SAMPLE_EVERY;
  }

  private complete(task: Task, result: unknown): void {
    this.clearTimer(task);
    if (this.stopped) return;
    if (task.startedAt > 0) {
      this.recordSample(performance.now() - task.startedAt, task.weight, SLOW_ASYNC_MS);
      task.startedAt = 0;
    }
    const { envelope } = task;
    const { queue } = this;
    switch (this.stage.operation) {
      case "map":
        envelope.value = result;
        queue.produce(task, envelope);
        break;
      case "filter":
        if (result) queue.produce(task, envelope);
        else this.drop(task);
        break;
      case "each":
        this.drop(task);
        break;
      case "flatMap":
        void this.expand(task, result);
        return;
    }
    this.finish(task);
  }

  /** Writes a flatMap result's children as they come, pausing while they cannot be written. */
  private async expand(task: Task, result: unknown): Promise<void> {
    const iterator = iteratorOf(result);
    if (!iterator) {
      const got = result === null ? "null" : typeof result;
      return this.failItem(task, new TypeError(`a flatMap function must return an iterable or async iterable, got ${got}`));
    }
    const parent = task.envelope.key;
    let position = 0;
    // An item whose function has returned gives its worker back while its children wait to be
    // written (they still count toward the window): holding it would keep new items from
    // starting, and deadlock a run whose earlier item waits for a later one. Reading an array
    // runs no user code; a lazy iterable (a generator) gets a worker back for each pull.
    const lazy = !Array.isArray(result);
    if (!lazy) this.releaseWorker(task);
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
        if (this.mustPause(task)) {
          this.releaseWorker(task);
          await this.pause(task);
          continue;
        }
        if (lazy && !task.holdsWorker) {
          await new Promise<void>((resume) => {
            this.workerWaiters.push({ task, resume });
            this.bell.ring();
          });
          continue;
        }
        let step = iterator.next();
        if (isThenable(step)) step = await step;
        if (step.done) break;
        if (this.stopped) continue;
        this.queue.produce(task, valueEnvelope(childKey(parent, position++), step.value));
        this.queue.enqueue(task);
        this.flush();
      }
    } catch (error) {
      // Children already written cannot be taken back: such an item is not tried again.
      task.children = position;
      return this.failItem(task, error);
    }
    if (this.stage.keepPlaces) this.queue.produce(task, markerEnvelope(childKey(parent, position), Kind.End));
    this.counters.expanded++;
    this.settle(task);
    this.finish(task);
  }

  /** A filter rejected the item, or an each stage consumed it: it leaves only its place behind. */
  private drop(task: Task): void {
    this.counters.filtered++;
    this.settle(task);
    if (this.stage.keepPlaces) this.queue.produce(task, markerEnvelope(task.envelope.key, Kind.Hole));
  }

  /** The item is accounted for (written, rejected, expanded or failed): it leaves inFlight, once. */
  private settle(task: Task): void {
    if (!task.live) return;
    task.live = false;
    this.counters.inFlight--;
  }

  /**
   * Whether an expansion must wait before producing another child. The task
   * whose outputs can be written now waits only while its last child is
   * unwritten; the others also while the stage holds maxsize + workers - 1
   * items, which leaves the writable task room for its next child (it must
   * always be able to go on) within maxsize + workers.
   */
  private mustPause(task: Task): boolean {
    const { maxsize, workers } = this.stage.options;
    if (maxsize === 0) return false;
    if (task.unwritten > 0) return true;
    return !this.queue.isWritable(task) && this.queue.unwritten + this.output.size >= maxsize + workers - 1;
  }

  /** Children of an item after the one ordered() waits for, while ordered() already holds its limit. */
  private waitsForOrder(task: Task): boolean {
    const { order } = this.stage;
    return order !== undefined && rootOf(task.envelope.key) > order.progress.released && order.progress.backlog >= order.limit;
  }

  /**
   * Waits for ordered() without holding a worker or a place in the window:
   * the item ordered() waits for may need them to get through this stage.
   */
  private async yieldPlace(task: Task): Promise<void> {
    this.releaseWorker(task);
    this.held--;
    this.bell.ring();
    do await this.pause(task);
    while (!this.stopped && this.waitsForOrder(task));
    if (!this.stopped) this.held++;
  }

  private acquireWorker(task: Task): void {
    this.executor.acquire(task);
    task.holdsWorker = true;
  }

  /** Gives the task's worker back, once; a task that holds none keeps nothing to give. */
  private releaseWorker(task: Task): void {
    if (!task.holdsWorker) return;
    task.holdsWorker = false;
    this.executor.release(task);
    this.bell.ring();
  }

  /** Resolves at the next flush, progress of ordered(), or stop. */
  private pause(task: Task): Promise<void> {
    this.paused.add(task);
    return new Promise((resolve) => {
      task.resume = () => {
        this.paused.delete(task);
        task.resume = undefined;
        resolve();
      };
    });
  }

  private resumePaused(): void {
    for (const task of this.paused) task.resume?.();
  }

  private finish(task: Task): void {
    task.done = true;
    this.releaseWorker(task);
    if (task.unwritten > 0) this.queue.enqueue(task);
    else if (!task.queued) this.retire(task);
    this.flush();
    this.bell.ring();
  }

  /** The task is done and all it produced is written: it leaves the stage and goes back to the pool. */
  private retire(task: Task): void {
    this.settle(task);
    this.held--;
    this.tasks.give(task);
    this.bell.ring();
  }

  private flush(): void {
    this.queue.flush();
    // Paused expansions look again: their outputs were written, or they became the head.
    if (this.paused.size > 0) this.resumePaused();
  }

  /**
   * An item's call failed: try it again while it has retries left, then do what
   * onError says: fail the run, or drop the item (keeping it in `failures` for
   * "collect") and go on.
   */
  private failItem(task: Task, error: unknown): void {
    this.clearTimer(task);
    if (this.stopped || !task.live) return;
    const action = decideFailure(this.stage.options, task.attempts, error, task.children === 0);
    if (action.kind === "retry") {
      task.attempts++;
      this.counters.retries++;
      if (action.delayMs === 0) return this.retry(task);
      task.timer = setTimeout(() => {
        task.timer = undefined;
        this.timed.delete(task);
        if (!this.stopped) this.retry(task);
      }, action.delayMs);
      this.timed.add(task);
      return;
    }
    this.counters.errors++;
    this.settle(task);
    const wrapped = this.wrap(error, task.envelope.key);
    if (action.kind === "raise") return this.control.fail(wrapped);
    if (action.keep) {
      const index = formatKey(task.envelope.key);
      this.counters.recordFailure({ stage: this.stage.name, index, item: task.envelope.value, error: wrapped }, this.stage.options.maxFailures);
    }
    // The item leaves nothing behind but its place, for ordered() downstream.
    if (this.stage.keepPlaces) {
      const place = task.children > 0 ? markerEnvelope(childKey(task.envelope.key, task.children), Kind.End) : markerEnvelope(task.envelope.key, Kind.Hole);
      this.queue.produce(task, place);
    }
    task.children = 0;
    this.finish(task);
  }

  /** Calls again for a failed item; sent at once, since the stage loop may be asleep. */
  private retry(task: Task): void {
    this.invoke(task);
    this.executor.flush();
  }

  private clearTimer(task: Task): void {
    if (task.timer === undefined) return;
    clearTimeout(task.timer);
    task.timer = undefined;
    this.timed.delete(task);
  }

  /** The run is stopping: wake the loop and every paused expansion, drop timers. */
  private halt(): void {
    this.stopped = true;
    for (const task of this.timed) clearTimeout(task.timer);
    this.timed.clear();
    this.resumePaused();
    for (const waiter of this.workerWaiters.splice(0)) waiter.resume();
    this.bell.ring();
  }

  private wrap(error: unknown, key?: ItemKey): Error {
    const { name } = this.stage;
    if (error instanceof StageError) return error;
    if (error instanceof HookError) {
      return new StageError(`Stage "${name}": ${error.message}`, { stage: name, cause: error.cause });
    }
    if (key === undefined) {
      return new StageError(`Stage "${name}" failed: ${messageOf(error)}`, { stage: name, cause: error });
    }
    const index = formatKey(key);
    const hint = this.executor.explain?.(error);
    return new StageError(`Stage "${name}" failed on item ${index}: ${messageOf(error)}${hint ? ` (${hint})` : ""}`, {
      stage: name,
      index,
      cause: error,
    });
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
