/**
 * WorkerExecutor: worker mode. A piscina pool of `workers` threads, each
 * holding one long serve task (see worker-entry.ts) and talking to this side
 * over its own MessagePort, in batches.
 *
 * Batches are sized from the time the function takes per item, measured in
 * the thread: enough items to make about BATCH_TARGET_MS of work per message,
 * one item when items are slow (so work spreads evenly), never more than the
 * stage's bound allows. Each thread has at least two batches and about
 * QUEUE_TARGET_MS of work in flight, so it never idles waiting for a round
 * trip, even when the main thread is slow to answer because the threads
 * have taken every core.
 *
 * Longer than 300 lines because a thread's whole conversation is here: its
 * start, batches out and answers back, its death and replacement, its stop.
 * Each reads and changes the same threads and in-flight counts.
 */
import { join } from "node:path";
import { MessageChannel } from "node:worker_threads";
import { Piscina } from "piscina";
import { ErrorCode, PipelabFault } from "../errors";
import type { ResolvedStageOptions } from "../options";
import type { StageCounters } from "../stats/stage-counters";
import { DEFERRED, type Executor, type ExecutorTask, FusedStageFailure, HookError, type ResultSink, STOP_GRACE_MS, withDeadline } from "./executor";
import { deliverAnswers } from "./batch-answers";
import { ThreadChannel } from "./thread-channel";
import {
  canClone,
  collectTransferables,
  errorFromWire,
  findUncloneable,
  type FromWorker,
  type ServeResult,
  type ServeTask,
  type StageWire,
  type Tally,
  type Transferable,
} from "./wire";

/** Work per message the batch size aims at: enough to hide the ~10-20 µs a round trip costs. */
export const BATCH_TARGET_MS = 0.5;
/** Work queued per thread the prefetch window aims at. */
export const QUEUE_TARGET_MS = 5;
/** The largest batch, when maxsize is 0 (unbounded). */
const MAX_BATCH = 4096;

export class WorkerExecutor implements Executor {
  readonly timesItems = true;
  private pool: Piscina | undefined;
  private sink!: ResultSink;
  private readonly threads: ThreadChannel[] = [];
  /** The stage is stopping early: threads that die now were terminated on purpose. */
  private abandoning = false;
  /** Items given to call() and not yet answered. */
  private inFlight = 0;
  /** Tasks the runner gave up on (timed out): their answers are dropped. */
  private readonly abandoned = new Set<ExecutorTask>();
  /** A failed item does not fail the run (onError skip/collect, or retries): a dead thread is replaced. */
  private readonly carryOn: boolean;
  /** A thread died holding several items: from now on one item per thread at a time, so the next death names its item. */
  private isolating = false;
  /** Items of lost threads waiting to be sent again; new items wait behind them. */
  private readonly resending: ExecutorTask[] = [];
  /** Measured function time per item (ms), smoothed; undefined until the first batch returns. */
  private perItemMs: number | undefined;
  private batchSize = 1;
  private readonly maxBatch: number;
  /** Batches in flight per thread: 1 with a timeout, else 2 or more (see learn()). */
  private batchesPerThread: number;
  private readonly minBatchesPerThread: number;
  /**
   * @param linkCounters fused stages (wire.links): each stage's own counters, fed from what the
   * threads report it did; `counters` then holds the fused run's as a whole
   */
  constructor(
    private readonly wire: StageWire,
    private readonly options: ResolvedStageOptions,
    private readonly counters: StageCounters,
    private readonly linkCounters: StageCounters[] = [],
  ) {
    const { budget, workers, timeout } = options;
    // A timeout is per item, so an item must start as soon as it is sent: no batching, no queue.
    this.batchesPerThread = this.minBatchesPerThread = timeout > 0 ? 1 : 2;
    const bound = budget === Infinity ? MAX_BATCH : Math.floor(budget / (workers * this.batchesPerThread));
    this.maxBatch = timeout > 0 ? 1 : Math.max(1, Math.min(MAX_BATCH, bound));
    this.carryOn = wire.continueOnError;
  }

