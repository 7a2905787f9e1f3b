/**
 * reduce() and count(): a run's results folded into one value, in the order
 * they come out. An async reducer holds the next result back until it settles,
 * so the run's buffers bound memory as with any sink; one that throws or
 * rejects fails the run, with a StageError naming reduce() and the item.
 */
import { describe } from "../errors";
import { stageError } from "../stages/failure-policy";
import type { Run } from "../supervisor";
import { isThenable } from "../thenable";
import { NO_INITIAL } from "./value-sinks";

/** @internal Checks reduce()'s function before any run starts. */
export function checkReducer(fn: unknown): void {
  if (typeof fn !== "function") throw new TypeError(`reduce(): fn must be a function, got ${describe(fn)}`);
}

/** @internal Folds a run's results with `fn`, from `initial` or (NO_INITIAL) from the first result. */
export async function reduceRun<T, A>(run: Run<T>, fn: (acc: A, item: T) => A | PromiseLike<A>, initial: A | typeof NO_INITIAL): Promise<A> {
  let acc = initial;
  const settle = (value: A): void => {
    acc = value;
  };
  await run.drain(
    (item) => {
      if (acc === NO_INITIAL) {
        acc = item as unknown as A;
        return;
      }
      const next = fn(acc, item);
      if (!isThenable(next)) acc = next;
      // Through a real promise: a home-made thenable could call back twice.
      else return Promise.resolve(next).then(settle);
    },
    (error, key) => stageError("reduce()", error, key),
  );
  if (acc === NO_INITIAL) throw new TypeError("reduce(): the run gave no results and there is no initial value (pass one: p.reduce(fn, initial))");
  return acc;
}

/** @internal The number of a run's results. */
export async function countRun(run: Run<unknown>): Promise<number> {
  let count = 0;
  await run.drain(() => {
    count++;
  });
  return count;
}
