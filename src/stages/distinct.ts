/**
 * `distinct(key)`: the first item of each key. It runs as a filter stage on the
 * main thread (StageRunner: its errors name the item, its row counts duplicates
 * as filtered, its holes keep places for ordered()), with one item at a time so
 * that "first" means first in input order, and a predicate made anew for each
 * run, so every run starts with no keys seen.
 *
 * Keys are compared as a Set compares them (SameValueZero: NaN equals NaN, 0
 * equals -0, objects by identity). The set grows with the number of keys, for
 * the whole run: `maxKeys` bounds it, failing the run rather than forgetting.
 */
import { describe } from "../errors";
import { type ResolvedStageOptions, resolveStageOptions, type StageFunction } from "../options";
import { isThenable } from "../thenable";
import { checkCount, checkName, checkOptionKeys } from "./step-checks";

/** Options of `distinct()`. */
export interface DistinctOptions {
  /** Shown in statistics and errors. Default: `distinct`, or `distinct(the key function's name)`. */
  name?: string;
  /** The run fails, naming the item, when it meets more distinct keys than this: a bound on the memory keys take. Default: no limit. */
  maxKeys?: number;
}

/** @internal The step `distinct(key, options)` adds. */
export interface DistinctStep {
  readonly type: "distinct";
  readonly key: ((item: unknown) => unknown) | undefined;
  readonly maxKeys: number;
  /** The filter stage it runs as: async mode, one key at a time (so the first item of a key is the first in input order). */
  readonly options: ResolvedStageOptions;
  readonly defaultName: string;
}

/** @internal The step of `distinct(key, options)`, checked. */
export function distinctStep(key: unknown, options: unknown): DistinctStep {
  if (key !== undefined && typeof key !== "function") {
    throw new TypeError(`distinct(): key must be a function, got ${describe(key)} (options without a key: distinct(undefined, { name }))`);
  }
  const o = checkOptionKeys("distinct()", options, ["name", "maxKeys"]);
  const name = checkName("distinct()", o.name);
  const maxKeys = o.maxKeys === undefined || o.maxKeys === Infinity ? Infinity : checkCount("distinct()", 'option "maxKeys"', o.maxKeys, 1);
  const fn = key as ((item: unknown) => unknown) | undefined;
  return {
    type: "distinct",
    key: fn,
    maxKeys,
    options: resolveStageOptions("filter", { mode: "async", workers: 1, name }),
    defaultName: fn?.name ? `distinct(${fn.name})` : "distinct",
  };
}

/**
 * @internal
 * A fresh predicate for one run: true for an item whose key was not seen yet. A key function that
 * returns a promise is awaited (the stage calls it one item at a time, so keys are checked in order).
 */
export function distinctFilter(key: ((item: unknown) => unknown) | undefined, maxKeys: number): StageFunction {
  const seen = new Set<unknown>();
  const firstOf = (k: unknown): boolean => {
    if (seen.has(k)) return false;
    if (seen.size >= maxKeys) {
      throw new RangeError(`more than ${maxKeys} distinct keys (option "maxKeys" of distinct() bounds the keys kept in memory)`);
    }
    seen.add(k);
    return true;
  };
  if (key === undefined) return (item) => firstOf(item);
  return (item) => {
    const k = key(item);
    return isThenable(k) ? Promise.resolve(k).then(firstOf) : firstOf(k);
  };
}
