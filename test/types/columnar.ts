// Type-checked (never run) by test/types.test.js with the TypeScript that builds pipelab only:
// apache-arrow's declarations need TypeScript >= 5.7. The real Table and DataFrame fit pipelab's
// ArrowTableLike and PolarsDataFrameLike (so the defaults do not lie), and passing the library's
// type gives all of its API.
import { from, sink, type ArrowTableLike, type PolarsDataFrameLike } from "pipelab";
import type { Table } from "apache-arrow";
import type { DataFrame } from "nodejs-polars";

declare const table: Table;
declare const frame: DataFrame;
export const tableFits: ArrowTableLike = table;
export const frameFits: PolarsDataFrameLike = frame;

export async function typed(): Promise<void> {
  const t = await from([{ a: 1 }]).toArrowTable<Table>();
  const b: number = t.batches.length;
  const df = await from([{ a: 1 }]).toPolars<DataFrame>();
  const grouped: DataFrame = df.groupBy("a").len();
  const { sinkTable } = await from([{ a: 1 }]).into({ sinkTable: sink.arrowTable<Table>() });
  const c: number = sinkTable.numCols;
  void [b, grouped, c];
}
