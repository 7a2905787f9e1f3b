/**
 * Pipeline<T>: the fluent, immutable builder. Each method checks its input and
 * returns a new Pipeline; nothing runs until the pipeline is consumed, and
 * every consumption is a new run from the source.
 */
import { basename } from "node:path";
import type { DataFrame } from "danfojs";
import { encodeContext, functionToWire } from "./executors/function-source";
import { CsvEncoder } from "./sinks/csv-encoder";
import { DataFrameWriter } from "./sinks/dataframe-sink";
import {
  checkPath,
  type CsvOptions,
  csvOptions,
  type DataFrameOptions,
  dataFrameOptions,
  type FileExport,
  type FileExportOptions,
  jsonlOptions,
} from "./sinks/export-options";
import { feedOne, feedSinks } from "./sinks/feed";
import { FileWriter } from "./sinks/file-export";
import { checkIntoSinks } from "./sinks/into";
import { JsonlEncoder } from "./sinks/jsonl-encoder";
import type { Sink, SinkResults } from "./sinks/sink";
import { ArrayWriter } from "./sinks/value-sinks";
import { MergedRuns } from "./stages/merged-runs";
import { Source, type SourceInput } from "./stages/source";
import { describe } from "./errors";
import { type ModuleFunction, type Operation, resolveStageOptions, type StageContext, type StageOptions } from "./options";
import { resolveStageFunction } from "./stage-function";
import { RunStats } from "./run-stats";
import type { RunSnapshot } from "./stats/snapshot";
import type { Plan, StageStep, Step } from "./steps";
import { resolveRunOptions, type RunOptions } from "./run-options";
import { Run } from "./supervisor";

/** A stage function: `(item, ctx) => result`. */
export type StageFn<T, R, C, W> = (item: T, ctx: StageContext<C, W>) => R;

/** What a flatMap function may return. */
export type Expansion<U> = Iterable<U> | AsyncIterable<U>;

/**
 * A pipeline of items of type `T`. `Failed` is what an item that a stage failed on
 * can be (the union of its stages' input types): the type of `stats().failures[i].item`.
 */
export class Pipeline<T, Failed = unknown> implements AsyncIterable<T> {
  /** The latest run of this pipeline object, for stats(). Not part of what the pipeline describes. */
  private latest: Run<T> | undefined;

  /** @internal Use `from()`, `range()` or `concat()`. */
  constructor(private readonly plan: Plan) {}

  /**
   * Transforms each item with `fn` (which may be async).
   * @example from([1, 2, 3]).map((x) => x * 2)                               // 2, 4, 6
   * @example from(urls).map(fetchJson, { workers: 16 })                         // 16 requests in flight
   * @example from(rows).map((r, ctx) => r.v * ctx.k, { mode: "worker", workers: 4, context: { k: 3 } })
   */
  map<U, C extends object = {}, W = void>(fn: StageFn<T, U | PromiseLike<U>, C, W>, options?: StageOptions<C, W>): Pipeline<U, Failed | T>;
  map<U = unknown, C extends object = {}, W = void>(fn: ModuleFunction, options?: StageOptions<C, W>): Pipeline<U, Failed | T>;
  map(fn: unknown, options?: unknown): Pipeline<unknown> {
    return this.stage("map", fn, options);
  }

  /**
   * Replaces each item by the items of the (async) iterable `fn` returns.
   * @example from(["a b", "c"]).flatMap((s) => s.split(" "))                  // "a", "b", "c"
   */
  flatMap<U, C extends object = {}, W = void>(
    fn: StageFn<T, Expansion<U> | PromiseLike<Expansion<U>>, C, W>,
    options?: StageOptions<C, W>,
  ): Pipeline<U, Failed | T>;
  flatMap<U = unknown, C extends object = {}, W = void>(fn: ModuleFunction, options?: StageOptions<C, W>): Pipeline<U, Failed | T>;
  flatMap(fn: unknown, options?: unknown): Pipeline<unknown> {
    return this.stage("flatMap", fn, options);
  }

  /**
   * Keeps the items for which `fn` is truthy (`fn` may be async).
   * @example range(10).filter((x) => x % 2 === 0)                           // 0, 2, 4, 6, 8
   */
  filter<S extends T, C extends object = {}, W = void>(
    fn: (item: T, ctx: StageContext<C, W>) => item is S,
    options?: StageOptions<C, W>,
  ): Pipeline<S, Failed | T>;
  filter<C extends object = {}, W = void>(fn: StageFn<T, unknown, C, W> | ModuleFunction, options?: StageOptions<C, W>): Pipeline<T, Failed | T>;
  filter(fn: unknown, options?: unknown): Pipeline<unknown> {
    return this.stage("filter", fn, options);
  }

