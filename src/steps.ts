/**
 * What a pipeline is made of: its source and a list of steps, each checked
 * when it was added (a stage here, the other steps in their own files under
 * stages/), and what follows from them alone (the names shown, the window of
 * an ordered() step, each step's output bound). The builder makes these; the
 * supervisor runs them.
 */
import { encodeContext, functionToWire, readsIndex } from "./executors/function-source";
import type { StageWire } from "./executors/wire";
import type { BatchStep } from "./stages/batch";
import type { DistinctStep } from "./stages/distinct";
import type { DropStep } from "./stages/drop";
import type { Source } from "./stages/source";
import { DEFAULT_MAXSIZE, type Operation, type ResolvedModuleFunction, type ResolvedStageOptions, resolveStageOptions, type StageFunction } from "./options";
import { defaultStageName, resolveStageFunction } from "./stage-function";

export interface StageStep {
  readonly type: "stage";
  readonly operation: Operation;
  readonly fn: StageFunction | ResolvedModuleFunction;
  readonly options: ResolvedStageOptions;
  /** The name used when options.name is not given, e.g. `map(parse)`. */
  readonly defaultName: string;
  /** Worker mode: the function, hooks and context encoded for the trip to a thread. */
  readonly wire: Omit<StageWire, "stage"> | undefined;
  /** Worker mode: the function may read `ctx.index` (see readsIndex), so it runs first in a fused group or alone. */
  readonly readsIndex: boolean;
}

export interface OrderedStep {
  readonly type: "ordered";
}

export interface TakeStep {
  readonly type: "take";
  readonly count: number;
}

export type Step = StageStep | OrderedStep | TakeStep | BatchStep | DropStep | DistinctStep;

/** @internal The step of `map`, `flatMap`, `filter` or `each` with `fn` and `options`, checked (and encoded for threads and processes). */
export function stageStep(operation: Operation, fn: unknown, options: unknown): StageStep {
  const resolved = resolveStageOptions(operation, options);
  const resolvedFn = resolveStageFunction(operation, fn, resolved.mode);
  const defaultName = defaultStageName(operation, resolvedFn);
  const what = `${operation}(): the stage function`;
  const wire =
    resolved.mode === "worker" || resolved.mode === "cluster"
      ? {
          operation,
          fn: functionToWire(resolvedFn, what),
          onStart: resolved.onStart && functionToWire(resolved.onStart, `${operation}(): option "onStart"`),
          onDone: resolved.onDone && functionToWire(resolved.onDone, `${operation}(): option "onDone"`),
          context: encodeContext(resolved.context, `${operation}(): option "context"`) as Record<string, unknown>,
          transfer: resolved.transfer,
          continueOnError: resolved.onError !== "raise" || resolved.retries > 0,
          ...(resolved.mode === "cluster" ? { concurrency: resolved.workers } : {}),
        }
      : undefined;
  if (wire && resolved.mode === "cluster" && !resolved.secret) {
    // Cluster code loads only when a stage uses cluster mode.
    (require("./cluster/function-vetting") as typeof import("./cluster/function-vetting")).refuseUnsignedSource(operation, wire);
  }
  return { type: "stage", operation, fn: resolvedFn, options: resolved, defaultName, wire, readsIndex: wire !== undefined && readsIndex(wire.fn) };
}

/** Where a pipeline's items come from: one source, or several pipelines merged by concat(). */
export interface Plan {
  readonly source: Source;
  readonly steps: readonly Step[];
}

/**
 * How many source items may be between the source and an ordered() stage:
 * enough to fill every buffer and worker on the way, so the window never
 * slows a run, yet bounded, so a stuck item cannot make ordered() hoard.
 */
export function orderWindow(steps: readonly Step[]): number {
  let window = DEFAULT_MAXSIZE;
  for (const step of steps) {
    if (step.type === "stage") {
      window += step.options.budget;
      continue;
    }
    window += DEFAULT_MAXSIZE + 1;
    // What a batch holds: the one it gathers and those in its output buffer. Without them in the window, a
    // batch larger than the window would wait for items the source may not read yet.
    if (step.type === "batch") window += step.size * (1 + outputBound(step));
  }
  return window;
}

