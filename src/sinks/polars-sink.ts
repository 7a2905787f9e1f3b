/**
 * PolarsWriter: collects a run's results into a nodejs-polars DataFrame.
 * Each batch of 65536 rows becomes an Arrow record batch (arrow-batch.ts, the
 * mapped types), kept as Arrow IPC stream bytes; at the end polars reads the
 * stream (`pl.readIPCStream`) into a DataFrame. Measured on 100k rows of
 * string, number, bigint, boolean and Date columns: 40-45 ms this way,
 * 55 ms through `pl.DataFrame` of `pl.Series` with explicit dtypes, and the
 * series way is wrong where it matters: an Int64 series of bigints with a
 * null comes out all null, a bigint below 0 makes an unsigned column, a
 * struct series with a null row throws. Through Arrow, what polars gets is
 * what the Arrow writers write. Memory: the result as Arrow bytes until the
 * end, then polars's own copy (the bytes are let go once it has read them).
 *
 * nodejs-polars is an optional peer dependency, loaded when a run opens the
 * sink; without it the run does not start and the error says what to install.
 */
import type { DataFrame } from "nodejs-polars";
import { arrowSchema, recordBatch } from "./arrow-batch";
import { IpcBytes } from "./arrow-ipc";
import { type ColumnBatch, ColumnBatcher, type ColumnSchema } from "./column-batch";
import type { ColumnType } from "./column-types";
import { type ColumnarFormat, POLARS_BINARY, RECORD_BATCH_ROWS } from "./columnar-options";
import type { PolarsDataFrameLike } from "./columnar-results";
import type { SinkWriter } from "./sink";

type Polars = typeof import("nodejs-polars");

let polars: Polars | undefined;

/** nodejs-polars's native package for this platform, as npm names it. */
function nativePackage(): string {
  const { platform, arch } = process;
  if (platform === "linux") {
    const glibc = (process.report?.getReport() as { header?: { glibcVersionRuntime?: string } } | undefined)?.header?.glibcVersionRuntime;
    return `nodejs-polars-linux-${arch}-${glibc ? "gnu" : "musl"}`;
  }
  return platform === "win32" ? `nodejs-polars-win32-${arch}-msvc` : `nodejs-polars-${platform}-${arch}`;
}

/** @internal nodejs-polars, or an Error saying what to install. */
export function loadPolars(who: string): Polars {
  if (polars) return polars;
  try {
    polars = require("nodejs-polars") as Polars;
    return polars;
  } catch (error) {
    const major = Number(process.versions.node.split(".")[0]);
    const native = nativePackage();
    const advice =
      major < 22
        ? `npm install nodejs-polars ${native} (nodejs-polars's native package, ${native}, declares Node >= 22, so on Node ${major} npm skips it without a word: name it too)`
        : `npm install nodejs-polars (and, if npm skipped it, its native package: npm install ${native})`;
    // Node's message goes on with a "Require stack:" of pipelab's own files: its first line says what was missing.
    const said = (error as Error).message.split("\n")[0];
    const what = /nodejs-polars'/.test(said) ? "not installed here" : "installed without its native package for this platform";
    throw new Error(`${who}: needs nodejs-polars, an optional peer dependency of pipelab, ${what}: ${advice}. Loading it said: ${said}`, { cause: error });
  }
}

export class PolarsWriter implements SinkWriter<PolarsDataFrameLike> {
  private readonly polars: Polars;
  private readonly batcher: ColumnBatcher;
  private ipc: { schema: ReturnType<typeof arrowSchema>; bytes: IpcBytes } | undefined;
  private readonly chunks: Uint8Array[] = [];
  private frame: DataFrame | undefined;

  /** @param who the call, for messages: `"toPolars()"` */
  constructor(
    private readonly who: string,
    format: Pick<ColumnarFormat, "columns" | "schema">,
  ) {
    this.polars = loadPolars(who);
    this.batcher = new ColumnBatcher(who, format, RECORD_BATCH_ROWS);
  }

  push(item: unknown): void {
    const batch = this.batcher.push(item);
    if (batch) this.add(batch);
  }

  end(): void {
    const rest = this.batcher.take();
    if (rest.length > 0) this.add(rest);
    const { bytes } = this.open();
    bytes.finish();
    this.chunks.push(bytes.take());
    this.frame = this.polars.readIPCStream(Buffer.concat(this.chunks));
    this.chunks.length = 0;
  }

  commit(): PolarsDataFrameLike {
    return this.frame!;
  }

  async abandon(): Promise<void> {}

  private add(batch: ColumnBatch): void {
    const { schema, bytes } = this.open();
    bytes.write(recordBatch(schema, this.batcher.schema(), batch));
    this.chunks.push(bytes.take());
  }

  private open(): { schema: ReturnType<typeof arrowSchema>; bytes: IpcBytes } {
    if (!this.ipc) {
      const columns = this.batcher.schema();
      this.refuseBinary(columns);
      const schema = arrowSchema(columns);
      this.ipc = { schema, bytes: new IpcBytes("stream", schema) };
    }
    return this.ipc;
  }

  private refuseBinary({ names, types }: ColumnSchema): void {
    const binary = (type: ColumnType): boolean =>
      type.kind === "binary" || (type.kind === "list" && binary(type.element)) || (type.kind === "struct" && type.fields.some((field) => binary(field.type)));
    const column = names.find((_, i) => binary(types[i]!));
    if (column !== undefined) throw new TypeError(`${this.who}: column "${column}" holds Uint8Arrays (Arrow Binary), and ${POLARS_BINARY}`);
  }
}
