/**
 * createCsvRows: CSV text in, rows out, fed chunk by chunk with no stream
 * attached, so fromCSV and a worker thread reading a byte range of a file
 * parse alike. RFC 4180: quoted fields may hold delimiters, doubled quotes
 * and line breaks; records end at LF or CRLF (or at CR in a file whose first
 * line ends with a lone CR); the last record may lack a line break.
 *
 * Why not a library (bench/csv-parsers.js measures them): uDSV, the fastest
 * one, reports no line numbers, merges a short record with the next line and
 * accepts an unclosed quote without a word; csv-parse is correct but ~13x
 * slower (papaparse ~4x). This scanner borrows uDSV's idea (String indexOf to
 * the next delimiter, line end or quote, no loop over characters), keeps
 * csv-parse's checks, and is ~1.3x faster than uDSV on 1M rows.
 */
import { csvSettings, type CsvCast } from "./csv-settings";
import { CsvError, CsvRowParser, type CsvRows } from "./csv-scanner";

export { CsvError, type CsvRows, type OnCsvRow } from "./csv-scanner";

/** Where a CSV text comes from and how to read it: fromCSV's options, plus where the text starts. */
export interface CsvRowsSettings {
  /**
   * The first record names the columns (or, with `columns`, is skipped). Pass false for a byte range
   * after the first: its columns come from `columns`.
   * @defaultValue true
   */
  header?: boolean;
  /** Column names (a header's, so a name may be empty); without them and without a header, rows are arrays. */
  columns?: string[];
  /** @defaultValue "," */
  delimiter?: string;
  /** As fromCSV's `cast`. @defaultValue false */
  cast?: boolean | Record<string, CsvCast>;
  /**
   * The line number the text starts on (csvRanges gives it per range). When set, the text continues
   * a file: a byte order mark at its start is data, not dropped.
   * @defaultValue 1, and a leading byte order mark is dropped
   */
  line?: number;
  /** The line break that ends records: "\r" for a file whose lines end with a lone CR. @defaultValue detected from the first line */
  newline?: "\n" | "\r";
  /** Without a header and columns: how many fields every record has. @defaultValue the first record's count */
  fields?: number;
}

/**
 * A chunk parser yielding the same rows as fromCSV (cast, keyed by the header) with their line numbers.
 * Text must be decoded (a StringDecoder keeps a character split across byte chunks whole).
 * @example
 * const rows = createCsvRows({ cast: { price: "number" } });
 * for (const text of chunks) rows.push(text, (row, line) => out.push(row));
 * rows.end((row) => out.push(row));
 * @example createCsvRows({ header: false, columns: layout.header, line: range.line, newline: layout.newline }) // one byte range of a file
 */
export function createCsvRows(settings: CsvRowsSettings = {}): CsvRows {
  const { line, newline, fields, ...options } = settings;
  const checked = csvSettings("createCsvRows()", options, ["header", "columns", "delimiter", "cast"], true);
  if (line !== undefined && !(Number.isSafeInteger(line) && line >= 1))
    throw new RangeError(`createCsvRows(): option "line" must be a line number, got ${line}`);
  if (newline !== undefined && newline !== "\n" && newline !== "\r") throw new TypeError(`createCsvRows(): option "newline" must be "\\n" or "\\r"`);
  if (fields !== undefined && !(Number.isSafeInteger(fields) && fields >= 1))
    throw new RangeError(`createCsvRows(): option "fields" must be a positive integer, got ${fields}`);
  return new CsvRowParser(checked, line, newline, fields);
}

/** What fromCSV says when it cannot read or parse `path`, in the main thread or in a thread reading a range. */
export function csvFileError(path: string, error: Error): Error {
  if (error instanceof CsvError) return new Error(`fromCSV(): "${path}" line ${error.line}: ${error.reason}`, { cause: error.cause ?? error });
  return new Error(`fromCSV(): cannot read "${path}": ${error.message}`, { cause: error });
}
