/**
 * The `sink` factories: the sinks `into()` can feed. Each checks its
 * arguments when called (a bad one is a TypeError or RangeError naming it and
 * the value, before anything runs) and returns a Sink that opens a writer of
 * its own for every run.
 */
import type { DataFrame } from "danfojs";
import { describe } from "../errors";
import { checkOptionKeys } from "../run-options";
import { ArrowFileWriter } from "./arrow-file-sink";
import { ArrowTableWriter } from "./arrow-table-sink";
import { type ArrowSinkOptions, type ColumnarSinkOptions, columnarSinkOptions, type ParquetSinkOptions } from "./columnar-options";
import type { ArrowTableLike, PolarsDataFrameLike, Uninferred } from "./columnar-results";
import { CsvEncoder } from "./csv-encoder";
import { DataFrameWriter } from "./dataframe-sink";
import {
  checkPath,
  type CsvSinkOptions,
  csvSinkOptions,
  type DataFrameSinkOptions,
  dataFrameSinkOptions,
  type FileExport,
  type FileSinkOptions,
  jsonlSinkOptions,
} from "./export-options";
import { FileWriter } from "./file-export";
import { JsonlEncoder } from "./jsonl-encoder";
import { ParquetFileWriter } from "./parquet-sink";
import { PolarsWriter } from "./polars-sink";
import { Sink } from "./sink";
import { ArrayWriter, CountWriter, EachWriter, NO_INITIAL, ReduceWriter } from "./value-sinks";

/** The options of sink.array(). */
export interface ArraySinkOptions {
  /** Keep only the first `limit` items (a non-negative integer); the run goes on for the other sinks. Default: every item. */
  limit?: number;
}

/** sink.reduce: with an initial value, or (like Array.prototype.reduce) the first item as the start. */
interface ReduceFactory {
  <T>(fn: (accumulator: T, item: T, index: number) => T | PromiseLike<T>): Sink<T, T>;
  <T, A>(fn: (accumulator: A, item: T, index: number) => A | PromiseLike<A>, initial: A): Sink<T, A>;
}

function checkFunction(who: string, fn: unknown): void {
  if (typeof fn !== "function") throw new TypeError(`${who}: fn must be a function, got ${describe(fn)}`);
}

function reduce<T, A>(fn: (accumulator: A, item: T, index: number) => A | PromiseLike<A>, ...initial: [A?]): Sink<T, A> {
  checkFunction("sink.reduce()", fn);
  const start = initial.length === 0 ? NO_INITIAL : (initial[0] as A);
  return new Sink({ kind: "reduce", open: () => new ReduceWriter(fn, start) });
}

/**
 * The sinks `into()` feeds from one run: every result reaches every sink.
 * @example const { df, file, n } = await p.into({ df: sink.dataFrame(), file: sink.csv("out.csv"), n: sink.count() })
 */
