/**
 * ArrowTableWriter: collects a run's results into an apache-arrow Table, a
 * record batch per 65536 rows built as the rows arrive (so the rows are held
 * as JavaScript values one batch at a time, the rest already as Arrow
 * buffers), with the types of column-types.ts rather than tableFromJSON's
 * guesses. The writer of toArrowTable and sink.arrowTable.
 */
import type { RecordBatch, Schema } from "apache-arrow";
import { arrowSchema, loadArrow, recordBatch } from "./arrow-batch";
import { type ColumnBatch, ColumnBatcher } from "./column-batch";
import { type ColumnarFormat, RECORD_BATCH_ROWS } from "./columnar-options";
import type { ArrowTableLike } from "./columnar-results";
import type { SinkWriter } from "./sink";

export class ArrowTableWriter implements SinkWriter<ArrowTableLike> {
  private readonly batcher: ColumnBatcher;
  private readonly batches: RecordBatch[] = [];
  private schema: Schema | undefined;
  private table: ArrowTableLike | undefined;

  /** @param who the call, for messages: `"toArrowTable()"` */
  constructor(who: string, format: Pick<ColumnarFormat, "columns" | "schema">) {
    this.batcher = new ColumnBatcher(who, format, RECORD_BATCH_ROWS);
  }

  push(item: unknown): void {
    const batch = this.batcher.push(item);
    if (batch) this.add(batch);
  }

  end(): void {
    const rest = this.batcher.take();
    if (rest.length > 0) this.add(rest);
    const { Table } = loadArrow();
    this.table = new Table(this.schemaOf(), this.batches);
  }

  commit(): ArrowTableLike {
    return this.table!;
  }

  async abandon(): Promise<void> {}

  private add(batch: ColumnBatch): void {
    this.batches.push(recordBatch(this.schemaOf(), this.batcher.schema(), batch));
  }

  private schemaOf(): Schema {
    this.schema ??= arrowSchema(this.batcher.schema());
    return this.schema;
  }
}
