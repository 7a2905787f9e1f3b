/**
 * hyparquet and its compressors (ZSTD, Snappy, Gzip, Brotli, LZ4), loaded on
 * the first run, and the types of theirs that fromParquet uses. Both are ESM
 * only: a real import() (module Node16 keeps it one in the CommonJS build);
 * the types are taken from that import, since a CommonJS file may not name an
 * ES module in a type import.
 */
let loading: ReturnType<typeof importAll> | undefined;

const importAll = () => Promise.all([import("hyparquet"), import("hyparquet-compressors")]);

/** @internal hyparquet and hyparquet-compressors, imported once. */
export function loadHyparquet(): ReturnType<typeof importAll> {
  return (loading ??= importAll());
}

type Hyparquet = Awaited<ReturnType<typeof importAll>>[0];
/** @internal */
export type FileMetaData = Awaited<ReturnType<Hyparquet["parquetMetadataAsync"]>>;
/** @internal */
export type SchemaTree = ReturnType<Hyparquet["parquetSchema"]>;
/** @internal */
export type SchemaElement = FileMetaData["schema"][number];
/** @internal */
export type ParquetScan = Awaited<ReturnType<Hyparquet["parquetScan"]>>;
/** @internal */
export type ParquetParsers = NonNullable<Parameters<Hyparquet["parquetScan"]>[0]["parsers"]>;
