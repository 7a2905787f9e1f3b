/**
 * ParquetFileWriter: streams a run's results into a Parquet file with
 * hyparquet-writer, one row group per `rowGroupRows` rows: the rows of one
 * row group are held as columns, encoded, compressed and handed to the disk
 * (the next row waits while the disk is behind), so memory is bounded by a
 * row group. Atomic like toCSV: the file is written under a temporary name
 * and renamed only when the run succeeded. With `partial: true`, a failed or
 * cancelled run keeps a valid Parquet file of every row that reached the
 * sink before the failure (the rows held become a last row group, then the
 * footer), unless writing the file itself failed. The writer of toParquet and
 * sink.parquet; hyparquet-writer (ESM) loads on the first run.
 */
import { gzipSync } from "node:zlib";
import { BatchedFileWriter } from "./batched-file-writer";
import { type ColumnBatch, ColumnBatcher, type ColumnSchema } from "./column-batch";
import type { ColumnType } from "./column-types";
import { type ColumnarFormat, type ParquetCompression, zstdCompressor } from "./columnar-options";

/** The part of hyparquet-writer used here (its types are ESM-only, which a CommonJS file cannot name). */
interface Library {
  ByteWriter: new () => ByteWriter;
  ParquetWriter: new (options: { writer: ByteWriter; schema: SchemaElement[]; codec: string; compressors: object; createdBy: string }) => Writer;
}
interface ByteWriter {
  index: number;
  getBytes(): Uint8Array;
  flush?(): void | Promise<void>;
  finish(): void | Promise<void>;
}
interface Writer {
  write(options: { columnData: { name: string; data: unknown[] }[]; rowGroupSize: number }): void | Promise<void>;
  finish(): void | Promise<void>;
}
/** A Parquet schema element, as hyparquet names its fields. */
type SchemaElement = Record<string, string | number | boolean | Record<string, string | boolean>>;

let library: Promise<Library> | undefined;

/** hyparquet-writer is ESM only: a real import(), which tsc keeps as such in this CommonJS build (module Node16). */
function loadLibrary(): Promise<Library> {
  library ??= import("hyparquet-writer") as Promise<unknown> as Promise<Library>;
  return library;
}

const CODECS = { snappy: "SNAPPY", gzip: "GZIP", zstd: "ZSTD", none: "UNCOMPRESSED" } as const;

/** hyparquet-writer compresses SNAPPY itself; GZIP and ZSTD come from Node's zlib. */
function compressors(compression: ParquetCompression): Record<string, (input: Uint8Array) => Uint8Array> {
  if (compression === "gzip") return { GZIP: (input) => gzipSync(input) };
  if (compression === "zstd") return { ZSTD: zstdCompressor()! };
  return {};
}

export class ParquetFileWriter extends BatchedFileWriter {
  private readonly library = loadLibrary();
  private writer: Writer | undefined;
  /** hyparquet-writer failed mid-file: what is on disk cannot be finished into a valid file. */
  private broken = false;

  /** @param who the call, for messages: `"toParquet()"` */
  constructor(
    path: string,
    private readonly who: string,
    private readonly format: ColumnarFormat,
  ) {
    super(path, who, new ColumnBatcher(who, format, format.rowGroupRows), format.partial);
    // Surfaced where it is awaited; a run that fails before its first row group never awaits it.
    this.library.catch(() => {});
  }

  protected override canFinish(): boolean {
    return !this.broken;
  }

  protected async writeFooter(): Promise<void> {
    const writer = await this.open();
    await this.guard(() => writer.finish(), "its footer");
  }

  protected async write(batch: ColumnBatch): Promise<void> {
    const writer = await this.open();
    const { names, types } = this.batcher.schema();
    const columnData = names.map((name, i) => ({ name, data: parquetValues(types[i]!, batch.columns[i]!) as unknown[] }));
    const rows = `rows ${batch.firstRow}-${batch.firstRow + batch.length - 1}`;
    await this.guard(() => writer.write({ columnData, rowGroupSize: batch.length }), `the row group of ${rows}`);
  }

