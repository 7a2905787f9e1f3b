// Type-checked (never run) by test/types.test.js with TypeScript 5.0 and Node10
// resolution, as tslab checks a notebook cell. Each line fails to compile when
// the item type stops flowing through the stages.
import { concat, from, range, Pipeline, sink, SinkError, StageError, type ArrowTableLike, type FileExport, type PolarsDataFrameLike } from "pipelab";
import type { DataFrame } from "danfojs";

type Equals<A, B> = (<X>() => X extends A ? 1 : 2) extends <X>() => X extends B ? 1 : 2 ? true : false;
declare function expectType<T extends true>(): void;

const strings = from([1, 2]).map(String);
expectType<Equals<typeof strings, Pipeline<string, number>>>();

const awaited = from([1]).map(async (x) => ({ n: x }));
expectType<Equals<typeof awaited, Pipeline<{ n: number }, number>>>();

const expanded = range(3).flatMap(function* (x) {
  yield `${x}`;
});
expectType<Equals<typeof expanded, Pipeline<string, number>>>();

const asyncExpanded = range(3).flatMap(async (x) => [x, x]);
expectType<Equals<typeof asyncExpanded, Pipeline<number, number>>>();

const narrowed = from<number | string>([1, "a"]).filter((x): x is string => typeof x === "string");
expectType<Equals<typeof narrowed, Pipeline<string, number | string>>>();

const kept = range(5).filter(async (x) => x > 2, { workers: 2 });
expectType<Equals<typeof kept, Pipeline<number, number>>>();

const scaled = range(3).map((x, ctx) => x * ctx.k + ctx.worker, { mode: "worker", context: { k: 2 } });
expectType<Equals<typeof scaled, Pipeline<number, number>>>();

const tapped = from(["a"]).tap(async (s, ctx) => s.length + ctx.index, { rate: 5 });
expectType<Equals<typeof tapped, Pipeline<string, string>>>();

const started = range(3).map((x, ctx) => ctx.db.has(x), { onStart: () => ({ db: new Set<number>() }) });
expectType<Equals<typeof started, Pipeline<boolean, number>>>();

const merged = concat(range(1), from(["a"]));
expectType<Equals<typeof merged, Pipeline<number | string, never>>>();

const nothing = range(3).each(() => {});
expectType<Equals<typeof nothing, Pipeline<never, number>>>();

const fromModule = range(3).map<number>({ module: "./square.js", export: "square" }, { mode: "worker" });
expectType<Equals<typeof fromModule, Pipeline<number, number>>>();

async function consume(): Promise<void> {
  for await (const s of strings.take(1).ordered()) s.toUpperCase();
  const all: string[] = await strings.toArray({ signal: AbortSignal.timeout(1000) });
  const stats = await nothing.run();
  stats.stages[0]!.itemsOut.toFixed();
  void all;
  try {
    await strings.run();
  } catch (e) {
    if (e instanceof StageError) e.stage.toUpperCase();
  }
}
void consume;

const batched = strings.batch(3, { ms: 100 });
expectType<Equals<typeof batched, Pipeline<string[], number>>>();
const unbatched = batched.map((b) => b.length, { mode: "worker" }).flatMap((n) => [n]);
expectType<Equals<typeof unbatched, Pipeline<number, number | string[]>>>();
const firsts = strings
  .drop(1)
  .distinct((s) => s.length, { name: "by length", maxKeys: 10 })
  .distinct();
expectType<Equals<typeof firsts, Pipeline<string, number>>>();

async function fold(): Promise<void> {
  const total = await range(3).reduce((sum, x) => sum + x, 0);
  expectType<Equals<typeof total, number>>();
  const joined = await strings.reduce(async (acc, s) => acc + s, "", { signal: AbortSignal.timeout(1000) });
  expectType<Equals<typeof joined, string>>();
  const counts = await strings.reduce((m, s) => m.set(s, (m.get(s) ?? 0) + 1), new Map<string, number>());
  expectType<Equals<typeof counts, Map<string, number>>>();
  const n = await batched.count();
  expectType<Equals<typeof n, number>>();
}
void fold;

// @ts-expect-error a batch is an array of items: no toUpperCase on it
strings.batch(2).map((b) => b.toUpperCase());
// @ts-expect-error distinct's key function takes the item's type
strings.distinct((s: number) => s);
// @ts-expect-error the reducer's accumulator is the initial value's type
range(3).reduce((acc: string, x) => acc + x, 0);

// @ts-expect-error ctx has no key "missing": it was not in context or onStart's result
range(3).map((x, ctx) => ctx.missing);
// @ts-expect-error "thread" is not a mode
range(3).map((x) => x, { mode: "thread" });

