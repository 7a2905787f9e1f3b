/**
 * How a stage function's result travels back from another thread or machine:
 * filter -> boolean, flatMap -> an array of its children, each and tap -> nothing
 * (a tap's item goes on from the main thread's copy).
 */
import type { Operation } from "../options";

/** Shapes a result for the trip back: filter -> boolean, flatMap -> array, each and tap -> nothing. */
export function shape(operation: Operation, result: unknown): unknown {
  switch (operation) {
    case "map":
      return result;
    case "filter":
      return Boolean(result);
    case "each":
    case "tap":
      return undefined;
    case "flatMap":
      return collect(result);
  }
}

function collect(result: unknown): unknown[] | Promise<unknown[]> {
  if (result !== null && typeof result === "object" && Symbol.asyncIterator in result) {
    return (async () => {
      const children: unknown[] = [];
      for await (const child of result as AsyncIterable<unknown>) children.push(child);
      return children;
    })();
  }
  if (result !== null && result !== undefined && typeof (result as Iterable<unknown>)[Symbol.iterator] === "function") {
    return Array.isArray(result) ? result : Array.from(result as Iterable<unknown>);
  }
  throw new TypeError(`a flatMap function must return an iterable or async iterable, got ${result === null ? "null" : typeof result}`);
}
