/**
 * A stage as a worker serves it, in a worker thread (worker-entry.ts) or in a
 * cluster worker process (cluster/worker-process.ts): its functions loaded and
 * onStart run once, then batches run one item at a time. One copy of that loop
 * for both, so the two modes cannot drift apart.
 */
import { isThenable } from "../thenable";
import { decodeContext, loadFunction } from "./function-source";
import { shape } from "./operation-shape";
import { errorToWire, type StageWire, type WireError } from "./wire";

export type WorkerFn = (value: unknown, ctx: Record<string, unknown>) => unknown;

export interface StartedStage {
  fn: WorkerFn;
  onDone: WorkerFn | undefined;
}

/** The stage could not start: `phase` says whether loading it or its onStart failed; `cause` is why. */
export class StageStartError extends Error {
  constructor(
    readonly phase: "load" | "onStart",
    cause: unknown,
  ) {
    super(cause instanceof Error ? cause.message : String(cause), { cause });
    this.name = "StageStartError";
  }
}

/** Loads the stage's context and functions into `ctx`, then runs onStart and adds what it returned. */
export async function startStage(stage: StageWire, ctx: Record<string, unknown>): Promise<StartedStage> {
  let phase: "load" | "onStart" = "load";
  try {
    Object.assign(ctx, await decodeContext(stage.context));
    const fn = (await loadFunction(stage.fn)) as WorkerFn;
    const onDone = stage.onDone && ((await loadFunction(stage.onDone)) as WorkerFn);
    const onStart = stage.onStart && ((await loadFunction(stage.onStart)) as WorkerFn);
    phase = "onStart";
    const values = await onStart?.(ctx, ctx);
    if (typeof values === "object" && values !== null) Object.assign(ctx, values);
    return { fn, onDone };
  } catch (error) {
    throw new StageStartError(phase, error);
  }
}

export interface BatchOutcome {
  /** One per item run, in order; `undefined` where the item failed. */
  results: unknown[];
  /** The failed items' positions and errors. */
  errors: Array<[number, WireError]> | undefined;
  busyMs: number;
  /** The signal aborted before every item ran. */
  aborted: boolean;
}

/**
 * Runs one batch, one item at a time. Unless the stage carries on past failures, the
 * batch stops at its first failure (the run fails on that item: the rest must not run).
 * @param indexes each item's position in the stage's input, for `ctx.index`
 * @param check throws for a result that cannot travel back (worker threads: plain data only)
 */
export async function runBatch(
  stage: StageWire,
  fn: WorkerFn,
  ctx: Record<string, unknown>,
  values: unknown[],
  { signal, indexes, check }: { signal?: AbortSignal; indexes?: number[]; check?: (result: unknown) => void } = {},
): Promise<BatchOutcome> {
  // Filled by push, not `new Array(n)`: a holey array takes V8's slow, sparse serialization path.
  const results: unknown[] = [];
  let errors: Array<[number, WireError]> | undefined;
  const started = performance.now();
  for (let i = 0; i < values.length; i++) {
    if (signal?.aborted) return { results, errors, busyMs: performance.now() - started, aborted: true };
    try {
      ctx.index = indexes?.[i] ?? -1;
      let result = fn(values[i], ctx);
      if (isThenable(result)) result = await result;
      result = shape(stage.operation, result);
      if (isThenable(result)) result = await result;
      check?.(result);
      results.push(result);
    } catch (error) {
      results.push(undefined);
      (errors ??= []).push([i, errorToWire(error)]);
      if (!stage.continueOnError) break;
    }
  }
  return { results, errors, busyMs: performance.now() - started, aborted: false };
}
