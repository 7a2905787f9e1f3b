/**
 * The options of a run (`toArray`, `run`, `iterate` and every sink), checked
 * in one place, like a stage's options: an unknown key or a value of the wrong
 * type is a TypeError naming it, never a silently ignored typo.
 */
import { describe } from "./errors";

export interface RunOptions {
  /** Cancels the run: the consumer gets an AbortError, every stage stops. */
  signal?: AbortSignal;
  /** Show live progress (true) or not (false). Default: on in a notebook, and when stderr is a terminal outside CI. */
  progress?: boolean;
}

const RUN_KEYS = ["signal", "progress"] as const;

/**
 * @internal
 * Splits `options` into the run's own options and the caller's `extra` keys (a sink's),
 * checking both the keys and the run options' values.
 * @param who the call, for messages: `"toArray()"`
 */
export function resolveRunOptions<Extra extends object = {}>(
  who: string,
  options: unknown,
  extra: readonly string[] = [],
): { run: RunOptions; own: Partial<Extra> } {
  if (options === undefined) return { run: {}, own: {} };
  const { signal, progress, ...own } = checkOptionKeys(who, options, [...RUN_KEYS, ...extra]) as RunOptions & Record<string, unknown>;
  const run: RunOptions = {};
  if (signal !== undefined) {
    if (!(signal instanceof AbortSignal)) throw new TypeError(`${who}: option "signal" must be an AbortSignal, got ${describe(signal)}`);
    run.signal = signal;
  }
  if (progress !== undefined) {
    if (typeof progress !== "boolean") throw new TypeError(`${who}: option "progress" must be a boolean, got ${describe(progress)}`);
    run.progress = progress;
  }
  return { run, own: own as Partial<Extra> };
}

/**
 * @internal
 * `options` as an object whose keys are all `known` (a sink's options, which take no run options,
 * and the run's): anything else is a TypeError naming it.
 */
export function checkOptionKeys(who: string, options: unknown, known: readonly string[]): Record<string, unknown> {
  if (typeof options !== "object" || options === null || Array.isArray(options)) {
    throw new TypeError(`${who}: options must be an object, got ${describe(options)}`);
  }
  for (const key of Object.keys(options)) {
    if (!known.includes(key)) throw new TypeError(`${who}: unknown option "${key}" (known: ${known.join(", ")})`);
  }
  return options as Record<string, unknown>;
}
