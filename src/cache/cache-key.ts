/**
 * The key of an item in a stage's cache: a canonical text of the item, so that the same data
 * gives the same key whatever the order of its objects' keys. Only data
 * has such a text (what structured clone keeps, and no class instances): anything else is a
 * TypeError naming where in the item it is.
 */
import { createHash } from "node:crypto";

/** LMDB keys are at most ~1978 bytes: a longer text is replaced by its SHA-256. */
const MAX_TEXT = 1000;

/**
 * The entry key of `item` in its stage's table.
 * @example entryKey({ b: 1, a: 2 }) === entryKey({ a: 2, b: 1 })
 */
export function entryKey(item: unknown): string {
  const text = canonicalText(item);
  // A canonical text never starts with "#" (strings are quoted): no hash can be taken for an item's own text.
  return text.length <= MAX_TEXT ? text : `#${createHash("sha256").update(text).digest("base64")}`;
}

/**
 * The canonical text of a value. With `functions: "source"`, a function is written as its
 * source (for a stage's context, whose functions travel as source anyway); otherwise it is an error.
 * @example canonicalText({ b: [1, "x"], a: new Date(0) }) // '{"a":D0,"b":[1,"x"]}'
 */
export function canonicalText(value: unknown, functions: "error" | "source" = "error"): string {
  // Numbers and strings, the common items, without the walk.
  if (typeof value === "number") return numberText(value);
  if (typeof value === "string") return JSON.stringify(value);
  return new Writer(functions).write(value, "the item");
}

function numberText(n: number): string {
  return Object.is(n, -0) ? "-0" : String(n);
}

class Writer {
  private readonly open = new Set<object>();
  constructor(private readonly functions: "error" | "source") {}

  write(value: unknown, where: string): string {
    switch (typeof value) {
      case "number":
        return numberText(value);
      case "string":
        return JSON.stringify(value);
      case "boolean":
        return value ? "true" : "false";
      case "undefined":
        return "undefined";
      case "bigint":
        return `${value}n`;
      case "function":
        if (this.functions === "source") return `F${JSON.stringify(Function.prototype.toString.call(value))}`;
        throw new TypeError(`${where} is a function, which cannot be a cache key`);
      case "symbol":
        throw new TypeError(`${where} is a symbol, which cannot be a cache key`);
    }
    if (value === null) return "null";
    const object = value as object;
    if (this.open.has(object)) throw new TypeError(`${where} refers back to itself (a cycle), which cannot be a cache key`);
    this.open.add(object);
    try {
      return this.writeObject(object, where);
    } finally {
      this.open.delete(object);
    }
  }

  private writeObject(object: object, where: string): string {
    if (Array.isArray(object)) {
      const parts: string[] = [];
      for (let i = 0; i < object.length; i++) parts.push(this.write(object[i], `${where}[${i}]`));
      return `[${parts.join(",")}]`;
    }
    const proto = Object.getPrototypeOf(object);
    if (proto === Object.prototype || proto === null) {
      const keys = Object.keys(object).sort();
      const parts = keys.map((key) => `${JSON.stringify(key)}:${this.write((object as Record<string, unknown>)[key], `${where}.${key}`)}`);
      return `{${parts.join(",")}}`;
    }
    if (object instanceof Date) return `D${object.getTime()}`;
    if (object instanceof Map) {
      const parts = [...object].map(([k, v], i) => `${this.write(k, `${where} (Map key ${i})`)}=>${this.write(v, `${where} (Map value ${i})`)}`);
      return `M[${parts.join(",")}]`;
    }
    if (object instanceof Set) return `S[${[...object].map((v, i) => this.write(v, `${where} (Set value ${i})`)).join(",")}]`;
    if (ArrayBuffer.isView(object)) {
      const bytes = Buffer.from(object.buffer, object.byteOffset, object.byteLength);
      // A Buffer is a Uint8Array: the same bytes, the same key.
      const type = Buffer.isBuffer(object) ? "Uint8Array" : object.constructor.name;
      return `${type}(${bytes.toString("base64")})`;
    }
    if (object instanceof ArrayBuffer) return `ArrayBuffer(${Buffer.from(object).toString("base64")})`;
    if (object instanceof RegExp) return `R${JSON.stringify(`${object.source}/${object.flags}`)}`;
    const kind = proto?.constructor?.name ?? "object";
    throw new TypeError(`${where} is a ${kind}, which cannot be a cache key (use plain data: objects, arrays, strings, numbers, dates, maps, sets)`);
  }
}
