/**
 * Collects a run's results into a danfojs-node DataFrame: column arrays grow
 * as results arrive, and the DataFrame is built once at the end.
 */
import type { DataFrame } from "danfojs-node";
import type { Run } from "../supervisor";
import { ColumnBuilder } from "./column-builder";
import { loadDanfo } from "./danfo";

export async function collectDataFrame(run: Run<unknown>, columns: string[] | undefined, who = "toDataFrame()"): Promise<DataFrame> {
  const builder = new ColumnBuilder(who, columns);
  await run.drain((item) => builder.add(item));
  return columnsToDataFrame(builder);
}

/** The DataFrame of a finished builder. */
export function columnsToDataFrame(builder: ColumnBuilder): DataFrame {
  const { DataFrame } = loadDanfo();
  const { names, columns, rows } = builder.finish();
  // danfojs cannot build a frame of named columns with no rows; an empty result is an empty frame.
  if (rows === 0 || names.length === 0) return new DataFrame([]);
  const frame = new DataFrame(Object.fromEntries(names.map((name, i) => [name, columns[i]!])));
  // An object puts integer-like keys ("1", "2") first: restore the order of first appearance.
  return frame.columns.every((name, i) => name === names[i]) ? frame : (frame.loc({ columns: names }) as DataFrame);
}
