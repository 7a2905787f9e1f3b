"use strict";
// Starts Debian's classic Jupyter Notebook (6.4) on 127.0.0.1 with a random port and token, in a
// Jupyter environment of its own (config, data, runtime under `work`), and stops it with every kernel
// it started. Used by test/browser.test.js.
const { spawn, spawnSync } = require("node:child_process");
const { randomBytes } = require("node:crypto");
const { existsSync, readdirSync, readFileSync } = require("node:fs");
const { createServer } = require("node:net");
const { join } = require("node:path");

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** The promise's value, or `fallback` after `ms`; the timer is cleared, so it never holds the process. */
function within(promise, ms, fallback = null) {
  let timer;
  const late = new Promise((resolve) => (timer = setTimeout(resolve, ms, fallback)));
  return Promise.race([promise, late]).finally(() => clearTimeout(timer));
}

/** Jupyter's directories, all inside `work`: nothing is read from or written to the user's home. */
function jupyterEnv(work) {
  return {
    ...process.env,
    JUPYTER_PATH: join(work, "share", "jupyter"),
    JUPYTER_CONFIG_DIR: join(work, "config"),
    JUPYTER_DATA_DIR: join(work, "data"),
    JUPYTER_RUNTIME_DIR: join(work, "runtime"),
    JUPYTER_PLATFORM_DIRS: "1",
  };
}

function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

/**
 * Trusts the notebooks, so outputs loaded from the files render as HTML and SVG. Debian packages no
 * `jupyter-trust` command: run the same app (nbformat.sign) with the Python that runs `jupyter`.
 */
function trust(files, env) {
  const jupyterBin = spawnSync("sh", ["-c", "command -v jupyter"], { encoding: "utf8" }).stdout.trim();
  const python = readFileSync(jupyterBin, "utf8")
    .split("\n")[0]
    .replace(/^#!\s*/, "")
    .split(" ")[0];
  const out = spawnSync(python, ["-m", "nbformat.sign", ...files], { env, encoding: "utf8", timeout: 30_000 });
  if (out.status !== 0) throw new Error(`${python} -m nbformat.sign (jupyter trust) failed (${out.status}):\n${out.stderr}`);
}

/**
 * Starts the server on `dir` (kernels start in `kernelDir`) and resolves once its API answers.
 * @returns {Promise<{ url: string, token: string, log: () => string, stop: () => Promise<string[]> }>}
 */
async function startNotebookServer({ dir, kernelDir = dir, work, timeoutMs = 30_000 }) {
  const env = jupyterEnv(work);
  const port = await freePort();
  const token = randomBytes(24).toString("hex");
  const child = spawn(
    "jupyter",
    [
      "notebook",
      "--no-browser",
      "--ip=127.0.0.1",
      `--port=${port}`,
      "--NotebookApp.port_retries=0",
      `--NotebookApp.token=${token}`,
      `--notebook-dir=${dir}`,
      `--MappingKernelManager.root_dir=${kernelDir}`,
      // CI containers run as root; the server refuses root without this.
      ...(process.getuid?.() === 0 ? ["--allow-root"] : []),
    ],
    { cwd: dir, env, stdio: ["ignore", "pipe", "pipe"] },
  );
  // The server's log and what its kernels print (they inherit its stderr): the tail goes into failure messages.
  const lines = [];
  const keep = (chunk) => {
    lines.push(...String(chunk).split("\n").filter(Boolean));
    if (lines.length > 400) lines.splice(0, lines.length - 400);
  };
  child.stdout.on("data", keep);
  child.stderr.on("data", keep);
  let exited = null;
  const exit = new Promise((resolve) => child.on("exit", (code, signal) => resolve((exited = { code, signal }))));
  // If this process ends without `stop` (killed, or a crash before the tests' after hook), take the
  // server and its kernels with it.
  const onExit = () => {
    if (exited === null) child.kill("SIGKILL");
    killLeftovers(join(work, "runtime"));
  };
  process.on("exit", onExit);
  const log = () => lines.slice(-60).join("\n");
  const url = `http://127.0.0.1:${port}`;

  const stop = async () => {
    process.off("exit", onExit);
    if (exited === null) {
      // SIGTERM: the server stops its loop and shuts its kernels down before it exits.
      child.kill("SIGTERM");
      const done = await within(exit, 15_000);
      if (done === null) {
        child.kill("SIGKILL");
        await exit;
      }
    }
    return killLeftovers(join(work, "runtime"));
  };

  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (exited !== null) throw new Error(`jupyter notebook exited (${JSON.stringify(exited)}) before it answered:\n${log()}`);
    try {
      const response = await fetch(`${url}/api/status`, { headers: { Authorization: `token ${token}` } });
      if (response.ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`jupyter notebook did not answer on ${url} within ${timeoutMs / 1000} s:\n${log()}`);
    }
    await sleep(200);
  }
  return { url, token, log, stop, env };
}

/**
 * Kernels run in sessions of their own, so a server killed hard leaves them behind. They inherit the
 * server's environment, whose JUPYTER_RUNTIME_DIR is this run's own directory: those processes are
 * ours. Returns what had to be killed.
 */
function killLeftovers(runtimeDir) {
  const killed = [];
  if (!existsSync("/proc")) return killed;
  const mark = `JUPYTER_RUNTIME_DIR=${runtimeDir}`;
  for (const pid of readdirSync("/proc").filter((p) => /^\d+$/.test(p) && Number(p) !== process.pid)) {
    let environ;
    let cmdline;
    try {
      environ = readFileSync(`/proc/${pid}/environ`, "utf8").split("\0");
      cmdline = readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0").join(" ").trim();
    } catch {
      continue;
    }
    if (!environ.includes(mark)) continue;
    try {
      process.kill(Number(pid), "SIGKILL");
      killed.push(`${pid} ${cmdline}`);
    } catch {
      // gone already
    }
  }
  return killed;
}

module.exports = { jupyterEnv, startNotebookServer, trust, sleep, within };
