/**
 * How each Parquet column's decoded values (hyparquet's) become row values,
 * chosen once per column from the file's schema: 64-bit integers per the
 * `int64` option, decimals as exact-as-possible numbers, binary values copied
 * out of the page they were decoded from, nested values with null for
 * missing, every missing value null.
 */
import type { FileMetaData, SchemaElement, SchemaTree } from "./hyparquet";
import type { Int64Mode } from "./columnar-options";
import { decimalNumber, int64Reader, safeNumber } from "./columnar-values";

/** @internal One column's conversion of a decoded value. */
export type ParquetValue = (value: unknown) => unknown;

const orNull: ParquetValue = (value) => value ?? null;

/**
 * @internal Takes the DECIMAL annotations off the file's schema, so that hyparquet hands over the
 * unscaled integers (its own conversion multiplies by 10^-scale, which rounds twice); returns each
 * top-level decimal column's scale. Nested decimals keep hyparquet's conversion.
 */
export function takeDecimals(metadata: FileMetaData): Map<string, number> {
  const scales = new Map<string, number>();
  const root = metadata.schema[0];
  let at = 1;
  for (let child = 0; child < (root?.num_children ?? 0); child++) {
    const element = metadata.schema[at]!;
    if (!element.num_children && isDecimal(element)) {
      scales.set(element.name, element.scale ?? (element.logical_type?.type === "DECIMAL" ? element.logical_type.scale : 0));
      element.converted_type = undefined;
      element.logical_type = undefined;
    }
    at += subtreeSize(metadata.schema, at);
  }
  return scales;
}

function isDecimal(element: SchemaElement): boolean {
  return element.converted_type === "DECIMAL" || element.logical_type?.type === "DECIMAL";
}

function subtreeSize(schema: readonly SchemaElement[], at: number): number {
  let size = 1;
  for (let child = 0; child < (schema[at]?.num_children ?? 0); child++) size += subtreeSize(schema, at + size);
  return size;
}

/** @internal The conversion for one top-level column of the file. */
export function parquetValue(column: SchemaTree, int64: Int64Mode, decimalScale: number | undefined): ParquetValue {
  const { element } = column;
  if (decimalScale !== undefined) return decimalValue(decimalScale);
  if (column.children.length > 0) return nestedValue(int64);
  if (element.type === "INT64" && !isTimestamp(element)) {
    const read = int64Reader(int64);
    return (value) => (typeof value === "bigint" ? read(value) : (value ?? null));
  }
  if (element.type === "BYTE_ARRAY" || element.type === "FIXED_LEN_BYTE_ARRAY") {
    return (value) => (value instanceof Uint8Array ? value.slice() : (value ?? null));
  }
  return orNull;
}

function isTimestamp(element: SchemaElement): boolean {
  const converted = element.converted_type;
  return converted === "TIMESTAMP_MILLIS" || converted === "TIMESTAMP_MICROS" || element.logical_type?.type === "TIMESTAMP";
}

/** Unscaled decimals come as numbers (INT32), bigints (INT64) or big-endian two's complement bytes. */
function decimalValue(scale: number): ParquetValue {
  return (value) => {
    if (value === null || value === undefined) return null;
    if (typeof value === "number") return decimalNumber(BigInt(value), scale);
    if (typeof value === "bigint") return decimalNumber(value, scale);
    if (value instanceof Uint8Array) return decimalNumber(bigEndianSigned(value), scale);
    return value;
  };
}

function bigEndianSigned(bytes: Uint8Array): bigint {
  if (bytes.length === 0) return 0n;
  let value = 0n;
  for (const byte of bytes) value = (value << 8n) | BigInt(byte);
  return bytes[0]! & 0x80 ? value - (1n << BigInt(bytes.length * 8)) : value;
}

/** Lists and structs: arrays and plain objects, missing values null, bigints (INT64 leaves) per the int64 option. */
function nestedValue(int64: Int64Mode): ParquetValue {
  const convert = (value: unknown): unknown => {
    if (value === null || value === undefined) return null;
    if (typeof value === "bigint") return int64 === "bigint" ? value : safeNumber(value);
    if (Array.isArray(value)) return value.map(convert);
    if (value instanceof Uint8Array) return value.slice();
    if (typeof value === "object" && Object.getPrototypeOf(value) === Object.prototype) {
      const out: Record<string, unknown> = {};
      for (const key of Object.keys(value)) out[key] = convert((value as Record<string, unknown>)[key]);
      return out;
    }
    return value;
  };
  return convert;
}
