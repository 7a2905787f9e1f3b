/**
 * What a failed cell shows: the error's name and message, and the frames of
 * the person's own code (their cells, their files), placed in the cell where
 * the code was written; never the frames of tslab, Node or pipelab, which say
 * nothing to them. An interrupted cell says "cancelled: interrupted", no
 * stack. The thrown value itself keeps its whole stack for anyone who catches it.
 */
import { dirname, sep } from "node:path";
import { FUNCTION_LINE_OFFSET, sourceOfFunction } from "../executors/function-source";
import type { CellBook, CellPlace } from "./cell-book";

/** A Jupyter `error` output. */
export interface CellFailure {
  ename: string;
  evalue: string;
  traceback: string[];
}

/** tslab's message when the kernel is interrupted while a cell awaits; Node's code when it runs. */
const TSLAB_INTERRUPTED = "Interrupted asynchronously";
const VM_INTERRUPTED = "ERR_SCRIPT_EXECUTION_INTERRUPTED";

/** pipelab's own compiled files: frames there are internals. */
const PIPELAB_DIST = dirname(__dirname) + sep;

/**
 * The error output for `error`, thrown by a cell.
 * @example
 * describeFailure(new Error("Interrupted asynchronously"), book) // { ename: "Interrupted", evalue: "cancelled: interrupted", ... }
 */
export function describeFailure(error: unknown, book: CellBook): CellFailure {
  if (isInterrupt(error)) return { ename: "Interrupted", evalue: "cancelled: interrupted", traceback: ["Interrupted: cancelled: interrupted"] };
  if (!(error instanceof Error)) {
    const evalue = String(error);
    return { ename: "Thrown", evalue, traceback: [`Thrown: ${evalue}`] };
  }
  const ename = error.name || "Error";
  const frames = error.name === "AbortError" ? [] : userFrames(stackToShow(error), book);
  return { ename, evalue: error.message, traceback: [`${ename}: ${error.message}`, ...frames] };
}

function isInterrupt(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  return error.message === TSLAB_INTERRUPTED || (error as { code?: unknown }).code === VM_INTERRUPTED;
}

/** A stage error's own stack is pipelab's; its cause's is where the person's code failed. */
function stackToShow(error: Error): string {
  let shown: Error = error;
  for (let cause = error.cause; cause instanceof Error; cause = cause.cause) {
    if (cause.stack) shown = cause;
  }
  return shown === error ? (error.stack ?? "") : shown.stack!;
}

const FRAME = /^\s+at (?:(.*?) \()?(.*?):(\d+):(\d+)\)?$/;
const CELL_URL = /^cell\[\d+\]$/;
const FUNCTION_URL = /^pipelab-function-[0-9a-f]+$/;

/** The frames of the person's code in `stack`, each placed in its cell when it was written in one. */
function userFrames(stack: string, book: CellBook): string[] {
  const out: string[] = [];
  for (const line of stack.split("\n")) {
    const frame = FRAME.exec(line);
    if (!frame) continue;
    const [, fn, file, lineNo] = frame as unknown as [string, string | undefined, string, string];
    // eval frames read "eval at compile (...), pipelab-function-...": the last location is the code's.
    const location = file.includes(", ") ? file.slice(file.lastIndexOf(", ") + 2) : file;
    // V8 names a function by the object it was called on: pipelab's executor calls the person's function.
    const name = fn && fn !== "eval" && !fn.startsWith("Object.<anonymous>") ? fn.replace(/^(?:InProcessExecutor|Object)\./, "") : undefined;
    const at = (where: string) => `    at ${name ? `${name} (${where})` : where}`;
    let placed: CellPlace | undefined;
    if (CELL_URL.test(location)) placed = book.placeOfCompiled(location, Number(lineNo));
    else if (FUNCTION_URL.test(location)) {
      const source = sourceOfFunction(location);
      placed = source === undefined ? undefined : book.placeInFunction(source, Number(lineNo) - FUNCTION_LINE_OFFSET);
      if (!placed) out.push(at(`a worker-mode function, line ${Number(lineNo) - FUNCTION_LINE_OFFSET}`));
    } else if (isUserFile(location)) out.push(at(`${location}:${lineNo}:${frame[4]}`));
    if (placed) out.push(at(placed.where), `        ${placed.code}`);
  }
  return out;
}

/** A file of the person's own project: not Node's, not a dependency's, not pipelab's. */
function isUserFile(file: string): boolean {
  if (file.startsWith("node:") || !file.includes(sep)) return false;
  const path = file.replace(/^file:\/\//, "");
  return !path.includes(`${sep}node_modules${sep}`) && !path.startsWith(PIPELAB_DIST);
}
