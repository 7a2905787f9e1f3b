/**
 * The parts of tslab 1.0.22 (pinned exactly in package.json) that the pipelab
 * kernel is assembled from, the way tslab's own `startKernel` assembles them:
 * the TypeScript converter, the executor and the Jupyter server. They are
 * tslab's modules rather than its stable `startKernel`, because the kernel must
 * mend each compiled cell (cell-rewrite.ts), place errors in cells and answer
 * messages tslab does not; each part is checked when loaded, so a different
 * tslab fails at start with a message, not in a cell.
 */
import { createRequire } from "node:module";
import type * as TS from "typescript";

export interface Diagnostic {
  messageText: string;
}

/** What tslab's converter makes of a cell (converter.js `convert`). */
export interface Converted {
  output?: string;
  declOutput?: string;
  diagnostics: Diagnostic[];
  hasToplevelAwait?: boolean;
  sideOutputs?: unknown;
  lastExpressionVar?: string;
}

export interface Converter {
  convert(prevDecl: string, src: string): Converted;
  inspect(prevDecl: string, src: string, position: number): unknown;
  complete(prevDecl: string, src: string, position: number): unknown;
  addModule(name: string, content: string, meta: unknown): Diagnostic[];
  close(): void;
}

export interface ConverterSet {
  readonly node: Converter;
  readonly browser: Converter;
  close(): void;
}

export interface Executor {
  /** Earlier cells' names and values (tslab's `exports`). */
  locals: Record<string, unknown>;
  interrupt(): void;
}

export interface Message {
  header: { msg_type: string };
  content: Record<string, unknown>;
  createReply(): Message;
  signAndSend(key: string, socket: unknown): void;
}

export interface MessageClass {
  fromRaw(key: string, raw: unknown[]): Message;
}

export type ExecuteStatus = { status: string; execution_count?: number };

export interface Handler {
  execCount: number;
  handleExecute(
    request: unknown,
    writeStream: (name: string, text: string) => void,
    writeDisplayData: (data: unknown, update: boolean) => void,
  ): Promise<ExecuteStatus>;
}

export interface Server {
  connInfo: { key: string };
  iopub: unknown;
  handler: Handler;
  init(): Promise<void>;
  publishStatus(status: string, parent: Message): void;
  handleShellMessage(socket: unknown, ...raw: unknown[]): Promise<void>;
  handleExecute(socket: unknown, message: Message): Promise<void>;
  handleCommInfoRequest(socket: unknown, message: Message): void;
}

export type ServerClass = new (handler: Handler, configPath: string) => Server;

export interface TslabParts {
  ts: typeof TS;
  createConverter(options: { isJS: boolean; isBrowser: boolean }): Converter;
  createExecutor(rootDir: string, convs: ConverterSet, console: { log(...args: unknown[]): void; error(...args: unknown[]): void }): Executor;
  JupyterHandlerImpl: new (executor: Executor, isJs: boolean) => Handler;
  ZmqServer: ServerClass;
}

/** Loads tslab's parts from the tslab pipelab depends on. */
export function loadTslabParts(): TslabParts {
  const fromTslab = createRequire(require.resolve("tslab/package.json"));
  const version = (fromTslab("./package.json") as { version: string }).version;
  const converter = fromTslab("./dist/converter") as Partial<TslabParts>;
  const executor = fromTslab("./dist/executor") as Partial<TslabParts>;
  const jupyter = fromTslab("./dist/jupyter") as Partial<TslabParts>;
  const parts = {
    ts: fromTslab("@tslab/typescript-for-tslab") as typeof TS,
    createConverter: converter.createConverter,
    createExecutor: executor.createExecutor,
    JupyterHandlerImpl: jupyter.JupyterHandlerImpl,
    ZmqServer: jupyter.ZmqServer,
  };
  const missing = Object.entries(parts).filter(([, part]) => !part);
  const methods = ["handleShellMessage", "handleExecute", "handleCommInfoRequest", "publishStatus"];
  const server = parts.ZmqServer?.prototype as Record<string, unknown> | undefined;
  const missingMethods = methods.filter((m) => typeof server?.[m] !== "function");
  if (missing.length > 0 || missingMethods.length > 0) {
    throw new Error(
      `the pipelab kernel needs tslab 1.0.22, found tslab ${version} without ${[...missing.map(([name]) => name), ...missingMethods].join(", ")}; ` +
        "reinstall pipelab so that its own tslab is used",
    );
  }
  return parts as TslabParts;
}
