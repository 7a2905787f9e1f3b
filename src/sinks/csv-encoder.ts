/**
 * CsvEncoder: rows to CSV text with csv-stringify (RFC 4180 quoting of
 * delimiters, quotes and line breaks; also fields with leading or trailing
 * spaces), a batch of rows per call to keep the per-row cost low.
 */
import { stringify, type Options } from "csv-stringify/sync";
import type { CsvFormat } from "./export-options";
import type { RowEncoder } from "./file-export";
import { isRecord, RowShape, VALUE_COLUMN } from "./row-shape";

const BATCH_ROWS = 1000;

export class CsvEncoder implements RowEncoder {
  private columns: string[] | undefined;
  private known: Set<string> | undefined;
  /** The header came from the first row, so a row with another key is an error. */
  private strict = false;
  private headerWritten = false;
  private batch: unknown[][] = [];
  /** columns: "union": every row, until the end tells all the keys. */
  private held: unknown[] = [];
  private readonly union: boolean;
  private readonly shape: RowShape;
  private readonly options: Options;

  /** @param who the call, for messages: `"toCSV()"` */
  constructor(
    private readonly settings: Pick<CsvFormat, "columns" | "delimiter" | "header">,
    private readonly who = "toCSV()",
  ) {
    this.shape = new RowShape(who);
    this.union = settings.columns === "union";
    if (Array.isArray(settings.columns)) this.columns = settings.columns;
    this.options = {
      delimiter: settings.delimiter,
      eof: true,
      record_delimiter: "\n",
      quoted_match: /^\s|\s$/,
      cast: {
        boolean: (value) => String(value),
        date: (value) => value.toISOString(),
        bigint: (value) => String(value),
        object: (value) => JSON.stringify(value),
      },
    };
  }

  push(item: unknown, row: number): string | undefined {
    const record = this.shape.check(item, row);
    if (this.union) {
      this.held.push(item);
      return undefined;
    }
    if (!this.columns) {
      this.columns = record ? Object.keys(item as object) : [VALUE_COLUMN];
      this.strict = record;
    }
    if (this.strict) this.checkKeys(item as Record<string, unknown>, row);
    this.batch.push(this.cells(item, record));
    return this.batch.length >= BATCH_ROWS ? this.flush() : undefined;
  }

  flush(): string {
    if (this.union && this.held.length > 0) {
      const keys = new Set<string>();
      let records = false;
      for (const item of this.held) {
        if (isRecord(item)) {
          records = true;
          for (const key of Object.keys(item)) keys.add(key);
        }
      }
      this.columns ??= records ? [...keys] : [VALUE_COLUMN];
      for (const item of this.held) this.batch.push(this.cells(item, records));
      this.held = [];
    }
    let text = "";
    if (!this.headerWritten && this.columns && this.settings.header) text = stringify([this.columns], this.options);
    this.headerWritten = this.headerWritten || this.columns !== undefined;
    if (this.batch.length > 0) text += stringify(this.batch, this.options);
    this.batch = [];
    return text;
  }

  private cells(item: unknown, record: boolean): unknown[] {
    if (!record) return [item];
    const values = item as Record<string, unknown>;
    return this.columns!.map((name) => values[name]);
  }

  private checkKeys(item: Record<string, unknown>, row: number): void {
    this.known ??= new Set(this.columns);
    for (const key in item) {
      if (Object.hasOwn(item, key) && !this.known.has(key)) {
        throw new TypeError(
          `${this.who}: row ${row} has the column "${key}", which the header (${this.columns!.join(", ")}) taken from the first row lacks; ` +
            'pass columns: "union" to take every key of every row, or a list of the columns to write',
        );
      }
    }
  }
}
