/**
 * ArrowFileWriter: streams a run's results into an Arrow IPC file (the
 * "file" format, Feather v2: random access through its footer), a record
 * batch per 65536 rows: the rows of one batch are held as columns, then
 * written (the next row waits while the disk is behind), so memory is bounded
 * by a batch. Atomic like toCSV; with `partial: true`, a failed or cancelled
 * run keeps a valid Arrow file of every row that reached the sink before the
 * failure (the rows held become a last record batch, then the footer). The
 * writer of toArrow and sink.arrow.
 */
import type { Schema } from "apache-arrow";
import { arrowSchema, recordBatch } from "./arrow-batch";
import { IpcBytes } from "./arrow-ipc";
import { BatchedFileWriter } from "./batched-file-writer";
import { type ColumnBatch, ColumnBatcher } from "./column-batch";
import { type ColumnarFormat, RECORD_BATCH_ROWS } from "./columnar-options";

export class ArrowFileWriter extends BatchedFileWriter {
  private output: { schema: Schema; ipc: IpcBytes } | undefined;

  /** @param who the call, for messages: `"toArrow()"` */
  constructor(path: string, who: string, partial: boolean, format: Pick<ColumnarFormat, "columns" | "schema">) {
    super(path, who, new ColumnBatcher(who, format, RECORD_BATCH_ROWS), partial);
  }

  protected async writeFooter(): Promise<void> {
    const { ipc } = this.open();
    ipc.finish();
    await this.file.write(ipc.take());
  }

  protected write(batch: ColumnBatch): Promise<void> | undefined {
    const { schema, ipc } = this.open();
    ipc.write(recordBatch(schema, this.batcher.schema(), batch));
    return this.file.write(ipc.take());
  }

  private open(): { schema: Schema; ipc: IpcBytes } {
    if (!this.output) {
      const schema = arrowSchema(this.batcher.schema());
      this.output = { schema, ipc: new IpcBytes("file", schema) };
    }
    return this.output;
  }
}
