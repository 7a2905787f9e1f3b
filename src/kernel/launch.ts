/**
 * The `pipelab` kernel: tslab's kernel with pipelab's display protocol. tslab
 * shows a cell's last expression with `console.log`, as text; this launcher
 * hands tslab a `log` that shows any value implementing
 * `[Symbol.for("Jupyter.display")]()` (and DataFrames) as its rich bundle.
 *
 * It uses only tslab's `startKernel`, which tslab keeps stable for global
 * installs: the executor takes `console.log` as its `log` when the kernel
 * starts, so the hook is in place for exactly that call.
 */
import { display } from "../display/display";
import { asDisplayable } from "../display/dataframe-preview";
import { hasDisplayProtocol } from "../display/mime-bundle";

interface Tslab {
  startKernel(options: { configPath: string; enableFindLocal: boolean; jsKernel: boolean; globalVersion: string }): void;
}

/** A `console.log` that displays a single rich value richly, and logs anything else as before. */
export function richLastExpression(log: (...args: unknown[]) => void): (...args: unknown[]) => void {
  return (...args: unknown[]) => {
    const [value] = args;
    if (args.length === 1 && (hasDisplayProtocol(value) || asDisplayable(value))) {
      try {
        display(value);
        return;
      } catch (error) {
        // A broken display method must not hide the value: report it, then fall back to text.
        console.error("pipelab: could not display the value richly:", error);
      }
    }
    log(...args);
  };
}

export function startPipelabKernel(connectionFile: string): void {
  if (!connectionFile) throw new TypeError("usage: node launch.js <connection_file>");
  const tslab = require("tslab/dist/main") as Tslab;
  const plainLog = console.log;
  console.log = richLastExpression(plainLog);
  try {
    // enableFindLocal: false keeps the tslab pipelab was tested with, not one a notebook's folder may hold.
    tslab.startKernel({ configPath: connectionFile, enableFindLocal: false, jsKernel: false, globalVersion: "" });
  } finally {
    console.log = plainLog;
  }
}

if (require.main === module) startPipelabKernel(process.argv[2] ?? "");
