/**
 * Errors a run can end with. Each names the stage and, where one item is to
 * blame, the item's index, so a person can find the failing input.
 */

/** The index of an item as shown to people: `41`, or `3.2` for the third child of item 3's flatMap. */
export type ItemIndex = number | string;

/**
 * The stable codes of pipelab's errors: match `error.code` against these, never the message.
 * @example catch (e) { if (e instanceof StageError && e.code === ErrorCode.Timeout) retryLater(e.index); }
 */
export const ErrorCode = {
  /** The stage function threw or rejected; its error is the `cause`. */
  StageFailed: "ERR_PIPELAB_STAGE_FAILED",
  /** An item took longer than the stage's `timeout`. */
  Timeout: "ERR_PIPELAB_TIMEOUT",
  /** A worker thread or a cluster worker died, or failed outside the function. */
  WorkerDied: "ERR_PIPELAB_WORKER_DIED",
  /** `onStart` or `onDone` failed. */
  HookFailed: "ERR_PIPELAB_HOOK_FAILED",
  /** An item, result or context value that cannot cross to another thread or process intact. */
  NotCloneable: "ERR_PIPELAB_NOT_CLONEABLE",
  /** A cluster worker refused to run the stage (unsigned, bad signature, module outside --modules). */
  Refused: "ERR_PIPELAB_REFUSED",
  /** The source failed. */
  SourceFailed: "ERR_PIPELAB_SOURCE_FAILED",
  /** A sink of into() failed (threw, rejected, or could not write a result); its error is the `cause`. */
  SinkFailed: "ERR_PIPELAB_SINK_FAILED",
  /** The run was cancelled (a signal, a break, an interrupt). Node's own code for an abort. */
  Aborted: "ABORT_ERR",
} as const;
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

/**
 * A failure of pipelab's own machinery rather than of the user's function (a thread that died,
 * a value that cannot be cloned, a refusal): the StageError that reports it carries its code.
 * @internal
 */
export class PipelabFault extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    options: { cause?: unknown; name?: string } = {},
  ) {
    super(message, { cause: options.cause });
    this.name = options.name ?? "Error";
  }
}

/**
 * A stage function, hook or source failed. `cause` is the original error
 * (rebuilt with its name, message and stack when it was thrown in a worker thread).
 *
 * @example
 * try { await from([1, 2]).map(parse).toArray(); }
 * catch (e) { if (e instanceof StageError) console.log(e.stage, e.index, e.cause); }
 */
export class StageError extends Error {
  /** What failed, as a stable code (see ErrorCode). */
  readonly code: ErrorCode;
  /** Name of the stage that failed (`"source"` for the source). */
  readonly stage: string;
  /** Index of the failing item, when one item was being processed. */
  readonly index: ItemIndex | undefined;

  /** @internal */
  constructor(message: string, options: { stage: string; index?: ItemIndex; cause?: unknown; code?: ErrorCode }) {
    super(message, { cause: options.cause });
    this.name = "StageError";
    this.code = options.code ?? (options.cause instanceof PipelabFault ? options.cause.code : ErrorCode.StageFailed);
    this.stage = options.stage;
    this.index = options.index;
  }
}

/** An item took longer than the stage's `timeout`. */
export class TimeoutError extends StageError {
  /** The stage's timeout in milliseconds. */
  readonly timeout: number;

  /** @internal */
  constructor(stage: string, index: ItemIndex, timeout: number) {
    super(`Stage "${stage}" timed out on item ${index}: no result after ${timeout} ms`, { stage, index, code: ErrorCode.Timeout });
    this.name = "TimeoutError";
    this.timeout = timeout;
  }
}

/** The run was cancelled through an AbortSignal. `cause` is the signal's reason. */
export class AbortError extends Error {
  readonly code = ErrorCode.Aborted;

  /** @internal */
  constructor(reason?: unknown) {
    // "cancelled: interrupted" (the kernel's stop button), "cancelled: <the signal's reason>".
    const why = typeof reason === "string" ? reason : reason instanceof Error ? reason.message : undefined;
    super(why ? `The pipeline run was cancelled: ${why}` : "The pipeline run was cancelled", { cause: reason });
    this.name = "AbortError";
  }
}

/**
 * A sink of `into()` failed: its function threw or rejected, or it could not take a result (a CSV
 * row with a column its header lacks) or finish (a file it could not write). The run was stopped;
 * `cause` is the sink's own error.
 * @example
 * try { await p.into({ file: sink.csv("out.csv"), n: sink.count() }); }
 * catch (e) { if (e instanceof SinkError) console.log(e.sink, e.cause); }   // "file", the TypeError
 */
export class SinkError extends Error {
  readonly code = ErrorCode.SinkFailed;
  /** The key of the sink in the object given to into(). */
  readonly sink: string;

  /** @internal */
  constructor(sink: string, cause: unknown) {
    super(`into(): sink "${sink}" failed: ${messageOf(cause)}`, { cause });
    this.name = "SinkError";
    this.sink = sink;
  }
}

/** The message of any thrown value, for wrapping errors that are not `Error`s. */
export function messageOf(error: unknown): string {
  if (error instanceof Error) return error.message;
  return String(error);
}

/** @internal A short description of a bad value for an error message. */
export function describe(value: unknown): string {
  if (value === null || value === undefined) return String(value);
  if (typeof value === "string") return JSON.stringify(value);
  if (typeof value === "function") return `function ${value.name || "(anonymous)"}`;
  if (Array.isArray(value)) return "an array";
  if (typeof value === "object") return `an object (${value.constructor?.name ?? "null prototype"})`;
  return `${typeof value} ${String(value)}`;
}
