/**
 * StageRunner: runs one map / filter / flatMap / each stage. It reads its input
 * buffer, gives items to its executor while the executor has room, and writes
 * results through an OutputQueue, in input order or as completed.
 *
 * Backpressure: an item is taken only while (items taken but not yet written)
 * + (items in the output buffer) < the stage's budget (maxsize + workers), and
 * nothing is written past `maxsize`; so however slow the consumer, a stage holds
 * at most its budget of items it has produced or is producing. A flatMap item's
 * children count one by one (see Expansions); the timing of calls and the
 * per-item timers are CallClock's.
 *
 * Longer than 300 lines because an item's whole life in the stage is here: taken
 * (and, with `cache`, answered from the cache or stored once called), called (with
 * `rate`, when its turn comes), answered, failed or retried, written, retired. Each step changes the
 * same task and counters at the same moment; split further, a task would go back
 * and forth between files.
 */
import type { BoundedBuffer } from "../buffer";
import { EMPTY } from "../buffer";
import { Doorbell } from "../doorbell";
import { childKey, type Envelope, formatKey, type ItemKey, Kind, markerEnvelope } from "../envelope";
import { TimeoutError } from "../errors";
import { DEFERRED, type Executor, FILTERED, type ResultSink } from "../executors/executor";
import { FairShare } from "../fair-share";
import { isThenable } from "../thenable";
import type { Operation, ResolvedStageOptions } from "../options";
import { type RunControl, unlessAborted } from "../run-control";
import type { StageCounters } from "../stats/stage-counters";
import { decideFailure, stageError } from "./failure-policy";
import { OutputQueue } from "./output-queue";
import { CallClock, SLOW_ASYNC_MS, SLOW_CALL_MS } from "./call-clock";
import { CallRate } from "./call-rate";
import type { StageCache } from "../cache/stage-cache";
import { CacheLookups } from "./cache-lookups";
import { type ExpansionHost, Expansions, type OrderWindow } from "./expansion";
import { type Task, TaskPool } from "./task";
import { shape } from "../executors/operation-shape";

