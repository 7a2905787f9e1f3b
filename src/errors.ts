/**
 * Errors a run can end with. Each names the stage and, where one item is to
 * blame, the item's index, so a person can find the failing input.
 */

/** The index of an item as shown to people: `41`, or `3.2` for the third child of item 3's flatMap. */
export type ItemIndex = number | string;

/**
 * A stage function, hook or source failed. `cause` is the original error
 * (rebuilt with its name, message and stack when it was thrown in a worker thread).
 *
 * @example
 * try { await from([1, 2]).map(parse).toArray(); }
 * catch (e) { if (e instanceof StageError) console.log(e.stage, e.index, e.cause); }
 */
export class StageError extends Error {
  /** Name of the stage that failed (`"source"` for the source). */
  readonly stage: string;
  /** Index of the failing item, when one item was being processed. */
  readonly index: ItemIndex | undefined;

  constructor(message: string, options: { stage: string; index?: ItemIndex; cause?: unknown }) {
    super(message, { cause: options.cause });
    this.name = "StageError";
    this.stage = options.stage;
    this.index = options.index;
  }
}

/** An item took longer than the stage's `timeout`. */
export class TimeoutError extends StageError {
  /** The stage's timeout in milliseconds. */
  readonly timeout: number;

  constructor(stage: string, index: ItemIndex, timeout: number) {
    super(`Stage "${stage}" timed out on item ${index}: no result after ${timeout} ms`, { stage, index });
    this.name = "TimeoutError";
    this.timeout = timeout;
  }
}

/** The run was cancelled through an AbortSignal. `cause` is the signal's reason. */
export class AbortError extends Error {
  readonly code = "ABORT_ERR";

  constructor(reason?: unknown) {
    super("The pipeline run was aborted", { cause: reason });
    this.name = "AbortError";
  }
}

/** The message of any thrown value, for wrapping errors that are not `Error`s. */
export function messageOf(error: unknown): string {
  if (error instanceof Error) return error.message;
  return String(error);
}