  async start(sink: ResultSink): Promise<void> {
    this.sink = sink;
    const { workers, timeout } = this.options;
    // Threads start as work needs them (see pickThread), so 3 items never start 64 threads. With a
    // timeout all start at once: an item's clock must not include a thread's start-up and onStart.
    const atOnce = timeout > 0 ? workers : 1;
    this.pool = new Piscina({
      filename: join(__dirname, "worker-entry.js"),
      minThreads: atOnce,
      maxThreads: workers,
      // One serve task per thread, for the stage's whole life.
      concurrentTasksPerWorker: 1,
      // Our threads wait on their MessagePort, not on piscina's Atomics channel.
      atomics: "disabled",
      // Never idle out: a thread lives as long as its stage (setTimeout caps at 2^31-1 ms).
      idleTimeout: 2 ** 31 - 1,
      ...(this.options.resourceLimits ? { resourceLimits: this.options.resourceLimits } : {}),
    });
    for (let worker = 0; worker < atOnce; worker++) this.threads.push(this.spawn(worker));
    // Items may be sent at once: each thread queues them until its onStart is done.
    if (timeout > 0) await Promise.all(this.threads.map((thread) => thread.ready));
  }

  /** Starts the serve task of worker `worker` on a pool thread. */
  private spawn(worker: number): ThreadChannel {
    const { port1, port2 } = new MessageChannel();
    const thread = new ThreadChannel(worker, port1);
    port1.on("message", (message: FromWorker) => this.receive(thread, message));
    // Results that cannot be read here fail their batch instead of leaving it unanswered forever.
    port1.on("messageerror", (error: Error) =>
      this.receive(thread, { type: "lost", error: { name: error.name, message: `results could not be received from the worker thread: ${error.message}` } }),
    );
    const task: ServeTask = { port: port2, worker, stage: this.wire };
    this.pool!.run(task, { transferList: [port2], signal: thread.kill.signal }).then(
      (result: ServeResult) => thread.ended(result),
      (error: unknown) => this.threadDied(thread, error),
    );
    return thread;
  }

  private receive(thread: ThreadChannel, message: FromWorker): void {
    if (message.type === "ready") {
      thread.settleReady();
      if (!message.error) return;
      const error = errorFromWire(message.error);
      this.sink.failStage(message.phase === "onStart" ? new HookError("onStart", thread.index, error) : error);
      return;
    }
    const sent = thread.sent.shift();
    if (!sent) return;
    const batch = sent.tasks;
    thread.load -= batch.length;
    this.inFlight -= batch.length;
    if (this.resending.length > 0) queueMicrotask(() => this.resend());
    if (message.type === "lost") {
      for (const task of batch) if (!this.abandoned.delete(task)) this.sink.fail(task, errorFromWire(message.error));
      return;
    }
    const perItemMs = message.busyMs / batch.length;
    this.learn(perItemMs);
    // Timed inside the thread: the function's own time, one figure per batch.
    this.counters.busyMs += message.busyMs;
    this.counters.latency.record(Math.max(1, Math.round(perItemMs * 1e6)));
    this.counters.roundTripMs += performance.now() - sent.sentAt;
    if (message.tallies) this.countLinks(message.tallies);
    deliverAnswers(batch, message.values, message.errors, this.carryOn, this.abandoned, this.sink, message.dropped);
  }

  /** What each fused stage did in a batch, into its own row of the statistics. */
  private countLinks(tallies: Tally[]): void {
    tallies.forEach(([itemsIn, itemsOut, filtered, expanded, errors, busyMs], i) => {
      const counters = this.linkCounters[i];
      if (!counters) return;
      counters.itemsIn += itemsIn;
      counters.itemsOut += itemsOut;
      counters.filtered += filtered;
      counters.expanded += expanded;
      counters.errors += errors;
      counters.busyMs += busyMs;
      if (itemsIn > 0) counters.latency.record(Math.max(1, Math.round((busyMs / itemsIn) * 1e6)));
    });
  }

