/**
 * `pipelab-kernel`: installs or removes the `pipelab` Jupyter kernel.
 *
 * @example npx pipelab-kernel install            # for this user
 * @example npx pipelab-kernel install --prefix "$VIRTUAL_ENV"
 */
import { parseArgs } from "node:util";
import { DISPLAY_NAME, installKernel, type KernelLocation, uninstallKernel } from "./kernelspec";

const USAGE = `usage: pipelab-kernel <install|uninstall> [--user | --prefix <dir>]

  install     write the "${DISPLAY_NAME}" kernelspec (kernel name: pipelab)
  uninstall   remove it
  --user      for the current user (the default)
  --prefix    under <dir>/share/jupyter/kernels (a virtualenv or conda env)`;

/** Runs the command; returns the process exit code. */
export function main(argv: string[], out: (line: string) => void = console.log): number {
  let parsed;
  try {
    parsed = parseArgs({ args: argv, allowPositionals: true, options: { user: { type: "boolean" }, prefix: { type: "string" }, help: { type: "boolean", short: "h" } } });
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
  const location: KernelLocation = values.prefix === undefined ? {} : { prefix: values.prefix };
  if (command === "install") {
    const dir = installKernel(location);
    out(`Installed the "${DISPLAY_NAME}" kernel in ${dir}\nChoose it in Jupyter's kernel menu, or run: jupyter lab notebooks/`);
  } else {
    out(`Removed ${uninstallKernel(location)}`);
  }
  return 0;
}