  /**
   * Runs `fn` for its side effect; the stage emits nothing.
   * @example await from(rows).each((row) => db.insert(row), { workers: 8 }).run()
   */
  each<C extends object = {}, W = void>(fn: StageFn<T, unknown, C, W> | ModuleFunction, options?: StageOptions<C, W>): Pipeline<never, Failed | T> {
    return this.stage("each", fn, options);
  }

  /**
   * Restores source order after unordered stages; a flatMap's children take their parent's place.
   * @example from(urls).map(fetchPage, { workers: 8, ordered: false }).ordered()
   */
  ordered(): Pipeline<T, Failed> {
    return this.with({ type: "ordered" });
  }

  /**
   * The first `count` items; then the whole run shuts down.
   * @example await from(naturals()).map(slowSquare).take(5).toArray()
   */
  take(count: number): Pipeline<T, Failed> {
    if (typeof count !== "number" || !Number.isInteger(count) || count < 0) {
      throw new RangeError(`take(): count must be a non-negative integer, got ${describe(count)}`);
    }
    return this.with({ type: "take", count });
  }

  /**
   * Starts a run and streams its results; `for await (const x of p)` does the same without options.
   * @example for await (const x of p.iterate({ signal: AbortSignal.timeout(5000) })) console.log(x)
   */
  iterate(options?: RunOptions): AsyncIterableIterator<T> {
    return this.start(resolveRunOptions("iterate()", options).run);
  }

  /**
   * Statistics of this pipeline's latest run, finished or still going. Before its first
   * run there are none: that is an Error, so that after a run the result needs no check.
   * @example const rows = from(urls).map(fetchPage, { workers: 8 }); await rows.toArray(); console.log(rows.stats())
   */
  stats(): RunStats<Failed> {
    if (this.latest === undefined) {
      throw new Error("stats(): this pipeline has not run yet; run it first (await p.run(), p.toArray(), for await ...)");
    }
    // A failure's item is the input of the stage that failed on it: one of the types in Failed.
    return RunStats.of(this.latest.stats() as RunSnapshot<Failed>);
  }

  /** Starts a run with options already checked. */
  private start(options: RunOptions): Run<T> {
    const run = new Run<T>(this.plan, options);
    this.latest = run;
    return run;
  }

  [Symbol.asyncIterator](): AsyncIterator<T> {
    return this.iterate();
  }

  /**
   * Runs the pipeline and collects its results.
   * @example const squares = await range(5).map((x) => x * x).toArray()   // [0, 1, 4, 9, 16]
   */
  async toArray(options?: RunOptions): Promise<T[]> {
    return feedOne(this.start(resolveRunOptions("toArray()", options).run), new ArrayWriter<T>());
  }

  /**
   * Runs the pipeline and collects its results into a danfojs DataFrame.
   * Object results become columns by key (in order of first appearance, null
   * where a row lacks one); other results become one column, `value`.
   * @example const df = await from(records).map(enrich, { workers: 8 }).toDataFrame()
   * @example await p.toDataFrame({ columns: ["id", "score"] })
   */
  async toDataFrame(options?: DataFrameOptions): Promise<DataFrame> {
    const { run, columns } = dataFrameOptions(options);
    return feedOne(this.start(run), new DataFrameWriter("toDataFrame()", columns));
  }

  /**
   * Runs the pipeline and streams its results to a CSV file, one row per
   * result. The file appears at `path` only if the run succeeds (it is written
   * next to it under a temporary name, then renamed); `partial: true` keeps
   * the rows before a failure.
   * @example const { rows } = await from(records).map(clean).toCSV("clean.csv")
   * @example await p.toCSV("out.csv", { columns: "union", delimiter: ";" })
   */
  async toCSV(path: string, options?: CsvOptions): Promise<FileExport> {
    const settings = csvOptions(options);
    const target = checkPath("toCSV()", path);
    return feedOne(this.start(settings.run), new FileWriter(target, "toCSV()", settings.partial, new CsvEncoder(settings)));
  }

  /**
   * Runs the pipeline and streams its results to a JSON Lines file, one JSON value per line,
   * with the same all-or-nothing file handling as toCSV().
   * @example await from(events).filter(isError).toJSONL("errors.jsonl")
   */
  async toJSONL(path: string, options?: FileExportOptions): Promise<FileExport> {
    const { run, partial } = jsonlOptions(options);
    const target = checkPath("toJSONL()", path);
    return feedOne(this.start(run), new FileWriter(target, "toJSONL()", partial, new JsonlEncoder()));
  }