  /** Sizes batches from the function's measured time per item. */
  private learn(msPerItem: number): void {
    this.perItemMs = this.perItemMs === undefined ? msPerItem : 0.7 * this.perItemMs + 0.3 * msPerItem;
    const fit = this.perItemMs > 0 ? Math.floor(BATCH_TARGET_MS / this.perItemMs) : this.maxBatch;
    this.batchSize = this.isolating ? 1 : Math.max(1, Math.min(this.maxBatch, fit));
    if (this.minBatchesPerThread > 1 && !this.isolating) {
      const batchMs = this.batchSize * this.perItemMs;
      this.batchesPerThread = Math.max(this.minBatchesPerThread, batchMs > 0 ? Math.ceil(QUEUE_TARGET_MS / batchMs) : 0);
    }
  }

  private threadDied(thread: ThreadChannel, error: unknown): void {
    const oldest = thread.sent[0]?.tasks;
    this.inFlight -= thread.load;
    const held = thread.lost().filter((task) => !this.abandoned.delete(task));
    // Threads terminated by an early stop are expected to go; any other death is an error.
    if (this.abandoning) return;
    const killed = thread.kill.signal.aborted;
    const reason = error instanceof Error ? error.message : String(error);
    const lost = new PipelabFault(ErrorCode.WorkerDied, `worker thread ${thread.index} died: ${reason}`, { cause: error });
    // The item it was on is known only when it held one item: an answer it posted just before
    // dying may still be on its way, so the oldest batch alone cannot tell.
    let culprit = held.length === 1 && !killed ? held[0] : undefined;
    if (!this.carryOn) {
      // The run fails either way: the oldest batch's single item is the best guess to name.
      if (!culprit && oldest?.length === 1 && !killed) culprit = oldest[0];
      if (killed) return;
      if (culprit) this.sink.fail(culprit, lost);
      else this.sink.failStage(lost);
      return;
    }
    // Carrying on: a new thread takes the dead one's place, and its items go round again.
    this.threads[thread.index] = this.spawn(thread.index);
    if (!killed && !culprit) {
      // One item per thread at a time from now on, so the next death names its item.
      this.isolating = true;
      this.batchSize = 1;
      this.batchesPerThread = 1;
    }
    for (const task of held) {
      if (task === culprit) this.sink.fail(task, lost);
      else this.resending.push(task);
    }
    this.resend();
  }

  /**
   * Sends the items of a lost thread to live ones: while isolating, only to a
   * thread with nothing in flight, so that a thread that dies names its item.
   */
  private resend(): void {
    while (this.resending.length > 0) {
      const thread = this.leastLoaded();
      if (!thread || (this.isolating && thread.load > 0)) return;
      const task = this.resending.shift()!;
      try {
        this.call(task);
        this.flush();
      } catch (error) {
        this.sink.fail(task, error);
      }
    }
  }

  /** The runner gave up on this task (it timed out): drop its answer and replace the thread stuck in it. */
  abandon(task: ExecutorTask): void {
    for (const thread of this.threads) {
      if (!thread.alive) continue;
      const open = thread.open.indexOf(task);
      if (open >= 0) {
        // Not sent yet: just take it back.
        thread.open.splice(open, 1);
        thread.load--;
        this.inFlight--;
        return;
      }
      if (thread.sent.some((batch) => batch.tasks.includes(task))) {
        this.abandoned.add(task);
        thread.kill.abort();
        return;
      }
    }
  }

  hasRoom(): boolean {
    // Room for every thread the stage may start: an item that finds the started ones full starts another.
    return this.resending.length === 0 && this.inFlight < this.options.workers * this.batchesPerThread * this.batchSize;
  }

  acquire(): void {}

  release(): void {}

  call(task: ExecutorTask): typeof DEFERRED {
    const problem = findUncloneable(task.envelope.value, "item");
    if (problem) {
      throw new PipelabFault(ErrorCode.NotCloneable, `${problem}; items sent to worker threads must be plain data (structured-cloneable)`, {
        name: "TypeError",
      });
    }
    const thread = this.pickThread();
    if (!thread) throw new Error("no worker thread is running");
    thread.open.push(task);
    thread.load++;
    this.inFlight++;
    if (thread.open.length >= this.batchSize) this.send(thread);
    return DEFERRED;
  }

  /** The least loaded thread, or a new one when every started thread has a batch's worth already. */
  private pickThread(): ThreadChannel | undefined {
    const thread = this.leastLoaded();
    if (thread && thread.load < this.batchSize) return thread;
    if (this.threads.length >= this.options.workers) return thread;
    const started = this.spawn(this.threads.length);
    this.threads.push(started);
    return started;
  }

