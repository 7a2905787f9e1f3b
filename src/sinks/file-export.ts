/**
 * FileWriter: streams a run's results into a file through an encoder, a batch
 * of text at a time, waiting for the disk when its buffer is full (so memory
 * stays bounded by the run's buffers), and only renames the file into place
 * when the run succeeded. The writer of toCSV, toJSONL, sink.csv and sink.jsonl.
 */
import { AtomicFile } from "./atomic-file";
import type { FileExport } from "./export-options";
import type { SinkWriter } from "./sink";

/** Turns items into text. Encoders batch: `push` returns text only now and then. */
export interface RowEncoder {
  /** Takes one item (the `row`-th, from 0); returns text to write, if a batch is ready. Throws a TypeError naming the row for an item it cannot write. */
  push(item: unknown, row: number): string | undefined;
  /** Everything still held. */
  flush(): string;
}

export class FileWriter implements SinkWriter<FileExport> {
  private readonly file: AtomicFile;
  private rows = 0;

  /**
   * @param who the call, for messages: `"toCSV()"`
   * @param partial keep the rows written under the target name when the run fails
   */
  constructor(
    private readonly path: string,
    who: string,
    private readonly partial: boolean,
    private readonly encoder: RowEncoder,
  ) {
    this.file = new AtomicFile(path, who);
  }

  push(item: unknown): Promise<void> | undefined {
    const text = this.encoder.push(item, this.rows);
    this.rows++;
    return text ? this.file.write(text) : undefined;
  }

  async end(): Promise<void> {
    const rest = this.encoder.flush();
    if (rest) await this.file.write(rest);
    await this.file.seal();
  }

  async commit(): Promise<FileExport> {
    await this.file.commit();
    return { path: this.path, rows: this.rows };
  }

  async abandon(): Promise<void> {
    if (this.partial) {
      // The rows that arrived before the failure are whole: write what the encoder still holds.
      // A failure to write them is secondary; the run's error is the one to report.
      await Promise.resolve()
        .then(() => {
          const rest = this.encoder.flush();
          return rest ? this.file.write(rest) : undefined;
        })
        .catch(() => {});
    }
    await this.file.abandon(this.partial);
  }
}
