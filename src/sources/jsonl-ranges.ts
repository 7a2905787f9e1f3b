/**
 * A JSON Lines file cut into byte ranges at line breaks, and one range read
 * into its values in a worker thread: the JSON Lines side of reading a file
 * in the threads (see csv-ranges.ts and csv-range-reader.ts for CSV's).
 */
import { open } from "node:fs/promises";
import { ROW_LINES, type RowLines } from "../executors/fused-chain";
import { readRangeText } from "./file-ranges";

/** Bytes [start, end) of a file; its first line is line `line`. */
export interface JsonlRange {
  start: number;
  end: number;
  line: number;
}

const LF = 0x0a;
const BLOCK = 1 << 20;

/**
 * The file's lines in ranges of about `bytes` bytes each, every one ending after a line break
 * (the last at the end of the file), with the number of the line each starts on.
 * @example await jsonlRanges("events.jsonl", 1 << 16)  // [{ start: 0, end: 65601, line: 1 }, ...]
 */
export async function jsonlRanges(path: string, bytes: number): Promise<JsonlRange[]> {
  const file = await open(path, "r");
  try {
    const size = (await file.stat()).size;
    const ranges: JsonlRange[] = [];
    const block = Buffer.allocUnsafe(BLOCK);
    let start = 0;
    let line = 1;
    let lines = 0;
    for (let at = 0; at < size;) {
      const { bytesRead } = await file.read(block, 0, Math.min(BLOCK, size - at), at);
      if (bytesRead === 0) break;
      for (let i = block.indexOf(LF, 0); i >= 0 && i < bytesRead; i = block.indexOf(LF, i + 1)) {
        lines++;
        const end = at + i + 1;
        if (end - start >= bytes) {
          ranges.push({ start, end, line });
          start = end;
          line = lines + 1;
        }
      }
      at += bytesRead;
    }
    if (start < size) ranges.push({ start, end: size, line });
    return ranges;
  } finally {
    await file.close();
  }
}

/**
 * In a worker thread: the values of one range's lines, parsed as fromJSONL parses them (blank
 * lines skipped; a line that is not JSON fails naming the file and its line).
 * @example readJsonlRange({ start: 0, end: 65601, line: 1 }, { jsonlFile: { path, encoding: "utf8" } })
 */
export function readJsonlRange(range: JsonlRange, ctx: { jsonlFile: { path: string; encoding: BufferEncoding }; [ROW_LINES]?: RowLines }): unknown[] {
  const { path, encoding } = ctx.jsonlFile;
  let text: string;
  try {
    text = readRangeText(path, range, encoding);
  } catch (error) {
    throw new Error(`fromJSONL(): cannot read "${path}": ${(error as Error).message}`, { cause: error });
  }
  const values: unknown[] = [];
  // Each value's line, for the fused stages after this one to name in an error.
  const numbers: number[] = [];
  ctx[ROW_LINES] = { path, lines: numbers };
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    if (line.trim() === "") continue;
    try {
      values.push(JSON.parse(line));
      numbers.push(range.line + i);
    } catch (error) {
      throw new Error(`fromJSONL(): "${path}" line ${range.line + i}: ${(error as Error).message}`, { cause: error });
    }
  }
  return values;
}
