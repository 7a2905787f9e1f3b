/**
 * The `pipelab` Jupyter kernelspec: where Jupyter looks for kernels and the
 * kernel.json that starts pipelab's launcher. Written directly, so installing
 * the kernel needs neither Python nor the `jupyter` command.
 */
import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";

export const KERNEL_NAME = "pipelab";
export const DISPLAY_NAME = "TypeScript (pipelab)";

export interface KernelLocation {
  /** Install under `<prefix>/share/jupyter/kernels` (a virtualenv, conda env or test directory). */
  prefix?: string;
}

/** Jupyter's per-user data directory, as `jupyter --data-dir` reports it. */
export function userDataDir(env: NodeJS.ProcessEnv = process.env, platform: NodeJS.Platform = process.platform): string {
  if (env.JUPYTER_DATA_DIR) return env.JUPYTER_DATA_DIR;
  if (platform === "darwin") return join(homedir(), "Library", "Jupyter");
  if (platform === "win32") return join(env.APPDATA ?? join(homedir(), "AppData", "Roaming"), "jupyter");
  return join(env.XDG_DATA_HOME || join(homedir(), ".local", "share"), "jupyter");
}

/** The directory the kernelspec goes in. */
export function kernelDir({ prefix }: KernelLocation = {}): string {
  const kernels = prefix === undefined ? join(userDataDir(), "kernels") : join(prefix, "share", "jupyter", "kernels");
  return join(kernels, KERNEL_NAME);
}

/** The kernel.json: Jupyter starts this Node with pipelab's launcher and the connection file. */
export function kernelSpec(): Record<string, unknown> {
  const { version } = JSON.parse(readFileSync(join(__dirname, "..", "..", "package.json"), "utf8")) as { version: string };
  return {
    argv: [process.execPath, join(__dirname, "launch.js"), "{connection_file}"],
    display_name: DISPLAY_NAME,
    language: "typescript",
    // Jupyter's interrupt button sends SIGINT; pipelab cancels the runs in progress.
    interrupt_mode: "signal",
    metadata: { pipelab: version },
  };
}

/** Writes the kernelspec; returns its directory. */
export function installKernel(location: KernelLocation = {}): string {
  const dir = kernelDir(location);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, "kernel.json"), `${JSON.stringify(kernelSpec(), null, 2)}\n`);
  return dir;
}

/** Removes the kernelspec; returns its directory. */
export function uninstallKernel(location: KernelLocation = {}): string {
  const dir = kernelDir(location);
  rmSync(dir, { recursive: true, force: true });
  return dir;
}
