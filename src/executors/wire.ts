/**
 * The protocol between a WorkerExecutor and its threads, and the check that
 * decides whether a value can cross: structured clone turns a class instance
 * into a plain object without its methods and throws on functions and symbols,
 * so pipelab looks first and names what would be lost.
 */
import { MessagePort } from "node:worker_threads";
import { type ErrorCode, PipelabFault } from "../errors";
import type { Operation } from "../options";
import type { FunctionWire } from "./function-source";

/** What a thread needs to serve a stage. Sent once per thread. */
export interface StageWire {
  stage: string;
  operation: Operation;
  fn: FunctionWire;
  onStart: FunctionWire | undefined;
  onDone: FunctionWire | undefined;
  /** `context` with its functions encoded. */
  context: Record<string, unknown>;
  /** Move ArrayBuffers in results back instead of copying them. */
  transfer: boolean;
  /** A failed item does not end the batch (onError "skip"/"collect", or retries): answer every item. */
  continueOnError: boolean;
  /** Cluster mode: batches each worker process runs at once (the stage's `workers`). */
  concurrency?: number;
  /** Fused stages (fused-chain.ts): each item goes through these in turn; `fn` is the first's. */
  links?: StageWire[];
}

export interface ServeTask {
  port: MessagePort;
  worker: number;
  stage: StageWire;
}

export type ToWorker =
  /** A batch of items, answered by one "results" message, in order. */
  | { type: "items"; values: unknown[]; indexes: number[] }
  /** The run is stopping: abort ctx.signal and drop queued items. */
  | { type: "cancel" }
  /** Run onDone (if started) and end the serve task, which resolves to a ServeResult. */
  | { type: "done" };

export type FromWorker =
  /** The thread is ready, or failed while loading the functions or in onStart. */
  | { type: "ready"; error?: WireError; phase?: "load" | "onStart" }
  /** The answers to one batch: a value per item, and [position, error] for items that failed. */
  | {
      type: "results";
      values: unknown[];
      errors: Array<[number, WireError]> | undefined;
      busyMs: number;
      /** Fused stages: items filtered out on the way, and what each stage did (fused-chain.ts). */
      dropped?: number[];
      tallies?: Tally[];
    }
  /** A batch arrived but could not be read (a "messageerror"): it fails instead of vanishing. */
  | { type: "lost"; error: WireError };

/** What one fused stage did over a batch: [itemsIn, itemsOut, filtered, expanded, errors, busyMs]. */
export type Tally = [number, number, number, number, number, number];

/** What a serve task resolves to: whether the thread started (so onDone ran), and onDone's error. */
export interface ServeResult {
  started: boolean;
  error?: WireError;
}

/** An error as it crosses threads: enough to rebuild it on the other side. */
export interface WireError {
  name: string;
  message: string;
  stack?: string;
  code?: unknown;
  /** A PipelabFault (its code is one of pipelab's), not an error of the user's function. */
  fault?: boolean;
  /** Fused stages: the stage the item failed in, and where in the file its row was when threads read one. */
  stage?: string;
  where?: string;
}

export function errorToWire(error: unknown): WireError {
  if (error instanceof Error) {
    const wire: WireError = { name: error.name, message: error.message, stack: error.stack, code: (error as { code?: unknown }).code };
    if (error instanceof PipelabFault) wire.fault = true;
    return wire;
  }
  return { name: "Error", message: String(error) };
}

export function errorFromWire(wire: WireError): Error {
  const error = wire.fault ? new PipelabFault(wire.code as ErrorCode, wire.message, { name: wire.name }) : new Error(wire.message);
  error.name = wire.name;
  if (wire.stack) error.stack = wire.stack;
  if (wire.code !== undefined) (error as { code?: unknown }).code = wire.code;
  return error;
}

const CLONEABLE_CLASSES: Function[] = [
  Object,
  Array,
  Date,
  RegExp,
  Map,
  Set,
  ArrayBuffer,
  SharedArrayBuffer,
  Error,
  EvalError,
  RangeError,
  ReferenceError,
  SyntaxError,
  TypeError,
  URIError,
  Boolean,
  Number,
  String,
];

/**
 * Where `value` holds something that cannot cross to another thread intact, a
 * description such as `".parser is a function"`; undefined when it can.
 */
export function findUncloneable(value: unknown, path = "", seen?: Set<object>): string | undefined {
  switch (typeof value) {
    case "function":
      return `${path || "it"} is a function`;
    case "symbol":
      return `${path || "it"} is a symbol`;
    case "object":
      break;
    default:
      return undefined;
  }
  if (value === null || ArrayBuffer.isView(value)) return undefined;
  const proto = Object.getPrototypeOf(value);
  if (proto !== null && !CLONEABLE_CLASSES.includes(proto.constructor)) {
    const name = proto.constructor?.name ?? "an unknown class";
    return `${path || "it"} is an instance of ${name}, which would arrive as a plain object without its methods`;
  }
  seen ??= new Set();
  if (seen.has(value as object)) return undefined;
  seen.add(value as object);
  if (value instanceof Map) {
    for (const [k, v] of value) {
      const found = findUncloneable(k, `${path}<map key>`, seen) ?? findUncloneable(v, `${path}.get(${String(k)})`, seen);
      if (found) return found;
    }
    return undefined;
  }
  if (value instanceof Set) {
    for (const v of value) {
      const found = findUncloneable(v, `${path}<set item>`, seen);
      if (found) return found;
    }
    return undefined;
  }
  for (const key of Object.keys(value as object)) {
    const found = findUncloneable((value as Record<string, unknown>)[key], Array.isArray(value) ? `${path}[${key}]` : `${path}.${key}`, seen);
    if (found) return found;
  }
  return undefined;
}

/**
 * What pipelab puts in a transfer list. Spelled out rather than imported as
 * `TransferListItem`: newer @types/node no longer exports that name, and a
 * user's project may have them.
 */
export type Transferable = ArrayBuffer | MessagePort;

/**
 * The ArrayBuffers (also those behind typed arrays) and MessagePorts in a value,
 * for a transfer list: they move to the other thread instead of being copied,
 * and are detached here.
 */
export function collectTransferables(value: unknown, into: Set<Transferable>, seen = new Set<object>()): void {
  if (typeof value !== "object" || value === null || seen.has(value)) return;
  seen.add(value);
  // An empty buffer costs nothing to copy, and a detached one (moved away already) reads as
  // empty: in a transfer list it makes Node drop the message silently; cloned, it throws.
  if (value instanceof ArrayBuffer) {
    if (value.byteLength > 0) into.add(value);
    return;
  }
  if (ArrayBuffer.isView(value)) {
    if (value.buffer instanceof ArrayBuffer && value.buffer.byteLength > 0) into.add(value.buffer);
    return;
  }
  if (value instanceof MessagePort) {
    into.add(value);
    return;
  }
  const items = value instanceof Map ? value.values() : value instanceof Set ? value.values() : Object.values(value);
  for (const item of items) collectTransferables(item, into, seen);
}

/** Whether structured clone accepts the value: the exact check, for finding which item broke a batch. */
export function canClone(value: unknown): boolean {
  try {
    structuredClone(value);
    return true;
  } catch {
    return false;
  }
}