  private async open(): Promise<Writer> {
    if (this.writer) return this.writer;
    const { ByteWriter, ParquetWriter } = await this.library;
    const out = new ByteWriter();
    // hyparquet-writer calls flush() after each row group and finish() after the footer: the bytes
    // go to the file (a copy: the buffer is reused) and the next row group waits for the disk.
    out.flush = () => {
      const bytes = out.getBytes().slice();
      out.index = 0;
      return this.file.write(bytes);
    };
    out.finish = out.flush;
    const { compression } = this.format;
    this.writer = new ParquetWriter({
      writer: out,
      schema: parquetSchema(this.batcher.schema()),
      codec: CODECS[compression],
      compressors: compressors(compression),
      createdBy: "pipelab (hyparquet-writer)",
    });
    return this.writer;
  }

  /** Runs a step of hyparquet-writer; its failure (not the disk's) leaves a file that cannot be finished. */
  private async guard(step: () => void | Promise<void>, what: string): Promise<void> {
    try {
      await step();
    } catch (error) {
      this.broken = true;
      if ((error as Error).message.startsWith(this.who)) throw error;
      throw new Error(`${this.who}: cannot write ${what} to "${this.path}": ${(error as Error).message}`, { cause: error });
    }
  }
}

/** The Parquet schema of the columns: every column OPTIONAL; lists in the standard three levels. */
export function parquetSchema({ names, types }: ColumnSchema): SchemaElement[] {
  return [{ name: "root", num_children: names.length }, ...names.flatMap((name, i) => schemaElements(name, types[i]!))];
}

function schemaElements(name: string, type: ColumnType): SchemaElement[] {
  const repetition_type = "OPTIONAL";
  switch (type.kind) {
    case "list":
      return [
        { name, repetition_type, converted_type: "LIST", logical_type: { type: "LIST" }, num_children: 1 },
        { name: "list", repetition_type: "REPEATED", num_children: 1 },
        ...schemaElements("element", type.element),
      ];
    case "struct":
      return [{ name, repetition_type, num_children: type.fields.length }, ...type.fields.flatMap((field) => schemaElements(field.name, field.type))];
    case "string":
      return [{ name, repetition_type, type: "BYTE_ARRAY", converted_type: "UTF8", logical_type: { type: "STRING" } }];
    case "json":
      return [{ name, repetition_type, type: "BYTE_ARRAY", converted_type: "JSON", logical_type: { type: "JSON" } }];
    case "binary":
      return [{ name, repetition_type, type: "BYTE_ARRAY" }];
    case "number":
      return [{ name, repetition_type, type: "DOUBLE" }];
    case "int32":
      return [{ name, repetition_type, type: "INT32" }];
    case "int64":
      return [{ name, repetition_type, type: "INT64" }];
    case "boolean":
      return [{ name, repetition_type, type: "BOOLEAN" }];
    case "date":
      return [
        {
          name,
          repetition_type,
          type: "INT64",
          converted_type: "TIMESTAMP_MILLIS",
          logical_type: { type: "TIMESTAMP", isAdjustedToUTC: true, unit: "MILLIS" },
        },
      ];
  }
}

/** The values as hyparquet-writer takes them: int64 as bigints (numbers are allowed in), json parsed back (it writes the JSON text). */
function parquetValues(type: ColumnType, values: unknown[]): unknown[] {
  if (type.kind === "json") return values.map((text) => (text === null ? null : JSON.parse(text as string)));
  return hasInt64(type) ? values.map((value) => toBigInts(type, value)) : values;
}

function hasInt64(type: ColumnType): boolean {
  if (type.kind === "list") return hasInt64(type.element);
  if (type.kind === "struct") return type.fields.some((field) => hasInt64(field.type));
  return type.kind === "int64";
}

function toBigInts(type: ColumnType, value: unknown): unknown {
  if (value === null || value === undefined) return value;
  if (type.kind === "int64") return typeof value === "number" ? BigInt(value) : value;
  if (type.kind === "list") return (value as unknown[]).map((element) => toBigInts(type.element, element));
  if (type.kind === "struct") {
    const record = value as Record<string, unknown>;
    return Object.fromEntries(type.fields.map((field) => [field.name, toBigInts(field.type, record[field.name])]));
  }
  return value;
}
