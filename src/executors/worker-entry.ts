/**
 * The file piscina loads in each worker thread. One long "serve" task per
 * thread: it rebuilds the stage's function once, runs onStart, then answers
 * items arriving on its own MessagePort until told it is done. Holding the
 * task open is what pins one worker index to one thread for the stage's life.
 */
import type { MessagePort } from "node:worker_threads";
import type { Operation } from "../options";
import { decodeContext, loadFunction } from "./function-source";
import { errorToWire, findUncloneable, type FromWorker, type ServeResult, type ServeTask, type ToWorker, type WireError } from "./wire";

type Fn = (value: unknown, ctx: Record<string, unknown>) => unknown;

export default async function serve(task: ServeTask): Promise<ServeResult> {
  const { port, worker, stage } = task;
  const controller = new AbortController();
  const ctx: Record<string, unknown> = { worker, signal: controller.signal };
  const send = (message: FromWorker) => port.postMessage(message);
  const queue: Array<{ id: number; value: unknown }> = [];
  let fn: Fn | undefined;
  let onDone: Fn | undefined;
  let started = false;
  let draining: Promise<void> | undefined;

  const drain = async () => {
    while (queue.length > 0 && !controller.signal.aborted) {
      const { id, value } = queue.shift()!;
      await answer(port, id, () => callShaped(fn!, stage.operation, value, ctx));
    }
    draining = undefined;
  };
  const startDraining = () => {
    if (!draining && started && queue.length > 0) draining = drain();
  };

  const startup = (async () => {
    let phase: "load" | "onStart" = "load";
    try {
      Object.assign(ctx, await decodeContext(stage.context));
      fn = (await loadFunction(stage.fn)) as Fn;
      onDone = stage.onDone && ((await loadFunction(stage.onDone)) as Fn);
      const onStart = stage.onStart && ((await loadFunction(stage.onStart)) as Fn);
      phase = "onStart";
      const values = await onStart?.(ctx, ctx);
      if (typeof values === "object" && values !== null) Object.assign(ctx, values);
      started = true;
      send({ type: "ready" });
      startDraining();
    } catch (error) {
      send({ type: "ready", error: errorToWire(error), phase });
    }
  })();

  return new Promise<ServeResult>((resolve) => {
    port.on("message", async (message: ToWorker) => {
      switch (message.type) {
        case "item":
          queue.push(message);
          startDraining();
          return;
        case "cancel":
          queue.length = 0;
          controller.abort(new Error("the pipeline run stopped"));
          return;
        case "done": {
          // onDone comes after onStart and after the item in hand, however the run ended.
          await startup;
          await draining;
          let error: WireError | undefined;
          if (started && onDone) {
            try {
              await onDone(ctx, ctx);
            } catch (e) {
              error = errorToWire(e);
            }
          }
          port.close();
          resolve({ started, error });
        }
      }
    });
  });
}

/** Calls fn and shapes its result for the trip back: filter -> boolean, flatMap -> array, each -> nothing. */
async function callShaped(fn: Fn, operation: Operation, value: unknown, ctx: Record<string, unknown>): Promise<unknown> {
  let result = fn(value, ctx);
  if (isThenable(result)) result = await result;
  switch (operation) {
    case "map":
      return result;
    case "filter":
      return Boolean(result);
    case "each":
      return undefined;
    case "flatMap":
      return collect(result);
  }
}

async function collect(result: unknown): Promise<unknown[]> {
  if (result !== null && typeof result === "object" && Symbol.asyncIterator in result) {
    const children: unknown[] = [];
    for await (const child of result as AsyncIterable<unknown>) children.push(child);
    return children;
  }
  if (result !== null && result !== undefined && typeof (result as Iterable<unknown>)[Symbol.iterator] === "function") {
    return Array.from(result as Iterable<unknown>);
  }
  throw new TypeError(`a flatMap function must return an iterable or async iterable, got ${result === null ? "null" : typeof result}`);
}

async function answer(port: MessagePort, id: number, produce: () => Promise<unknown>): Promise<void> {
  let message: FromWorker;
  try {
    const value = await produce();
    const problem = findUncloneable(value, "result");
    message = problem
      ? { type: "error", id, error: { name: "DataCloneError", message: `${problem}; results must be plain data to return from a worker thread` } }
      : { type: "result", id, value };
  } catch (error) {
    message = { type: "error", id, error: errorToWire(error) };
  }
  try {
    port.postMessage(message);
  } catch (error) {
    port.postMessage({ type: "error", id, error: { name: "DataCloneError", message: `the result could not be sent to the main thread: ${(error as Error).message}` } } satisfies FromWorker);
  }
}

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return value !== null && typeof value === "object" && typeof (value as PromiseLike<unknown>).then === "function";
}
