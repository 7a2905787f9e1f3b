/**
 * AtomicFile: writes to a temporary file next to the target and renames it
 * into place only on success, so a failed or cancelled run never leaves a
 * truncated file that looks complete. With `partial`, what was written is
 * kept under the target name instead.
 */
import { randomBytes } from "node:crypto";
import { createWriteStream, type WriteStream } from "node:fs";
import { rename, unlink } from "node:fs/promises";
import { basename, dirname, join } from "node:path";
import { once } from "node:events";

export class AtomicFile {
  readonly temporary: string;
  private readonly stream: WriteStream;
  private failure: Error | undefined;

  constructor(
    readonly path: string,
    private readonly who: string,
  ) {
    this.temporary = join(dirname(path), `.${basename(path)}.${process.pid}-${randomBytes(4).toString("hex")}.tmp`);
    this.stream = createWriteStream(this.temporary, { flags: "wx" });
    this.stream.on("error", (error) => (this.failure ??= this.describe(error)));
  }

  /** Writes text or bytes (kept by reference until written: not to be changed after); resolves when the stream can take more (undefined when it can right away). */
  write(chunk: string | Uint8Array): Promise<void> | undefined {
    if (this.failure) throw this.failure;
    if (this.stream.write(chunk)) return undefined;
    return this.drained();
  }

  private drained(): Promise<void> {
    // Both listeners go once either fires: a writer waits here once per full buffer, thousands of times a run.
    return new Promise((resolve, reject) => {
      const settle = () => {
        this.stream.off("drain", settle);
        this.stream.off("close", settle);
        if (this.failure) reject(this.failure);
        else resolve();
      };
      this.stream.on("drain", settle);
      this.stream.on("close", settle);
    });
  }

  /**
   * Finishes writing and closes the file, still under its temporary name; throws (and removes it)
   * if a write failed. Separate from commit() so that into() moves its files into place only once
   * every sink has finished.
   */
  async seal(): Promise<void> {
    await this.close();
    if (this.failure) {
      await unlink(this.temporary).catch(() => {});
      throw this.failure;
    }
  }

  /** Finishes the file and moves it to the target path. */
  async commit(): Promise<void> {
    await this.seal();
    await rename(this.temporary, this.path).catch((error: Error) => {
      throw this.describe(error);
    });
  }

  /** Gives up: removes the temporary file, or keeps it under the target name when `keep` is true. */
  async abandon(keep: boolean): Promise<void> {
    await this.close();
    if (keep && !this.failure) await rename(this.temporary, this.path);
    else await unlink(this.temporary).catch(() => {});
  }

  private async close(): Promise<void> {
    if (this.stream.closed) return;
    const closed = once(this.stream, "close").catch(() => {});
    this.stream.end();
    await closed;
  }

  private describe(error: Error): Error {
    return new Error(`${this.who}: cannot write "${this.path}": ${error.message}`, { cause: error });
  }
}
