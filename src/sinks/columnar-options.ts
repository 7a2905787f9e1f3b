/**
 * The options of the columnar sinks (toParquet, toArrow, toArrowTable,
 * toPolars and their sink.* twins), checked when the call is made, before
 * anything runs: an unknown key or a bad value is a TypeError or RangeError
 * naming the option and the value.
 */
import * as zlib from "node:zlib";
import { describe } from "../errors";
import { resolveRunOptions, type RunOptions } from "../run-options";
import { COLUMN_TYPE_NAMES, type ColumnTypeName } from "./column-types";
import { checkColumnList, checkPartial, type FileSinkOptions, sinkOptions } from "./export-options";
import { isRecord } from "./row-shape";

/** The options of sink.arrowTable() and sink.polars(); toArrowTable() and toPolars() take them and the run's. */
export interface ColumnarSinkOptions {
  /**
   * Only these columns, in this order: other keys are left out, a missing one is null. Default: the
   * first row's keys, and a later row with another key is an error naming it and the row.
   */
  columns?: string[];
  /**
   * Fixes the type of some columns: `{ id: "int64", when: "date", extra: "json" }`. "int64" takes
   * bigints and safe-integer numbers, "int32" integers that fit, "json" any value (written as its
   * JSON text). Default: each column's type is that of its first non-null value in the first batch
   * of rows (a string column when all are null there).
   */
  schema?: Record<string, ColumnTypeName>;
}

/** The options of sink.arrow(); toArrow() takes them and the run's. */
export interface ArrowSinkOptions extends ColumnarSinkOptions, FileSinkOptions {}

/** How toParquet() compresses its pages. */
export type ParquetCompression = "snappy" | "gzip" | "zstd" | "none";

/** The options of sink.parquet(); toParquet() takes them and the run's. */
export interface ParquetSinkOptions extends ArrowSinkOptions {
  /** Page compression: "snappy", "gzip", "zstd" (needs Node >= 22.15, whose zlib compresses zstd) or "none". Default "snappy". */
  compression?: ParquetCompression;
  /** Rows per row group, the unit the writer holds in memory and readers read. Default 65536. */
  rowGroupRows?: number;
}

export interface ParquetOptions extends RunOptions, ParquetSinkOptions {}
export interface ArrowOptions extends RunOptions, ArrowSinkOptions {}
export interface ArrowTableOptions extends RunOptions, ColumnarSinkOptions {}
export interface PolarsOptions extends RunOptions, ColumnarSinkOptions {}

/**
 * Rows per row group by default: 65536 rows hold a few tens of MB of JavaScript values for
 * typical rows, match fromParquet's batchRows (one row group, one batch), and stay in the range
 * other writers use (DuckDB 122,880 rows, polars 512² = 262,144).
 */
export const ROW_GROUP_ROWS = 65536;

/** @internal Rows per record batch of the Arrow writers (and the first batch that fixes the column types). */
export const RECORD_BATCH_ROWS = 65536;

/** @internal How a columnar sink writes. */
export interface ColumnarFormat {
  columns: string[] | undefined;
  schema: Record<string, ColumnTypeName> | undefined;
  partial: boolean;
  compression: ParquetCompression;
  rowGroupRows: number;
}

type Kind = "parquet" | "arrow" | "table" | "polars";

const KEYS: Record<Kind, readonly string[]> = {
  parquet: ["columns", "schema", "partial", "compression", "rowGroupRows"],
  arrow: ["columns", "schema", "partial"],
  table: ["columns", "schema"],
  polars: ["columns", "schema"],
};

const COMPRESSIONS: readonly ParquetCompression[] = ["snappy", "gzip", "zstd", "none"];

/** @internal Node's zstd compressor (Node >= 22.15 and 23.8), absent from Node 20's zlib. */
export function zstdCompressor(): ((input: Uint8Array) => Uint8Array) | undefined {
  const compress = (zlib as { zstdCompressSync?: (input: Uint8Array) => Uint8Array }).zstdCompressSync;
  return typeof compress === "function" ? (input) => compress(input) : undefined;
}

function checkSchema(who: string, schema: unknown, columns: string[] | undefined, kind: Kind): Record<string, ColumnTypeName> | undefined {
  if (schema === undefined) return undefined;
  if (!isRecord(schema)) throw new TypeError(`${who}: option "schema" must be an object of column types, e.g. { id: "int64" }, got ${describe(schema)}`);
  for (const [column, type] of Object.entries(schema)) {
    if (!COLUMN_TYPE_NAMES.includes(type as ColumnTypeName)) {
      throw new TypeError(`${who}: option "schema" gives the column "${column}" the type ${describe(type)}; the types are ${COLUMN_TYPE_NAMES.join(", ")}`);
    }
    if (columns && !columns.includes(column))
      throw new TypeError(`${who}: option "schema" names the column "${column}", which option "columns" (${columns.join(", ")}) lacks`);
    if (kind === "polars" && type === "binary") throw new TypeError(`${who}: option "schema": ${POLARS_BINARY}`);
  }
  return schema as Record<string, ColumnTypeName>;
}

/** @internal Why toPolars() writes no binary column. */
export const POLARS_BINARY =
  'nodejs-polars cannot hand a Binary column to JavaScript (even df.dtypes fails on one); convert the bytes to a string first, e.g. Buffer.from(bytes).toString("base64")';

function checkCompression(who: string, compression: unknown): ParquetCompression {
  if (compression === undefined) return "snappy";
  if (!COMPRESSIONS.includes(compression as ParquetCompression)) {
    throw new TypeError(`${who}: option "compression" must be "snappy", "gzip", "zstd" or "none", got ${describe(compression)}`);
  }
  if (compression === "zstd" && !zstdCompressor()) {
    throw new Error(
      `${who}: option "compression": "zstd" needs Node's zlib.zstdCompressSync (Node >= 22.15), and this is Node ${process.versions.node}; ` +
        'use "gzip" for smaller files or "snappy" (the default)',
    );
  }
  return compression as ParquetCompression;
}

function checkRowGroupRows(who: string, rows: unknown): number {
  if (rows === undefined) return ROW_GROUP_ROWS;
  if (typeof rows !== "number") throw new TypeError(`${who}: option "rowGroupRows" must be a positive integer, got ${describe(rows)}`);
  if (!Number.isInteger(rows) || rows < 1) throw new RangeError(`${who}: option "rowGroupRows" must be a positive integer, got ${describe(rows)}`);
  return rows;
}

function format(who: string, own: Record<string, unknown>, kind: Kind): ColumnarFormat {
  const columns = own.columns === undefined ? undefined : checkColumnList(who, own.columns);
  return {
    columns,
    schema: checkSchema(who, own.schema, columns, kind),
    partial: checkPartial(who, own.partial),
    compression: checkCompression(who, own.compression),
    rowGroupRows: checkRowGroupRows(who, own.rowGroupRows),
  };
}

/** @internal A sink.*'s options (no run options). */
export function columnarSinkOptions(who: string, options: unknown, kind: Kind): ColumnarFormat {
  return format(who, sinkOptions(who, options, KEYS[kind]), kind);
}

/** @internal A to*() method's options: the sink's and the run's. */
export function columnarOptions(who: string, options: unknown, kind: Kind): { run: RunOptions; format: ColumnarFormat } {
  const { run, own } = resolveRunOptions<Record<string, unknown>>(who, options, KEYS[kind]);
  return { run, format: format(who, own, kind) };
}
