/**
 * What a failed call does to its item, from the stage's options: call again
 * (after a delay that doubles each time), fail the run, or drop the item
 * (keeping it for the run's `failures` under "collect"); and the StageError
 * that reports it, naming the stage and the item.
 */
import { formatKey, type ItemKey } from "../envelope";
import { AbortError, ErrorCode, messageOf, StageError } from "../errors";
import { FusedStageFailure, HookError } from "../executors/executor";
import { MAX_TIMER_MS, type ResolvedStageOptions } from "../options";

export type FailureAction = { kind: "retry"; delayMs: number } | { kind: "raise" } | { kind: "drop"; keep: boolean };

/**
 * @param attempts retries the item has used so far
 * @param retryable false for an item that cannot be called again (a flatMap that wrote children)
 */
export function decideFailure(
  options: Pick<ResolvedStageOptions, "retries" | "retryDelay" | "onError">,
  attempts: number,
  error: unknown,
  retryable: boolean,
): FailureAction {
  // A cancelled run is not a failure to try again.
  if (retryable && attempts < options.retries && !(error instanceof AbortError)) {
    return { kind: "retry", delayMs: Math.min(MAX_TIMER_MS, options.retryDelay * 2 ** attempts) };
  }
  if (options.onError === "raise") return { kind: "raise" };
  return { kind: "drop", keep: options.onError === "collect" };
}

/**
 * The error a stage reports for `error`: a StageError naming the stage and, when one item was
 * to blame, its index; `hint` explains what a person can do (worker mode: a captured variable).
 */
export function stageError(stage: string, error: unknown, key?: ItemKey, hint?: string, where?: string): Error {
  if (error instanceof StageError) return error;
  // Fused stages run as one: the failure names the stage, as the person wrote it, that the item failed in.
  if (error instanceof FusedStageFailure) return stageError(error.stage, error.error, key, hint, error.where);
  if (error instanceof HookError) {
    return new StageError(`Stage "${stage}": ${error.message}`, { stage, cause: error.cause, code: ErrorCode.HookFailed });
  }
  if (key === undefined) return new StageError(`Stage "${stage}" failed: ${messageOf(error)}`, { stage, cause: error });
  const index = formatKey(key);
  const item = where ? `item ${index} (${where})` : `item ${index}`;
  return new StageError(`Stage "${stage}" failed on ${item}: ${messageOf(error)}${hint ? ` (${hint})` : ""}`, { stage, index, cause: error });
}
