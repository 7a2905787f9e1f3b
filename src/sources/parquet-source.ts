/**
 * fromParquet(path): a Parquet file as a pipeline source, read with hyparquet
 * row group by row group and only the asked columns; each decoded row group is
 * cut into batches of `batchRows` rows, so memory holds one row group's
 * columns and one batch of rows, whatever the file's size.
 */
import { type FileHandle, open as openFile } from "node:fs/promises";
import { Pipeline } from "../pipeline";
import { checkPath } from "../sinks/export-options";
import { Source } from "../stages/source";
import { BatchRecords } from "./batch-records";
import { chooseColumns, type ColumnarSettings, columnarSettings, type ParquetSourceOptions } from "./columnar-options";
import { int64Error, timestampDate, UnsafeInteger } from "./columnar-values";
import { type FileMetaData, loadHyparquet, type ParquetParsers, type ParquetScan, type SchemaTree } from "./hyparquet";
import { ParquetFile } from "./parquet-file";
import { parquetValue, type ParquetValue, takeDecimals } from "./parquet-columns";

export type { Int64Mode, ParquetSourceOptions } from "./columnar-options";

const WHO = "fromParquet()";
const OPTIONS = ["columns", "batchRows", "int64"];

/** Timestamps of every unit as Dates, sub-millisecond ticks dropped toward the past (as fromArrow does). */
const PARSERS: Partial<ParquetParsers> = {
  timestampFromMilliseconds: (ticks) => timestampDate(ticks, "ms"),
  timestampFromMicroseconds: (ticks) => timestampDate(ticks, "us"),
  timestampFromNanoseconds: (ticks) => timestampDate(ticks, "ns"),
};

interface OpenFile {
  file: ParquetFile;
  metadata: FileMetaData;
  scan: ParquetScan;
  columns: string[];
  values: ParquetValue[];
  /** The first row of each row group. */
  groupStarts: number[];
}

/** A decoded row group, handed on batch by batch. */
interface Group {
  index: number;
  firstRow: number;
  rows: number;
  next: number;
  data: ArrayLike<unknown>[];
}

class ParquetRecords extends BatchRecords {
  private opened: OpenFile | undefined;
  private handle: FileHandle | undefined;
  private nextRange = 0;
  private group: Group | undefined;

  constructor(
    private readonly path: string,
    private readonly settings: ColumnarSettings,
  ) {
    super();
  }

  protected build(): unknown[] | undefined {
    const group = this.group;
    if (!group || group.next >= group.rows) {
      this.group = undefined;
      return undefined;
    }
    const { columns, values } = this.opened!;
    const from = group.next;
    const count = Math.min(this.settings.batchRows, group.rows - from);
    group.next += count;
    const rows: Record<string, unknown>[] = new Array(count);
    for (let r = 0; r < count; r++) rows[r] = {};
    // Column by column: one conversion per loop, and every row gets its keys in the same order.
    for (let c = 0; c < columns.length; c++) {
      const name = columns[c]!;
      const data = group.data[c]!;
      const value = values[c]!;
      let r = 0;
      try {
        for (; r < count; r++) rows[r]![name] = value(data[from + r]);
      } catch (error) {
        if (error instanceof UnsafeInteger) throw int64Error(this.where(group), name, group.firstRow + from + r, error);
        throw error;
      }
    }
    return rows;
  }

  protected async load(): Promise<boolean> {
    const opened = (this.opened ??= await this.open());
    const { scan, file, metadata, columns, groupStarts } = opened;
    if (this.stopped || this.nextRange >= scan.ranges.length) return false;
    const { rowStart, rowEnd } = scan.ranges[this.nextRange++]!;
    let index = 0;
    while (index + 1 < groupStarts.length && groupStarts[index + 1]! <= rowStart) index++;
    const group: Group = { index, firstRow: rowStart, rows: rowEnd - rowStart, next: 0, data: [] };
    try {
      await file.preload(chunkRanges(metadata, index, columns));
    } catch (error) {
      throw new Error(`${this.where(group)}: ${(error as Error).message}`, { cause: error });
    }
    if (this.stopped) return false;
    // The bytes are in memory: decoding does not wait for the disk, so its time is the source's work.
    const started = performance.now();
    try {
      for (const column of columns) {
        try {
          group.data.push(await scan.readColumn({ column, rowStart, rowEnd }));
        } catch (error) {
          throw new Error(`${this.where(group)}, column ${JSON.stringify(column)}: ${(error as Error).message}`, { cause: error });
        }
      }
    } finally {
      this.busyOutsideNextMs += performance.now() - started;
      file.release();
    }
    this.group = group;
    return true;
  }

