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
import { AtomicFile } from "./atomic-file";
import { type ColumnBatch, ColumnBatcher } from "./column-batch";
import { type ColumnarFormat, RECORD_BATCH_ROWS } from "./columnar-options";
import type { FileExport } from "./export-options";
import type { SinkWriter } from "./sink";

export class ArrowFileWriter implements SinkWriter<FileExport> {
  private readonly file: AtomicFile;
  private readonly batcher: ColumnBatcher;
  private output: { schema: Schema; ipc: IpcBytes } | undefined;
  private rows = 0;

  /** @param who the call, for messages: `"toArrow()"` */
  constructor(
    private readonly path: string,
    who: string,
    private readonly partial: boolean,
    format: Pick<ColumnarFormat, "columns" | "schema">,
  ) {
    this.file = new AtomicFile(path, who);
    this.batcher = new ColumnBatcher(who, format, RECORD_BATCH_ROWS);
  }

  push(item: unknown): Promise<void> | undefined {
    const batch = this.batcher.push(item, this.rows);
    this.rows++;
    return batch ? this.write(batch) : undefined;
  }

  async end(): Promise<void> {
    await this.finish();
    await this.file.seal();
  }

  async commit(): Promise<FileExport> {
    await this.file.commit();
    return { path: this.path, rows: this.rows };
  }

  async abandon(): Promise<void> {
    // The rows held are whole rows that passed every check: they become the last record batch.
    const kept =
      this.partial &&
      (await this.finish().then(
        () => true,
        () => false,
      ));
    await this.file.abandon(kept);
  }

  private async finish(): Promise<void> {
    const rest = this.batcher.take();
    if (rest.length > 0) await this.write(rest);
    const { ipc } = this.open();
    ipc.finish();
    await this.file.write(ipc.take());
  }

  private write(batch: ColumnBatch): Promise<void> | undefined {
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
