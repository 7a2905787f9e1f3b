/**
 * What a failed call does to its item, from the stage's options: call again
 * (after a delay that doubles each time), fail the run, or drop the item
 * (keeping it for the run's `failures` under "collect").
 */
import { AbortError } from "../errors";
import { MAX_TIMER_MS, type ResolvedStageOptions } from "../options";

export type FailureAction = { kind: "retry"; delayMs: number } | { kind: "raise" } | { kind: "drop"; keep: boolean };

/**
 * @param attempts retries the item has used so far
 * @param retryable false for an item that cannot be called again (a flatMap that wrote children)
 */
export function decideFailure(options: Pick<ResolvedStageOptions, "retries" | "retryDelay" | "onError">, attempts: number, error: unknown, retryable: boolean): FailureAction {
  // A cancelled run is not a failure to try again.
  if (retryable && attempts < options.retries && !(error instanceof AbortError)) {
    return { kind: "retry", delayMs: Math.min(MAX_TIMER_MS, options.retryDelay * 2 ** attempts) };
  }
  if (options.onError === "raise") return { kind: "raise" };
  return { kind: "drop", keep: options.onError === "collect" };
}
