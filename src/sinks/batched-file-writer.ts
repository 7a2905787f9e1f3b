/**
 * BatchedFileWriter: the life the columnar file writers (Parquet, Arrow IPC) share. Rows are held
 * as columns a batch at a time (ColumnBatcher) and each full batch is written by the format; the
 * file is written under a temporary name (AtomicFile), sealed at the end and moved into place on
 * commit. On a failure, with `partial`, the rows held (whole rows that passed every check) become
 * a last batch and the format's footer follows, so the file kept is valid.
 */
import { AtomicFile } from "./atomic-file";
import type { ColumnBatch, ColumnBatcher } from "./column-batch";
import type { FileExport } from "./export-options";
import type { SinkWriter } from "./sink";

export abstract class BatchedFileWriter implements SinkWriter<FileExport> {
  protected readonly file: AtomicFile;

  /** @param who the call, for messages: `"toParquet()"` */
  constructor(
    protected readonly path: string,
    who: string,
    protected readonly batcher: ColumnBatcher,
    private readonly partial: boolean,
  ) {
    this.file = new AtomicFile(path, who);
  }

  push(item: unknown): Promise<void> | undefined {
    const batch = this.batcher.push(item);
    return batch ? this.write(batch) : undefined;
  }

  async end(): Promise<void> {
    await this.finish();
    await this.file.seal();
  }

  async commit(): Promise<FileExport> {
    await this.file.commit();
    return { path: this.path, rows: this.batcher.rows };
  }

  async abandon(): Promise<void> {
    // A failure to write the last rows is secondary; the run's error is the one to report.
    const kept =
      this.partial &&
      this.canFinish() &&
      (await this.finish().then(
        () => true,
        () => false,
      ));
    await this.file.abandon(kept);
  }

  /** Whether what is on disk can still be finished into a valid file. */
  protected canFinish(): boolean {
    return true;
  }

  /** Writes the rows still held as a last batch, then the format's footer. */
  private async finish(): Promise<void> {
    const rest = this.batcher.take();
    if (rest.length > 0) await this.write(rest);
    await this.writeFooter();
  }

  /** Writes one batch of rows, held as columns. */
  protected abstract write(batch: ColumnBatch): Promise<void> | undefined;

  /** Writes what ends the file (after the last batch). */
  protected abstract writeFooter(): Promise<void>;
}
