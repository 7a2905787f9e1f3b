/**
 * Functions that cross to a worker thread. A function travels as its source
 * text and is compiled once per thread; a built-in (`String`, `Math.sqrt`)
 * travels by name; a module function travels as its URL and export name.
 * Functions nested in `context` travel the same way.
 */
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { ResolvedModuleFunction } from "../options";

export type FunctionWire =
  | { readonly kind: "source"; readonly source: string; readonly name: string }
  | { readonly kind: "global"; readonly path: string }
  | { readonly kind: "module"; readonly module: string; readonly export: string };

const FUNCTION_MARK = "__pipelabFunction__";

/**
 * Describes a function so a worker thread can rebuild it. Throws a TypeError
 * when that is impossible (bound functions, classes, native functions that are
 * not reachable by name from the worker's globals).
 */
export function functionToWire(fn: Function | ResolvedModuleFunction, what: string): FunctionWire {
  if (typeof fn !== "function") return { kind: "module", module: fn.module, export: fn.export };
  const source = Function.prototype.toString.call(fn);
  if (source.includes("[native code]")) {
    const path = globalPathOf(fn);
    if (path) return { kind: "global", path };
    throw new TypeError(
      `${what} is a bound or native function (${fn.name || "anonymous"}), which cannot be sent to a worker thread; ` +
        "write it as an inline function or give it as { module, export }",
    );
  }
  if (/^class\b/.test(source)) {
    throw new TypeError(`${what} is a class, not a function; worker mode needs a function`);
  }
  rememberSource(source);
  return { kind: "source", source, name: fn.name };
}

/**
 * Functions compiled from source in a thread carry this name in their stack
 * frames (`pipelab-function-1a2b3c4d5e6f:5:9`), so a frame can be traced back
 * to the source, and from there to the cell or file it was written in.
 */
export function functionUrl(source: string): string {
  return `pipelab-function-${createHash("sha1").update(source).digest("hex").slice(0, 12)}`;
}

/**
 * Whether the function may read `ctx.index`: its source, or its module's file, mentions `index`.
 * Erring towards yes only costs fusion (steps.ts); a module that is a package is not read, so yes.
 * @example readsIndex({ kind: "source", source: "(row, { index }) => index", name: "" }) // true
 */
export function readsIndex(fn: FunctionWire): boolean {
  if (fn.kind === "global") return false;
  if (fn.kind === "source") return INDEX_WORD.test(fn.source);
  if (!fn.module.startsWith("file:")) return true;
  try {
    return INDEX_WORD.test(readFileSync(fileURLToPath(fn.module), "utf8"));
  } catch {
    return true;
  }
}

const INDEX_WORD = /\bindex\b/;

/** A frame's line in a compiled function is this many lines below the line of its source. */
export const FUNCTION_LINE_OFFSET = 2;

const MAX_REMEMBERED = 500;
const sourcesByUrl = new Map<string, string>();

function rememberSource(source: string): void {
  const url = functionUrl(source);
  sourcesByUrl.delete(url);
  sourcesByUrl.set(url, source);
  if (sourcesByUrl.size > MAX_REMEMBERED) sourcesByUrl.delete(sourcesByUrl.keys().next().value!);
}

/** The source of a function sent to a thread from this process, by the name its frames carry. */
export function sourceOfFunction(url: string): string | undefined {
  return sourcesByUrl.get(url);
}

/** `String` -> "String", `Math.sqrt` -> "Math.sqrt": built-ins the worker has too. */
function globalPathOf(fn: Function): string | undefined {
  const g = globalThis as Record<string, unknown>;
  if (fn.name && g[fn.name] === fn) return fn.name;
  for (const holder of ["Math", "JSON", "Number", "String", "Object", "Array", "Date", "Reflect"]) {
    const ns = g[holder] as Record<string, unknown> | undefined;
    if (ns && fn.name && ns[fn.name] === fn) return `${holder}.${fn.name}`;
  }
  return undefined;
}

/** Replaces functions inside `context` (plain objects and arrays) with their wire form. */
export function encodeContext(value: unknown, what: string, seen = new Map<object, unknown>()): unknown {
  if (typeof value === "function") return { [FUNCTION_MARK]: functionToWire(value, what) };
  if (typeof value !== "object" || value === null || !isPlainContainer(value)) return value;
  const known = seen.get(value);
  if (known !== undefined) return known;
  const copy: Record<string, unknown> | unknown[] = Array.isArray(value) ? [] : {};
  seen.set(value, copy);
  for (const [key, item] of Object.entries(value)) {
    (copy as Record<string, unknown>)[key] = encodeContext(item, `${what}.${key}`, seen);
  }
  return copy;
}

