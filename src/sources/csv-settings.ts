/**
 * The options of fromCSV and of the CSV row parser, checked once in Node's
 * validator style (name the option and the value received).
 */
import { describe } from "../errors";
import { checkColumnNames, checkDelimiter } from "../sinks/export-options";

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

/** @internal CsvSourceOptions with every default filled in. */
export interface CsvSettings {
  header: boolean;
  columns: string[] | undefined;
  delimiter: string;
  cast: boolean | Record<string, CsvCast>;
  encoding: BufferEncoding;
}

/** @internal The option names fromCSV knows, in the order its errors list them. */
export const CSV_OPTIONS = ["header", "columns", "delimiter", "cast", "encoding"];

/**
 * @internal Checks fromCSV-style options (`who` names the caller in errors) and fills in the defaults.
 * `fromFile`: columns come from a file's header, where a name may be empty.
 */
export function csvSettings(who: string, options: unknown, known: readonly string[] = CSV_OPTIONS, fromFile = false): CsvSettings {
  if (options === undefined) options = {};
  if (typeof options !== "object" || options === null) throw new TypeError(`${who}: options must be an object, got ${describe(options)}`);
  for (const key of Object.keys(options)) {
    if (!known.includes(key)) throw new TypeError(`${who}: unknown option "${key}" (known: ${known.join(", ")})`);
  }
  const { header = true, columns, delimiter = ",", cast = false, encoding = "utf8" } = options as CsvSourceOptions;
  if (typeof header !== "boolean") throw new TypeError(`${who}: option "header" must be a boolean, got ${describe(header)}`);
  if (columns !== undefined) {
    if (!fromFile) checkColumnNames(who, columns);
    else if (!Array.isArray(columns) || !columns.every((c) => typeof c === "string"))
      throw new TypeError(`${who}: option "columns" must be an array of column names, got ${describe(columns)}`);
  }
  checkDelimiter(who, delimiter);
  if (typeof cast === "object" && cast !== null) {
    for (const [column, how] of Object.entries(cast)) {
      if (typeof how !== "function" && how !== "number" && how !== "string" && how !== "boolean") {
        throw new TypeError(`${who}: option "cast" for column "${column}" must be "number", "string", "boolean" or a function, got ${describe(how)}`);
      }
    }
    if (!header && columns === undefined) throw new TypeError(`${who}: option "cast" by column needs column names: header: true or columns`);
  } else if (typeof cast !== "boolean") {
    throw new TypeError(`${who}: option "cast" must be a boolean or an object of column types, got ${describe(cast)}`);
  }
  if (typeof encoding !== "string" || !Buffer.isEncoding(encoding))
    throw new TypeError(`${who}: option "encoding" must be a Node encoding, got ${describe(encoding)}`);
  if (columns !== undefined) {
    const problem = unknownCastColumn(cast, columns);
    if (problem) throw new TypeError(`${who}: ${problem}`);
  }
  return { header, columns, delimiter, cast, encoding };
}

/**
 * @internal A cast column that no row has would cast nothing and say nothing (a typo: "Price" for
 * "price"): the complaint, or undefined when every cast column is among `columns`.
 */
export function unknownCastColumn(cast: CsvSettings["cast"], columns: readonly string[]): string | undefined {
  if (typeof cast !== "object") return undefined;
  const missing = Object.keys(cast).find((column) => !columns.includes(column));
  return missing === undefined
    ? undefined
    : `option "cast" names column ${JSON.stringify(missing)}, which is not among the columns (${columns.map((c) => JSON.stringify(c)).join(", ")})`;
}