// A failed item is one of the stages' inputs: retrying the failures needs no cast.
async function retryFailures(urls: string[], fetchPage: (url: string) => Promise<{ ok: boolean }>): Promise<void> {
  const p = from(urls)
    .map(fetchPage, { onError: "collect" })
    .filter((page) => page.ok);
  await p.toArray();
  const { failures } = p.stats();
  expectType<Equals<(typeof failures)[number]["item"], string | { ok: boolean }>>();
  const again = from(failures.map((f) => f.item))
    .filter((x): x is string => typeof x === "string")
    .map(fetchPage);
  expectType<Equals<typeof again, Pipeline<{ ok: boolean }, string | { ok: boolean }>>>();
  const annotated: Pipeline<{ ok: boolean }> = again;
  void annotated;
}
void retryFailures;

async function analyse(): Promise<void> {
  const stats = await range(3)
    .map((x) => x)
    .run();
  const busiest: number = stats.toDataFrame().column("busyMs").max();
  void busiest;
}
void analyse;

// into(): each key's result has its sink's type, and the item type reaches sink.array, sink.each
// and sink.reduce from the pipeline without annotations.
async function intoSinks(p: Pipeline<{ id: number; score: number }>): Promise<void> {
  const r = await p.into({
    df: sink.dataFrame({ columns: ["id"] }),
    file: sink.csv("out.csv"),
    lines: sink.jsonl("out.jsonl", { partial: true }),
    n: sink.count(),
    sample: sink.array({ limit: 100 }),
    log: sink.each((row) => row.id.toFixed()),
    total: sink.reduce(async (sum, row) => sum + row.score, 0),
    best: sink.reduce((a, b) => (a.score > b.score ? a : b)),
  });
  expectType<Equals<typeof r.df, DataFrame>>();
  expectType<Equals<typeof r.file, FileExport>>();
  expectType<Equals<typeof r.lines, FileExport>>();
  expectType<Equals<typeof r.n, number>>();
  expectType<Equals<typeof r.sample, { id: number; score: number }[]>>();
  expectType<Equals<typeof r.log, void>>();
  expectType<Equals<typeof r.total, number>>();
  expectType<Equals<typeof r.best, { id: number; score: number }>>();
  const ids = await p.map((row) => row.id).into({ all: sink.array() }, { signal: AbortSignal.timeout(1000) });
  expectType<Equals<typeof ids.all, number[]>>();
  try {
    await p.into({ n: sink.count() });
  } catch (e) {
    if (e instanceof SinkError) e.sink.toUpperCase();
  }
  // @ts-expect-error a sink of strings cannot take these items
  await p.into({ s: sink.each((x: string) => x) });
  // @ts-expect-error a value that is not a sink
  await p.into({ n: 5 });
  // @ts-expect-error a lookalike object is not a sink: sinks come from sink.*
  await p.into({ n: { types: undefined, toString: () => "" } });
}
void intoSinks;

// The columnar sinks: files give FileExport; a Table and a polars DataFrame are named by pipelab's own
// interfaces (apache-arrow's declarations need TypeScript >= 5.7; nodejs-polars may be absent), or by
// the type a caller passes. test/types/columnar.ts checks that the real classes fit those interfaces.
async function columnar(p: Pipeline<{ id: bigint; when: Date }>): Promise<void> {
  expectType<Equals<Awaited<ReturnType<typeof p.toParquet>>, FileExport>>();
  const file = await p.toArrow("out.arrow", { schema: { id: "int64" }, partial: true });
  expectType<Equals<typeof file, FileExport>>();
  const table = await p.toArrowTable({ columns: ["id"] });
  expectType<Equals<typeof table, ArrowTableLike>>();
  const n: number = table.numRows + (table.getChild("id")?.length ?? 0);
  const df = await p.toPolars();
  expectType<Equals<typeof df, PolarsDataFrameLike>>();
  const heights: number = df.height + df.getColumn("id").len();
  interface MyTable {
    mine: true;
  }
  expectType<Equals<Awaited<ReturnType<typeof p.toArrowTable<MyTable>>>, MyTable>>();
  const r = await p.into({
    pq: sink.parquet("out.parquet", { compression: "gzip", rowGroupRows: 1000 }),
    table: sink.arrowTable(),
    df: sink.polars({ schema: { when: "date" } }),
  });
  expectType<Equals<typeof r.pq, FileExport>>();
  expectType<Equals<typeof r.table, ArrowTableLike>>();
  expectType<Equals<typeof r.df, PolarsDataFrameLike>>();
  // @ts-expect-error the context does not choose the result's type: only a type argument does
  const wrong: number = await p.toArrowTable();
  void wrong;
  // @ts-expect-error not a compression pipelab writes
  await p.toParquet("out.parquet", { compression: "lz4" });
  // @ts-expect-error not a column type
  await p.toArrowTable({ schema: { id: "float" } });
  void [n, heights];
}
void columnar;
