/**
 * Consecutive worker-mode stages fused into one chain, run inside a thread:
 * an item crosses to the thread once, goes through every stage there, and
 * only what survives comes back. Each stage keeps its own function, context,
 * onStart/onDone, `ctx` and name; the thread counts, per stage, what went in,
 * came out, was filtered, expanded or failed, and how long the stage's
 * function took, so the statistics still show one row per stage as written.
 *
 * This file is the thread's side: steps.ts decides what fuses (`fusesAfter`),
 * run-parts.ts builds the fused runner (stages/fused-stages.ts), and the
 * worker executor hands the counts to each stage's row.
 */
import { isThenable } from "../thenable";
import { shape } from "./operation-shape";
import { startStage, type StartedStage, type WorkerFn } from "./stage-worker";
import { errorToWire, type StageWire, type Tally, type WireError } from "./wire";

export interface ChainOutcome {
  /**
   * One per item run, in order: with a flatMap in the chain, the array of what came out; otherwise
   * the value that came out, or undefined for an item filtered out on the way (listed in `dropped`).
   */
  results: unknown[];
  /** Positions of items filtered out on the way (a chain without flatMap). */
  dropped: number[] | undefined;
  /** [position, error] for failed items; the error names the stage it failed in (`stage`), and the file's line when known. */
  errors: Array<[number, WireError & { stage: string }]> | undefined;
  tallies: Tally[];
  busyMs: number;
  aborted: boolean;
}

/**
 * Where a stage function that reads a file (the first of fused stages, when threads read it) leaves
 * the line each of its rows came from, in its ctx, so an error in a later stage names the line.
 */
export const ROW_LINES = "__pipelabRowLines";

/** What ctx[ROW_LINES] holds: the file, and the line of each row the function last returned. */
export interface RowLines {
  path: string;
  lines: number[];
}

export interface StartedChain {
  links: StageWire[];
  started: StartedStage[];
  contexts: Record<string, unknown>[];
}

/** Starts every stage of the chain in this thread, each with its own ctx (its context, onStart's values). */
export async function startChain(links: StageWire[], base: Record<string, unknown>): Promise<StartedChain> {
  const contexts = links.map(() => ({ ...base }));
  const started: StartedStage[] = [];
  for (let i = 0; i < links.length; i++) started.push(await startStage(links[i]!, contexts[i]!));
  return { links, started, contexts };
}

/** Runs onDone of every stage that started, the last stage first; the first error is rethrown after all ran. */
export async function finishChain(chain: StartedChain): Promise<void> {
  let first: unknown;
  for (let i = chain.started.length - 1; i >= 0; i--) {
    try {
      const onDone = chain.started[i]!.onDone;
      if (onDone) await onDone(chain.contexts[i]!, chain.contexts[i]!);
    } catch (error) {
      first ??= error;
    }
  }
  if (first !== undefined) throw first;
}

/**
 * Runs one batch through the chain, one item at a time. A failure stops the batch, unless the
 * stages carry on past failures (they share onError when fused).
 */
export async function runChainBatch(
  chain: StartedChain,
  values: unknown[],
  { signal, indexes, check }: { signal?: AbortSignal; indexes?: number[]; check?: (result: unknown) => void } = {},
): Promise<ChainOutcome> {
  const { links } = chain;
  const expands = links.some((link) => link.operation === "flatMap");
  const carryOn = links[0]!.continueOnError;
  const tallies = links.map((): Tally => [0, 0, 0, 0, 0, 0]);
  const results: unknown[] = [];
  let dropped: number[] | undefined;
  let errors: ChainOutcome["errors"];
  const started = performance.now();
  for (let i = 0; i < values.length; i++) {
    if (signal?.aborted) return { results, dropped, errors, tallies, busyMs: performance.now() - started, aborted: true };
    // The first stage's ctx.index is the item's position in the group's input. The later stages
    // see -1: their inputs are numbered across threads, so steps.ts does not fuse a stage that reads it.
    chain.contexts[0]!.index = indexes?.[i] ?? -1;
    const outcome = await throughChain(chain, values[i], tallies, carryOn);
    if (outcome.failed) {
      results.push(undefined);
      (errors ??= []).push([i, { ...errorToWire(outcome.error), stage: links[outcome.at]!.stage, ...placeOf(chain, outcome.origin) }]);
      if (!carryOn) break;
      continue;
    }
    try {
      for (const out of outcome.out) check?.(out);
    } catch (error) {
      // It came out of the last stage but cannot leave the thread: it fails there.
      const last = tallies[tallies.length - 1]!;
      last[1]--;
      last[4]++;
      results.push(undefined);
      (errors ??= []).push([i, { ...errorToWire(error), stage: links[links.length - 1]!.stage }]);
      if (!carryOn) break;
      continue;
    }
    if (expands) results.push(outcome.out);
    else if (outcome.out.length === 1) results.push(outcome.out[0]);
    else {
      results.push(undefined);
      (dropped ??= []).push(i);
    }
  }
  return { results, dropped, errors, tallies, busyMs: performance.now() - started, aborted: false };
}

