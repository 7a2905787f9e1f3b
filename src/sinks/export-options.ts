/**
 * The options of the result sinks (toDataFrame, toCSV, toJSONL and their
 * sink.* twins for into()), checked in one place: the run's own options
 * (signal, progress) pass through to the run; a sink.* takes none of them.
 * The file sources reuse the path, column and delimiter checks.
 */
import { describe } from "../errors";
import { checkOptionKeys, resolveRunOptions, type RunOptions } from "../run-options";

/** The options of sink.dataFrame(); toDataFrame() takes them and the run's. */
export interface DataFrameSinkOptions {
  /** Only these columns, in this order (a missing one is all null). Default: every key, in order of first appearance. */
  columns?: string[];
}

export interface DataFrameOptions extends RunOptions, DataFrameSinkOptions {}

/** The options of sink.jsonl(); toJSONL() takes them and the run's. */
export interface FileSinkOptions {
  /** When the run fails or is cancelled, keep the rows written so far under the target name (the error still reaches you). Default false: no file. */
  partial?: boolean;
}

export interface FileExportOptions extends RunOptions, FileSinkOptions {}

/** The options of sink.csv(); toCSV() takes them and the run's. */
export interface CsvSinkOptions extends FileSinkOptions {
  /**
   * The header. Default: the first row's keys, and a later row with another key is an error naming it.
   * A list: these columns in this order; other keys are left out. `"union"`: every key of every row
   * (the rows are held in memory until the run ends, to know them all).
   */
  columns?: string[] | "union";
  /** Field separator, one character. Default ",". */
  delimiter?: string;
  /** Write the header line. Default true. */
  header?: boolean;
}

export interface CsvOptions extends FileExportOptions, CsvSinkOptions {}

/** The outcome of a file export. */
export interface FileExport {
  /** The file written. */
  path: string;
  /** Rows (items) written. */
  rows: number;
}

/** @internal A non-empty array of non-empty column names (shared with fromCSV). */
export function checkColumnNames(who: string, columns: unknown): string[] {
  if (!Array.isArray(columns) || columns.length === 0 || !columns.every((c) => typeof c === "string" && c !== "")) {
    throw new TypeError(`${who}: option "columns" must be a non-empty array of column names, got ${describe(columns)}`);
  }
  return columns as string[];
}

/** @internal One CSV field separator character (shared with fromCSV). */
export function checkDelimiter(who: string, delimiter: unknown): string {
  if (typeof delimiter !== "string" || [...delimiter].length !== 1 || /["\r\n]/.test(delimiter)) {
    throw new TypeError(`${who}: option "delimiter" must be one character other than a quote or a line break, got ${describe(delimiter)}`);
  }
  return delimiter;
}

/** @internal Columns a sink writes: named once each (shared with the columnar sinks). */
export function checkColumnList(who: string, value: unknown): string[] {
  const columns = checkColumnNames(who, value);
  const duplicate = columns.find((c, i) => columns.indexOf(c) !== i);
  if (duplicate !== undefined) throw new TypeError(`${who}: option "columns" names "${duplicate}" twice`);
  return columns as string[];
}

/** @internal */
export function checkPath(who: string, path: unknown): string {
  if (typeof path !== "string" || path === "") throw new TypeError(`${who}: path must be a non-empty string, got ${describe(path)}`);
  return path;
}

/** @internal */
export function checkPartial(who: string, partial: unknown): boolean {
  if (partial !== undefined && typeof partial !== "boolean") throw new TypeError(`${who}: option "partial" must be a boolean, got ${describe(partial)}`);
  return partial ?? false;
}

const DATAFRAME_KEYS = ["columns"];
const FILE_KEYS = ["partial"];
const CSV_KEYS = ["partial", "columns", "delimiter", "header"];

/** @internal A sink's own options (no run options), checked like the run's: an object with known keys. */
export function sinkOptions(who: string, options: unknown, known: readonly string[]): Record<string, unknown> {
  return options === undefined ? {} : checkOptionKeys(who, options, known);
}

function dataFrameColumns(who: string, own: DataFrameSinkOptions): string[] | undefined {
  return own.columns === undefined ? undefined : checkColumnList(who, own.columns);
}

/** @internal */
export function dataFrameOptions(options: unknown): { run: RunOptions; columns: string[] | undefined } {
  const who = "toDataFrame()";
  const { run, own } = resolveRunOptions<DataFrameOptions>(who, options, DATAFRAME_KEYS);
  return { run, columns: dataFrameColumns(who, own) };
}

/** @internal sink.dataFrame()'s options. */
export function dataFrameSinkOptions(who: string, options: unknown): string[] | undefined {
  return dataFrameColumns(who, sinkOptions(who, options, DATAFRAME_KEYS));
}

/** @internal */
export function jsonlOptions(options: unknown): { run: RunOptions; partial: boolean } {
  const who = "toJSONL()";
  const { run, own } = resolveRunOptions<FileExportOptions>(who, options, FILE_KEYS);
  return { run, partial: checkPartial(who, own.partial) };
}

/** @internal sink.jsonl()'s options: whether to keep a partial file. */
export function jsonlSinkOptions(who: string, options: unknown): boolean {
  return checkPartial(who, sinkOptions(who, options, FILE_KEYS).partial);
}

/** @internal How to write a CSV file. */
export interface CsvFormat {
  partial: boolean;
  columns: string[] | "union" | undefined;
  delimiter: string;
  header: boolean;
}

/** @internal */
export interface CsvSettings extends CsvFormat {
  run: RunOptions;
}

function csvFormat(who: string, own: CsvSinkOptions): CsvFormat {
  const { columns, delimiter = ",", header = true } = own;
  checkDelimiter(who, delimiter);
  if (typeof header !== "boolean") throw new TypeError(`${who}: option "header" must be a boolean, got ${describe(header)}`);
  return {
    partial: checkPartial(who, own.partial),
    columns: columns === undefined || columns === "union" ? columns : checkColumnList(who, columns),
    delimiter,
    header,
  };
}

/** @internal */
export function csvOptions(options: unknown): CsvSettings {
  const who = "toCSV()";
  const { run, own } = resolveRunOptions<CsvOptions>(who, options, CSV_KEYS);
  return { run, ...csvFormat(who, own) };
}

/** @internal sink.csv()'s options. */
export function csvSinkOptions(who: string, options: unknown): CsvFormat {
  return csvFormat(who, sinkOptions(who, options, CSV_KEYS));
}