/** The inverse of encodeContext, in the worker. */
export async function decodeContext(value: unknown, seen = new Map<object, unknown>()): Promise<unknown> {
  if (typeof value !== "object" || value === null || !isPlainContainer(value)) return value;
  const wire = (value as Record<string, unknown>)[FUNCTION_MARK] as FunctionWire | undefined;
  if (wire !== undefined) return loadFunction(wire);
  const known = seen.get(value);
  if (known !== undefined) return known;
  seen.set(value, value);
  for (const [key, item] of Object.entries(value)) {
    (value as Record<string, unknown>)[key] = await decodeContext(item, seen);
  }
  return value;
}

function isPlainContainer(value: object): boolean {
  if (Array.isArray(value)) return true;
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/** Rebuilds a function from its wire form (in a worker thread, or in-process for module functions). */
export async function loadFunction(wire: FunctionWire): Promise<Function> {
  switch (wire.kind) {
    case "source":
      return compile(wire.source);
    case "global":
      return wire.path.split(".").reduce<any>((obj, key) => obj[key], globalThis);
    case "module":
      return loadModuleFunction(wire);
  }
}

export async function loadModuleFunction(spec: { module: string; export: string }): Promise<Function> {
  let namespace: Record<string, unknown>;
  try {
    namespace = await import(spec.module);
  } catch (error) {
    throw new Error(`cannot load module function from ${spec.module}: ${(error as Error).message}`, { cause: error });
  }
  // A CommonJS module imported from ESM puts module.exports on `default`.
  let fn = namespace[spec.export];
  if (fn === undefined && spec.export !== "default") {
    fn = (namespace.default as Record<string, unknown> | undefined)?.[spec.export];
  }
  if (typeof fn !== "function") {
    throw new TypeError(`module ${spec.module} has no function export "${spec.export}" (found ${typeof fn})`);
  }
  return fn;
}

/**
 * esbuild and tsx wrap named functions in `__name(fn, "name")`; the helper is
 * defined where they compiled the code, not in the worker, so give it here.
 */
function nameHelper<F>(target: F, value: string): F {
  try {
    Object.defineProperty(target, "name", { value, configurable: true });
  } catch {
    // A frozen function keeps its name; the helper only ever sets names.
  }
  return target;
}

/**
 * Inline functions are compiled outside any module, so they get a `require`
 * that resolves from the working directory, as code in a notebook cell would.
 */
let cwdRequire: NodeJS.Require | undefined;

function compile(source: string): Function {
  cwdRequire ??= createRequire(join(process.cwd(), "noop.js"));
  const attempts = [
    source,
    // Method shorthand (`double(x) { ... }`, `async *gen() {}`) is not an expression by itself.
    `(() => { const holder = { ${source} }; return holder[Object.keys(holder)[0]]; })()`,
  ];
  let firstError: unknown;
  for (const expression of attempts) {
    try {
      // new Function's body starts FUNCTION_LINE_OFFSET lines into the code V8 compiles.
      const make = new Function("__name", "require", `return (${expression}\n);\n//# sourceURL=${functionUrl(source)}`);
      const fn = make(nameHelper, cwdRequire);
      if (typeof fn === "function") return fn;
    } catch (error) {
      firstError ??= error;
    }
  }
  throw new SyntaxError(`cannot compile the function's source in the worker thread: ${(firstError as Error)?.message}\n${source}`);
}

/** Every function wire inside an encoded `context`, so a cluster worker can vet them before loading any. */
export function contextFunctionWires(value: unknown, found: FunctionWire[] = [], seen = new Set<object>()): FunctionWire[] {
  if (typeof value !== "object" || value === null || seen.has(value)) return found;
  seen.add(value);
  const wire = (value as Record<string, unknown>)[FUNCTION_MARK] as FunctionWire | undefined;
  if (wire !== undefined) {
    found.push(wire);
    return found;
  }
  for (const item of Object.values(value)) contextFunctionWires(item, found, seen);
  return found;
}