/** A flatMap's children, all of them, for the cache: its result as an array. */
async function collectChildren(result: unknown): Promise<unknown[]> {
  return shape("flatMap", result) as unknown[] | Promise<unknown[]>;
}

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
  order?: OrderWindow;
  /** The stage's cache (option `cache`): items it knows are answered without a call. */
  cache?: StageCache;
}

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
  private readonly clock: CallClock;
  private readonly expansions: Expansions;
  /** With the `rate` option: when the next call may start. */
  private readonly rate: CallRate | undefined;
  /** Items taken so far: the next one's `ctx.index`. */
  private arrivals = 0;
  /** With the `cache` option: the cache's answers for the items taken. */
  private readonly lookups: CacheLookups | undefined;

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
    this.clock = new CallClock(counters, executor.timesItems);
    const { rate, workers } = stage.options;
    this.rate = rate === undefined ? undefined : new CallRate(rate, workers);
    this.lookups = stage.cache && new CacheLookups(stage.cache, input, () => this.arrivals);
    this.expansions = new Expansions(this.expansionHost(), this.queue, output, stage.options, stage.keepPlaces, stage.order);
  }

  /** What the flatMap expansions may do to this stage. */
  private expansionHost(): ExpansionHost {
    return {
      hasRoom: () => this.executor.hasRoom(),
      acquireWorker: (task) => this.acquireWorker(task),
      releaseWorker: (task) => this.releaseWorker(task),
      leaveWindow: () => {
        this.held--;
        this.bell.ring();
      },
      rejoinWindow: () => this.held++,
      flush: () => this.flush(),
      wake: () => this.bell.ring(),
      expanded: (task) => {
        this.counters.expanded++;
        this.settle(task);
        this.finish(task);
      },
      failed: (task, error) => this.failItem(task, error),
    };
  }

  /** Runs the stage to its end. Never rejects: failures go to `control.fail`. */
  async run(): Promise<void> {
    const halt = () => this.halt();
    this.stopped = this.control.signal.aborted;
    this.control.signal.addEventListener("abort", halt, { once: true });
    try {
      // The executor hands back only the tasks it was given, which are Tasks.
      if (this.stage.cache) {
        this.counters.cached = true;
        await this.stage.cache.open();
      }
      await unlessAborted(this.executor.start(this.sink as ResultSink), this.control.signal, undefined);
      if (!this.stopped) await this.drive();
    } catch (error) {
      this.control.fail(this.wrap(error));
    }
    this.rate?.stop();
    try {
      await this.executor.stop(this.stopped);
    } catch (error) {
      this.control.fail(this.wrap(error));
    }
    try {
      await this.stage.cache?.close(this.counters.cacheHits, this.counters.cacheMisses);
    } catch (error) {
      this.control.fail(this.wrap(error));
    }
    this.control.signal.removeEventListener("abort", halt);
  }

  private async drive(): Promise<void> {
    const { input, output, executor } = this;
    const { budget } = this.stage.options;
    for (;;) {
      if (this.stopped) return;
      if (this.expansions.serveWorkerWaiter()) continue;
      const roomInWindow = this.held + output.size < budget;
      // A hit takes no worker: it may go while every worker is busy.
      if (roomInWindow && (executor.hasRoom() || this.lookups?.nextIsHit())) {
        if (this.rate && !this.lookups?.nextIsHit() && (await this.waitedForTurn())) continue;
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
      if (this.expansions.serveWorkerWaiter()) continue;
      await this.bell.wait();
    }
    if (!this.stopped) output.close();
  }

  /**
   * With `rate`: when the next item would start a call before its turn, waits until the turn
   * comes (or anything else changes) and says so; the loop then looks again. Counted as waiting.
   */
  private async waitedForTurn(): Promise<boolean> {
    const next = this.input.peek();
    if (next === EMPTY || next.kind !== Kind.Value) return false;
    const wait = this.rate!.take();
    if (wait === 0) return false;
    this.executor.flush();
    this.rate!.wakeIn(wait, () => this.bell.ring());
    const waitingSince = performance.now();
    await this.bell.wait();
    const waited = performance.now() - waitingSince;
    this.counters.waitingMs += waited;
    this.counters.rateWaitMs += waited;
    return true;
  }

  private accept(envelope: Envelope): void {
    this.held++;
    const task = this.tasks.take(envelope);
    if (envelope.kind !== Kind.Value) {
      // A place marker from upstream: no work, just keep its place.
      this.queue.produce(task, envelope);
      task.finish();
      this.queue.enqueue(task);
      this.flush();
      return;
    }
    this.counters.itemsIn++;
    this.counters.inFlight++;
    task.index = this.arrivals++;
    task.begin();
    if (this.stage.options.ordered) this.queue.enqueue(task);
    if (this.lookups && this.answeredFromCache(task)) return;
    this.acquireWorker(task);
    this.invoke(task);
  }

  /** A hit: the item is answered without a call. A miss: the task keeps the key its result is stored under. */
  private answeredFromCache(task: Task): boolean {
    const probe = this.lookups!.take(task.envelope, task.index);
    if (probe instanceof Error) {
      // An item that cannot be a key fails as a call would, but calling again cannot help.
      this.failItem(task, probe, false);
      return true;
    }
    if (!probe.hit) {
      this.counters.cacheMisses++;
      task.cacheKey = probe.key;
      return false;
    }
    this.counters.cacheHits++;
    this.complete(task, probe.value);
    return true;
  }

  /** Calls the function for an acquired task (again, for a retry) and takes care of its result. */
  private invoke(task: Task): void {
    const { timeout } = this.stage.options;
    const { clock } = this;
    const sampled = clock.sampleNext();
    const startedAt = sampled || timeout > 0 ? performance.now() : 0;
    const call = task.newCall();
    let result: unknown;
    try {
      result = this.executor.call(task);
    } catch (error) {
      return this.failItem(task, error);
    }
    // The call may have stopped the run (a batch that could not be sent): arm nothing then.
    if (this.stopped) return;
    if (result === DEFERRED || isThenable(result)) {
      if (timeout > 0) clock.arm(task, timeout, (late) => this.timeOut(late));
      if (result !== DEFERRED) {
        // Worker executors time their own items; here the sampled ones are timed when they settle.
        if (sampled) {
          task.timeCall(startedAt, clock.weight);
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
      if (sampled) clock.record(ms, clock.weight, SLOW_CALL_MS);
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
    if (this.stopped) return;
    task.abandonCall();
    this.executor.abandon?.(task);
    this.failItem(task, this.timeoutError(task));
  }

  private complete(task: Task, result: unknown): void {
    this.clock.clear(task);
    if (this.stopped) return;
    const startedAt = task.takeCallStart();
    if (startedAt > 0) this.clock.record(performance.now() - startedAt, task.weight, SLOW_ASYNC_MS);
    const { envelope } = task;
    const { queue } = this;
    if (task.cacheKey !== undefined && !this.stored(task, result)) return;
    if (result === FILTERED) {
      // Fused stages filtered it out inside the thread.
      this.drop(task);
      this.finish(task);
      return;
    }
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
      case "tap":
        // The item itself goes on, not what the function returned (nor, in worker mode, a copy).
        queue.produce(task, envelope);
        break;
      case "flatMap":
        void this.expansions.expand(task, result);
        return;
    }
    this.finish(task);
  }

  /**
   * Stores a miss's result under its key (a flatMap's children as an array, collected first when
   * they came as an iterator). False when the item failed or its children are still being collected.
   */
  private stored(task: Task, result: unknown): boolean {
    const key = task.cacheKey!;
    const { operation } = this.stage;
    if (operation === "flatMap" && !Array.isArray(result)) {
      task.cacheKey = undefined;
      void collectChildren(result).then(
        (children) => {
          task.cacheKey = key;
          this.complete(task, children);
        },
        (error: unknown) => this.failItem(task, error),
      );
      return false;
    }
    task.cacheKey = undefined;
    try {
      this.stage.cache!.remember(key, operation === "filter" ? Boolean(result) : result);
    } catch (error) {
      this.failItem(task, error, false);
      return false;
    }
    return true;
  }

  /** A filter rejected the item, or an each stage consumed it: it leaves only its place behind. */
  private drop(task: Task): void {
    this.counters.filtered++;
    this.settle(task);
    if (this.stage.keepPlaces) this.queue.produce(task, markerEnvelope(task.envelope.key, Kind.Hole));
  }

  /** The item is accounted for (written, rejected, expanded or failed): it leaves inFlight, once. */
  private settle(task: Task): void {
    if (!task.settle()) return;
    this.counters.inFlight--;
  }

  private acquireWorker(task: Task): void {
    this.executor.acquire(task);
    task.takeWorker();
  }

  /** Gives the task's worker back, once; a task that holds none keeps nothing to give. */
  private releaseWorker(task: Task): void {
    if (!task.giveWorker()) return;
    this.executor.release(task);
    this.bell.ring();
  }

  private finish(task: Task): void {
    task.finish();
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
    if (this.expansions.hasPaused) this.expansions.resumePaused();
  }

  /**
   * An item's call failed: try it again while it has retries left, then do what
   * onError says: fail the run, or drop the item (keeping it in `failures` for
   * "collect") and go on.
   */
  private failItem(task: Task, error: unknown, retryable = true): void {
    this.clock.clear(task);
    if (this.stopped || !task.live) return;
    const action = decideFailure(this.stage.options, task.attempts, error, retryable && task.children === 0);
    if (action.kind === "retry") {
      task.retried();
      this.counters.retries++;
      if (action.delayMs === 0) return this.retry(task);
      this.clock.arm(task, action.delayMs, (waited) => this.stopped || this.retry(waited));
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
    task.setChildren(0);
    this.finish(task);
  }

  /** Calls again for a failed item; sent at once, since the stage loop may be asleep. A retry waits for its turn under `rate`. */
  private retry(task: Task): void {
    const wait = this.rate?.take() ?? 0;
    if (wait > 0) return this.clock.arm(task, wait, (waited) => this.stopped || this.retry(waited));
    this.invoke(task);
    this.executor.flush();
  }

  /** The run is stopping: wake the loop and every paused expansion, drop timers. */
  private halt(): void {
    this.stopped = true;
    this.clock.clearAll();
    this.rate?.stop();
    this.expansions.halt();
    this.bell.ring();
  }

  private wrap(error: unknown, key?: ItemKey): Error {
    return stageError(this.stage.name, error, key, key === undefined ? undefined : this.executor.explain?.(error));
  }
}
