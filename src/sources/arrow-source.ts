/**
 * fromArrow(path): an Arrow IPC file (the random-access "file" format, .arrow)
 * or stream, read with apache-arrow record batch by record batch
 * from a file handle (never the whole file in memory), each batch cut into
 * rows as plain objects.
 */
import { type FileHandle, open as openFile } from "node:fs/promises";
import type * as Arrow from "apache-arrow";
import { Pipeline } from "../pipeline";
import { checkPath } from "../sinks/export-options";
import { Source } from "../stages/source";
import { type ArrowRead, columnReader, UnsupportedArrowType } from "./arrow-columns";
import { BatchRecords } from "./batch-records";
import { type ArrowSourceOptions, chooseColumns, type ColumnarSettings, columnarSettings, DEFAULT_BATCH_ROWS } from "./columnar-options";
import { int64Error, UnsafeInteger } from "./columnar-values";

export type { ArrowSourceOptions } from "./columnar-options";

const WHO = "fromArrow()";
const OPTIONS = ["columns", "int64"];

/** apache-arrow ships CommonJS: required on the first run, the same copy a notebook's require("apache-arrow") gets. */
const loadArrow = (): typeof Arrow => require("apache-arrow") as typeof Arrow;

type AsyncReader = Arrow.AsyncRecordBatchFileReader | Arrow.AsyncRecordBatchStreamReader;

/** A record batch, handed on DEFAULT_BATCH_ROWS rows at a time. */
interface Batch {
  index: number;
  firstRow: number;
  rows: number;
  next: number;
  readers: ArrowRead[];
}

class ArrowRecords extends BatchRecords {
  private handle: FileHandle | undefined;
  private reader: AsyncReader | undefined;
  private columns: string[] = [];
  private batch: Batch | undefined;
  private batches = 0;
  private rowsRead = 0;

  constructor(
    private readonly path: string,
    private readonly settings: ColumnarSettings,
  ) {
    super();
  }

  protected build(): unknown[] | undefined {
    const batch = this.batch;
    if (!batch || batch.next >= batch.rows) {
      this.batch = undefined;
      return undefined;
    }
    const { columns } = this;
    const from = batch.next;
    const count = Math.min(DEFAULT_BATCH_ROWS, batch.rows - from);
    batch.next += count;
    const rows: Record<string, unknown>[] = new Array(count);
    for (let r = 0; r < count; r++) rows[r] = {};
    // Column by column: one reader per loop, and every row gets its keys in the same order.
    for (let c = 0; c < columns.length; c++) {
      const name = columns[c]!;
      const read = batch.readers[c]!;
      let r = 0;
      try {
        for (; r < count; r++) rows[r]![name] = read(from + r);
      } catch (error) {
        if (error instanceof UnsafeInteger) throw int64Error(this.where(batch.index), name, batch.firstRow + from + r, error);
        throw error;
      }
    }
    return rows;
  }

  protected async load(): Promise<boolean> {
    const arrow = loadArrow();
    const reader = (this.reader ??= await this.open(arrow));
    if (this.stopped) return false;
    let step: IteratorResult<Arrow.RecordBatch>;
    try {
      step = await reader.next();
    } catch (error) {
      throw new Error(`${this.where(this.batches)}: ${(error as Error).message}`, { cause: error });
    }
    if (step.done) return false;
    const recordBatch = step.value;
    const index = this.batches++;
    const readers = this.columns.map((name) => {
      const data = recordBatch.getChild(name)?.data[0];
      if (!data) throw new Error(`${this.where(index)}: column ${JSON.stringify(name)} is missing from the batch`);
      try {
        return columnReader(arrow, data, this.settings.int64);
      } catch (error) {
        if (error instanceof UnsupportedArrowType) {
          throw new Error(`${WHO}: "${this.path}" column ${JSON.stringify(name)}: ${error.message}; leave it out with the option "columns"`);
        }
        throw error;
      }
    });
    this.batch = { index, firstRow: this.rowsRead, rows: recordBatch.numRows, next: 0, readers };
    this.rowsRead += recordBatch.numRows;
    return true;
  }

  private async open(arrow: typeof Arrow): Promise<AsyncReader> {
    try {
      this.handle = await openFile(this.path, "r");
    } catch (error) {
      throw new Error(`${WHO}: cannot read "${this.path}": ${(error as Error).message}`, { cause: error });
    }
    let reader: AsyncReader;
    try {
      // From a file handle: the file format is read by its footer, a batch at a time; a stream, message by message.
      reader = (await arrow.RecordBatchReader.from(this.handle)) as AsyncReader;
      await reader.open();
    } catch (error) {
      throw new Error(`${WHO}: "${this.path}" is not a readable Arrow IPC file or stream: ${(error as Error).message}`, { cause: error });
    }
    const schema = reader.schema as Arrow.Schema | undefined;
    if (!schema) throw new Error(`${WHO}: "${this.path}" is not an Arrow IPC file or stream: it has no schema message`);
    this.columns = chooseColumns(
      WHO,
      this.path,
      this.settings.columns,
      schema.fields.map((field) => field.name),
    );
    return reader;
  }

  protected async close(): Promise<void> {
    this.batch = undefined;
    await this.handle?.close();
  }

  private where(batch: number): string {
    return `${WHO}: "${this.path}" record batch ${batch}`;
  }
}

/**
 * An Arrow IPC file as a source: the file format (.arrow) or the stream format (uncompressed buffers),
 * read record batch by record batch (memory holds one batch, whatever the file's size), rows
 * as plain objects; re-read by every run. `columns` converts only those columns.
 *
 * Types: Utf8, LargeUtf8 and dictionaries of them → string; Bool → boolean; Int8/16/32,
 * Uint8/16/32, Float16/32/64 → number; Int64, Uint64 → number (a value beyond ±2^53-1 is an
 * error naming the column, the record batch and the row, unless `int64: "bigint"`, which makes
 * every value of such a column a bigint); Timestamp (any unit, sub-millisecond ticks dropped
 * toward the past), Date32, Date64 → Date; Decimal → number (exact up to 15 significant digits);
 * Binary → Uint8Array; List → array; Struct → plain object; Map → plain object; null → null.
 * Time, Duration, Interval and Union columns are an error: leave them out with `columns`.
 * @example
 * const rows = await fromArrow("flights.arrow", { columns: ["delay", "distance"] }).take(5).toArray();
 */
export function fromArrow<T extends object = Record<string, unknown>>(path: string, options?: ArrowSourceOptions): Pipeline<T> {
  checkPath(WHO, path);
  const settings = columnarSettings(WHO, options, OPTIONS);
  return new Pipeline<T, never>({ source: new Source(() => new ArrowRecords(path, settings), true), steps: [] });
}
