/**
 * The pipelines that start from items already in hand: `from` (an iterable, an async iterable,
 * a Readable, or a function making one), `range` (numbers), `concat` (other pipelines, merged).
 */
import { describe } from "../errors";
import { Pipeline } from "../pipeline";
import { MergedRuns } from "../stages/merged-runs";
import { Source, type SourceInput } from "../stages/source";
import type { Run } from "../supervisor";

/**
 * Starts a pipeline from an iterable, an async iterable, an object-mode Readable
 * or a function that returns one of those (call it per run, so the pipeline can
 * run again; a generator object or a stream can be read by one run only).
 * @example from([1, 2, 3]).map((x) => x + 1)
 * @example from(() => fs.createReadStream("big.txt").pipe(split()))
 */
export function from<T>(source: SourceInput<T>): Pipeline<T, never> {
  return new Pipeline<T, never>({ source: new Source(source), steps: [] });
}

/**
 * Numbers from `start` (inclusive) to `end` (exclusive) by `step`, like Python's range.
 * `range(n)` counts 0..n-1; `end` may be Infinity.
 * @example range(3).toArray()          // [0, 1, 2]
 * @example range(10, 0, -3).toArray()  // [10, 7, 4, 1]
 */
export function range(start: number, end?: number, step = 1): Pipeline<number, never> {
  if (end === undefined) [start, end] = [0, start];
  for (const [name, value] of [
    ["start", start],
    ["end", end],
    ["step", step],
  ] as const) {
    if (typeof value !== "number" || Number.isNaN(value)) throw new TypeError(`range(): ${name} must be a number, got ${describe(value)}`);
  }
  if (!Number.isFinite(start) || !Number.isFinite(step)) throw new RangeError("range(): start and step must be finite");
  if (step === 0) throw new RangeError("range(): step must not be 0");
  const stop = end;
  return from(function* () {
    if (step > 0) for (let x = start; x < stop; x += step) yield x;
    else for (let x = start; x > stop; x += step) yield x;
  });
}

/**
 * All items of several pipelines, run at the same time and interleaved as they arrive.
 * `ordered()` after it restores the order in which they arrived, not per pipeline.
 * @example concat(from(a), from(b)).map(normalize)
 */
export function concat<P extends Pipeline<unknown, unknown>[]>(
  ...pipelines: P
): Pipeline<P[number] extends Pipeline<infer U, unknown> ? U : never, P[number] extends Pipeline<unknown, infer F> ? F : never> {
  pipelines.forEach((p, i) => {
    if (!(p instanceof Pipeline)) throw new TypeError(`concat(): argument ${i + 1} is not a pipeline, got ${describe(p)}`);
  });
  const source = new Source(() => new MergedRuns(pipelines.map((p) => p.iterate() as Run<unknown>)), true);
  return new Pipeline({ source, steps: [] });
}
