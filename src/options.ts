/**
 * Stage options: their public types, their defaults, and the one place where
 * they are checked. Every check runs when the pipeline is built, so bad input
 * fails at the line that wrote it, with the option's name in the message.
 *
 * Longer than 300 lines because each option's type, documentation and check
 * stay together here: the one place a reader looks for what an option accepts.
 */
import { resolve as resolvePath } from "node:path";
import { describe } from "./errors";

/** How a stage calls its function: one at a time, concurrently on the event loop, on worker threads, or on worker processes anywhere through Redis. */
export type Mode = "sync" | "async" | "worker" | "cluster";

/**
 * A function loaded from a module instead of written inline; in worker mode each
 * thread imports it. `module` is a path (relative to the working directory), a
 * `file:` URL or a package name; `export` defaults to `"default"`.
 */
export interface ModuleFunction {
  module: string;
  export?: string;
}

/** What `onStart` returned, merged into `ctx` (nothing when it returned nothing). */
export type StartValues<S> = S extends object ? S : {};

/**
 * The second argument of every stage function: the keys of `context`, the keys
 * of the object `onStart` returned for this worker, the worker's index, the
 * item's position and a signal aborted when the run is cancelled or the item timed out.
 */
export type StageContext<C = {}, S = {}> = C &
  StartValues<S> & {
    /** This worker's index, 0..workers-1. */
    readonly worker: number;
    /**
     * The item's position in this stage's input, counted from 0 in the order items reach the
     * stage (after a filter upstream, the kept items are numbered 0, 1, 2, ...). The same on a
     * retry. -1 in onStart and onDone.
     */
    readonly index: number;
    /** Aborted when the run stops early or fails, or this item timed out. */
    readonly signal: AbortSignal;
  };

/** Options every stage accepts. `C` is the type of `context`, `S` what `onStart` returns. */
export interface StageOptions<C extends object = {}, S = void> {
  /** "async" (default): `workers` items in flight on the event loop; "worker": a pool of `workers` threads; "sync": one at a time. */
  mode?: Mode;
  /** Concurrency: items in flight (async), threads (worker). Sync mode treats it as 1. Default 1. */
  workers?: number;
  /** Bound of the stage's output buffer in items; 0 means unbounded. Default 1000 (lower it for large items). */
  maxsize?: number;
  /** Emit in input order (default true) or as completed (false). */
  ordered?: boolean;
  /** Milliseconds an item may take before it fails with a TimeoutError (handled as `onError` says). Default: no limit. */
  timeout?: number;
  /**
   * What a failed item (after its retries) does to the run: "raise" (default) fails the run;
   * "skip" drops the item and counts it in the stage's `errors`; "collect" drops it and keeps
   * `{ stage, index, item, error }` in the run's `failures` (see `maxFailures`).
   */
  onError?: OnError;
  /** Times a failing item is tried again before it counts as failed. Default 0. */
  retries?: number;
  /** Milliseconds before the first retry, doubled for each one after. Default 0. */
  retryDelay?: number;
  /** With onError "collect": failures kept in the run's statistics; those past it are counted only. Default 1000. */
  maxFailures?: number;
  /**
   * Worker mode: limits for each thread (Node's Worker resourceLimits, e.g. `{ maxOldGenerationSizeMb: 64 }`).
   * A thread that exceeds them dies, and its item fails.
   */
  resourceLimits?: ResourceLimits;
  /** Cluster mode: the Redis that `pipelab worker` processes watch, e.g. "redis://127.0.0.1:6379". */
  connection?: string;
  /**
   * Cluster mode: the secret shared with the workers, which sign-checks every stage before running
   * its code. Default: the environment variable PIPELAB_CLUSTER_SECRET. Without one, only
   * `{ module, export }` functions can run, from the workers' own `--modules` directory.
   */
  secret?: string;
  /** Runs once per worker before its first item; its result's keys join `ctx`. */
  onStart?: (ctx: StageContext<C>) => S | Promise<S>;
  /** Runs once per started worker when the stage ends, however it ends. */
  onDone?: (ctx: StageContext<C, S>) => unknown;
  /** Values every worker receives in `ctx` (structured-cloned to worker threads; functions travel as source). */
  context?: C;
  /** Shown in statistics and errors. Default: the operation and the function's name, e.g. `map(parse)`. */
  name?: string;
  /**
   * Remember each item's result on disk, so that a later run (in this process or another) calls
   * the function only for items it has not seen with this same function, context and onStart
   * (map, flatMap and filter). `true` keeps the cache in `.pipelab-cache/` under the working
   * directory; see CacheOptions. Default: no cache.
   */
  cache?: boolean | CacheOptions;
  /**
   * At most this many calls started per second by this stage, across all its workers: calls are
   * spaced evenly, with a burst of at most `workers` after a pause; retries count as calls.
   * Waiting for the rate counts as waiting, not busy. Default: no limit.
   */
  rate?: number;
  /**
   * Worker mode: move the ArrayBuffers (and typed arrays' buffers) in items to the
   * thread and in results back, instead of copying them; the sender's buffers are
   * detached. No effect in other modes. Default false.
   */
  transfer?: boolean;
}

