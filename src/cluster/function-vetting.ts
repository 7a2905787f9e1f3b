/**
 * What code a cluster worker agrees to run. A signed stage may run inline
 * source; an unsigned one only module functions found inside the worker's own
 * allow-listed directory (--modules). Module specs are resolved here, on the
 * worker's disk, and must stay inside that directory when it is given. The
 * builder asks here too, to refuse an unsigned inline stage before anything is sent.
 */
import { realpathSync } from "node:fs";
import { isAbsolute, resolve, sep } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { contextFunctionWires, type FunctionWire } from "../executors/function-source";
import type { StageWire } from "../executors/wire";
import type { Operation } from "../options";

/**
 * Checks every function of `stage` and points its module functions at files
 * on this machine. Returns why the stage is refused, or undefined.
 */
export function vetStageFunctions(stage: StageWire, signed: boolean, modulesDir: string | undefined): string | undefined {
  const wires = [stage.fn, stage.onStart, stage.onDone, ...contextFunctionWires(stage.context)].filter((w): w is FunctionWire => w !== undefined);
  for (const wire of wires) {
    if (wire.kind === "global") continue;
    if (wire.kind === "source") {
      if (!signed)
        return "it has inline function source and is not signed; without a shared secret this worker runs only { module, export } functions from its --modules directory";
      continue;
    }
    if (!modulesDir && !signed) return "it is not signed and this worker has no --modules directory to load module functions from";
    const located = locate(wire.module, modulesDir);
    if (typeof located !== "string") return located.problem;
    (wire as { module: string }).module = pathToFileURL(located).href;
  }
  return undefined;
}

/** Where a module spec points on this machine, or why it is refused. */
function locate(spec: string, modulesDir: string | undefined): string | { problem: string } {
  if (modulesDir) return locateInside(spec, realpathSync(modulesDir));
  // A signed stage: the client is trusted, and the spec resolves as Node would from here.
  const base = process.cwd();
  try {
    if (spec.startsWith("file:")) return realpathSync(fileURLToPath(spec));
    if (isAbsolute(spec) || spec.startsWith(".")) return realpathSync(resolve(base, spec));
    return realpathSync(require.resolve(spec, { paths: [base] }));
  } catch {
    return { problem: `its module ${JSON.stringify(spec)} cannot be found from ${base}` };
  }
}

/**
 * A module spec that must stay inside `root`. Containment is checked on the path as written
 * (with `..` resolved) before anything is looked up, and again once symlinks are followed;
 * every refusal reads the same, so a client cannot learn whether a file exists outside.
 * A package name is looked for in `root/node_modules` only.
 */
function locateInside(spec: string, root: string): string | { problem: string } {
  const refused = { problem: `its module ${JSON.stringify(spec)} is not a module file inside the allowed directory ${root}` };
  const inside = (path: string): boolean => path === root || path.startsWith(root + sep);
  let path: string;
  try {
    if (spec.startsWith("file:")) path = fileURLToPath(spec);
    else if (isAbsolute(spec) || spec.startsWith(".")) path = resolve(root, spec);
    else path = resolve(root, "node_modules", spec);
    if (!inside(path)) return refused;
    path = realpathSync(isAbsolute(spec) || spec.startsWith(".") || spec.startsWith("file:") ? path : require.resolve(path));
  } catch {
    return refused;
  }
  return inside(path) ? path : refused;
}

/** Without a shared secret, cluster workers run module functions only: say so before anything is sent. */
export function refuseUnsignedSource(operation: Operation, wire: Omit<StageWire, "stage">): void {
  const wires = [wire.fn, wire.onStart, wire.onDone, ...contextFunctionWires(wire.context)];
  if (wires.some((w) => w?.kind === "source")) {
    throw new TypeError(
      `${operation}(): cluster mode runs inline functions only when the stage is signed with a secret the workers share: ` +
        'set PIPELAB_CLUSTER_SECRET (or the "secret" option, and --secret-file for the workers), ' +
        "or give the function as { module, export } from the workers' --modules directory",
    );
  }
}