type ItemOutcome = { failed: false; out: unknown[] } | { failed: true; at: number; error: unknown; origin: number | undefined };

/** The file and line of the first stage's row `origin`, when that stage read a file. */
function placeOf(chain: StartedChain, origin: number | undefined): { where?: string } {
  const rows = chain.contexts[0]![ROW_LINES] as RowLines | undefined;
  const line = origin === undefined ? undefined : rows?.lines[origin];
  return line === undefined ? {} : { where: `line ${line} of "${rows!.path}"` };
}

/**
 * Items go through the stages this many at a time, depth first: what a flatMap (the file reader
 * among them) makes is taken on to the next stages slice by slice, so what one stage makes for the
 * next dies young instead of piling up a whole range's worth, and a stage's clock is read twice a
 * slice rather than twice an item.
 */
const SLICE = 256;

class ChainFailure {
  constructor(
    readonly at: number,
    readonly error: unknown,
    /** Which of the first stage's outputs the failing item came from. */
    readonly origin: number | undefined,
  ) {}
}

/**
 * One item through every stage: what comes out of the last one, or where and why it failed. When
 * the stages carry on past failures (onError "skip"), an item that fails at a stage is counted
 * there and goes no further, and its siblings (other children of a flatMap) go on.
 */
async function throughChain(chain: StartedChain, value: unknown, tallies: Tally[], carryOn: boolean): Promise<ItemOutcome> {
  const out: unknown[] = [];
  const failure = await stageOn(chain, 0, [value], undefined, tallies, carryOn, out);
  return failure ? { failed: true, at: failure.at, error: failure.error, origin: failure.origin } : { failed: false, out };
}

/**
 * `items` through stage `at` and, slice by slice, the stages after it, into `out`. `origins` says,
 * for each item, which output of the first stage it comes from (tracked when the first stage is a
 * flatMap: the file reader's rows), so a failure can name the row's line.
 */
async function stageOn(
  chain: StartedChain,
  at: number,
  items: unknown[],
  origins: number[] | undefined,
  tallies: Tally[],
  carryOn: boolean,
  out: unknown[],
): Promise<ChainFailure | undefined> {
  if (at === chain.links.length) {
    for (const item of items) out.push(item);
    return undefined;
  }
  const { operation } = chain.links[at]!;
  const fn: WorkerFn = chain.started[at]!.fn;
  const ctx = chain.contexts[at]!;
  const tally = tallies[at]!;
  const tracks = at === 0 ? operation === "flatMap" : origins !== undefined;
  let made = 0;
  for (let from = 0; from < items.length; from += SLICE) {
    const end = Math.min(items.length, from + SLICE);
    const next: unknown[] = [];
    const nextOrigins: number[] | undefined = tracks ? [] : undefined;
    const began = performance.now();
    let awaited = 0;
    for (let i = from; i < end; i++) {
      const item = items[i];
      tally[0]++;
      try {
        let result = fn(item, ctx);
        if (isThenable(result)) {
          // Time spent waiting is not the stage's work: take it off the slice's time.
          const waiting = performance.now();
          result = await result;
          awaited += performance.now() - waiting;
        }
        if (operation === "map") {
          next.push(result);
          nextOrigins?.push(origins![i]!);
          tally[1]++;
        } else if (operation === "filter") {
          if (result) {
            next.push(item);
            nextOrigins?.push(origins![i]!);
            tally[1]++;
          } else tally[2]++;
        } else if (operation === "flatMap") {
          let children = shape(operation, result);
          if (isThenable(children)) children = await children;
          for (const child of children as unknown[]) {
            next.push(child);
            nextOrigins?.push(at === 0 ? made++ : origins![i]!);
          }
          tally[1] += (children as unknown[]).length;
          tally[3]++;
        } else tally[2]++; // each: consumed
      } catch (error) {
        tally[4]++;
        if (!carryOn) {
          tally[5] += performance.now() - began - awaited;
          return new ChainFailure(at, error, origins?.[i]);
        }
      }
    }
    tally[5] += performance.now() - began - awaited;
    const failure = await stageOn(chain, at + 1, next, nextOrigins, tallies, carryOn, out);
    if (failure) return failure;
  }
  return undefined;
}
