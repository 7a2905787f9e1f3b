/**
 * What code a cluster worker agrees to run. A signed stage may run inline
 * source; an unsigned one only module functions found inside the worker's own
 * allow-listed directory (--modules). Module specs are resolved here, on the
 * worker's disk, and must stay inside that directory when it is given.
 */
import { realpathSync } from "node:fs";
import { isAbsolute, resolve, sep } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { contextFunctionWires, type FunctionWire } from "../executors/function-source";
import type { StageWire } from "../executors/wire";

/**
 * Checks every function of `stage` and points its module functions at files
 * on this machine. Returns why the stage is refused, or undefined.
 */
export function vetStageFunctions(stage: StageWire, signed: boolean, modulesDir: string | undefined): string | undefined {
  const wires = [stage.fn, stage.onStart, stage.onDone, ...contextFunctionWires(stage.context)].filter((w): w is FunctionWire => w !== undefined);
  for (const wire of wires) {
    if (wire.kind === "global") continue;
    if (wire.kind === "source") {
      if (!signed) return "it has inline function source and is not signed; without a shared secret this worker runs only { module, export } functions from its --modules directory";
      continue;
    }
    if (!modulesDir && !signed) return "it is not signed and this worker has no --modules directory to load module functions from";
    const located = locate(wire.module, modulesDir);
    if (typeof located !== "string") return located.problem;
    (wire as { module: string }).module = pathToFileURL(located).href;
  }
  return undefined;
}

function locate(spec: string, modulesDir: string | undefined): string | { problem: string } {
  const base = modulesDir ?? process.cwd();
  let path: string;
  try {
    if (spec.startsWith("file:")) path = fileURLToPath(spec);
    else if (isAbsolute(spec) || spec.startsWith(".")) path = resolve(base, spec);
    else path = require.resolve(spec, { paths: [base] });
    path = realpathSync(path);
  } catch {
    return { problem: `its module ${JSON.stringify(spec)} cannot be found from ${base}` };
  }
  if (modulesDir) {
    const root = realpathSync(modulesDir);
    if (path !== root && !path.startsWith(root + sep)) return { problem: `its module ${JSON.stringify(spec)} is outside the allowed directory ${root}` };
  }
  return path;
}