/**
 * The bound of a step's output buffer, in envelopes. A batch's is about DEFAULT_MAXSIZE items' worth of
 * batches (at least one), so that what waits after a batch takes no more memory than what waits after a stage.
 */
export function outputBound(step: Step): number {
  if (step.type === "stage") return step.options.maxsize;
  if (step.type === "batch") return Math.ceil(DEFAULT_MAXSIZE / step.size);
  return DEFAULT_MAXSIZE;
}

/**
 * Whether items may reach step `at` out of source order: a stage with `ordered: false` runs before it,
 * with no ordered() in between.
 */
export function arrivesUnordered(steps: readonly Step[], at: number): boolean {
  for (let i = at - 1; i >= 0; i--) {
    const step = steps[i]!;
    if (step.type === "ordered") return false;
    if (step.type === "stage" && !step.options.ordered) return true;
  }
  return false;
}

/** Each step's name in statistics and errors: its own or its default, numbered when repeated. */
export function uniqueNames(steps: readonly Step[]): string[] {
  const seen = new Map<string, number>();
  return steps.map((step) => {
    const base = baseName(step);
    const count = (seen.get(base) ?? 0) + 1;
    seen.set(base, count);
    return count === 1 ? base : `${base} #${count}`;
  });
}

/** A step's name before numbering: its own, or its default (a batch's says its size, which the next row counts in). */
function baseName(step: Step): string {
  switch (step.type) {
    case "stage":
    case "distinct":
      return step.options.name ?? step.defaultName;
    case "batch":
      return step.name ?? `batch(${step.size})`;
    default:
      return step.type;
  }
}

/**
 * Whether `next` can run fused after the stages of `group`: worker stages inside the same threads
 * (executors/fused-chain.ts), sync stages in one call on the main thread
 * (executors/in-process-chain.ts). Both need the same workers, order and failure handling, and
 * nothing per item at one stage: retries, a timeout, a rate, a cache or onError "collect" end a group, and a
 * worker stage that reads `ctx.index` can only start one. Sync stages
 * with onError "skip" do not fuse across a flatMap (one child failing must not drop its siblings).
 */
export function fusesAfter(group: readonly StageStep[], next: Step): next is StageStep {
  const first = group[0];
  if (!first || next.type !== "stage") return false;
  const a = first.options;
  const b = next.options;
  const alike = a.workers === b.workers && a.ordered === b.ordered && a.onError === b.onError && a.transfer === b.transfer;
  // Threads number only the items they were sent: a later stage's input is spread over them.
  if (fusable(first) && fusable(next)) return alike && !next.readsIndex;
  const expands = [...group, next].some((step) => step.operation === "flatMap");
  return alike && fusableInProcess(first) && fusableInProcess(next) && (a.onError === "raise" || !expands);
}

/** A worker stage that can run fused with others: nothing in its options is per item at this one stage. */
export function fusable(step: Step): step is StageStep {
  if (step.type !== "stage" || !step.wire) return false;
  const o = step.options;
  // A worker tap must pass on the main thread's item: fused, it would pass on the thread's copy, changes and all.
  if (step.operation === "tap") return false;
  return o.mode === "worker" && o.retries === 0 && o.timeout === 0 && o.onError !== "collect" && o.resourceLimits === undefined && perItemFree(o);
}

/** A sync stage that can run fused with the sync stages next to it. */
function fusableInProcess(step: StageStep): boolean {
  const o = step.options;
  return o.mode === "sync" && o.retries === 0 && o.timeout === 0 && o.onError !== "collect" && perItemFree(o);
}

/** Nothing decided per item before the call: no rate to wait for, no cache to answer from. */
function perItemFree(o: StageStep["options"]): boolean {
  return o.rate === undefined && o.cache === undefined;
}

/**
 * The steps cut into runs of fused stages: each entry is one step on its own, or two or more
 * consecutive worker stages that run fused (see fusesAfter).
 */
export function fusedGroups(steps: readonly Step[]): Step[][] {
  const groups: Step[][] = [];
  for (const step of steps) {
    const last = groups[groups.length - 1];
    if (last && last.every((s) => s.type === "stage") && fusesAfter(last as StageStep[], step)) last.push(step);
    else groups.push([step]);
  }
  return groups;
}