  /**
   * Runs the pipeline once and feeds every result to every sink (the slowest sets the pace);
   * resolves to each sink's result under its key. A failing sink stops the run with a SinkError
   * naming its key, and no file looks complete after a failure. Bad arguments throw at once.
   * @example const { df, file, n } = await p.into({ df: sink.dataFrame(), file: sink.csv("out.csv"), n: sink.count() })
   * @example const { sample } = await p.into({ sample: sink.array({ limit: 100 }), log: sink.each(console.log) })
   */
  into<S extends Record<string, Sink<T, unknown>>>(sinks: S, options?: RunOptions): Promise<SinkResults<S>> {
    const checked = checkIntoSinks(sinks);
    const { run } = resolveRunOptions("into()", options);
    return feedSinks(this.start(run), checked) as Promise<SinkResults<S>>;
  }

  /**
   * Runs the pipeline for its side effects and resolves to the run's statistics.
   * @example const stats = await from(files).each(upload, { workers: 4 }).run()
   */
  async run(options?: RunOptions): Promise<RunStats<Failed>> {
    const run = this.start(resolveRunOptions("run()", options).run);
    await run.drain(() => {});
    return RunStats.of((await run.finished()) as RunSnapshot<Failed>);
  }

  private stage(operation: Operation, fn: unknown, options: unknown): Pipeline<never, never> {
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
    const step: StageStep = { type: "stage", operation, fn: resolvedFn, options: resolved, defaultName, wire };
    return this.with(step);
  }

  /** A pipeline with one more step; typed by the public method that adds it. */
  private with(step: Step): Pipeline<never, never> {
    return new Pipeline({ source: this.plan.source, steps: [...this.plan.steps, step] });
  }
}

/** `map(parse)`, `map` for an anonymous function, `map(worker.js)` for a module's default export. */
function defaultStageName(operation: Operation, fn: Function | { module: string; export: string }): string {
  if (typeof fn === "function") return fn.name ? `${operation}(${fn.name})` : operation;
  return `${operation}(${fn.export === "default" ? basename(fn.module) : fn.export})`;
}

/**
 * Starts a pipeline from an iterable, an async iterable, an object-mode Readable
 * or a function that returns one of those (call it per run, so the pipeline can
 * run again; a generator object or a stream can be read by one run only).
 * @example from([1, 2, 3]).map((x) => x + 1)
 * @example from(() => fs.createReadStream("big.txt").pipe(split()))
 */
export function from<T>(source: SourceInput<T>): Pipeline<T, never> {
  return new Pipeline<T, never>({ source: new Source(source), steps: [] });
}

/**
 * Numbers from `start` (inclusive) to `end` (exclusive) by `step`, like Python's range.
 * `range(n)` counts 0..n-1; `end` may be Infinity.
 * @example range(3).toArray()          // [0, 1, 2]
 * @example range(10, 0, -3).toArray()  // [10, 7, 4, 1]
 */
export function range(start: number, end?: number, step = 1): Pipeline<number, never> {
  if (end === undefined) [start, end] = [0, start];
  for (const [name, value] of [
    ["start", start],
    ["end", end],
    ["step", step],
  ] as const) {
    if (typeof value !== "number" || Number.isNaN(value)) throw new TypeError(`range(): ${name} must be a number, got ${describe(value)}`);
  }
  if (!Number.isFinite(start) || !Number.isFinite(step)) throw new RangeError("range(): start and step must be finite");
  if (step === 0) throw new RangeError("range(): step must not be 0");
  const stop = end;
  return from(function* () {
    if (step > 0) for (let x = start; x < stop; x += step) yield x;
    else for (let x = start; x > stop; x += step) yield x;
  });
}

/**
 * All items of several pipelines, run at the same time and interleaved as they arrive.
 * `ordered()` after it restores the order in which they arrived, not per pipeline.
 * @example concat(from(a), from(b)).map(normalize)
 */
export function concat<P extends Pipeline<unknown, unknown>[]>(
  ...pipelines: P
): Pipeline<P[number] extends Pipeline<infer U, unknown> ? U : never, P[number] extends Pipeline<unknown, infer F> ? F : never> {
  pipelines.forEach((p, i) => {
    if (!(p instanceof Pipeline)) throw new TypeError(`concat(): argument ${i + 1} is not a pipeline, got ${describe(p)}`);
  });
  const source = new Source(() => new MergedRuns(pipelines.map((p) => p.iterate() as Run<unknown>)), true);
  return new Pipeline({ source, steps: [] });
}
