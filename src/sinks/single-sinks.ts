/**
 * The single-sink methods of Pipeline (toDataFrame, toCSV, toJSONL, toParquet,
 * toArrow, toArrowTable, toPolars) as it calls them: each checks its options
 * (the sink's and the run's) when called and says how to open its writer for
 * the run; Pipeline only feeds the run into it.
 */
import type { RunOptions } from "../run-options";
import { ArrowFileWriter } from "./arrow-file-sink";
import { ArrowTableWriter } from "./arrow-table-sink";
import { columnarOptions } from "./columnar-options";
import type { ArrowTableLike, PolarsDataFrameLike } from "./columnar-results";
import { CsvEncoder } from "./csv-encoder";
import { DataFrameWriter } from "./dataframe-sink";
import { checkPath, csvOptions, dataFrameOptions, type FileExport, jsonlOptions } from "./export-options";
import { FileWriter } from "./file-export";
import { JsonlEncoder } from "./jsonl-encoder";
import { ParquetFileWriter } from "./parquet-sink";
import { PolarsWriter } from "./polars-sink";
import type { SinkWriter } from "./sink";
import type { DataFrame } from "danfojs";

/** @internal A single-sink call, checked: the run's options and how to open the sink's writer. */
export interface SingleSink<Out> {
  run: RunOptions;
  open(): SinkWriter<Out>;
}

/** @internal */
export function dataFrameExport(options: unknown): SingleSink<DataFrame> {
  const { run, columns } = dataFrameOptions(options);
  return { run, open: () => new DataFrameWriter("toDataFrame()", columns) };
}

/** @internal */
export function csvExport(path: unknown, options: unknown): SingleSink<FileExport> {
  const settings = csvOptions(options);
  const target = checkPath("toCSV()", path);
  return { run: settings.run, open: () => new FileWriter(target, "toCSV()", settings.partial, new CsvEncoder(settings)) };
}

/** @internal */
export function jsonlExport(path: unknown, options: unknown): SingleSink<FileExport> {
  const { run, partial } = jsonlOptions(options);
  const target = checkPath("toJSONL()", path);
  return { run, open: () => new FileWriter(target, "toJSONL()", partial, new JsonlEncoder()) };
}

/** @internal */
export function parquetExport(path: unknown, options: unknown): SingleSink<FileExport> {
  const who = "toParquet()";
  const { run, format } = columnarOptions(who, options, "parquet");
  const target = checkPath(who, path);
  return { run, open: () => new ParquetFileWriter(target, who, format) };
}

/** @internal */
export function arrowExport(path: unknown, options: unknown): SingleSink<FileExport> {
  const who = "toArrow()";
  const { run, format } = columnarOptions(who, options, "arrow");
  const target = checkPath(who, path);
  return { run, open: () => new ArrowFileWriter(target, who, format.partial, format) };
}

/** @internal */
export function arrowTableExport(options: unknown): SingleSink<ArrowTableLike> {
  const { run, format } = columnarOptions("toArrowTable()", options, "table");
  return { run, open: () => new ArrowTableWriter("toArrowTable()", format) };
}

/** @internal */
export function polarsExport(options: unknown): SingleSink<PolarsDataFrameLike> {
  const { run, format } = columnarOptions("toPolars()", options, "polars");
  return { run, open: () => new PolarsWriter("toPolars()", format) };
}
