/**
 * ParquetFile: a Parquet file as hyparquet reads it (an AsyncBuffer), on one
 * file handle that the source owns and closes (hyparquet's own file buffer
 * opens a stream per slice, which a stopped run could not close).
 *
 * The reader loads a row group's column chunks into memory first (preload),
 * so that hyparquet then decodes them without waiting for the disk: the time
 * the decoding takes is the source's busy time, not the disk's.
 */
import type { FileHandle } from "node:fs/promises";

/** Byte ranges closer than this are read as one: a seek costs more than reading a little extra. */
const MERGE_GAP = 64 * 1024;

interface Block {
  start: number;
  bytes: Buffer;
}

export class ParquetFile {
  private blocks: Block[] = [];

  constructor(
    private readonly handle: FileHandle,
    readonly byteLength: number,
  ) {}

  /** hyparquet's AsyncBuffer.slice: from a preloaded block when one holds the range, else from the disk. */
  slice(start: number, end = this.byteLength): ArrayBuffer | Promise<ArrayBuffer> {
    for (const block of this.blocks) {
      const from = start - block.start;
      if (from >= 0 && end - block.start <= block.bytes.length) return toArrayBuffer(block.bytes.subarray(from, end - block.start));
    }
    return this.read(start, end).then(toArrayBuffer);
  }

  /** Loads these byte ranges (a row group's column chunks) into memory, replacing what was preloaded before. */
  async preload(ranges: readonly (readonly [number, number])[]): Promise<void> {
    this.blocks = [];
    const blocks: Block[] = [];
    for (const [start, end] of mergeRanges(ranges)) blocks.push({ start, bytes: await this.read(start, end) });
    this.blocks = blocks;
  }

  /** Drops the preloaded bytes (once decoded, they are not needed again). */
  release(): void {
    this.blocks = [];
  }

  private async read(start: number, end: number): Promise<Buffer> {
    if (start < 0 || end > this.byteLength || start > end) {
      throw new Error(`bytes ${start}–${end} are outside the file (${this.byteLength} bytes): it is truncated or corrupt`);
    }
    const bytes = Buffer.allocUnsafeSlow(end - start);
    let done = 0;
    while (done < bytes.length) {
      const { bytesRead } = await this.handle.read(bytes, done, bytes.length - done, start + done);
      if (bytesRead === 0) throw new Error(`the file ended at byte ${start + done}, before byte ${end}: it was truncated while being read`);
      done += bytesRead;
    }
    return bytes;
  }
}

/** A view's bytes as an ArrayBuffer of their own (what hyparquet expects), copied only when the view is part of a larger buffer. */
function toArrayBuffer(view: Buffer): ArrayBuffer {
  if (view.byteOffset === 0 && view.byteLength === view.buffer.byteLength) return view.buffer as ArrayBuffer;
  return view.buffer.slice(view.byteOffset, view.byteOffset + view.byteLength) as ArrayBuffer;
}

function mergeRanges(ranges: readonly (readonly [number, number])[]): [number, number][] {
  const sorted = [...ranges].sort((a, b) => a[0] - b[0]);
  const merged: [number, number][] = [];
  for (const [start, end] of sorted) {
    const last = merged[merged.length - 1];
    if (last && start - last[1] <= MERGE_GAP) last[1] = Math.max(last[1], end);
    else merged.push([start, end]);
  }
  return merged;
}
