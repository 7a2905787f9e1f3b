/**
 * What the supervisor hands to each part of a run it starts: a signal that
 * says "stop", and the ways to report back. Parts never see each other.
 */
export interface RunControl {
  /** Aborted when this part must stop: the run failed or was cancelled, or a downstream take(n) is satisfied. */
  readonly signal: AbortSignal;
  /** Reports an error; the first one ends the run. */
  fail(error: Error): void;
  /** This part has all it needs (take(n)): stop everything upstream of it, let the rest finish. */
  finishEarly(): void;
}

/** Resolves when `signal` aborts. Never rejects; used to stop waiting for things that may never settle. */
export function whenAborted(signal: AbortSignal): Promise<void> {
  if (signal.aborted) return Promise.resolve();
  return new Promise((resolve) => signal.addEventListener("abort", () => resolve(), { once: true }));
}