  private async open(): Promise<OpenFile> {
    const [{ parquetMetadataAsync, parquetScan, parquetSchema }, { compressors }] = await loadHyparquet();
    try {
      this.handle = await openFile(this.path, "r");
    } catch (error) {
      throw new Error(`${WHO}: cannot read "${this.path}": ${(error as Error).message}`, { cause: error });
    }
    const { size } = await this.handle.stat();
    const file = new ParquetFile(this.handle, size);
    let metadata: FileMetaData;
    let tree: SchemaTree;
    try {
      metadata = await parquetMetadataAsync(file);
      tree = parquetSchema(metadata);
    } catch (error) {
      throw new Error(`${WHO}: "${this.path}" is not a readable Parquet file (its footer): ${(error as Error).message}`, { cause: error });
    }
    const inFile = tree.children.map((child) => child.element.name);
    const columns = chooseColumns(WHO, this.path, this.settings.columns, inFile);
    const scales = takeDecimals(metadata);
    const values = columns.map((name) =>
      parquetValue(
        tree.children.find((child) => child.element.name === name)!,
        this.settings.int64,
        scales.get(name),
      ),
    );
    let scan: ParquetScan;
    try {
      // utf8: false keeps BYTE_ARRAY without a string annotation as bytes (Uint8Array), as the type mapping says.
      scan = await parquetScan({ file, metadata, columns, compressors, parsers: PARSERS, utf8: false, useOffsetIndex: false });
    } catch (error) {
      throw new Error(`${WHO}: "${this.path}" cannot be read: ${(error as Error).message}`, { cause: error });
    }
    const groupStarts: number[] = [];
    let start = 0;
    for (const group of metadata.row_groups) {
      groupStarts.push(start);
      start += Number(group.num_rows);
    }
    return { file, metadata, scan, columns, values, groupStarts };
  }

  protected async close(): Promise<void> {
    this.group = undefined;
    await this.handle?.close();
  }

  private where(group: Group): string {
    return `${WHO}: "${this.path}" row group ${group.index} (rows ${group.firstRow}–${group.firstRow + group.rows - 1})`;
  }
}

/** The byte ranges of a row group's chunks of these columns (a nested column has several). */
function chunkRanges(metadata: FileMetaData, group: number, columns: readonly string[]): [number, number][] {
  const ranges: [number, number][] = [];
  for (const chunk of metadata.row_groups[group]?.columns ?? []) {
    const meta = chunk.meta_data;
    if (!meta || !columns.includes(meta.path_in_schema[0]!)) continue;
    const start = meta.dictionary_page_offset || meta.data_page_offset;
    ranges.push([Number(start), Number(start + meta.total_compressed_size)]);
  }
  return ranges;
}

/**
 * A Parquet file as a source: rows as plain objects, read row group by row group (only the
 * columns asked for) and handed on in batches, so memory stays flat however large the file;
 * re-read by every run. ZSTD, Snappy, Gzip, Brotli and LZ4 pages are read (hyparquet-compressors).
 *
 * Types: STRING → string; BOOLEAN → boolean; INT32, FLOAT, DOUBLE → number; INT64 → number
 * (a value beyond ±2^53-1 is an error naming the column and row, unless `int64: "bigint"`, which
 * makes every value of such a column a bigint); TIMESTAMP (any unit) and INT96 → Date (sub-millisecond
 * ticks dropped toward the past); DATE → Date at UTC midnight; DECIMAL → number (exact up to 15
 * significant digits); BYTE_ARRAY without a string annotation → Uint8Array; LIST → array; group →
 * plain object; JSON → its value; a missing value → null.
 *
 * Errors name the file: a missing file, a file that is not Parquet (its footer), a row group that
 * cannot be decoded (the row group, its rows and the column), an unknown column in `columns`.
 * @example
 * const late = await fromParquet<{ date: Date; delay: number }>("flights.parquet", { columns: ["date", "delay"] })
 *   .filter((f) => f.delay > 60)
 *   .toArray();
 */
export function fromParquet<T extends object = Record<string, unknown>>(path: string, options?: ParquetSourceOptions): Pipeline<T> {
  checkPath(WHO, path);
  const settings = columnarSettings(WHO, options, OPTIONS);
  return new Pipeline<T, never>({ source: new Source(() => new ParquetRecords(path, settings), true), steps: [] });
}
