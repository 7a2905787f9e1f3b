/**
 * `pipelab-kernel`: installs or removes the `pipelab` Jupyter kernel, and says
 * what to do next where it was run (a user's project, not this repository).
 *
 * @example npx pipelab-kernel install            # for this user
 * @example npx pipelab-kernel install --prefix "$VIRTUAL_ENV"
 */
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { DISPLAY_NAME, installKernel, type KernelLocation, uninstallKernel } from "./kernelspec";

const USAGE = `usage: pipelab-kernel <install|uninstall> [--user | --prefix <dir>]

  install     write the "${DISPLAY_NAME}" kernelspec (kernel name: pipelab)
  uninstall   remove it
  --user      for the current user, in Jupyter's data directory (the default;
              JUPYTER_DATA_DIR or XDG_DATA_HOME move it)
  --prefix    under <dir>/share/jupyter/kernels: a virtualenv or conda env, found by
              the Jupyter that runs from that environment; any other Jupyter finds it
              only with JUPYTER_PATH=<dir>/share/jupyter

The kernel runs the pipelab of the project you install it from (this Node and
its node_modules/pipelab); installing it from another project points it there.
Neither Python nor the jupyter command is needed to install it.

Then start Jupyter (jupyter lab, jupyter notebook, or a .ipynb in VS Code) and
choose "${DISPLAY_NAME}" as the kernel. In a cell:

  import { range } from "pipelab";
  await range(1000).map((x) => x * x, { workers: 4 }).toArray()`;

/** Runs the command; returns the process exit code. */
export function main(argv: string[], out: (line: string) => void = console.log, env: NodeJS.ProcessEnv = process.env): number {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: { user: { type: "boolean" }, prefix: { type: "string" }, help: { type: "boolean", short: "h" } },
    });
  } catch (error) {
    out(`${(error as Error).message}\n${USAGE}`);
    return 2;
  }
  const { positionals, values } = parsed;
  const [command, ...rest] = positionals;
  if (values.help) {
    out(USAGE);
    return 0;
  }
  if ((command !== "install" && command !== "uninstall") || rest.length > 0 || (values.user && values.prefix !== undefined)) {
    out(USAGE);
    return 2;
  }
  const location: KernelLocation = values.prefix === undefined ? {} : { prefix: resolve(values.prefix) };
  if (command === "install") {
    const dir = installKernel(location);
    out(`Installed the "${DISPLAY_NAME}" kernel in ${dir}`);
    if (location.prefix !== undefined) out(prefixAdvice(location.prefix, env));
    out(`Next: start Jupyter (jupyter lab, jupyter notebook, or open a .ipynb in VS Code) and choose "${DISPLAY_NAME}" as the kernel.`);
  } else {
    out(`Removed ${uninstallKernel(location)}`);
  }
  return 0;
}

/**
 * How Jupyter will find a kernel installed under a prefix. Jupyter searches
 * JUPYTER_PATH, the user's data directory, `sys.prefix/share/jupyter` of the
 * Python it runs on, and the system directories; a prefix is found by a
 * Jupyter running from that environment, or through JUPYTER_PATH.
 */
export function prefixAdvice(prefix: string, env: NodeJS.ProcessEnv): string {
  const dataDir = join(prefix, "share", "jupyter");
  const onPath = (env.JUPYTER_PATH ?? "").split(process.platform === "win32" ? ";" : ":").some((entry) => entry !== "" && resolve(entry) === dataDir);
  if (onPath) return `Jupyter finds it: JUPYTER_PATH includes ${dataDir}.`;
  const active = [env.VIRTUAL_ENV, env.CONDA_PREFIX].some((root) => root !== undefined && root !== "" && resolve(root) === prefix);
  if (active) return `Jupyter finds it when it runs from the environment at ${prefix} (the one active now).`;
  return (
    `Jupyter finds it only when it runs from the environment at ${prefix} (a virtualenv or conda env), ` +
    `or with JUPYTER_PATH set, for example: export JUPYTER_PATH=${dataDir}`
  );
}
