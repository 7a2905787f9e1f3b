/**
 * `cache`: what a person asks of the stage caches on disk: what is there (`info`) and starting
 * afresh (`clear`). Stages write their entries themselves (stage-cache.ts).
 */
import { existsSync } from "node:fs";
import { resolve } from "node:path";
import { describe } from "../errors";
import { checkOptionKeys } from "../run-options";
import { ResultStore } from "./result-store";

/** One cached stage in a cache directory. */
export interface CachedStageInfo {
  /** The stage's cache id: a digest of its identity (function, context, onStart), which tells two versions of a stage apart. */
  id: string;
  /** The stage's name in the pipeline that last ran it, e.g. `map(fetchPage)`. */
  stage: string;
  /** Its `cache.name`, when it has one. */
  name?: string;
  /** Results stored. */
  entries: number;
  /** Bytes they take (keys and values, before LMDB's own overhead). */
  bytes: number;
  /** The latest run of the stage: items answered from the cache, and items its function was called for. */
  hits: number;
  misses: number;
  /** When that run ended. */
  lastRun: Date | undefined;
}

export interface CacheLocation {
  /** @defaultValue ".pipelab-cache" under the working directory */
  dir?: string;
}

/** Reading and clearing stage caches. */
export const cache = {
  /**
   * Every cached stage in the directory, with its entries, bytes, and its latest run's hits and misses.
   * @example console.table(await cache.info())
   */
  async info(options: CacheLocation = {}): Promise<CachedStageInfo[]> {
    const dir = directory("cache.info()", options, ["dir"]);
    if (!existsSync(dir)) return [];
    const store = ResultStore.at(dir);
    return store.records().map(([id, record]) => ({
      id,
      stage: record.stage,
      ...(record.name ? { name: record.name } : {}),
      ...store.size(id),
      hits: record.lastRun?.hits ?? 0,
      misses: record.lastRun?.misses ?? 0,
      lastRun: record.lastRun ? new Date(record.lastRun.at) : undefined,
    }));
  },

  /**
   * Removes every stage's entries, or with `name` those of the stages whose `cache.name` (or, for
   * a stage without one, whose name in its pipeline) it is. Resolves to the number of stages cleared.
   * @example await cache.clear({ name: "embed-v2" })
   */
  async clear(options: CacheLocation & { name?: string } = {}): Promise<number> {
    const dir = directory("cache.clear()", options, ["dir", "name"]);
    const { name } = options;
    if (name !== undefined && (typeof name !== "string" || name.length === 0)) {
      throw new TypeError(`cache.clear(): option "name" must be a non-empty string, got ${describe(name)}`);
    }
    if (!existsSync(dir)) return 0;
    const store = ResultStore.at(dir);
    const chosen = store.records().filter(([, record]) => name === undefined || (record.name ?? record.stage) === name);
    if (name === undefined) await store.clearAll();
    else for (const [id] of chosen) await store.clear(id);
    return chosen.length;
  },
};

function directory(who: string, options: unknown, known: string[]): string {
  const { dir } = checkOptionKeys(who, options, known) as CacheLocation;
  if (dir !== undefined && (typeof dir !== "string" || dir.length === 0))
    throw new TypeError(`${who}: option "dir" must be a non-empty string, got ${describe(dir)}`);
  return resolve(dir ?? ".pipelab-cache");
}
