/**
 * The options of the columnar readers (fromParquet, fromArrow), checked when
 * the reader is called, in Node's validator style; and the choice of columns
 * once the file's own are known.
 */
import { describe } from "../errors";
import { checkColumnNames } from "../sinks/export-options";
import { checkOptionKeys } from "../run-options";

/** How 64-bit integers (Parquet INT64, Arrow Int64/Uint64) are read: numbers checked to be exact, or bigints. */
export type Int64Mode = "number" | "bigint";

export interface ArrowSourceOptions {
  /**
   * Read only these columns, in this order (an unknown one is an error listing the file's).
   * @defaultValue every column of the file, in its order
   */
  columns?: string[];
  /**
   * 64-bit integer columns as `"number"` (default; a value beyond ±2^53-1 is an error naming its row) or
   * as `"bigint"` (every value of such a column). Timestamps are not affected: they are read as Dates.
   * @defaultValue "number"
   */
  int64?: Int64Mode;
}

export interface ParquetSourceOptions extends ArrowSourceOptions {
  /**
   * Rows built and handed on at a time (a row group is decoded whole, then cut into batches of this many rows).
   * @defaultValue 65536
   */
  batchRows?: number;
}

/** @internal The readers' options with their defaults filled in. */
export interface ColumnarSettings {
  columns: string[] | undefined;
  int64: Int64Mode;
  batchRows: number;
}

/** @internal */
export const DEFAULT_BATCH_ROWS = 65536;

/** @internal Checks a columnar reader's options; `known` lists the keys this reader takes. */
export function columnarSettings(who: string, options: unknown, known: readonly string[]): ColumnarSettings {
  const checked = options === undefined ? {} : checkOptionKeys(who, options, known);
  const { columns, int64 = "number", batchRows = DEFAULT_BATCH_ROWS } = checked as ParquetSourceOptions;
  if (columns !== undefined) {
    checkColumnNames(who, columns);
    const twice = columns.find((c, i) => columns.indexOf(c) !== i);
    if (twice !== undefined) throw new TypeError(`${who}: option "columns" names "${twice}" twice`);
  }
  if (int64 !== "number" && int64 !== "bigint") throw new TypeError(`${who}: option "int64" must be "number" or "bigint", got ${describe(int64)}`);
  if (typeof batchRows !== "number" || !Number.isInteger(batchRows) || batchRows < 1) {
    throw new TypeError(`${who}: option "batchRows" must be a positive integer, got ${describe(batchRows)}`);
  }
  return { columns: columns && [...columns], int64, batchRows };
}

/** @internal The columns to read: the asked ones (each must be in the file), or all of the file's. */
export function chooseColumns(who: string, path: string, asked: readonly string[] | undefined, inFile: readonly string[]): string[] {
  if (asked === undefined) return [...inFile];
  const missing = asked.find((c) => !inFile.includes(c));
  if (missing !== undefined) {
    throw new Error(`${who}: "${path}" has no column ${JSON.stringify(missing)} (its columns: ${inFile.map((c) => JSON.stringify(c)).join(", ")})`);
  }
  return [...asked];
}
