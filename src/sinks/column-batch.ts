/**
 * ColumnBatcher: the rows of a run, turned into columns a batch at a time
 * (a Parquet row group, an Arrow record batch), so a columnar writer holds
 * one batch of values and never the whole result. Shared by the Parquet,
 * Arrow, Arrow table and polars writers, so all four read rows the same way:
 * - the columns are the first row's keys (or the `columns` option); a later
 *   row with another key is a TypeError naming it and the row, a missing key is null;
 * - a result that is not an object is a row with one column, `value` (as toCSV does);
 * - each column's type is that of its first non-null value in the first batch
 *   (or the `schema` option's), checked for every value (column-types.ts).
 */
import { type ColumnType, type ColumnTypeName, type Place, TypeSlot } from "./column-types";
import { RowShape, VALUE_COLUMN } from "./row-shape";

/** A batch of rows as columns. */
export interface ColumnBatch {
  /** The first row's number in the run (from 0). */
  firstRow: number;
  /** How many rows. */
  length: number;
  /** One array per column: its values in row order, null where missing (a json column's values are JSON text). */
  columns: unknown[][];
}

/** The columns' names and types, fixed once the first batch is complete. */
export interface ColumnSchema {
  names: string[];
  types: ColumnType[];
}

export class ColumnBatcher {
  private names: string[] | undefined;
  private slots: TypeSlot[] = [];
  private columns: unknown[][] = [];
  private cells: unknown[] = [];
  /** Each column's place for messages, its row updated for each row (no object per value). */
  private places: Place[] = [];
  private length = 0;
  private firstRow = 0;
  /** Rows taken whole (a rejected row is not counted). */
  private taken = 0;
  /** Later rows must not bring keys of their own (the columns came from the first row). */
  private strict = false;
  private known: Set<string> | undefined;
  private readonly shape: RowShape;
  private fixed: ColumnSchema | undefined;

  /**
   * @param who the call, for messages: `"toParquet()"`
   * @param batchRows rows per batch
   */
  constructor(
    private readonly who: string,
    private readonly options: { columns: string[] | undefined; schema: Record<string, ColumnTypeName> | undefined },
    readonly batchRows: number,
  ) {
    this.shape = new RowShape(who);
  }

  /** Results taken so far: the next one's row number. */
  get rows(): number {
    return this.taken;
  }

  /** Takes the next result; returns a batch when it completes one. Throws a TypeError naming the row for a result it cannot write. */
  push(item: unknown): ColumnBatch | undefined {
    const row = this.taken;
    const record = this.shape.check(item, row);
    if (!this.names) this.begin(item, record, row);
    const [names, cells, places, slots] = [this.names!, this.cells, this.places, this.slots];
    for (const place of places) place.row = row;
    if (record) {
      const values = item as Record<string, unknown>;
      if (this.strict) this.checkKeys(values, row);
      // Every value is checked before any is kept, so a row is taken whole or not at all.
      for (let i = 0; i < names.length; i++) cells[i] = slots[i]!.admit(values[names[i]!], places[i]!);
    } else {
      cells[0] = slots[0]!.admit(item, places[0]!);
    }
    if (this.length === 0) this.firstRow = row;
    for (let i = 0; i < names.length; i++) this.columns[i]!.push(cells[i]);
    this.length++;
    this.taken++;
    return this.length >= this.batchRows ? this.take() : undefined;
  }

  /** The rows held since the last batch, as a batch (perhaps of no rows). */
  take(): ColumnBatch {
    this.schema();
    const batch = { firstRow: this.firstRow, length: this.length, columns: this.columns };
    this.columns = this.columns.map(() => []);
    this.length = 0;
    return batch;
  }

  /**
   * The columns and their types, fixed from here on (undecided columns become strings). With no rows
   * at all: the `columns` option's, else the `schema` option's keys, else none.
   */
  schema(): ColumnSchema {
    if (!this.names) this.setColumns(this.options.columns ?? Object.keys(this.options.schema ?? {}));
    this.fixed ??= { names: this.names!, types: this.slots.map((slot) => slot.freeze()) };
    return this.fixed;
  }

  private begin(item: unknown, record: boolean, row: number): void {
    const { columns, schema } = this.options;
    if (!record && columns) {
      throw new TypeError(`${this.who}: row ${row} is a single value, not an object: option "columns" picks keys of objects; map the results to objects first`);
    }
    this.strict = record && !columns;
    this.setColumns(record ? (columns ?? Object.keys(item as object)) : [VALUE_COLUMN]);
    for (const name of Object.keys(schema ?? {})) {
      if (!this.names!.includes(name)) {
        throw new TypeError(
          `${this.who}: option "schema" names the column "${name}", which the columns (${this.names!.join(", ")}) taken from row ${row} lack`,
        );
      }
    }
  }

  private setColumns(names: string[]): void {
    this.names = names;
    this.slots = names.map((name) => new TypeSlot(this.options.schema?.[name]));
    this.columns = names.map(() => []);
    this.cells = new Array(names.length);
    this.places = names.map((column) => ({ who: this.who, column, row: 0 }));
  }

  private checkKeys(item: Record<string, unknown>, row: number): void {
    this.known ??= new Set(this.names);
    for (const key in item) {
      if (Object.hasOwn(item, key) && !this.known.has(key)) {
        throw new TypeError(
          `${this.who}: row ${row} has the column "${key}", which the columns (${this.names!.join(", ")}) taken from the first row lack; ` +
            "pass columns: [...] to choose the columns to write (other keys are then left out)",
        );
      }
    }
  }
}
