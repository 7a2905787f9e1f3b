/**
 * StageRunner: runs one map / filter / flatMap / each stage. It reads its input
 * buffer, keeps at most `workers` items in flight on an executor, and writes
 * results to its output buffer, in input order or as completed.
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
import { FairShare } from "../fair-share";
import { childKey, type Envelope, formatKey, type ItemKey, Kind, markerEnvelope, rootOf, valueEnvelope } from "../envelope";
import { messageOf, StageError, TimeoutError } from "../errors";
import { type Executor, HookError } from "../executors/executor";
import type { Operation, ResolvedStageOptions } from "../options";
import { type RunControl, whenAborted } from "../run-control";
import type { StageCounters } from "../stats/stage-counters";
import type { ReorderProgress } from "./reorder";

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

/** Executors may explain an error in terms a person can act on (worker mode: captured variables). */
type Explaining = Executor & { explain?(error: unknown): string | undefined };

/** One input item on its way through the stage. */
class Task {
  /** What this item produced, written out from `flushed` on. */
  outputs: Envelope[] = [];
  flushed = 0;
  done = false;
  queued = false;
  timer: NodeJS.Timeout | undefined;
  /** Set while a flatMap expansion waits for its outputs to drain. */
  resume: (() => void) | undefined;

  constructor(
    readonly envelope: Envelope,
    /** The worker slot; -1 for place markers. An expansion waiting for ordered() gives it up. */
    public slot: number,
  ) {}
}

export class StageRunner {
  private readonly bell = new Doorbell();
  /** Tasks whose outputs are written in this order (ordered: input order; unordered: completion order). */
  private queue: Task[] = [];
  private queueHead = 0;
  /** Items taken from the input and not yet fully written. */
  private held = 0;
  private active = 0;
  private readonly freeSlots: number[];
  private readonly timed = new Set<Task>();
  private waitingForSpace = false;
  /** Outputs produced but not yet written, over all tasks. */
  private unwritten = 0;
  /** flatMap expansions waiting for their outputs to drain. */
  private readonly paused = new Set<Task>();
  /** Expansions that gave up their slot for ordered() and want one back; served before new input. */
  private readonly slotWaiters: Array<() => void> = [];
  private readonly fairShare = new FairShare();

  constructor(
    private readonly stage: StageDefinition,
    private readonly input: BoundedBuffer<Envelope>,
    private readonly output: BoundedBuffer<Envelope>,
    private readonly executor: Explaining,
    private readonly control: RunControl,
    private readonly counters: StageCounters,
  ) {
    const { workers } = stage.options;
    this.freeSlots = Array.from({ length: workers }, (_, i) => workers - 1 - i);
    stage.order?.progress.onProgress(() => {
      for (const task of this.paused) task.resume?.();
    });
  }

  private get stopped(): boolean {
    return this.control.signal.aborted;
  }