export type OnError = "raise" | "skip" | "collect";

/** Where and how a stage keeps its results (the `cache` option). */
export interface CacheOptions {
  /**
   * The cache's directory (relative to the working directory when the pipeline is built).
   * @defaultValue ".pipelab-cache"
   */
  dir?: string;
  /**
   * The stage's name in the cache: it replaces the function's source in the entries' key, so
   * results survive edits that do not change what the function computes (bump it when they do).
   * The context and onStart still count. @defaultValue none: the function's source is the key
   */
  name?: string;
  /**
   * The most this stage's entries may take on disk; past it, the entries used least recently go
   * first (checked when a run starts and ends). @defaultValue no limit
   */
  maxBytes?: number;
}

/** Per-thread limits in worker mode (a subset of Node's Worker resourceLimits). */
export interface ResourceLimits {
  maxOldGenerationSizeMb?: number;
  maxYoungGenerationSizeMb?: number;
  codeRangeSizeMb?: number;
  stackSizeMb?: number;
}

/** @internal The operations a stage can perform with its function. */
export type Operation = "map" | "flatMap" | "filter" | "each" | "tap";

/** @internal */
export type StageFunction = (item: unknown, ctx: Record<string, unknown>) => unknown;
/** @internal */
export type Hook = (ctx: Record<string, unknown>) => unknown;

/** @internal A module function after resolution: an absolute `file:` URL (or a package's resolved file). */
export interface ResolvedModuleFunction {
  module: string;
  export: string;
}

/** @internal */
export interface ResolvedStageOptions {
  mode: Mode;
  workers: number;
  maxsize: number;
  /**
   * Items the stage may hold at once, produced or in the making: maxsize + workers, or
   * Infinity when maxsize is 0 (unbounded). Computed here once; the runner, the executors
   * and ordered()'s window read it.
   */
  budget: number;
  ordered: boolean;
  /** 0 means no limit. */
  timeout: number;
  onStart: Hook | undefined;
  onDone: Hook | undefined;
  context: Record<string, unknown>;
  name: string | undefined;
  /** Calls started per second; undefined means no limit. */
  rate: number | undefined;
  /** The cache's absolute directory, name and size limit; undefined: no cache. */
  cache: ResolvedCacheOptions | undefined;
  transfer: boolean;
  onError: OnError;
  retries: number;
  retryDelay: number;
  maxFailures: number;
  resourceLimits: ResourceLimits | undefined;
  /** Cluster mode: the Redis URL. */
  connection: string | undefined;
  /** Cluster mode: the signing secret (never shown or sent). */
  secret: string | undefined;
}

/** @internal */
export interface ResolvedCacheOptions {
  dir: string;
  name: string | undefined;
  maxBytes: number | undefined;
}

/** @internal */
export const DEFAULT_MAXSIZE = 1000;
const CACHE_KEYS = ["dir", "name", "maxBytes"];
const CACHED_OPERATIONS: readonly Operation[] = ["map", "flatMap", "filter"];
/** Each worker slot has its own context (and, in worker mode, its own thread): a bound that keeps a typo from exhausting memory. */
const MAX_WORKERS = 10_000;
/** @internal Node's timers cannot wait longer: a longer delay fires at once. */
export const MAX_TIMER_MS = 2 ** 31 - 1;
const MODES: readonly Mode[] = ["sync", "async", "worker", "cluster"];
const ON_ERROR: readonly OnError[] = ["raise", "skip", "collect"];
const LIMITS = ["maxOldGenerationSizeMb", "maxYoungGenerationSizeMb", "codeRangeSizeMb", "stackSizeMb"];
const KNOWN = new Set([
  "mode",
  "workers",
  "maxsize",
  "ordered",
  "timeout",
  "onError",
  "retries",
  "retryDelay",
  "maxFailures",
  "onStart",
  "onDone",
  "context",
  "name",
  "rate",
  "cache",
  "transfer",
  "resourceLimits",
  "connection",
  "secret",
]);

