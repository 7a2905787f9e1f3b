/**
 * Row builders: a CSV record's fields (strings) become the row a source yields,
 * cast while the row is built, so a cast costs one call per value and no
 * second pass over a record object.
 */
import type { CsvCast, CsvSettings } from "./csv-settings";

/** Builds a row from the first `count` strings of `fields` (a buffer the parser reuses: never kept). */
export type RowBuilder = (fields: string[], count: number) => unknown;

/** Powers of ten a double holds exactly. */
const POW10 = Array.from({ length: 23 }, (_, i) => 10 ** i);
const EXACT = 2 ** 53;

/**
 * The number a plain decimal ("-12", "40.922326") stands for, or NaN for any other text. Digits
 * are gathered as an integer m and divided by 10^d: with m < 2^53 and d <= 22 both are exact
 * doubles, so the quotient is the correctly rounded value, the one Number() gives (Clinger's fast
 * path), at a quarter of Number()'s cost on such text. Callers send the NaN cases to Number().
 * `strict`: no leading zero ("007") and at least one digit after a point, as `cast: true` wants.
 */
function plainDecimal(text: string, strict: boolean): number {
  const n = text.length;
  let i = 0;
  let c = text.charCodeAt(0);
  const negative = c === 45; /* - */
  if (negative) c = text.charCodeAt(++i);
  if (strict && c === 48 /* 0 */ && i + 1 < n && text.charCodeAt(i + 1) !== 46 /* . */) return NaN;
  const first = i;
  let m = 0;
  while (i < n && (c = text.charCodeAt(i) - 48) >= 0 && c <= 9) {
    m = m * 10 + c;
    i++;
  }
  if (i === first) return NaN;
  let scale = 0;
  if (i < n && text.charCodeAt(i) === 46) {
    const point = ++i;
    while (i < n && (c = text.charCodeAt(i) - 48) >= 0 && c <= 9) {
      m = m * 10 + c;
      i++;
    }
    scale = i - point;
    if (scale === 0 || scale > 22) return NaN;
  }
  if (i !== n || m >= EXACT) return NaN;
  const value = scale === 0 ? m : m / POW10[scale]!;
  return negative ? -value : value;
}

/**
 * `cast: true`: a decimal number without a leading zero becomes a number ("42", "-1.5", "1e3"), any
 * other text stays as it is ("007", "", " 1", "0x1f", "1.", "Infinity").
 */
export function decimalOrText(text: string): string | number {
  const c = text.charCodeAt(0);
  // Most text is not a number: no regular expression for it.
  if (c !== 45 && !(c >= 48 && c <= 57)) return text;
  const value = plainDecimal(text, true);
  return value === value ? value : DECIMAL.test(text) ? +text : text;
}

/** The decimals `cast: true` turns into numbers, exponents and long mantissas included. */
const DECIMAL = /^-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?$/;

/** `"number"`: blank → null, a number → the number, anything else is an error. */
function toNumber(text: string, column: string): number | null {
  let value = plainDecimal(text, false);
  if (value === value) return value;
  value = +text;
  if (value !== value) throw new TypeError(`column ${JSON.stringify(column)}: ${JSON.stringify(text)} is not a number`);
  // +"" and +"  " are 0: blank means no value.
  if (value === 0 && text.trim() === "") return null;
  return value;
}

/** `"boolean"`: "true", "false", blank → null; anything else is an error. */
function toBoolean(text: string, column: string): boolean | null {
  if (text === "true") return true;
  if (text === "false") return false;
  if (text === "") return null;
  throw new TypeError(`column ${JSON.stringify(column)}: ${JSON.stringify(text)} is not true or false`);
}

/**
 * A copy of `text` that does not keep the chunk it was cut from alive. V8 makes a slice of 13 or
 * more characters a view of its whole parent string: a row kept by a selective filter would keep
 * its 64 KiB chunk, and 0.1% of a 118 MB file's rows kept 123 MB. Shorter text is copied already.
 * Prepending a character and cutting it off again makes V8 flatten once: ~45 ns, only for long text.
 */
