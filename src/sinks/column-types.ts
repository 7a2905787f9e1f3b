/**
 * The types of the columns the columnar writers (Parquet, Arrow, polars)
 * write, and the check of every value against its column's type. A column's
 * type is that of its first non-null value in the writer's first batch of
 * rows (or the `schema` option's); a value of another type later is a
 * TypeError naming the column, the row and both types, never a silent cast.
 *
 * | JavaScript   | column type | Arrow                    | Parquet                        |
 * |--------------|-------------|--------------------------|--------------------------------|
 * | string       | string      | Utf8                     | BYTE_ARRAY STRING              |
 * | number       | number      | Float64                  | DOUBLE                         |
 * | bigint       | int64       | Int64                    | INT64                          |
 * | boolean      | boolean     | Bool                     | BOOLEAN                        |
 * | Date         | date        | Timestamp(ms, "UTC")     | INT64 TIMESTAMP(MILLIS, UTC)   |
 * | Uint8Array   | binary      | Binary                   | BYTE_ARRAY                     |
 * | array        | list        | List<element>            | LIST                           |
 * | plain object | struct      | Struct<fields>           | group                          |
 * | null         | (any)       | null (every column is nullable) | OPTIONAL                |
 * `schema` adds int32 (Int32 / INT32) and json (the value's JSON text: Utf8 / BYTE_ARRAY JSON).
 */
import { inspect } from "node:util";
import { isRecord } from "./row-shape";

/** The types the `schema` option can give a column. */
export type ColumnTypeName = "string" | "number" | "int32" | "int64" | "boolean" | "date" | "binary" | "json";

/** @internal */
export const COLUMN_TYPE_NAMES: readonly ColumnTypeName[] = ["string", "number", "int32", "int64", "boolean", "date", "binary", "json"];

/** @internal A column's type once fixed: a leaf, a list of one type, or a struct of named fields. */
export type ColumnType = { kind: ColumnTypeName } | { kind: "list"; element: ColumnType } | { kind: "struct"; fields: { name: string; type: ColumnType }[] };

type Kind = ColumnType["kind"];

const INT32_MIN = -(2 ** 31);
const INT32_MAX = 2 ** 31 - 1;
const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

/** Where a value is, for messages: the call, the column (with its path inside lists and structs), the row. */
export interface Place {
  who: string;
  column: string;
  row: number;
}

/**
 * @internal A column's type while the first batch reveals it: undecided until its first non-null
 * value; freeze() makes what is still undecided a string and fixes the type for good.
 */
export class TypeSlot {
  private kind: Kind | undefined;
  private element: TypeSlot | undefined;
  private fields: Map<string, TypeSlot> | undefined;
  /** The row whose value decided the type; -1 from `schema`, undefined while undecided or when freeze() chose string. */
  private decidedAt: number | undefined;
  private frozen: ColumnType | undefined;

  /** @param given the type from the `schema` option */
  constructor(given?: ColumnTypeName) {
    if (given !== undefined) [this.kind, this.decidedAt] = [given, -1];
  }

  /** The stored form of `value` (JSON text in a json column, null for undefined); throws a TypeError when it does not fit. */
  admit(value: unknown, at: Place): unknown {
    if (value === null || value === undefined) return null;
    if (this.kind === undefined) this.decide(value, at);
    switch (this.kind!) {
      case "string":
        if (typeof value !== "string") throw this.mismatch(value, at);
        return value;
      case "number":
        if (typeof value !== "number") throw this.mismatch(value, at);
        return value;
      case "boolean":
        if (typeof value !== "boolean") throw this.mismatch(value, at);
        return value;
      case "int32":
        if (typeof value !== "number" || !Number.isInteger(value) || value < INT32_MIN || value > INT32_MAX)
          throw this.mismatch(value, at, "an integer from -2^31 to 2^31-1");
        return value;
      case "int64":
        if (typeof value === "bigint" ? value < INT64_MIN || value > INT64_MAX : !Number.isSafeInteger(value)) {
          throw this.mismatch(value, at, "a bigint from -2^63 to 2^63-1 or a safe integer number");
        }
        return value;
      case "date":
        if (!(value instanceof Date) || Number.isNaN(value.getTime())) throw this.mismatch(value, at, "a valid Date");
        return value;
      case "binary":
        if (!(value instanceof Uint8Array)) throw this.mismatch(value, at);
        return value;
      case "json":
        return jsonText(value, at);
      case "list":
        if (!Array.isArray(value)) throw this.mismatch(value, at);
        for (let i = 0; i < value.length; i++) this.element!.admit(value[i], { ...at, column: `${at.column}[${i}]` });
        return value;
      case "struct":
        if (!isRecord(value)) throw this.mismatch(value, at);
        for (const key of Object.keys(value)) {
          const field = this.fields!.get(key);
          if (!field) {
            throw new TypeError(
              `${at.who}: column "${at.column}", row ${at.row}: the object has the key "${key}", which the struct's fields (${[...this.fields!.keys()].join(", ")}) ` +
                `taken from ${this.origin()} lack; pass schema: { ${JSON.stringify(rootOf(at.column))}: "json" } to write such objects as JSON text`,
            );
          }
          field.admit(value[key], { ...at, column: `${at.column}.${key}` });
        }
        return value;
    }
  }

