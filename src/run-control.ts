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

/**
 * `promise`'s outcome, or `stopped` as soon as `signal` aborts. The abort listener is removed
 * when the promise settles: racing many steps against one shared promise that never settles
 * (`Promise.race([step, aborted])` in a loop) would keep a reaction per step alive on it,
 * about half a kilobyte per item for the whole run.
 */
export function unlessAborted<T, S>(promise: PromiseLike<T>, signal: AbortSignal, stopped: S): Promise<T | S> {
  if (signal.aborted) return Promise.resolve(stopped);
  return new Promise<T | S>((resolve, reject) => {
    const onAbort = (): void => resolve(stopped);
    signal.addEventListener("abort", onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener("abort", onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener("abort", onAbort);
        reject(error);
      },
    );
  });
}
