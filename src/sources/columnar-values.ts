/**
 * The JavaScript values of columnar data that both readers make the same way:
 * 64-bit integers (exact numbers or bigints, never a silent loss), timestamps
 * of any unit (Dates, sub-millisecond precision dropped toward the past) and
 * decimals (numbers).
 */
import type { Int64Mode } from "./columnar-options";

/** @internal Thrown by an int64 conversion; the reader that knows the column and row rewords it (int64Error). */
export class UnsafeInteger extends Error {
  constructor(readonly value: bigint) {
    super(`${value} is outside the safe integer range of a JavaScript number`);
  }
}

const MIN = BigInt(Number.MIN_SAFE_INTEGER);
const MAX = BigInt(Number.MAX_SAFE_INTEGER);

/** @internal A 64-bit integer as a number (checked exact: UnsafeInteger otherwise). */
export function safeNumber(value: bigint): number {
  if (value < MIN || value > MAX) throw new UnsafeInteger(value);
  return Number(value);
}

/** @internal How a reader turns one 64-bit integer into a value, per the `int64` option. */
export function int64Reader(mode: Int64Mode): (value: bigint) => number | bigint {
  return mode === "bigint" ? (value) => value : safeNumber;
}

/**
 * @internal The error for a 64-bit integer that no number holds exactly.
 * @param where the reader, the file and the part of it, e.g. `fromParquet(): "a.parquet" row group 2`
 */
export function int64Error(where: string, column: string, row: number, cause: UnsafeInteger): Error {
  return new Error(
    `${where}, column ${JSON.stringify(column)}, row ${row}: the 64-bit integer ${cause.value} is outside the safe integer range ` +
      `of a JavaScript number (±${Number.MAX_SAFE_INTEGER}); pass { int64: "bigint" } to read 64-bit integer columns as bigint`,
    { cause },
  );
}

/** @internal The time units of columnar timestamps: seconds, milli-, micro-, nanoseconds. */
export type TimeUnit = "s" | "ms" | "us" | "ns";

const BIG_TICKS = { us: 1000n, ns: 1000000n };

/**
 * @internal A timestamp (ticks since the epoch, UTC) as a Date. Sub-millisecond ticks are dropped
 * toward the past (floor), so -1 µs is 1969-12-31T23:59:59.999Z, as polars and Arrow C++ cast it.
 */
export function timestampDate(ticks: bigint | number, unit: TimeUnit): Date {
  if (unit === "s") return new Date(Number(ticks) * 1000);
  if (unit === "ms") return new Date(Number(ticks));
  const per = BIG_TICKS[unit];
  const big = BigInt(ticks);
  let ms = big / per;
  if (big % per < 0n) ms -= 1n;
  return new Date(Number(ms));
}

/** @internal A decimal's unscaled integer and scale as the nearest number (exact up to 15 significant digits). */
export function decimalNumber(unscaled: bigint, scale: number): number {
  // Parsing the decimal text rounds once, where unscaled / 10^scale would round twice.
  return Number(`${unscaled}e${-scale}`);
}
