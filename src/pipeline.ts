/**
 * Pipeline<T>: the fluent, immutable builder. Each method checks its input and
 * returns a new Pipeline; nothing runs until the pipeline is consumed, and
 * every consumption is a new run from the source.
 */
import type { DataFrame } from "danfojs";
import type { CsvOptions, DataFrameOptions, FileExport, FileExportOptions } from "./sinks/export-options";
import type { ArrowOptions, ArrowTableOptions, ParquetOptions, PolarsOptions } from "./sinks/columnar-options";
import type { ArrowTableLike, PolarsDataFrameLike, Uninferred } from "./sinks/columnar-results";
import { feedOne, feedSinks } from "./sinks/feed";
import { checkIntoSinks } from "./sinks/into";
import { arrowExport, arrowTableExport, csvExport, dataFrameExport, jsonlExport, parquetExport, polarsExport, type SingleSink } from "./sinks/single-sinks";
import type { Sink, SinkResults } from "./sinks/sink";
import { ArrayWriter } from "./sinks/value-sinks";
import { describe } from "./errors";
import type { ModuleFunction, Operation, StageContext, StageOptions } from "./options";
import { RunStats } from "./run-stats";
import type { RunSnapshot } from "./stats/snapshot";
import { type Plan, stageStep, type Step } from "./steps";
import { type BatchOptions, batchStep } from "./stages/batch";
import { type DistinctOptions, distinctStep } from "./stages/distinct";
import { dropStep } from "./stages/drop";
import { checkReducer, countRun, reduceRun } from "./sinks/reduce";
import { NO_INITIAL } from "./sinks/value-sinks";
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
   * Calls `fn` for its side effect and passes each item on unchanged (what `fn` returns is
   * ignored; awaited when it is a promise). Any mode; in worker mode the item goes on from the
   * main thread: `fn` sees a copy, and a change it makes there stays there.
   * @example from(rows).tap((row, ctx) => ctx.index % 1000 === 0 && console.log(row)).map(score)
   */
  tap<C extends object = {}, W = void>(fn: StageFn<T, unknown, C, W> | ModuleFunction, options?: StageOptions<C, W>): Pipeline<T, Failed | T> {
    return this.stage("tap", fn, options);
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
   * Groups consecutive items into arrays of `size`; shorter when `ms` has passed since a batch's first item, and at the end.
   * @example from(rows).batch(500, { ms: 1000 }).each(insertMany)     // [[row0, ..., row499], ...]
   */
  batch(size: number, options?: BatchOptions): Pipeline<T[], Failed> {
    return this.with(batchStep(size, options));
  }

  /**
   * Skips the first `count` items.
   * @example range(10).drop(7).toArray()                                // [7, 8, 9]
   */
  drop(count: number): Pipeline<T, Failed> {
    return this.with(dropStep(count));
  }

  /**
   * The first item of each key: `key(item)` (may be async), or the item itself; keys compare as Map keys do (NaN equals NaN,
   * objects by identity). Every key is kept until the run ends: memory grows with their number (`maxKeys` bounds it).
   * @example from(users).distinct((u) => u.email.toLowerCase())
   */
  distinct(key?: (item: T) => unknown, options?: DistinctOptions): Pipeline<T, Failed> {
    return this.with(distinctStep(key, options));
  }

  /**
   * Runs the pipeline and folds its results, in the order they come out, with `fn` (which may be async), from `initial`
   * or, without one, from the first result (no results then: a TypeError, as `[].reduce(fn)`).
   * @example const total = await from(orders).reduce((sum, o) => sum + o.amount, 0)
   */
  reduce(fn: (acc: T, item: T) => T | PromiseLike<T>): Promise<T>;
  reduce<A>(fn: (acc: A, item: T) => A | PromiseLike<A>, initial: A, options?: RunOptions): Promise<A>;
  async reduce<A>(fn: (acc: A, item: T) => A | PromiseLike<A>, ...rest: [A?, RunOptions?]): Promise<A> {
    checkReducer(fn);
    const run = this.start(resolveRunOptions("reduce()", rest[1]).run);
    return reduceRun(run, fn, rest.length === 0 ? NO_INITIAL : (rest[0] as A));
  }

  /**
   * Runs the pipeline and resolves to the number of its results.
   * @example const errors = await from(lines).filter(isError).count()
   */
  async count(options?: RunOptions): Promise<number> {
    return countRun(this.start(resolveRunOptions("count()", options).run));
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
   * Runs the pipeline and collects its results into a danfojs DataFrame. Object results become columns by key
   * (in order of first appearance, null where a row lacks one); other results become one column, `value`.
   * @example const df = await from(records).map(enrich, { workers: 8 }).toDataFrame()
   * @example await p.toDataFrame({ columns: ["id", "score"] })
   */
  async toDataFrame(options?: DataFrameOptions): Promise<DataFrame> {
    return this.feed(dataFrameExport(options));
  }

  /**
   * Runs the pipeline and streams its results to a CSV file, one row per result. The file appears at `path` only if the
   * run succeeds (it is written next to it under a temporary name, then renamed); `partial: true` keeps the rows before a failure.
   * @example const { rows } = await from(records).map(clean).toCSV("clean.csv")
   * @example await p.toCSV("out.csv", { columns: "union", delimiter: ";" })
   */
  async toCSV(path: string, options?: CsvOptions): Promise<FileExport> {
    return this.feed(csvExport(path, options));
  }

  /**
   * Runs the pipeline and streams its results to a JSON Lines file, one JSON value per line,
   * with the same all-or-nothing file handling as toCSV().
   * @example await from(events).filter(isError).toJSONL("errors.jsonl")
   */
  async toJSONL(path: string, options?: FileExportOptions): Promise<FileExport> {
    return this.feed(jsonlExport(path, options));
  }

  /**
   * Runs the pipeline into a Parquet file, a row group at a time, all or nothing like toCSV(); types as sink.parquet() says.
   * @example const { rows } = await from(records).toParquet("out.parquet", { compression: "gzip", schema: { id: "int64" } })
   */
  async toParquet(path: string, options?: ParquetOptions): Promise<FileExport> {
    return this.feed(parquetExport(path, options));
  }

  /**
   * Runs the pipeline into an Arrow IPC file, a record batch at a time, all or nothing like toCSV(); types as sink.arrow() says.
   * @example await p.toArrow("out.arrow", { columns: ["id", "score"] })
   */
  async toArrow(path: string, options?: ArrowOptions): Promise<FileExport> {
    return this.feed(arrowExport(path, options));
  }

  /**
   * Runs the pipeline into an apache-arrow Table (types as sink.arrow() says); pass apache-arrow's `Table` type for all of its API.
   * @example const table = await p.toArrowTable<Table>({ schema: { when: "date" } })
   */
  async toArrowTable<Table = ArrowTableLike>(options?: ArrowTableOptions): Promise<Uninferred<Table>> {
    return this.feed(arrowTableExport(options)) as Promise<Uninferred<Table>>;
  }

  /**
   * Runs the pipeline into a nodejs-polars DataFrame (an optional peer dependency; types as sink.arrow() says).
   * @example const df = await p.toPolars<DataFrame>(); df.groupBy("origin").len()
   */
  async toPolars<Frame = PolarsDataFrameLike>(options?: PolarsOptions): Promise<Uninferred<Frame>> {
    return this.feed(polarsExport(options)) as Promise<Uninferred<Frame>>;
  }

  /** Opens a single sink's writer (options checked) before the run starts, so one that cannot open leaves no run; feeds the run to it. */
  private feed<Out>({ run, open }: SingleSink<Out>): Promise<Out> {
    const writer = open();
    return feedOne(this.start(run), writer);
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
    return this.with(stageStep(operation, fn, options));
  }

  /** A pipeline with one more step; typed by the public method that adds it. */
  private with(step: Step): Pipeline<never, never> {
    return new Pipeline({ source: this.plan.source, steps: [...this.plan.steps, step] });
  }
}
