/**
 * How a stage's function gets called. A StageRunner decides which items run
 * when and on which worker slot; the executor only knows how to call the
 * function there. Executors know nothing about buffers.
 */
export interface Executor {
  /** Prepares every worker (onStart included). Rejects when one fails; `stop` still runs afterwards. */
  start(): Promise<void>;
  /**
   * Calls the function for one item on worker `slot` (0..workers-1), which the
   * caller keeps busy until the returned value settles. A plain value means the
   * function finished synchronously.
   */
  call(value: unknown, slot: number): unknown;
  /**
   * Ends the stage: onDone for every started worker, then releases threads.
   * `abandon`: the run is stopping early, so items still in flight are given up.
   * Rejects with the first onDone error.
   */
  stop(abandon: boolean): Promise<void>;
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
