/// <reference path="../types/danfojs-ambient.d.ts" />
export { Pipeline } from "./pipeline";
export { from, range, concat } from "./sources/iterables";
export { fromCSV } from "./sources/csv-file-source";
export type { CsvCast, CsvSourceOptions } from "./sources/csv-file-source";
export { fromJSONL } from "./sources/jsonl-file-source";
export { fromParquet } from "./sources/parquet-source";
export { fromArrow } from "./sources/arrow-source";
export { fromJSON } from "./sources/json-array-source";
export type { JsonSourceOptions } from "./sources/json-array-source";
export type { ArrowSourceOptions, Int64Mode, ParquetSourceOptions } from "./sources/columnar-options";
export type { StageFn, Expansion } from "./pipeline";
export type { CacheOptions, Mode, ModuleFunction, OnError, ResourceLimits, StageContext, StageOptions, StartValues } from "./options";
export { cache } from "./cache/cache-admin";
export type { CachedStageInfo, CacheLocation } from "./cache/cache-admin";
export type { SourceInput } from "./stages/source";
export type { BatchOptions } from "./stages/batch";
export type { DistinctOptions } from "./stages/distinct";
export type { CsvOptions, DataFrameOptions, FileExport, FileExportOptions } from "./sinks/export-options";
export { sink } from "./sinks/sink-factories";
export type { ArraySinkOptions } from "./sinks/sink-factories";
export type { CsvSinkOptions, DataFrameSinkOptions, FileSinkOptions } from "./sinks/export-options";
export type {
  ArrowOptions,
  ArrowSinkOptions,
  ArrowTableOptions,
  ColumnarSinkOptions,
  ParquetCompression,
  ParquetOptions,
  ParquetSinkOptions,
  PolarsOptions,
} from "./sinks/columnar-options";
export type { ColumnTypeName } from "./sinks/column-types";
export type { ArrowTableLike, ArrowVectorLike, PolarsDataFrameLike, PolarsSeriesLike } from "./sinks/columnar-results";
export type { Sink, SinkResults } from "./sinks/sink";
export type { RunOptions } from "./run-options";
export { RunStats } from "./run-stats";
export type {
  Bottleneck,
  LatencyStats,
  MainThreadStats,
  QueueStats,
  RunSnapshot,
  RunStatus,
  StageFailure,
  StageNote,
  StageRow,
  StageStats,
  StepMode,
  TimelineSample,
} from "./stats/snapshot";
export { StageError, TimeoutError, AbortError, SinkError, ErrorCode } from "./errors";
export type { ItemIndex } from "./errors";
export { display } from "./display/display";
export type { DisplayOptions } from "./display/display";
export { Chart } from "./display/chart";
export type { ChartKind } from "./display/chart-specs";
export { DataFramePreview } from "./display/dataframe-preview";
export type { DataFrameLike } from "./display/dataframe-preview";
export type { MimeBundle, Displayable } from "./display/mime-bundle";
