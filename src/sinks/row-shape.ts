/**
 * How a result becomes a table row: an object's own keys are its columns; any
 * other value (a number, a string) is a row with one column, `value`.
 * Shared by the DataFrame and CSV sinks so both read results the same way.
 */
import { inspect } from "node:util";

export const VALUE_COLUMN = "value";

/** A plain record: an object that is not an array, a Date, a Map or a typed array. */
export function isRecord(item: unknown): item is Record<string, unknown> {
  if (typeof item !== "object" || item === null || Array.isArray(item) || ArrayBuffer.isView(item)) return false;
  const proto = Object.getPrototypeOf(item);
  return proto === Object.prototype || proto === null;
}

/** Checks that every item has the shape of the first: all records, or all non-records. */
export class RowShape {
  private records: boolean | undefined;

  constructor(private readonly who: string) {}

  /** True when `item` is a record; throws a TypeError naming the row when it does not match the rows before it. */
  check(item: unknown, row: number): boolean {
    const record = isRecord(item);
    this.records ??= record;
    if (record !== this.records) {
      const expected = this.records ? "objects" : "single values";
      throw new TypeError(
        `${this.who}: row ${row} is ${inspect(item, { depth: 1, breakLength: Infinity })}, but the rows before it are ${expected}; map the results to one shape first`,
      );
    }
    return record;
  }
}
