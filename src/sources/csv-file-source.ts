/**
 * fromCSV(path): a CSV file as a pipeline source, streamed (constant memory
 * however large the file) through csv-parse. Values stay strings unless asked
 * to be parsed, so "007" stays "007".
 */
import { createReadStream, type ReadStream } from "node:fs";
import { type CsvError, type Options, type Parser, parse } from "csv-parse";
import { describe } from "../errors";
import { from, type Pipeline } from "../pipeline";
import { checkColumnNames, checkDelimiter, checkPath } from "../sinks/export-options";
import { StreamRecords } from "./stream-records";

/** How one column's text becomes a value. */
export type CsvCast = "number" | "string" | "boolean" | ((text: string, column: string) => unknown);

export interface CsvSourceOptions {
  /** The first line names the columns (default true); false: rows are arrays of strings, unless `columns` names them. */
  header?: boolean;
  /** Column names to use; with `header: true` they replace the file's header line. */
  columns?: string[];
  /** Field separator, one character. Default ",". */
  delimiter?: string;
  /**
   * false (default): every value a string. true: decimal numbers become numbers ("42", "-1.5", "1e3";
   * not "007", "", " 1", "0x1f"). Per column: "number", "string", "boolean" ("true"/"false") or a function.
   */
  cast?: boolean | Record<string, CsvCast>;
  /** File encoding. Default "utf8"; a UTF-8 byte order mark is dropped. */
  encoding?: BufferEncoding;
}

const WHO = "fromCSV()";
const KNOWN = ["header", "columns", "delimiter", "cast", "encoding"];
/** Decimal numbers without a leading zero (so codes like "007" stay text). */
const NUMBER = /^-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?$/;

interface Settings {
  header: boolean;
  columns: string[] | undefined;
  delimiter: string;
  cast: boolean | Record<string, CsvCast>;
  encoding: BufferEncoding;
}

function settingsOf(options: unknown): Settings {
  if (options === undefined) options = {};
  if (typeof options !== "object" || options === null) throw new TypeError(`${WHO}: options must be an object, got ${describe(options)}`);
  for (const key of Object.keys(options)) {
    if (!KNOWN.includes(key)) throw new TypeError(`${WHO}: unknown option "${key}" (known: ${KNOWN.join(", ")})`);
  }
  const { header = true, columns, delimiter = ",", cast = false, encoding = "utf8" } = options as CsvSourceOptions;
  if (typeof header !== "boolean") throw new TypeError(`${WHO}: option "header" must be a boolean, got ${describe(header)}`);
  if (columns !== undefined) checkColumnNames(WHO, columns);
  checkDelimiter(WHO, delimiter);
  if (typeof cast === "object" && cast !== null) {
    for (const [column, how] of Object.entries(cast)) {
      if (typeof how !== "function" && how !== "number" && how !== "string" && how !== "boolean") {
        throw new TypeError(`${WHO}: option "cast" for column "${column}" must be "number", "string", "boolean" or a function, got ${describe(how)}`);
      }
    }
  } else if (typeof cast !== "boolean") {
    throw new TypeError(`${WHO}: option "cast" must be a boolean or an object of column types, got ${describe(cast)}`);
  }
  if (typeof encoding !== "string" || !Buffer.isEncoding(encoding))
    throw new TypeError(`${WHO}: option "encoding" must be a Node encoding, got ${describe(encoding)}`);
  return { header, columns, delimiter, cast, encoding };
}

function castValue(text: string, how: CsvCast, column: string): unknown {
  if (how === "string") return text;
  if (typeof how === "function") return how(text, column);
  if (how === "boolean") {
    if (text === "true") return true;
    if (text === "false") return false;
    if (text === "") return null;
    throw new TypeError(`column "${column}": ${JSON.stringify(text)} is not true or false`);
  }
  if (text.trim() === "") return null;
  const n = Number(text);
  if (Number.isNaN(n)) throw new TypeError(`column "${column}": ${JSON.stringify(text)} is not a number`);
  return n;
}

class CsvRecords extends StreamRecords {
  constructor(
    private readonly path: string,
    private readonly parser: Parser,
    file: ReadStream,
  ) {
    super(parser, () => {
      file.destroy();
      parser.destroy();
    });
    // A file that cannot be read never reaches the parser: report it here.
    file.on("error", (error: Error) => this.fail(this.describe(error)));
  }

