/**
 * WorkerExecutor: worker mode. A piscina pool of `workers` threads, each
 * holding one long serve task (see worker-entry.ts) and talking to this side
 * over its own MessagePort. The runner picks the slot; the slot is the thread.
 */
import { join } from "node:path";
import { MessageChannel, type MessagePort } from "node:worker_threads";
import { Piscina } from "piscina";
import type { ResolvedStageOptions } from "../options";
import { type Executor, HookError, STOP_GRACE_MS, withDeadline } from "./executor";
import { errorFromWire, findUncloneable, type FromWorker, type ServeResult, type ServeTask, type StageWire, type ToWorker } from "./wire";

interface Pending {
  resolve(value: unknown): void;
  reject(error: unknown): void;
}

interface DoneReply {
  started: boolean;
  error?: Error;
}

/** One thread as this side sees it. */
class ThreadChannel {
  readonly pending = new Map<number, Pending>();
  ready!: Promise<void>;
  done!: Promise<DoneReply>;
  alive = true;
  private settleReady!: { resolve(): void; reject(e: unknown): void };
  private settleDone!: (reply: DoneReply) => void;

  constructor(
    readonly index: number,
    readonly port: MessagePort,
  ) {
    this.ready = new Promise((resolve, reject) => (this.settleReady = { resolve, reject }));
    this.ready.catch(() => {}); // observed by start(); never an unhandled rejection
    this.done = new Promise((resolve) => (this.settleDone = resolve));
    port.on("message", (message: FromWorker) => this.receive(message));
  }

  private receive(message: FromWorker): void {
    switch (message.type) {
      case "ready":
        if (!message.error) return this.settleReady.resolve();
        const error = errorFromWire(message.error);
        this.settleReady.reject(message.phase === "onStart" ? new HookError("onStart", this.index, error) : error);
        return;
      case "result":
      case "error": {
        const pending = this.pending.get(message.id);
        if (!pending) return;
        this.pending.delete(message.id);
        if (message.type === "result") pending.resolve(message.value);
        else pending.reject(errorFromWire(message.error));
        return;
      }
    }
  }

  send(message: ToWorker): void {
    this.port.postMessage(message);
  }

  /** The serve task ended after "done": onDone ran (or the thread never started). */
  ended(result: ServeResult): void {
    this.alive = false;
    this.settleDone({ started: result.started, error: result.error && errorFromWire(result.error) });
  }

  /** The thread is gone: everything waiting on it fails with `error`. */
  lost(error: Error): void {
    if (!this.alive) return;
    this.alive = false;
    this.settleReady.reject(error);
    for (const pending of this.pending.values()) pending.reject(error);
    this.pending.clear();
    this.settleDone({ started: false });
  }
}

export class WorkerExecutor implements Executor {
  private pool: Piscina | undefined;
  private readonly threads: ThreadChannel[] = [];
  private nextId = 0;
  private stopping = false;

  /**
   * @param onLost called when a thread dies outside any item (no item to blame);
   *   a death during an item fails that item instead.
   */
  constructor(
    private readonly wire: StageWire,
    private readonly options: ResolvedStageOptions,
    private readonly onLost: (error: Error) => void,
  ) {}

  async start(): Promise<void> {
    const { workers } = this.options;
    this.pool = new Piscina({
      filename: join(__dirname, "worker-entry.js"),
      minThreads: workers,
      maxThreads: workers,
      // One serve task per thread, for the stage's whole life.
      concurrentTasksPerWorker: 1,
      // Our threads wait on their MessagePort, not on piscina's Atomics channel.
      atomics: "disabled",
      idleTimeout: Number.MAX_SAFE_INTEGER,
    });
    for (let worker = 0; worker < workers; worker++) {
      const { port1, port2 } = new MessageChannel();
      const thread = new ThreadChannel(worker, port1);
      this.threads.push(thread);
      const task: ServeTask = { port: port2, worker, stage: this.wire };
      this.pool.run(task, { transferList: [port2] }).then(
        (result: ServeResult) => thread.ended(result),
        (error: unknown) => this.threadDied(thread, error),
      );
    }
    await Promise.all(this.threads.map((t) => t.ready));
  }

  private threadDied(thread: ThreadChannel, error: unknown): void {
    if (this.stopping) return thread.lost(new Error("stopped"));
    const reason = error instanceof Error ? error.message : String(error);
    const lost = new Error(`worker thread ${thread.index} died: ${reason}`, { cause: error });
    const hadItem = thread.pending.size > 0;
    thread.lost(lost);
    if (!hadItem) this.onLost(lost);
  }

  call(value: unknown, slot: number): Promise<unknown> {
    const problem = findUncloneable(value, "item");
    if (problem) {
      throw new TypeError(`${problem}; items sent to worker threads must be plain data (structured-cloneable)`);
    }
    const thread = this.threads[slot]!;
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      if (!thread.alive) return reject(new Error(`worker thread ${slot} is no longer running`));
      thread.pending.set(id, { resolve, reject });
      try {
        thread.send({ type: "item", id, value });
      } catch (error) {
        thread.pending.delete(id);
        reject(new TypeError(`the item could not be sent to the worker thread: ${(error as Error).message}`, { cause: error }));
      }
    });
  }

  /** A ReferenceError in a worker almost always means a captured outer variable. */
  explain(error: unknown): string | undefined {
    const match = error instanceof Error && error.name === "ReferenceError" && /^(\S+) is not defined/.exec(error.message);
    if (!match) return undefined;
    const name = match[1];
    return (
      `worker-mode functions run in another thread and cannot use variables from outside them; ` +
      `pass "${name}" through the stage's context option ({ context: { ${name} } }) and read it as ctx.${name}`
    );
  }

  async stop(abandon: boolean): Promise<void> {
    if (!this.pool) return;
    this.stopping = true;
    const replies = this.threads.map((thread) => {
      if (!thread.alive) return thread.done;
      if (abandon) thread.send({ type: "cancel" });
      thread.send({ type: "done" });
      return abandon ? withDeadline(thread.done, STOP_GRACE_MS, { started: true }) : thread.done;
    });
    const results = await Promise.all(replies);
    await this.pool.destroy();
    for (const thread of this.threads) thread.port.close();
    const failed = results.findIndex((r) => r.error);
    if (failed >= 0) throw new HookError("onDone", failed, results[failed]!.error);
  }
}
