/**
 * How a stage's function gets called. A StageRunner decides which items run
 * and when; the executor knows where (a worker slot, a thread) and how. Executors
 * know nothing about buffers.
 */

/** An item as an executor sees it. `slot` is the executor's to set. */
export interface ExecutorTask {
  readonly envelope: { readonly value: unknown };
  /** The item's position in the stage's input (its function's `ctx.index`). */
  readonly index: number;
  slot: number;
}

/** Where an executor reports results it returned DEFERRED for, and failures of its own. */
export interface ResultSink {
  complete(task: ExecutorTask, result: unknown): void;
  fail(task: ExecutorTask, error: unknown): void;
  /** A failure no single item is to blame for (a thread that died while idle, onStart in a thread). */
  failStage(error: unknown): void;
}

/** Returned by `call` when the result will arrive through the ResultSink. */
export const DEFERRED: unique symbol = Symbol("pipelab.deferred");

/** A result that says the item was filtered out on its way through fused stages: it goes no further. */
export const FILTERED: unique symbol = Symbol("pipelab.filtered");

export interface Executor {
  /** Records busy time and latency into the stage's counters itself (worker threads time their own work). */
  readonly timesItems: boolean;
  /** Prepares the workers (onStart included). Rejects when one fails; `stop` still runs afterwards. */
  start(sink: ResultSink): Promise<void>;
  /** Whether one more item may be taken on now. */
  hasRoom(): boolean;
  /** Reserves a worker for the task; call only when hasRoom(). */
  acquire(task: ExecutorTask): void;
  /**
   * Calls the function for an acquired task. Returns the result, a promise of
   * it, or DEFERRED when the result will come through the sink.
   */
  call(task: ExecutorTask): unknown;
  /**
   * The runner gave up on the task's call (it timed out) and goes on without it:
   * its answer must never arrive, and a thread stuck in it is replaced.
   */
  abandon?(task: ExecutorTask): void;
  /** The task no longer needs its worker (its result, or its expansion, is complete). */
  release(task: ExecutorTask): void;
  /** Sends work gathered by call() (worker batches) now; the runner calls it before it waits. */
  flush(): void;
  /**
   * Ends the stage: onDone for every started worker, then releases threads.
   * `abandon`: the run is stopping early, so items still in flight are given up.
   * Rejects with the first onDone error.
   */
  stop(abandon: boolean): Promise<void>;
  /** An explanation a person can act on, for an error from this executor (worker mode: captured variables). */
  explain?(error: unknown): string | undefined;
}

/** An item failed inside fused stages (fused-chain.ts): `stage` names the one it failed in. */
export class FusedStageFailure extends Error {
  constructor(
    readonly stage: string,
    readonly error: Error,
    /** Where the item's row was in the file the threads read (`line 12 of "a.csv"`), when known. */
    readonly where?: string,
  ) {
    super(error.message, { cause: error });
    this.name = "FusedStageFailure";
  }
}

/** Thrown by executors for a failure in a hook, so the runner can say which hook and worker. */
export class HookError extends Error {
  constructor(
    readonly hook: "onStart" | "onDone",
    readonly worker: number,
    cause: unknown,
  ) {
    super(`${hook} failed in worker ${worker}: ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
    this.name = "HookError";
  }
}

/**
 * How long a stopping run waits for a worker to finish its onStart, the item in
 * hand and onDone before giving up on it (a worker thread is then terminated).
 */
export const STOP_GRACE_MS = 500;

/** `promise`, or `fallback` after `ms`; the timer never outlives the race. */
export function withDeadline<T>(promise: Promise<T>, ms: number, fallback: T): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<T>((resolve) => (timer = setTimeout(() => resolve(fallback), ms)));
  return Promise.race([promise, deadline]).finally(() => clearTimeout(timer));
}
