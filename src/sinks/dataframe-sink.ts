/**
 * Collects a run's results into a danfojs DataFrame: table rows grow as
 * results arrive, and the DataFrame is built once at the end (danfojs loads
 * then, on first use). The writer of toDataFrame and sink.dataFrame.
 */
import type { DataFrame } from "danfojs";
import { loadDanfo } from "./danfo";
import type { SinkWriter } from "./sink";
import { TableBuilder } from "./table-builder";

export class DataFrameWriter implements SinkWriter<DataFrame> {
  private readonly builder: TableBuilder;
  private frame: DataFrame | undefined;

  /**
   * @param who the call, for messages: `"toDataFrame()"`
   * @param columns only these columns, in this order
   */
  constructor(who: string, columns: string[] | undefined) {
    this.builder = new TableBuilder(who, columns);
  }

  push(item: unknown): void {
    this.builder.add(item);
  }

  end(): void {
    this.frame = tableToDataFrame(this.builder);
  }

  commit(): DataFrame {
    return this.frame!;
  }

  async abandon(): Promise<void> {}
}

/** The DataFrame of a finished builder. */
export function tableToDataFrame(builder: TableBuilder): DataFrame {
  const { DataFrame } = loadDanfo();
  const { names, rows } = builder.finish();
  // danfojs cannot build a frame with no rows or no columns; such a result is an empty frame.
  if (rows.length === 0 || names.length === 0) return new DataFrame([]);
  return new DataFrame(rows, { columns: names });
}
