/**
 * What a stage's function may be: a function, or `{ module, export }` naming a
 * module's export, resolved against the working directory (a cluster worker
 * resolves it on its own disk instead).
 */
import { basename, isAbsolute, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { describe } from "./errors";
import type { Mode, ModuleFunction, Operation, ResolvedModuleFunction, StageFunction } from "./options";

/** @internal Checks a stage's function: a function, or `{ module, export }` resolved against the working directory. */
export function resolveStageFunction(operation: Operation, fn: unknown, mode?: Mode): StageFunction | ResolvedModuleFunction {
  if (typeof fn === "function") return fn as StageFunction;
  if (typeof fn === "object" && fn !== null && typeof (fn as ModuleFunction).module === "string") {
    const spec = fn as ModuleFunction;
    const exportName = spec.export ?? "default";
    if (typeof exportName !== "string" || exportName.length === 0) {
      throw new TypeError(`${operation}(): "export" of a module function must be a non-empty string, got ${describe(exportName)}`);
    }
    // A cluster worker resolves the module on its own disk (inside its --modules directory), not this one's.
    if (mode === "cluster") return { module: spec.module, export: exportName };
    return { module: resolveModule(spec.module), export: exportName };
  }
  throw new TypeError(`${operation}(): expected a function or { module, export }, got ${describe(fn)}`);
}

/** `map(parse)`, `map` for an anonymous function, `map(worker.js)` for a module's default export. */
export function defaultStageName(operation: Operation, fn: Function | ResolvedModuleFunction): string {
  if (typeof fn === "function") return fn.name ? `${operation}(${fn.name})` : operation;
  return `${operation}(${fn.export === "default" ? basename(fn.module) : fn.export})`;
}

function resolveModule(specifier: string): string {
  if (specifier.startsWith("file:")) return specifier;
  if (isAbsolute(specifier) || specifier.startsWith(".")) return pathToFileURL(resolve(specifier)).href;
  try {
    return pathToFileURL(require.resolve(specifier, { paths: [process.cwd()] })).href;
  } catch (error) {
    throw new TypeError(`module function: cannot find module "${specifier}" from ${process.cwd()}`, { cause: error });
  }
}
