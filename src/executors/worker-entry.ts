/**
 * The file piscina loads in each worker thread. One long "serve" task per
 * thread: it rebuilds the stage's function once, runs onStart, then answers
 * batches of items arriving on its own MessagePort until told it is done.
 * Holding the task open is what pins one worker index to one thread for the
 * stage's life. Batches queue here, so the next one is ready when the current
 * one is answered (the main thread keeps up to two in flight).
 */
import type { MessagePort } from "node:worker_threads";
import { ErrorCode, PipelabFault } from "../errors";
import { finishChain, runChainBatch, type StartedChain, startChain } from "./fused-chain";
import { runBatch, StageStartError, startStage, type WorkerFn } from "./stage-worker";
import {
  canClone,
  collectTransferables,
  errorToWire,
  findUncloneable,
  type FromWorker,
  type ServeResult,
  type ServeTask,
  type StageWire,
  type ToWorker,
  type Transferable,
  type WireError,
} from "./wire";

/** Items to run, with their positions in the stage's input (`ctx.index`). */
interface Batch {
  values: unknown[];
  indexes: number[];
}

export default async function serve(task: ServeTask): Promise<ServeResult> {
  const { port, worker, stage } = task;
  const controller = new AbortController();
  const ctx: Record<string, unknown> = { worker, index: -1, signal: controller.signal };
  const send = (message: FromWorker) => port.postMessage(message);
  /** Batches in arrival order; an Error stands for one that could not be read. */
  const batches: Array<Batch | Error> = [];
  let fn: WorkerFn | undefined;
  let onDone: WorkerFn | undefined;
  /** Fused stages: the chain replaces fn and onDone. */
  let chain: StartedChain | undefined;
  let started = false;
  let draining: Promise<void> | undefined;

  /** An item failed: the run is ending, so no queued batch may start (they were sent ahead). */
  let halted = false;

  const drain = async () => {
    while (batches.length > 0 && !controller.signal.aborted && !halted) {
      const batch = batches.shift()!;
      if (batch instanceof Error) {
        send({ type: "lost", error: errorToWire(batch) });
        halted = true;
      } else {
        halted = chain ? await answerChain(port, stage, batch, chain, controller.signal) : await answer(port, stage, batch, fn!, ctx, controller.signal);
      }
    }
    draining = undefined;
  };
  const startDraining = () => {
    if (!draining && !halted && started && batches.length > 0) draining = drain();
  };

  const startup = (async () => {
    try {
      if (stage.links) chain = await startChain(stage.links, ctx);
      else ({ fn, onDone } = await startStage(stage, ctx));
      started = true;
      send({ type: "ready" });
      startDraining();
    } catch (error) {
      const failure = error as StageStartError;
      send({ type: "ready", error: errorToWire(failure.cause), phase: failure.phase });
    }
  })();

  return new Promise<ServeResult>((resolve) => {
    port.on("messageerror", (error: Error) => {
      batches.push(new PipelabFault(ErrorCode.NotCloneable, `a batch of items could not be received by the worker thread: ${error.message}`));
      startDraining();
    });
    port.on("message", async (message: ToWorker) => {
      switch (message.type) {
        case "items":
          batches.push({ values: message.values, indexes: message.indexes });
          startDraining();
          return;
        case "cancel":
          batches.length = 0;
          controller.abort(new Error("the pipeline run stopped"));
          return;
        case "done": {
          // onDone comes after onStart and after the batch in hand, however the run ended.
          await startup;
          await draining;
          let error: WireError | undefined;
          if (started && (onDone || chain)) {
            try {
              ctx.index = -1;
              if (chain) await finishChain(chain);
              else await onDone!(ctx, ctx);
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

/**
 * Runs one batch, one item at a time, and posts its results with the time the
 * function took. Resolves to whether an item failed (the batch stopped there).
 */
async function answer(
  port: MessagePort,
  stage: StageWire,
  { values, indexes }: Batch,
  fn: WorkerFn,
  ctx: Record<string, unknown>,
  signal: AbortSignal,
): Promise<boolean> {
  const { results, errors, busyMs, aborted } = await runBatch(stage, fn, ctx, values, { signal, indexes, check: checkResult });
  if (aborted) return false;
  const message: FromWorker = { type: "results", values: results, errors, busyMs };
  const failed = errors !== undefined && !stage.continueOnError;
  try {
    post(port, stage, message, results);
  } catch (error) {
    // Something the check above did not foresee could not be cloned: blame the first result that cannot be.
    const wire: WireError = { name: "DataCloneError", message: `the result could not be sent to the main thread: ${(error as Error).message}` };
    const culprit = Math.max(
      0,
      results.findIndex((result) => !canClone(result)),
    );
    if (!stage.continueOnError) {
      port.postMessage({ type: "results", values: results.slice(0, culprit), errors: [[culprit, wire]], busyMs: 0 } satisfies FromWorker);
      return true;
    }
    // Carrying on: every result that cannot travel fails alone, the others go back.
    const sendable = results.map((result, i) => (errors?.some(([at]) => at === i) || canClone(result) ? result : undefined));
    const failures: Array<[number, WireError]> = [...(errors ?? [])];
    results.forEach((result, i) => {
      if (!canClone(result) && !failures.some(([at]) => at === i)) failures.push([i, wire]);
    });
    port.postMessage({ type: "results", values: sendable, errors: failures, busyMs } satisfies FromWorker);
    return false;
  }
  return failed;
}

/** Runs one batch through fused stages and posts what came out, with what each stage did. */
async function answerChain(port: MessagePort, stage: StageWire, { values, indexes }: Batch, chain: StartedChain, signal: AbortSignal): Promise<boolean> {
  const { results, dropped, errors, tallies, busyMs, aborted } = await runChainBatch(chain, values, { signal, indexes, check: checkResult });
  if (aborted) return false;
  post(port, stage, { type: "results", values: results, errors, busyMs, dropped, tallies }, results);
  return errors !== undefined && !stage.continueOnError;
}

/** Posts a batch's answer, moving the results' ArrayBuffers instead of copying them when the stage asks. */
function post(port: MessagePort, stage: StageWire, message: FromWorker, results: unknown[]): void {
  if (!stage.transfer) {
    port.postMessage(message);
    return;
  }
  const transfer = new Set<Transferable>();
  collectTransferables(results, transfer);
  port.postMessage(message, [...transfer]);
}

/** A result must be plain data to cross back to the main thread: say which part is not, before cloning fails. */
function checkResult(result: unknown): void {
  const problem = findUncloneable(result, "result");
  if (problem)
    throw new PipelabFault(ErrorCode.NotCloneable, `${problem}; results must be plain data to return from a worker thread`, { name: "DataCloneError" });
}
