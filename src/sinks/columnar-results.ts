/**
 * What toArrowTable() and toPolars() give, as pipelab's declarations name it:
 * the parts of an apache-arrow Table and a nodejs-polars DataFrame a notebook
 * uses first, declared here instead of imported, because apache-arrow's own
 * declarations need TypeScript >= 5.7 (tslab checks cells with 5.0) and
 * nodejs-polars is an optional peer dependency, absent from most projects.
 * The values are the real objects: pass the library's type as the type
 * argument for all of its API.
 */

/** A column of an apache-arrow Table, as {@link ArrowTableLike} sees it. */
export interface ArrowVectorLike {
  readonly length: number;
  readonly nullCount: number;
  /** The value at `index`: a string, number, bigint (Int64), boolean, number of ms since 1970 (Timestamp), Uint8Array, Vector (List) or row (Struct); null when null. */
  get(index: number): unknown;
  toArray(): ArrayLike<unknown>;
}

/**
 * The part of an apache-arrow `Table` that pipelab's declarations name without importing
 * apache-arrow's (whose declarations need TypeScript >= 5.7). The value is a real Table: for all
 * of its API, pass its type: `await p.toArrowTable<Table>()` with `import type { Table } from "apache-arrow"`.
 */
export interface ArrowTableLike {
  readonly numRows: number;
  readonly numCols: number;
  readonly schema: { readonly fields: ReadonlyArray<{ readonly name: string; readonly nullable: boolean; readonly type: { toString(): string } }> };
  getChild(name: string): ArrowVectorLike | null;
  /** The rows, as objects. */
  toArray(): unknown[];
  slice(begin?: number, end?: number): ArrowTableLike;
  select(columnNames: string[]): ArrowTableLike;
  [Symbol.iterator](): Iterator<unknown>;
  toString(): string;
}

/** A column of a nodejs-polars DataFrame, as {@link PolarsDataFrameLike} sees it. */
export interface PolarsSeriesLike {
  readonly name: string;
  len(): number;
  /** The value at `index` (polars gives Int64 values as numbers). */
  get(index: number): unknown;
  toArray(): unknown[];
}

/**
 * The part of a nodejs-polars `DataFrame` that pipelab's declarations name without importing
 * nodejs-polars (an optional peer dependency). The value is a real DataFrame: for all of its API,
 * pass its type: `await p.toPolars<DataFrame>()` with `import type { DataFrame } from "nodejs-polars"`.
 */
export interface PolarsDataFrameLike {
  readonly height: number;
  readonly width: number;
  readonly columns: string[];
  readonly shape: { height: number; width: number };
  getColumn(name: string): PolarsSeriesLike;
  head(length?: number): PolarsDataFrameLike;
  /** The rows, as objects. */
  toRecords(): Record<string, unknown>[];
  toString(): string;
}

/**
 * `T`, where TypeScript cannot infer it from the context (TypeScript 5.4's NoInfer, for 5.0): so that
 * `sink.arrowTable()` inside `into({ ... })` and `const t: X = await p.toArrowTable()` keep the default
 * type instead of taking the context's (`unknown`, `X`) unchecked.
 */
export type Uninferred<T> = [T][T extends unknown ? 0 : never];