  /** Fixes the type: what is still undecided becomes string (a column all null in the first batch). */
  freeze(): ColumnType {
    if (this.frozen) return this.frozen;
    this.kind ??= "string";
    if (this.kind === "list") this.frozen = { kind: "list", element: this.element!.freeze() };
    else if (this.kind === "struct") this.frozen = { kind: "struct", fields: [...this.fields!].map(([name, slot]) => ({ name, type: slot.freeze() })) };
    else this.frozen = { kind: this.kind };
    return this.frozen;
  }

  private decide(value: unknown, at: Place): void {
    const kind = kindOf(value);
    if (kind === undefined) {
      throw new TypeError(
        `${at.who}: column "${at.column}", row ${at.row}: ${describeValue(value)} has no column type (strings, numbers, bigints, booleans, Dates, ` +
          `Uint8Arrays, arrays and plain objects do); map it to one first, or pass schema: { ${JSON.stringify(rootOf(at.column))}: "json" }`,
      );
    }
    if (kind === "struct") {
      const keys = Object.keys(value as object);
      if (keys.length === 0) {
        throw new TypeError(
          `${at.who}: column "${at.column}", row ${at.row}: an empty object gives a struct no fields; ` +
            `pass schema: { ${JSON.stringify(rootOf(at.column))}: "json" } to write objects as JSON text`,
        );
      }
      this.fields = new Map(keys.map((key) => [key, new TypeSlot()]));
    }
    if (kind === "list") this.element = new TypeSlot();
    [this.kind, this.decidedAt] = [kind, at.row];
  }

  private origin(): string {
    if (this.decidedAt === -1) return "the schema option";
    return this.decidedAt === undefined ? "none of the first batch's rows (all null there)" : `row ${this.decidedAt}`;
  }

  /** What to do: the schema option helps only a column whose type was a guess (all null in the first batch); it checks values, it does not convert them. */
  private remedy(): string {
    if (this.decidedAt === undefined) return "pass the schema option to give the column its type";
    return "map the values to one type in a stage before (the schema option checks types, it does not convert)";
  }

  private mismatch(value: unknown, at: Place, expected?: string): TypeError {
    const type = this.decidedAt === undefined ? "string (it was all null in the first batch of rows)" : `${this.kind} (from ${this.origin()})`;
    return new TypeError(
      `${at.who}: column "${at.column}", row ${at.row}: ${describeValue(value)}, but the column's type is ${type}` +
        `${expected ? `, which takes ${expected}` : ""}; ${this.remedy()}`,
    );
  }
}

/** The column type a value asks for; undefined for values no column can hold (functions, symbols, Maps, class instances). */
function kindOf(value: unknown): Kind | undefined {
  switch (typeof value) {
    case "string":
      return "string";
    case "number":
      return "number";
    case "bigint":
      return "int64";
    case "boolean":
      return "boolean";
  }
  if (value instanceof Date) return "date";
  if (value instanceof Uint8Array) return "binary";
  if (Array.isArray(value)) return "list";
  return isRecord(value) ? "struct" : undefined;
}

/** `tags[2].name` -> `tags`: the column a schema entry names. */
function rootOf(path: string): string {
  return /^[^.[]*/.exec(path)![0];
}

/** `a string ("12.5")`, `a bigint (5n)`, `an array`: what a value is, for messages. */
export function describeValue(value: unknown): string {
  const shown = inspect(value, { depth: 0, breakLength: Infinity, maxStringLength: 40, maxArrayLength: 3 });
  if (typeof value === "string") return `a string (${shown})`;
  if (typeof value === "bigint" || typeof value === "number" || typeof value === "boolean") return `a ${typeof value} (${shown})`;
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? "an invalid Date" : `a Date (${value.toISOString()})`;
  if (Array.isArray(value)) return `an array (${shown})`;
  if (value instanceof Uint8Array) return `a ${value.constructor.name}`;
  if (isRecord(value)) return `an object (${shown})`;
  if (typeof value === "object" && value !== null) return `a ${value.constructor?.name ?? "null-prototype object"} (${shown})`;
  return `a ${typeof value} (${shown})`;
}

/** A json column's text: JSON.stringify's, with bigints as exact JSON numbers when safe and Uint8Arrays as arrays of bytes. */
function jsonText(value: unknown, at: Place): string {
  let text: string | undefined;
  try {
    text = JSON.stringify(value, (_key, v: unknown) => {
      if (typeof v === "bigint") {
        if (v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER)) return Number(v);
        throw new TypeError(`the bigint ${v} has no exact JSON number; map it to a string first`);
      }
      return v instanceof Uint8Array ? Array.from(v) : v;
    });
  } catch (error) {
    throw new TypeError(`${at.who}: column "${at.column}", row ${at.row}: cannot be written as JSON: ${(error as Error).message}`, { cause: error });
  }
  if (text === undefined) throw new TypeError(`${at.who}: column "${at.column}", row ${at.row}: ${describeValue(value)} has no JSON form`);
  return text;
}