  protected take(): { value: unknown } | undefined {
    const record: unknown = this.parser.read();
    return record === null ? undefined : { value: record };
  }

  protected describe(error: Error): Error {
    const lines = (error as Partial<CsvError>).lines;
    if (typeof lines === "number") return this.atLine(lines, error.message, error);
    return new Error(`${WHO}: cannot read "${this.path}": ${error.message}`, { cause: error });
  }

  private atLine(line: number, reason: string, cause: unknown): Error {
    return new Error(`${WHO}: "${this.path}" line ${line}: ${reason}`, { cause });
  }
}

/**
 * A CSV file as a source, read as the pipeline pulls (a 1 GB file in constant
 * memory) and re-read by every run. Rows are objects keyed by the header;
 * with `cast`, name the row type you expect.
 * @example await fromCSV<{ id: string; amount: number }>("orders.csv", { cast: { amount: "number" } }).filter((o) => o.amount > 100).toArray()
 * @example fromCSV("data.tsv", { delimiter: "\t", cast: true })
 */
export function fromCSV(path: string, options: CsvSourceOptions & { header: false; columns?: undefined }): Pipeline<string[]>;
export function fromCSV(path: string, options?: CsvSourceOptions & { cast?: false }): Pipeline<Record<string, string>>;
export function fromCSV<T extends object = Record<string, unknown>>(path: string, options?: CsvSourceOptions): Pipeline<T>;
export function fromCSV(path: string, options?: CsvSourceOptions): Pipeline<unknown> {
  checkPath(WHO, path);
  const settings = settingsOf(options);
  const { cast } = settings;
  const named = settings.header || settings.columns !== undefined;
  let convert: ((record: Record<string, string>) => unknown) | undefined;
  if (cast === true) {
    convert = (record) => {
      for (const key in record) if (NUMBER.test(record[key]!)) (record as Record<string, unknown>)[key] = Number(record[key]);
      return record;
    };
  } else if (typeof cast === "object") {
    const entries = Object.entries(cast);
    convert = (record) => {
      for (const [column, how] of entries) if (column in record) (record as Record<string, unknown>)[column] = castValue(record[column]!, how, column);
      return record;
    };
  }
  if (!named) {
    if (typeof cast === "object") throw new TypeError(`${WHO}: option "cast" by column needs column names: header: true or columns`);
    convert = cast ? (row) => (row as unknown as string[]).map((text) => (NUMBER.test(text) ? Number(text) : text)) : undefined;
  }
  // A cast column that no row has would cast nothing and say nothing (a typo: "Price" for "price").
  const castColumns = typeof cast === "object" ? Object.keys(cast) : [];
  const unknownCast = (columns: readonly string[]): string | undefined => {
    const missing = castColumns.find((column) => !columns.includes(column));
    return missing === undefined
      ? undefined
      : `option "cast" names column ${JSON.stringify(missing)}, which is not among the columns (${columns.map((c) => JSON.stringify(c)).join(", ")})`;
  };
  if (settings.columns !== undefined) {
    const problem = unknownCast(settings.columns);
    if (problem) throw new TypeError(`${WHO}: ${problem}`);
  }
  // From the file's header: checked when the header is read, and reported as its line.
  const headerColumns =
    settings.header && settings.columns === undefined && castColumns.length > 0
      ? (header: string[]): string[] => {
          const problem = unknownCast(header);
          if (problem) throw Object.assign(new Error(problem), { lines: 1 });
          return header;
        }
      : true;
  return from(() => {
    const file = createReadStream(path);
    const toValue = convert;
    const parser = parse({
      delimiter: settings.delimiter,
      bom: true,
      encoding: settings.encoding,
      columns: named ? (settings.columns ?? headerColumns) : false,
      from_line: settings.columns && settings.header ? 2 : 1,
      // Converted inside the parser, which knows the line each record ends on.
      on_record:
        toValue &&
        ((record: Record<string, string>, { lines }: { lines: number }) => {
          try {
            return toValue(record);
          } catch (error) {
            throw Object.assign(new Error((error as Error).message, { cause: error }), { lines });
          }
        }),
      // csv-parse's types cannot follow a record type that depends on `columns`.
    } as Options);
    file.pipe(parser);
    return new CsvRecords(path, parser, file);
  });
}
