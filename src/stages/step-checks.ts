/**
 * The argument checks that batch(), drop() and distinct() share, worded like
 * the stage options' (options.ts): the call, the argument or option, what it
 * must be and the value received.
 */
import { describe } from "../errors";

/** The options object of `who`: undefined, or an object with only `known` keys. */
export function checkOptionKeys(who: string, options: unknown, known: readonly string[]): Record<string, unknown> {
  if (options === undefined) return {};
  if (typeof options !== "object" || options === null || Array.isArray(options)) {
    throw new TypeError(`${who}: options must be an object, got ${describe(options)}`);
  }
  for (const key of Object.keys(options)) {
    if (!known.includes(key)) throw new TypeError(`${who}: unknown option "${key}" (known options: ${known.join(", ")})`);
  }
  return options as Record<string, unknown>;
}

export function checkName(who: string, name: unknown): string | undefined {
  if (name !== undefined && (typeof name !== "string" || name.length === 0)) {
    throw new TypeError(`${who}: option "name" must be a non-empty string, got ${describe(name)}`);
  }
  return name;
}

/** A whole number of items, at least `min`: a TypeError for what is not a number, a RangeError for a number out of range. */
export function checkCount(who: string, what: string, value: unknown, min: 0 | 1): number {
  const wanted = min === 0 ? "a non-negative integer" : "a positive integer";
  if (typeof value !== "number") throw new TypeError(`${who}: ${what} must be ${wanted}, got ${describe(value)}`);
  if (!Number.isInteger(value) || value < min) throw new RangeError(`${who}: ${what} must be ${wanted}, got ${describe(value)}`);
  return value;
}