/** @internal Checks the options given to `map`, `filter`, ... and fills in defaults. */
export function resolveStageOptions(operation: Operation, options: unknown): ResolvedStageOptions {
  if (options === undefined) options = {};
  if (typeof options !== "object" || options === null || Array.isArray(options)) {
    throw new TypeError(`${operation}(): options must be an object, got ${describe(options)}`);
  }
  const o = options as StageOptions<Record<string, unknown>, unknown>;
  for (const key of Object.keys(o)) {
    if (!KNOWN.has(key)) {
      throw new TypeError(`${operation}(): unknown option "${key}" (known options: ${[...KNOWN].join(", ")})`);
    }
  }
  const mode = o.mode ?? "async";
  if (!MODES.includes(mode)) {
    throw new TypeError(`${operation}(): option "mode" must be one of ${MODES.map((m) => `"${m}"`).join(", ")}, got ${describe(mode)}`);
  }
  const workers = o.workers ?? 1;
  if (typeof workers !== "number" || !Number.isInteger(workers) || workers < 1 || workers > MAX_WORKERS) {
    throw new RangeError(`${operation}(): option "workers" must be an integer from 1 to ${MAX_WORKERS}, got ${describe(workers)}`);
  }
  const maxsize = o.maxsize ?? DEFAULT_MAXSIZE;
  if (typeof maxsize !== "number" || !Number.isInteger(maxsize) || maxsize < 0) {
    throw new RangeError(`${operation}(): option "maxsize" must be a non-negative integer (0 = unbounded), got ${describe(maxsize)}`);
  }
  const timeout = o.timeout ?? Infinity;
  if (typeof timeout !== "number" || Number.isNaN(timeout) || timeout <= 0 || (timeout > MAX_TIMER_MS && timeout !== Infinity)) {
    throw new RangeError(
      `${operation}(): option "timeout" must be a positive number of milliseconds up to ${MAX_TIMER_MS} (about 24.8 days), got ${describe(timeout)}`,
    );
  }
  for (const flag of ["ordered", "transfer"] as const) {
    if (o[flag] !== undefined && typeof o[flag] !== "boolean") {
      throw new TypeError(`${operation}(): option "${flag}" must be a boolean, got ${describe(o[flag])}`);
    }
  }
  for (const hook of ["onStart", "onDone"] as const) {
    if (o[hook] !== undefined && typeof o[hook] !== "function") {
      throw new TypeError(`${operation}(): option "${hook}" must be a function, got ${describe(o[hook])}`);
    }
  }
  const context = o.context ?? {};
  if (typeof context !== "object" || context === null || Array.isArray(context)) {
    throw new TypeError(`${operation}(): option "context" must be an object of named values, got ${describe(context)}`);
  }
  for (const reserved of ["worker", "index", "signal"]) {
    if (reserved in context) {
      throw new TypeError(`${operation}(): option "context" must not have a key "${reserved}": ctx.${reserved} is set by pipelab`);
    }
  }
  if (o.name !== undefined && (typeof o.name !== "string" || o.name.length === 0)) {
    throw new TypeError(`${operation}(): option "name" must be a non-empty string, got ${describe(o.name)}`);
  }
  const { rate } = o;
  if (rate !== undefined && (typeof rate !== "number" || !(rate > 0 && rate < Infinity))) {
    const Error = typeof rate === "number" ? RangeError : TypeError;
    throw new Error(`${operation}(): option "rate" must be a positive number of calls per second, got ${describe(rate)}`);
  }
  const cache = resolveCache(operation, o.cache);
  const onError = o.onError ?? "raise";
  if (!ON_ERROR.includes(onError)) {
    throw new TypeError(`${operation}(): option "onError" must be one of ${ON_ERROR.map((m) => `"${m}"`).join(", ")}, got ${describe(onError)}`);
  }
  const count = (name: "retries" | "maxFailures", fallback: number) => {
    const value = o[name] ?? fallback;
    if (typeof value !== "number" || !Number.isInteger(value) || value < 0) {
      throw new RangeError(`${operation}(): option "${name}" must be a non-negative integer, got ${describe(value)}`);
    }
    return value;
  };
  const retries = count("retries", 0);
  const maxFailures = count("maxFailures", 1000);
  const retryDelay = o.retryDelay ?? 0;
  if (typeof retryDelay !== "number" || !(retryDelay >= 0 && retryDelay <= MAX_TIMER_MS)) {
    throw new RangeError(`${operation}(): option "retryDelay" must be a number of milliseconds from 0 to ${MAX_TIMER_MS}, got ${describe(retryDelay)}`);
  }
  if (operation === "tap" && o.transfer) {
    throw new TypeError(`tap(): option "transfer" cannot be used: the item passes on from this thread unchanged, and a transferred item would be gone from it`);
  }
  if (retries > 0 && o.transfer) {
    throw new TypeError(
      `${operation}(): options "retries" and "transfer" cannot be used together: a transferred item is gone from this thread and cannot be sent again`,
    );
  }
  const limits = o.resourceLimits;
  if (limits !== undefined) {
    if (typeof limits !== "object" || limits === null || Array.isArray(limits)) {
      throw new TypeError(`${operation}(): option "resourceLimits" must be an object, got ${describe(limits)}`);
    }
    for (const [key, value] of Object.entries(limits)) {
      if (!LIMITS.includes(key)) throw new TypeError(`${operation}(): unknown resource limit "${key}" (known: ${LIMITS.join(", ")})`);
      if (typeof value !== "number" || !(value > 0))
        throw new RangeError(`${operation}(): resource limit "${key}" must be a positive number, got ${describe(value)}`);
    }
    if (mode !== "worker") throw new TypeError(`${operation}(): option "resourceLimits" applies to worker threads: use it with mode: "worker"`);
  }
  const { connection } = o;
  if (mode === "cluster") {
    if (typeof connection !== "string" || !/^rediss?:\/\//.test(connection)) {
      throw new TypeError(`${operation}(): cluster mode needs option "connection", a Redis URL like "redis://127.0.0.1:6379", got ${describe(connection)}`);
    }
  } else if (connection !== undefined) {
    throw new TypeError(`${operation}(): option "connection" applies to mode: "cluster"`);
  }
  if (o.secret !== undefined && (typeof o.secret !== "string" || o.secret.length < 16 || mode !== "cluster")) {
    throw new TypeError(`${operation}(): option "secret" must be a string of at least 16 characters, for mode: "cluster"`);
  }
  const secret = mode === "cluster" ? (o.secret ?? (process.env.PIPELAB_CLUSTER_SECRET || undefined)) : undefined;
  return {
    mode,
    // A sync stage runs one item at a time by definition; more workers would be a lie.
    workers: mode === "sync" ? 1 : workers,
    maxsize,
    budget: maxsize === 0 ? Infinity : maxsize + (mode === "sync" ? 1 : workers),
    ordered: o.ordered ?? true,
    timeout: timeout === Infinity ? 0 : timeout,
    onStart: o.onStart as Hook | undefined,
    onDone: o.onDone as Hook | undefined,
    context: context as Record<string, unknown>,
    name: o.name,
    rate,
    cache,
    transfer: o.transfer ?? false,
    onError,
    retries,
    retryDelay,
    maxFailures,
    resourceLimits: limits,
    connection,
    secret,
  };
}

