/**
 * InProcessExecutor: sync and async modes. The function runs on the main
 * thread; each worker slot has its own `ctx`, built once (not per item).
 */
import type { Hook, ResolvedModuleFunction, ResolvedStageOptions, StageFunction } from "../options";
import { type Executor, type ExecutorTask, HookError, STOP_GRACE_MS, withDeadline } from "./executor";
import { loadModuleFunction } from "./function-source";

export class InProcessExecutor implements Executor {
  readonly timesItems = false;
  private fn: StageFunction | undefined;
  private readonly contexts: Record<string, unknown>[] = [];
  private readonly started: boolean[] = [];
  /** With a timeout: each worker's own signal (see giveNewSignal). */
  private readonly controllers: AbortController[] = [];
  private readonly stopListeners: Array<() => void> = [];
  private readonly freeSlots: number[] = [];
  /** Every worker's onStart, settled; stop() waits for it so a worker that started gets its onDone. */
  private starting: Promise<unknown> | undefined;

  constructor(
    private readonly source: StageFunction | ResolvedModuleFunction,
    private readonly options: ResolvedStageOptions,
    private readonly signal: AbortSignal,
  ) {}

  async start(): Promise<void> {
    const { workers, context, onStart } = this.options;
    for (let worker = 0; worker < workers; worker++) {
      this.contexts.push({ ...context, worker, index: -1, signal: this.signal });
      this.freeSlots.push(workers - 1 - worker);
    }
    if (this.options.timeout > 0) for (let worker = 0; worker < workers; worker++) this.giveNewSignal(worker);
    this.fn = typeof this.source === "function" ? this.source : ((await loadModuleFunction(this.source)) as StageFunction);
    const starting = Promise.allSettled(this.contexts.map((ctx, worker) => this.startWorker(ctx, worker, onStart)));
    this.starting = starting;
    const failed = (await starting).find((r): r is PromiseRejectedResult => r.status === "rejected");
    if (failed) throw failed.reason;
  }

  private async startWorker(ctx: Record<string, unknown>, worker: number, onStart: Hook | undefined): Promise<void> {
    if (onStart) {
      let values: unknown;
      try {
        values = await onStart(ctx);
      } catch (error) {
        throw new HookError("onStart", worker, error);
      }
      if (typeof values === "object" && values !== null) Object.assign(ctx, values);
    }
    this.started[worker] = true;
  }

  hasRoom(): boolean {
    return this.freeSlots.length > 0;
  }

  acquire(task: ExecutorTask): void {
    task.slot = this.freeSlots.pop()!;
  }

  call(task: ExecutorTask): unknown {
    return this.callWith(task.envelope.value, task.slot, task.index);
  }

  /**
   * Calls the function on `value`, the `index`-th item of the stage's input, in worker `slot`'s ctx
   * (fused stages call one stage after another). A slot runs one call at a time, so its ctx can
   * carry the item's index until the call is over.
   */
  callWith(value: unknown, slot: number, index: number): unknown {
    const ctx = this.contexts[slot]!;
    ctx.index = index;
    return this.fn!(value, ctx);
  }

  /**
   * With a timeout each worker's `ctx.signal` is its own, aborted when its item
   * times out (and when the run stops); the worker then gets a fresh one, so an
   * item that honours the signal stops and the next one starts clean.
   */
  private giveNewSignal(worker: number): void {
    const controller = new AbortController();
    const stop = () => controller.abort(this.signal.reason);
    if (this.signal.aborted) stop();
    else this.signal.addEventListener("abort", stop, { once: true });
    this.stopListeners[worker]?.();
    this.stopListeners[worker] = () => this.signal.removeEventListener("abort", stop);
    this.controllers[worker] = controller;
    // A new ctx object: the abandoned call keeps the old one, with its aborted signal.
    this.contexts[worker] = { ...this.contexts[worker], signal: controller.signal };
  }

  abandon(task: ExecutorTask): void {
    const worker = task.slot;
    this.controllers[worker]?.abort(new Error(`item timed out after ${this.options.timeout} ms`));
    this.giveNewSignal(worker);
  }

  release(task: ExecutorTask): void {
    this.freeSlots.push(task.slot);
  }

  flush(): void {}

  async stop(abandon: boolean): Promise<void> {
    for (const stopListening of this.stopListeners) stopListening();
    const { onDone } = this.options;
    if (!onDone) return;
    for (const ctx of this.contexts) ctx.index = -1;
    if (this.starting) await (abandon ? withDeadline(this.starting, STOP_GRACE_MS, undefined) : this.starting);
    const results = await Promise.allSettled(
      this.contexts.map(async (ctx, worker) => {
        if (!this.started[worker]) return;
        try {
          await onDone(ctx);
        } catch (error) {
          throw new HookError("onDone", worker, error);
        }
      }),
    );
    const failed = results.find((r): r is PromiseRejectedResult => r.status === "rejected");
    if (failed) throw failed.reason;
  }
}