  /** Runs the stage to its end. Never rejects: failures go to `control.fail`. */
  async run(): Promise<void> {
    const halt = () => this.halt();
    this.control.signal.addEventListener("abort", halt, { once: true });
    try {
      await Promise.race([this.executor.start(), whenAborted(this.control.signal)]);
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
    const { input, output } = this;
    const { workers, maxsize } = this.stage.options;
    for (;;) {
      if (this.stopped) return;
      if (this.active < workers && this.slotWaiters.length > 0) {
        this.active++;
        this.held++;
        this.slotWaiters.shift()!();
        continue;
      }
      const roomInWindow = maxsize === 0 || this.held + output.size < maxsize + workers;
      if (this.active < workers && roomInWindow) {
        const envelope = input.shift();
        if (envelope !== EMPTY) {
          this.accept(envelope);
          const turn = this.fairShare.turn();
          if (turn) await turn;
          continue;
        }
        if (input.finished) break;
        await Promise.race([input.whenReadable(), this.bell.wait()]);
      } else {
        if (!roomInWindow && !output.hasSpace) this.awaitSpace();
        await this.bell.wait();
      }
    }
    while (this.held > 0 && !this.stopped) await this.bell.wait();
    if (!this.stopped) output.close();
  }

  private accept(envelope: Envelope): void {
    this.held++;
    if (envelope.kind !== Kind.Value) {
      // A place marker from upstream: no work, just keep its place.
      const task = new Task(envelope, -1);
      this.produce(task, envelope);
      task.done = true;
      this.enqueue(task);
      this.flush();
      return;
    }
    this.counters.itemsIn++;
    this.active++;
    const task = new Task(envelope, this.freeSlots.pop()!);
    if (this.stage.options.ordered) this.enqueue(task);
    const { timeout } = this.stage.options;
    const startedAt = timeout > 0 ? performance.now() : 0;
    let result: unknown;
    try {
      result = this.executor.call(envelope.value, task.slot);
    } catch (error) {
      return this.failItem(task, error);
    }
    if (isThenable(result)) {
      if (timeout > 0) {
        task.timer = setTimeout(() => this.failItem(task, new TimeoutError(this.stage.name, formatKey(envelope.key), timeout)), timeout);
        this.timed.add(task);
      }
      result.then(
        (value) => this.complete(task, value),
        (error) => this.failItem(task, error),
      );
    } else if (timeout > 0 && performance.now() - startedAt > timeout) {
      // A synchronous function cannot be interrupted; it fails when it returns.
      this.failItem(task, new TimeoutError(this.stage.name, formatKey(envelope.key), timeout));
    } else {
      this.complete(task, result);
    }
  }

  private complete(task: Task, result: unknown): void {
    this.clearTimer(task);
    if (this.stopped) return;
    const { envelope } = task;
    switch (this.stage.operation) {
      case "map":
        envelope.value = result;
        this.produce(task, envelope);
        break;
      case "filter":
        if (result) this.produce(task, envelope);
        else if (this.stage.keepPlaces) this.produce(task, markerEnvelope(envelope.key, Kind.Hole));
        break;
      case "each":
        if (this.stage.keepPlaces) this.produce(task, markerEnvelope(envelope.key, Kind.Hole));
        break;
      case "flatMap":
        void this.expand(task, result);
        return;
    }
    this.finish(task);
  }

  /** Writes a flatMap result's children as they come, pausing while too many wait to be written. */
  private async expand(task: Task, result: unknown): Promise<void> {
    const iterator = iteratorOf(result);
    if (!iterator) {
      const got = result === null ? "null" : typeof result;
      return this.failItem(task, new TypeError(`a flatMap function must return an iterable or async iterable, got ${got}`));
    }
    let position = 0;
    try {
      for (;;) {
        if (this.stopped) {
          void Promise.resolve(iterator.return?.()).catch(() => {});
          return;
        }
        if (this.waitsForOrder(task)) {
          await this.yieldSlot(task);
          continue;
        }
        if (this.mustPause(task)) {
          await this.pause(task);
          continue;
        }
        let step = iterator.next();
        if (isThenable(step)) step = await step;
        if (step.done) break;
        if (this.stopped) continue;
        this.produce(task, valueEnvelope(childKey(task.envelope.key, position++), step.value));
        this.enqueue(task);
        this.flush();
      }
    } catch (error) {
      return this.failItem(task, error);
    }
    if (this.stage.keepPlaces) this.produce(task, markerEnvelope(childKey(task.envelope.key, position), Kind.End));
    this.finish(task);
  }

  /**
   * Whether an expansion must wait before producing another child. The task
   * whose outputs can be written now (the head in an ordered stage, any task in
   * an unordered one) waits only while its last child is unwritten; the others
   * also while the stage holds maxsize + workers items.
   */
  private mustPause(task: Task): boolean {
    const { maxsize, workers, ordered } = this.stage.options;
    if (maxsize === 0) return false;
    if (task.flushed < task.outputs.length) return true;
    const writable = !ordered || this.queue[this.queueHead] === task;
    return !writable && this.unwritten + this.output.size >= maxsize + workers;
  }

  /** Children of an item after the one ordered() waits for, while ordered() already holds its limit. */
  private waitsForOrder(task: Task): boolean {
    const { order } = this.stage;
    return order !== undefined && rootOf(task.envelope.key) > order.progress.released && order.progress.backlog >= order.limit;
  }

  /**
   * Waits for ordered() without holding a worker slot or a place in the window:
   * the item ordered() waits for may need them to get through this stage.
   */
  private async yieldSlot(task: Task): Promise<void> {
    this.active--;
    this.held--;
    this.freeSlots.push(task.slot);
    this.bell.ring();
    do await this.pause(task);
    while (!this.stopped && this.waitsForOrder(task));
    if (this.stopped) return;
    await new Promise<void>((resolve) => this.slotWaiters.push(resolve));
    task.slot = this.freeSlots.pop()!;
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

  private produce(task: Task, envelope: Envelope): void {
    task.outputs.push(envelope);
    this.unwritten++;
  }

  private finish(task: Task): void {
    task.done = true;
    this.active--;
    this.freeSlots.push(task.slot);
    if (task.outputs.length > 0) this.enqueue(task);
    else if (!task.queued) this.held--;
    this.flush();
    this.bell.ring();
  }

  private enqueue(task: Task): void {
    if (task.queued) return;
    task.queued = true;
    this.queue.push(task);
  }

  /** Writes outputs while the output buffer has space: in queue order (ordered), or from any task (unordered). */
  private flush(): void {
    if (this.stage.options.ordered) this.flushInOrder();
    else this.flushAsCompleted();
    // Paused expansions look again: their outputs were written, or they became the head.
    for (const task of this.paused) task.resume?.();
  }

  private flushInOrder(): void {
    const { queue } = this;
    while (this.queueHead < queue.length) {
      const task = queue[this.queueHead]!;
      if (!this.write(task)) return;
      if (!task.done) return;
      queue[this.queueHead++] = undefined as never;
      this.held--;
      this.bell.ring();
    }
    this.queue = [];
    this.queueHead = 0;
  }

  private flushAsCompleted(): void {
    const { queue } = this;
    let kept = 0;
    for (let i = 0; i < queue.length; i++) {
      const task = queue[i]!;
      if (this.write(task) && task.done) {
        this.held--;
        this.bell.ring();
      } else {
        queue[kept++] = task;
      }
    }
    queue.length = kept;
  }

  /** Writes a task's outputs; false when the output buffer filled first. */
  private write(task: Task): boolean {
    const { output, counters } = this;
    while (task.flushed < task.outputs.length) {
      if (!output.hasSpace) {
        this.awaitSpace();
        return false;
      }
      const envelope = task.outputs[task.flushed++]!;
      this.unwritten--;
      if (envelope.kind === Kind.Value) counters.itemsOut++;
      output.push(envelope);
    }
    task.outputs.length = 0;
    task.flushed = 0;
    return true;
  }

  private awaitSpace(): void {
    if (this.waitingForSpace) return;
    this.waitingForSpace = true;
    void this.output.whenSpace().then(() => {
      this.waitingForSpace = false;
      if (this.stopped) return;
      this.flush();
      this.bell.ring();
    });
  }

  private failItem(task: Task, error: unknown): void {
    this.clearTimer(task);
    if (this.stopped) return;
    this.counters.errors++;
    this.control.fail(this.wrap(error, task.envelope.key));
  }

  private clearTimer(task: Task): void {
    if (task.timer === undefined) return;
    clearTimeout(task.timer);
    task.timer = undefined;
    this.timed.delete(task);
  }

  /** The run is stopping: wake the loop and every paused expansion, drop timers. */
  private halt(): void {
    for (const task of this.timed) clearTimeout(task.timer);
    this.timed.clear();
    for (const task of this.paused) task.resume?.();
    for (const grant of this.slotWaiters.splice(0)) grant();
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

function isThenable(value: unknown): value is PromiseLike<any> {
  return value !== null && typeof value === "object" && typeof (value as PromiseLike<unknown>).then === "function";
}

type AnyIterator = Iterator<unknown> | AsyncIterator<unknown>;

function iteratorOf(result: unknown): AnyIterator | undefined {
  if (result === null || result === undefined) return undefined;
  const r = result as Partial<AsyncIterable<unknown> & Iterable<unknown>>;
  if (typeof r[Symbol.asyncIterator] === "function") return r[Symbol.asyncIterator]!();
  if (typeof r[Symbol.iterator] === "function") return r[Symbol.iterator]!();
  return undefined;
}
