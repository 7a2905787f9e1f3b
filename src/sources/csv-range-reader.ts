/**
 * In a worker thread: one byte range of a CSV file (csvRanges cut it at
 * record boundaries) read and parsed into its rows, exactly as fromCSV
 * parses them in the main thread. A worker thread loads this module by path
 * as the first of its fused stages, so a file followed by worker stages is
 * parsed where the stages run, and a row crosses to the main thread only if
 * it comes out of them.
 */
import { ROW_LINES, type RowLines } from "../executors/fused-chain";
import type { CsvRange } from "./csv-ranges";
import { createCsvRows, csvFileError, type OnCsvRow } from "./csv-rows";
import type { CsvSettings } from "./csv-settings";
import { readRangeText } from "./file-ranges";

/** What every range of one file is read with: fromCSV's settings (the stage's context). */
export interface CsvRangeFile {
  path: string;
  delimiter: string;
  cast: CsvSettings["cast"];
  encoding: BufferEncoding;
}

/** One range to read (an item), with what csvRanges learnt of the file's layout. */
export interface CsvRangeItem extends CsvRange {
  /** The header's names (or `columns`); undefined: rows are arrays of `fields` values. */
  columns: string[] | undefined;
  fields: number;
  newline: "\n" | "\r";
}

/**
 * The rows of one range, parsed. `ctx.csvFile` says how (the stage's context).
 * @example readCsvRange({ start: 46, end: 1048622, line: 2, columns, fields: 6, newline: "\n" }, { csvFile })  // [{ zip_code: "00501", ... }, ...]
 */
export function readCsvRange(range: CsvRangeItem, ctx: { csvFile: CsvRangeFile; [ROW_LINES]?: RowLines }): unknown[] {
  const file = ctx.csvFile;
  const rows: unknown[] = [];
  // Each row's line, for the fused stages after this one to name in an error.
  const lines: number[] = [];
  ctx[ROW_LINES] = { path: file.path, lines };
  const onRow: OnCsvRow = (row, line) => {
    rows.push(row);
    lines.push(line);
  };
  const parser = createCsvRows({
    header: false,
    columns: range.columns,
    delimiter: file.delimiter,
    cast: file.cast,
    line: range.line,
    newline: range.newline,
    fields: range.fields,
  });
  try {
    parser.push(readRangeText(file.path, range, file.encoding), onRow);
    parser.end(onRow);
  } catch (error) {
    // The same words as fromCSV in the main thread.
    throw csvFileError(file.path, error as Error);
  }
  return rows;
}
