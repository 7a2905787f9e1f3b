/**
 * The `pipelab` kernel: tslab's kernel, assembled from tslab's parts the way
 * tslab's `startKernel` does, with four differences:
 * - each compiled cell is mended (cell-rewrite.ts) and named `cell[N]` in stack frames;
 * - a cell's last expression is shown richly: any value implementing
 *   `[Symbol.for("Jupyter.display")]()`, and DataFrames, as its bundle;
 * - a failed cell shows the person's frames only (cell-errors.ts), as a Jupyter error output;
 * - the server answers comm messages (kernel-server.ts).
 */
import { currentSink, display } from "../display/display";
import { asDisplayable } from "../display/dataframe-preview";
import { hasDisplayProtocol } from "../display/mime-bundle";
import { shownLiveInThisCell } from "../display/notebook-progress";
import { CellBook } from "./cell-book";
import { CellFailures } from "./cell-failures";
import { rewriteCell } from "./cell-rewrite";
import { pipelabServer } from "./kernel-server";
import { type Converter, type ConverterSet, type Executor, type Handler, loadTslabParts, type TslabParts } from "./tslab-parts";

/**
 * tslab's `log` for a cell's last expression: displays a single rich value
 * richly, and logs anything else as before. The statistics of a run whose live
 * entry is in this cell already are not shown a second time.
 */
export function richLastExpression(log: (...args: unknown[]) => void): (...args: unknown[]) => void {
  return (...args: unknown[]) => {
    const [value] = args;
    if (args.length === 1 && shownLiveInThisCell(value, currentSink())) return;
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
  const parts = loadTslabParts();
  const book = new CellBook();
  const failures = new CellFailures(book);
  // The converter asks the executor for earlier cells' names and the handler for the cell's number;
  // both are made after it, as in tslab's own startKernel.
  const made: { executor?: Executor; handler?: Handler } = {};
  const convs = mendedConverters(parts, book, {
    isEarlier: (name) => made.executor !== undefined && Object.hasOwn(made.executor.locals, name),
    // tslab's handler counts an execution before it runs it: the cell being compiled has this number.
    count: () => made.handler?.execCount ?? 0,
  });
  const executor = (made.executor = parts.createExecutor(process.cwd(), convs, { log: richLastExpression(console.log), error: failures.record }));
  const handler = (made.handler = new parts.JupyterHandlerImpl(executor, false));
  const server = new (pipelabServer(parts.ZmqServer, failures))(handler, connectionFile);
  process.on("SIGINT", () => executor.interrupt());
  // As tslab does: a stray error in a cell's callbacks is reported, and the kernel lives on.
  process.on("uncaughtException", (error) => console.error("UncaughtException:", error));
  process.on("unhandledRejection", (reason) => console.error("UnhandledPromiseRejection:", reason));
  void server.init();
}

/** tslab's converters, with each node cell mended and named for its stack frames. */
function mendedConverters(parts: TslabParts, book: CellBook, cells: { isEarlier(name: string): boolean; count(): number }): ConverterSet {
  const node = parts.createConverter({ isJS: false, isBrowser: false });
  let browser: Converter | undefined;
  const mended: Converter = Object.create(node);
  mended.convert = (prevDecl, src) => {
    const converted = node.convert(prevDecl, src);
    if (!converted.output || converted.diagnostics.length > 0) return converted;
    const { js, topLevelAwait } = rewriteCell(parts.ts, converted.output, cells.isEarlier);
    const url = book.add(cells.count(), src, js);
    return { ...converted, output: `${js}\n//# sourceURL=${url}`, hasToplevelAwait: converted.hasToplevelAwait || topLevelAwait };
  };
  return {
    node: mended,
    get browser() {
      return (browser ??= parts.createConverter({ isJS: false, isBrowser: true }));
    },
    close() {
      node.close();
      browser?.close();
    },
  };
}

if (require.main === module) startPipelabKernel(process.argv[2] ?? "");
