/**
 * Collects a run's results into a danfojs DataFrame: table rows grow as
 * results arrive, and the DataFrame is built once at the end.
 */
import type { DataFrame } from "danfojs";
import type { Run } from "../supervisor";
import { loadDanfo } from "./danfo";
import { TableBuilder } from "./table-builder";

export async function collectDataFrame(run: Run<unknown>, columns: string[] | undefined, who = "toDataFrame()"): Promise<DataFrame> {
  const builder = new TableBuilder(who, columns);
  await run.drain((item) => builder.add(item));
  return tableToDataFrame(builder);
}

/** The DataFrame of a finished builder. */
export function tableToDataFrame(builder: TableBuilder): DataFrame {
  const { DataFrame } = loadDanfo();
  const { names, rows } = builder.finish();
  // danfojs cannot build a frame with no rows or no columns; such a result is an empty frame.
  if (rows.length === 0 || names.length === 0) return new DataFrame([]);
  return new DataFrame(rows, { columns: names });
}
