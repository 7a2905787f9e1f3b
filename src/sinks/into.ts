/**
 * into()'s argument, checked before anything runs: an object whose every
 * value is a sink made by `sink.*`, no two of them writing the same file.
 * A mistake is thrown at once (a TypeError naming the key and the value), not
 * left for a promise to reject after a run has begun.
 */
import { resolve } from "node:path";
import { describe } from "../errors";
import { Sink, type SinkSpec } from "./sink";
import { sink } from "./sink-factories";

const EXAMPLE = "e.g. into({ rows: sink.array(), n: sink.count() })";

/** @internal The sinks of into(), in the order of their keys. */
export function checkIntoSinks(sinks: unknown): [key: string, spec: SinkSpec<unknown>][] {
  if (typeof sinks !== "object" || sinks === null || Array.isArray(sinks) || sinks instanceof Sink) {
    throw new TypeError(`into(): sinks must be an object of named sinks, ${EXAMPLE}; got ${describe(sinks)}`);
  }
  const entries = Object.entries(sinks);
  if (entries.length === 0) throw new TypeError(`into(): sinks is an empty object: give at least one sink, ${EXAMPLE}`);
  const files = new Map<string, string>();
  return entries.map(([key, value]) => {
    if (!(value instanceof Sink)) throw new TypeError(`into(): "${key}" is not a sink made by sink.*, got ${describe(value)}${factoryHint(value)}`);
    const spec = Sink.specOf(value);
    if (spec.path !== undefined) {
      const target = resolve(spec.path);
      const other = files.get(target);
      if (other !== undefined) throw new TypeError(`into(): "${other}" and "${key}" both write the file "${target}"; give each file sink a path of its own`);
      files.set(target, key);
    }
    return [key, spec];
  });
}

/** `sink.count` given where `sink.count()` was meant. */
function factoryHint(value: unknown): string {
  const name = Object.entries(sink).find(([, factory]) => factory === value)?.[0];
  return name === undefined ? "" : ` (call it: sink.${name}(...))`;
}