  /**
   * The thread with the fewest items, preferring one whose batch is still open.
   * With a timeout, a thread still starting (one that replaced a dead one) comes
   * last: its start-up would count against the item's time.
   */
  private leastLoaded(): ThreadChannel | undefined {
    let best: ThreadChannel | undefined;
    const timed = this.options.timeout > 0;
    for (const thread of this.threads) {
      if (!thread.alive) continue;
      if (thread.open.length > 0) return thread;
      if (!best || (timed && best.isReady !== thread.isReady ? thread.isReady : thread.load < best.load)) best = thread;
    }
    return best;
  }

  flush(): void {
    for (const thread of this.threads) if (thread.open.length > 0) this.send(thread);
  }

  private send(thread: ThreadChannel): void {
    const batch = thread.open;
    thread.open = [];
    thread.sent.push({ tasks: batch, sentAt: performance.now() });
    this.counters.batches++;
    const values = batch.map((task) => task.envelope.value);
    const indexes = batch.map((task) => task.index);
    try {
      if (this.wire.transfer) {
        const transfer = new Set<Transferable>();
        collectTransferables(values, transfer);
        thread.send({ type: "items", values, indexes }, [...transfer]);
      } else {
        thread.send({ type: "items", values, indexes });
      }
    } catch (error) {
      thread.sent.pop();
      thread.load -= batch.length;
      this.inFlight -= batch.length;
      const cause = new PipelabFault(ErrorCode.NotCloneable, `the item could not be sent to the worker thread: ${(error as Error).message}`, {
        cause: error,
        name: "TypeError",
      });
      const culprit = batch.find((task) => !canClone(task.envelope.value)) ?? batch[0]!;
      this.sink.fail(culprit, cause);
    }
  }

  /** A ReferenceError in a worker almost always means a captured outer variable. */
  explain(failure: unknown): string | undefined {
    const error = failure instanceof FusedStageFailure ? failure.error : failure;
    const match = error instanceof Error && error.name === "ReferenceError" && /^(\S+) is not defined/.exec(error.message);
    if (!match) return undefined;
    // In a notebook cell, an earlier cell's name compiles to `exports.name`: name the variables, not `exports`.
    const names = match[1] === "exports" ? earlierCellNames(this.wire) : [match[1]!];
    if (names.length === 0) names.push(match[1]!);
    const list = names.map((name) => `"${name}"`).join(", ");
    const from = match[1] === "exports" ? `the function uses ${list} from an earlier cell, but ` : "";
    return (
      `${from}worker-mode functions run in another thread and cannot use variables from outside them; ` +
      `pass ${list} through the stage's context option ({ context: { ${names.join(", ")} } }) and read ${names.length > 1 ? "them" : "it"} as ${names.map((n) => `ctx.${n}`).join(", ")}`
    );
  }

  async stop(abandon: boolean): Promise<void> {
    if (!this.pool) return;
    this.abandoning = abandon;
    const replies = this.threads.map((thread) => {
      if (!thread.alive) return thread.done;
      if (abandon) thread.send({ type: "cancel" });
      thread.send({ type: "done" });
      return abandon ? withDeadline(thread.done, STOP_GRACE_MS, { started: true }) : thread.done;
    });
    const results = await Promise.all(replies);
    this.abandoning = true;
    await this.pool.destroy();
    for (const thread of this.threads) thread.port.close();
    const failed = results.findIndex((r) => r.error);
    if (failed >= 0) throw new HookError("onDone", failed, results[failed]!.error);
  }
}

/** The names a stage's functions read from tslab's `exports` (an earlier cell's variables), in order of first use. */
function earlierCellNames(wire: StageWire): string[] {
  const stages = wire.links ?? [wire];
  const sources = stages.flatMap((s) => [s.fn, s.onStart, s.onDone]).flatMap((f) => (f?.kind === "source" ? [f.source] : []));
  const names = sources.flatMap((source) => [...source.matchAll(/\bexports\.([A-Za-z_$][\w$]*)/g)].map((m) => m[1]!));
  return [...new Set(names)];
}