export const sink = {
  /**
   * A CSV file, written as results arrive and moved into place only when the run and every
   * other sink succeed; resolves to `{ path, rows }`. The options of toCSV() (not the run's).
   * @defaultValue options: `{ partial: false, delimiter: ",", header: true }`, the header from the first row
   * @example await p.into({ file: sink.csv("out.csv", { columns: "union" }), n: sink.count() })
   */
  csv(path: string, options?: CsvSinkOptions): Sink<unknown, FileExport> {
    const who = "sink.csv()";
    checkPath(who, path);
    const format = csvSinkOptions(who, options);
    return new Sink({ kind: "csv", path, open: () => new FileWriter(path, who, format.partial, new CsvEncoder(format, who)) });
  },

  /**
   * A JSON Lines file (one JSON value per line), all or nothing like sink.csv(); resolves to `{ path, rows }`.
   * @defaultValue options: `{ partial: false }`
   * @example await p.into({ events: sink.jsonl("events.jsonl"), n: sink.count() })
   */
  jsonl(path: string, options?: FileSinkOptions): Sink<unknown, FileExport> {
    const who = "sink.jsonl()";
    checkPath(who, path);
    const partial = jsonlSinkOptions(who, options);
    return new Sink({ kind: "jsonl", path, open: () => new FileWriter(path, who, partial, new JsonlEncoder(who)) });
  },

  /**
   * A danfojs DataFrame, built like toDataFrame()'s (danfojs loads when the first one is built).
   * @defaultValue options: every key as a column, in order of first appearance
   * @example const { df } = await p.into({ df: sink.dataFrame({ columns: ["id", "score"] }), file: sink.csv("out.csv") })
   */
  dataFrame(options?: DataFrameSinkOptions): Sink<unknown, DataFrame> {
    const who = "sink.dataFrame()";
    const columns = dataFrameSinkOptions(who, options);
    return new Sink({ kind: "dataFrame", open: () => new DataFrameWriter(who, columns) });
  },

  /**
   * A Parquet file, written a row group at a time (memory holds one row group) and moved into place
   * only when the run and every other sink succeed; resolves to `{ path, rows }`. The columns are the
   * first row's keys (or `columns`); each column's type is that of its first non-null value in the
   * first row group, or `schema`'s: string -> STRING, number -> DOUBLE, bigint -> INT64, boolean ->
   * BOOLEAN, Date -> TIMESTAMP(MILLIS, UTC), Uint8Array -> BYTE_ARRAY, array -> LIST, plain object ->
   * struct, null -> a null in an OPTIONAL column; "int32" -> INT32, "json" -> the JSON text (JSON).
   * A later row with another key, or a value of another type, is a TypeError naming the column and the row.
   * `partial: true` keeps, after a failure, a valid file of the rows that reached the sink.
   * @defaultValue options: `{ compression: "snappy", rowGroupRows: 65536, partial: false }`
   * @example await p.into({ file: sink.parquet("out.parquet", { compression: "gzip", schema: { id: "int64" } }), n: sink.count() })
   */
  parquet(path: string, options?: ParquetSinkOptions): Sink<unknown, FileExport> {
    const who = "sink.parquet()";
    checkPath(who, path);
    const format = columnarSinkOptions(who, options, "parquet");
    return new Sink({ kind: "parquet", path, open: () => new ParquetFileWriter(path, who, format) });
  },

  /**
   * An Arrow IPC file (the file format, Feather v2), written a record batch of 65536 rows at a time,
   * all or nothing like sink.parquet() and with its column rules; resolves to `{ path, rows }`. Types:
   * string -> Utf8, number -> Float64, bigint -> Int64, boolean -> Bool, Date -> Timestamp(ms, "UTC"),
   * Uint8Array -> Binary, array -> List, plain object -> Struct, every column nullable; "int32" ->
   * Int32, "json" -> Utf8 of the JSON text.
   * @defaultValue options: `{ partial: false }`, the columns and types from the rows
   * @example await p.into({ file: sink.arrow("out.arrow"), table: sink.arrowTable() })
   */
  arrow(path: string, options?: ArrowSinkOptions): Sink<unknown, FileExport> {
    const who = "sink.arrow()";
    checkPath(who, path);
    const format = columnarSinkOptions(who, options, "arrow");
    return new Sink({ kind: "arrow", path, open: () => new ArrowFileWriter(path, who, format.partial, format) });
  },

  /**
   * An apache-arrow Table with the types of sink.arrow() (not tableFromJSON's guesses), built a record
   * batch at a time. Its type: pass apache-arrow's `Table` for all of its API.
   * @defaultValue options: the columns and types from the rows
   * @example const { table } = await p.into({ table: sink.arrowTable<Table>({ schema: { id: "int64" } }), file: sink.csv("out.csv") })
   */
  arrowTable<Table = ArrowTableLike>(options?: ColumnarSinkOptions): Sink<unknown, Uninferred<Table>> {
    const who = "sink.arrowTable()";
    const format = columnarSinkOptions(who, options, "table");
    return new Sink({ kind: "arrowTable", open: () => new ArrowTableWriter(who, format) as never });
  },

  /**
   * A nodejs-polars DataFrame with the types of sink.arrow() (polars reads the Arrow record batches);
   * a Uint8Array column is refused, since nodejs-polars cannot hand one to JavaScript. nodejs-polars is
   * an optional peer dependency: without it, the run fails before it starts, saying what to install.
   * @defaultValue options: the columns and types from the rows
   * @example const { df } = await p.into({ df: sink.polars<DataFrame>(), file: sink.parquet("out.parquet") })
   */
  polars<Frame = PolarsDataFrameLike>(options?: ColumnarSinkOptions): Sink<unknown, Uninferred<Frame>> {
    const who = "sink.polars()";
    const format = columnarSinkOptions(who, options, "polars");
    return new Sink({ kind: "polars", open: () => new PolarsWriter(who, format) as never });
  },

  /**
   * The items in an array: all of them, or the first `limit` (a sample that does not stop the
   * run: the other sinks still get every item; take(n) is what ends a run early).
   * @defaultValue options: `{}`, every item
   * @example const { sample, n } = await p.into({ sample: sink.array({ limit: 100 }), n: sink.count() })
   */
  array<T>(options?: ArraySinkOptions): Sink<T, T[]> {
    const who = "sink.array()";
    const { limit }: ArraySinkOptions = options === undefined ? {} : checkOptionKeys(who, options, ["limit"]);
    if (limit !== undefined) {
      if (typeof limit !== "number") throw new TypeError(`${who}: option "limit" must be a non-negative integer, got ${describe(limit)}`);
      if (!Number.isInteger(limit) || limit < 0) throw new RangeError(`${who}: option "limit" must be a non-negative integer, got ${describe(limit)}`);
    }
    return new Sink({ kind: "array", open: () => new ArrayWriter<T>(limit) });
  },

  /**
   * How many items the run gave.
   * @example const { n } = await p.into({ n: sink.count(), file: sink.csv("out.csv") })
   */
  count(): Sink<unknown, number> {
    // A typo'd `sink.count({ limit: 5 })` would otherwise count everything without a word.
    if (arguments.length > 0) throw new TypeError(`sink.count(): takes no arguments, got ${describe(arguments[0])}`);
    return new Sink({ kind: "count", open: () => new CountWriter() });
  },

  /**
   * Calls `fn(item, index)` for each item, in order; a promise it returns is awaited before the
   * next item (a slow fn slows the run down rather than piling up calls). Resolves to undefined.
   * @example await p.into({ log: sink.each(async (row) => db.insert(row)), file: sink.csv("out.csv") })
   */
  each<T>(fn: (item: T, index: number) => unknown): Sink<T, void> {
    checkFunction("sink.each()", fn);
    return new Sink({ kind: "each", open: () => new EachWriter(fn) });
  },

  /**
   * Folds the items like Array.prototype.reduce: `fn(accumulator, item, index)` may be async
   * (awaited before the next item). Without `initial`, the first item starts the fold and a run
   * with no items fails, as [].reduce(fn) does.
   * @example const { total } = await p.into({ total: sink.reduce((sum, o) => sum + o.amount, 0), file: sink.csv("orders.csv") })
   */
  reduce: reduce as ReduceFactory,
};