/** The `cache` option: false/undefined (none), true (the defaults) or CacheOptions, checked. */
function resolveCache(operation: Operation, cache: unknown): ResolvedCacheOptions | undefined {
  if (cache === undefined || cache === false) return undefined;
  if (cache !== true && (typeof cache !== "object" || cache === null || Array.isArray(cache))) {
    throw new TypeError(`${operation}(): option "cache" must be true, false or an object like { dir, name, maxBytes }, got ${describe(cache)}`);
  }
  if (!CACHED_OPERATIONS.includes(operation)) {
    throw new TypeError(`${operation}(): option "cache" applies to map, flatMap and filter (a stage whose results can be remembered)`);
  }
  const o = (cache === true ? {} : cache) as CacheOptions;
  for (const key of Object.keys(o)) {
    if (!CACHE_KEYS.includes(key)) throw new TypeError(`${operation}(): unknown key "${key}" in option "cache" (known: ${CACHE_KEYS.join(", ")})`);
  }
  for (const key of ["dir", "name"] as const) {
    const value = o[key];
    if (value !== undefined && (typeof value !== "string" || value.length === 0)) {
      throw new TypeError(`${operation}(): option "cache.${key}" must be a non-empty string, got ${describe(value)}`);
    }
  }
  const { maxBytes } = o;
  if (maxBytes !== undefined && (typeof maxBytes !== "number" || !Number.isSafeInteger(maxBytes) || maxBytes <= 0)) {
    throw new RangeError(`${operation}(): option "cache.maxBytes" must be a positive integer (bytes), got ${describe(maxBytes)}`);
  }
  // Resolved now: a notebook's working directory is where the pipeline was written.
  return { dir: resolvePath(o.dir ?? ".pipelab-cache"), name: o.name, maxBytes };
}
