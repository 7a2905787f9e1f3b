/**
 * Collects why the running cell failed, from the two ways tslab's executor
 * reports it: a thrown value (`error(value)`) or TypeScript's diagnostics
 * (`error("%s%d:%d - %s", ...)`, one call each). The server turns it into the
 * cell's Jupyter `error` output and the execute_reply's ename/evalue.
 */
import { format } from "node:util";
import type { CellBook } from "./cell-book";
import { type CellFailure, describeFailure } from "./cell-errors";

export class CellFailures {
  private failure: CellFailure | undefined;
  private diagnostics: string[] = [];

  constructor(private readonly book: CellBook) {}

  /** tslab's executor calls this as its `console.error`. */
  readonly record = (...args: unknown[]): void => {
    if (args.length === 1) this.failure = describeFailure(args[0], this.book);
    else this.diagnostics.push(format(...args));
  };

  /** The failure of the cell that just failed, and forgets it. */
  take(): CellFailure {
    const failure =
      this.failure ??
      (this.diagnostics.length > 0
        ? { ename: "TypeScript", evalue: this.diagnostics.join("\n"), traceback: this.diagnostics.map((line) => `TypeScript: ${line}`) }
        : { ename: "Error", evalue: "the cell failed", traceback: ["Error: the cell failed"] });
    this.failure = undefined;
    this.diagnostics = [];
    return failure;
  }
}
