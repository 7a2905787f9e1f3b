/**
 * How one Arrow column of a record batch becomes row values: a reader per
 * column and batch, built once from the column's type, that gives the value
 * of row i as plain JavaScript (strings, numbers, bigints, Dates, Uint8Arrays,
 * arrays, plain objects, null), never an Arrow Row proxy or Vector.
 */
import type * as Arrow from "apache-arrow";
import type { Int64Mode } from "./columnar-options";
import { decimalNumber, int64Reader, timestampDate, type TimeUnit } from "./columnar-values";

/** @internal The value of row i of one column. */
export type ArrowRead = (i: number) => unknown;

/** @internal A type this reader has no JavaScript value for (a union, an interval, a time of day, a duration). */
export class UnsupportedArrowType extends Error {}

// apache-arrow's enums, by value (Precision, DateUnit, TimeUnit).
const HALF = 0;
const DAY = 0;
const UNITS: TimeUnit[] = ["s", "ms", "us", "ns"];

/** @internal The reader of a column's Data; nulls (a clear validity bit) are null. */
export function columnReader(arrow: typeof Arrow, data: Arrow.Data, int64: Int64Mode): ArrowRead {
  const read = valueReader(arrow, data, int64);
  if (data.nullCount === 0) return read;
  return (i) => (data.getValid(i) ? read(i) : null);
}

function valueReader(arrow: typeof Arrow, data: Arrow.Data, int64: Int64Mode): ArrowRead {
  const { DataType } = arrow;
  const type = data.type as Arrow.DataType;
  const values = data.values as ArrayLike<number> & ArrayLike<bigint>;
  if (DataType.isNull(type)) return () => null;
  if (DataType.isInt(type)) {
    if (type.bitWidth < 64) return (i) => values[i];
    const convert = int64Reader(int64);
    return (i) => convert((values as ArrayLike<bigint>)[i]!);
  }
  if (DataType.isFloat(type) && type.precision !== HALF) return (i) => values[i];
  if (DataType.isTimestamp(type)) {
    const unit = UNITS[type.unit]!;
    return (i) => timestampDate((values as ArrayLike<bigint>)[i]!, unit);
  }
  if (DataType.isDate(type)) {
    if (type.unit === DAY) return (i) => new Date((values as ArrayLike<number>)[i]! * 86400000);
    return (i) => new Date(Number(values[i]));
  }
  if (DataType.isDecimal(type)) {
    const words = data.values as Uint32Array;
    const stride = type.bitWidth / 32;
    return (i) => decimalNumber(twosComplement(words, i * stride, stride), type.scale);
  }
  if (DataType.isDictionary(type)) return dictionaryReader(arrow, data, int64);
  if (DataType.isList(type) || DataType.isLargeList(type) || DataType.isMap(type)) return listReader(arrow, data, int64);
  if (DataType.isFixedSizeList(type)) {
    const size = type.listSize;
    const child = columnReader(arrow, data.children[0]!, int64);
    return (i) => {
      const list = new Array(size);
      for (let k = 0; k < size; k++) list[k] = child(i * size + k);
      return list;
    };
  }
  if (DataType.isStruct(type)) {
    const names = type.children.map((field) => field.name);
    const children = data.children.map((child) => columnReader(arrow, child, int64));
    return (i) => {
      const row: Record<string, unknown> = {};
      for (let k = 0; k < names.length; k++) row[names[k]!] = children[k]!(i);
      return row;
    };
  }
  const vector = arrow.makeVector(data);
  if (DataType.isBinary(type) || DataType.isLargeBinary(type) || DataType.isFixedSizeBinary(type) || DataType.isBinaryView(type)) {
    // A copy: the value would otherwise keep the whole record batch's buffer alive.
    return (i) => (vector.get(i) as Uint8Array | null)?.slice() ?? null;
  }
  if (DataType.isUtf8(type) || DataType.isLargeUtf8(type) || DataType.isUtf8View(type) || DataType.isBool(type) || DataType.isFloat(type)) {
    return (i) => vector.get(i);
  }
  throw new UnsupportedArrowType(`the Arrow type ${String(type)} has no JavaScript value in this reader`);
}

/** Lists as arrays; a Map (a list of key/value entries) as a plain object with the keys as strings. */
function listReader(arrow: typeof Arrow, data: Arrow.Data, int64: Int64Mode): ArrowRead {
  const offsets = data.valueOffsets as ArrayLike<number> & ArrayLike<bigint>;
  const entries = data.children[0]!;
  if (arrow.DataType.isMap(data.type)) {
    const key = columnReader(arrow, entries.children[0]!, int64);
    const value = columnReader(arrow, entries.children[1]!, int64);
    return (i) => {
      const map: Record<string, unknown> = {};
      for (let k = Number(offsets[i]), end = Number(offsets[i + 1]); k < end; k++) map[String(key(k))] = value(k);
      return map;
    };
  }
  const child = columnReader(arrow, entries, int64);
  return (i) => {
    const list: unknown[] = [];
    for (let k = Number(offsets[i]), end = Number(offsets[i + 1]); k < end; k++) list.push(child(k));
    return list;
  };
}

/** Dictionary-encoded values as the values themselves; primitive ones converted once per dictionary entry. */
function dictionaryReader(arrow: typeof Arrow, data: Arrow.Data, int64: Int64Mode): ArrowRead {
  const indices = data.values as ArrayLike<number> & ArrayLike<bigint>;
  const dictionary = data.dictionary!;
  const chunks = dictionary.data.map((chunk) => columnReader(arrow, chunk, int64));
  const starts = dictionary.data.map((_, c) => dictionary.data.slice(0, c).reduce((sum, chunk) => sum + chunk.length, 0));
  const entry = (key: number): unknown => {
    let c = chunks.length - 1;
    while (c > 0 && starts[c]! > key) c--;
    return chunks[c]!(key - starts[c]!);
  };
  const seen = new Map<number, unknown>();
  return (i) => {
    const key = Number(indices[i]);
    let value = seen.get(key);
    if (value === undefined) {
      value = entry(key);
      // Objects (Dates, arrays) are made afresh for every row, so that rows do not share them.
      if (value === null || typeof value !== "object") seen.set(key, value);
    }
    return value;
  };
}

/** A little-endian two's complement integer of `count` 32-bit words. */
function twosComplement(words: Uint32Array, at: number, count: number): bigint {
  let value = 0n;
  for (let k = count - 1; k >= 0; k--) value = (value << 32n) | BigInt(words[at + k]!);
  return words[at + count - 1]! & 0x80000000 ? value - (1n << BigInt(32 * count)) : value;
}
