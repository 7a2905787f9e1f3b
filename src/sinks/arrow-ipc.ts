/**
 * IpcBytes: apache-arrow's RecordBatch writer (IPC file or stream format),
 * giving back the bytes of each record batch as it is written, so that a
 * writer hands them on (to a file, to polars) one batch at a time instead of
 * arrow's own queue collecting the whole output. arrow writes into any
 * AsyncByteQueue it is given: this one keeps the chunks for take().
 */
import type { RecordBatch, RecordBatchWriter, Schema } from "apache-arrow";
import { loadArrow } from "./arrow-batch";

export class IpcBytes {
  private chunks: Uint8Array[] = [];
  private readonly writer: RecordBatchWriter;

  /** Starts the output: the schema (and, for a file, its magic bytes) are the first bytes taken. */
  constructor(format: "file" | "stream", schema: Schema) {
    const arrow = loadArrow();
    const queue = new arrow.AsyncByteQueue();
    queue.write = (chunk) => void this.chunks.push(chunk as Uint8Array);
    this.writer = format === "file" ? new arrow.RecordBatchFileWriter() : new arrow.RecordBatchStreamWriter();
    this.writer.reset(queue as never, schema);
  }

  write(batch: RecordBatch): void {
    this.writer.write(batch);
  }

  /** Ends the output (a file's footer, a stream's end marker). */
  finish(): void {
    this.writer.finish();
  }

  /** The bytes written since the last take(), in one piece. */
  take(): Uint8Array {
    const chunks = this.chunks;
    this.chunks = [];
    return chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks);
  }
}