export function own(text: string): string {
  return text.length < 13 ? text : ("\0" + text).substring(1);
}

/** `cast: true` for a value handed out: a number, or the text as its own string. */
function decimalOrOwn(text: string): string | number {
  const value = decimalOrText(text);
  return typeof value === "number" ? value : own(value);
}

/**
 * The builder for records of `columns` (objects keyed by them) or, without columns, arrays.
 * Objects are built by one generated object literal per column set, so every row has the same
 * shape from the start and no property is added by a keyed store (1M rows of 6 columns: ~15-25 ms,
 * where a loop of `row[name] = value` takes ~70 ms); names enter the code only through JSON.stringify.
 */
export function rowBuilder(columns: readonly string[] | undefined, cast: CsvSettings["cast"]): RowBuilder {
  if (columns === undefined) return arrayBuilder(cast);
  // One builder per column set and cast, however many parsers ask (a thread reading a file makes a
  // parser per byte range): each new one would be compiled and optimized again, and its rows would
  // have a new hidden class, making every stage that reads them polymorphic.
  const byColumns = typeof cast === "object" ? (castBuilders.get(cast) ?? castBuilders.set(cast, new Map()).get(cast)!) : plainBuilders;
  const key = `${cast === true}\u0000${columns.join("\u0000")}`;
  let builder = byColumns.get(key);
  if (!builder) {
    if (byColumns.size >= KEPT_BUILDERS) byColumns.delete(byColumns.keys().next().value!);
    builder = objectBuilder(columns, cast);
    byColumns.set(key, builder);
  }
  return builder;
}

/** Builders kept per cast object, and for `cast: true | false`; at most this many column sets each. */
const castBuilders = new WeakMap<object, Map<string, RowBuilder>>();
const plainBuilders = new Map<string, RowBuilder>();
const KEPT_BUILDERS = 64;

function arrayBuilder(cast: CsvSettings["cast"]): RowBuilder {
  if (cast === true) {
    return (fields, count) => {
      const row: unknown[] = new Array(count);
      for (let i = 0; i < count; i++) row[i] = decimalOrOwn(fields[i]!);
      return row;
    };
  }
  return (fields, count) => {
    const row: string[] = new Array(count);
    for (let i = 0; i < count; i++) row[i] = own(fields[i]!);
    return row;
  };
}

function objectBuilder(columns: readonly string[], cast: CsvSettings["cast"]): RowBuilder {
  const functions: Array<Exclude<CsvCast, string> | undefined> = [];
  const values = columns.map((column, i) => {
    const text = `v[${i}]`;
    if (cast === true) return `dec(${text})`;
    // Text handed out (to the row, or to a cast function that may keep part of it) is its own string.
    const how = cast !== false && Object.hasOwn(cast, column) ? cast[column] : "string";
    const name = JSON.stringify(column);
    if (how === "number") return `num(${text}, ${name})`;
    if (how === "boolean") return `bool(${text}, ${name})`;
    if (typeof how === "function") {
      functions[i] = how;
      return `(0, fns[${i}])(own(${text}), ${name})`;
    }
    return `own(${text})`;
  });
  // A name given twice: where it first appears, the value of its last column (only that one cast).
  const properties = columns.flatMap((column, i) =>
    columns.indexOf(column) !== i
      ? []
      : // "__proto__" as a plain key would set the prototype; a computed key defines an own property.
        [`${column === "__proto__" ? `["__proto__"]` : JSON.stringify(column)}: ${values[columns.lastIndexOf(column)]}`],
  );
  const body = `return function row(v) { return { ${properties.join(", ")} }; };`;
  return new Function("dec", "num", "bool", "own", "fns", body)(decimalOrOwn, toNumber, toBoolean, own, functions) as RowBuilder;
}
