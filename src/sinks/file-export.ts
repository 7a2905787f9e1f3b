/**
 * Streams a run's results into a file through an encoder, a batch of text at
 * a time, waiting for the disk when its buffer is full (so memory stays
 * bounded by the run's buffers), and only renames the file into place when
 * the run succeeded.
 */
import type { Run } from "../supervisor";
import { AtomicFile } from "./atomic-file";
import type { FileExport } from "./export-options";

/** Turns items into text. Encoders batch: `push` returns text only now and then. */
export interface RowEncoder {
  /** Takes one item (the `row`-th, from 0); returns text to write, if a batch is ready. Throws a TypeError naming the row for an item it cannot write. */
  push(item: unknown, row: number): string | undefined;
  /** Everything still held. */
  flush(): string;
}

export async function writeRunToFile(run: Run<unknown>, path: string, who: string, partial: boolean, encoder: RowEncoder): Promise<FileExport> {
  const file = new AtomicFile(path, who);
  let rows = 0;
  try {
    await run.drain((item) => {
      const text = encoder.push(item, rows);
      rows++;
      return text ? file.write(text) : undefined;
    });
    const rest = encoder.flush();
    if (rest) await file.write(rest);
    await file.commit();
  } catch (error) {
    if (partial) {
      // The rows that arrived before the failure are whole: write what the encoder still holds.
      // A failure to write them is secondary; the run's error is the one to report.
      await Promise.resolve()
        .then(() => {
          const rest = encoder.flush();
          return rest ? file.write(rest) : undefined;
        })
        .catch(() => {});
    }
    await file.abandon(partial);
    throw error;
  }
  return { path, rows };
}
