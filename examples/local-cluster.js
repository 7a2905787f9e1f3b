"use strict";
// A throwaway cluster on this machine: Debian's redis-server on 127.0.0.1 at a free port, and
// `pipelab worker` processes. Used by `npm run cluster:demo` and by test/cluster.test.js.
const { spawn, spawnSync } = require("node:child_process");
const { createServer } = require("node:net");
const { join } = require("node:path");

const PIPELAB = join(__dirname, "..", "bin", "pipelab.js");

function redisAvailable() {
  return spawnSync("redis-server", ["--version"], { encoding: "utf8" }).status === 0;
}

function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

/** Resolves when `child` prints a line matching `pattern`; rejects if it exits first. */
function waitForLine(child, pattern, what) {
  return new Promise((resolve, reject) => {
    let seen = "";
    const onData = (chunk) => {
      seen += chunk;
      if (pattern.test(seen)) {
        child.stdout.off("data", onData);
        resolve();
      }
    };
    child.stdout.on("data", onData);
    child.once("exit", (code) => reject(new Error(`${what} exited (${code}) before it was ready:\n${seen}`)));
  });
}

/** Starts redis-server on a free loopback port, with nothing saved to disk. */
async function startRedis() {
  const port = await freePort();
  const child = spawn("redis-server", ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"], {
    stdio: ["ignore", "pipe", "pipe"],
  });
  await waitForLine(child, /Ready to accept connections/, "redis-server");
  return { url: `redis://127.0.0.1:${port}`, port, stop: () => stopChild(child) };
}

/**
 * Starts `pipelab worker` processes and waits until each is watching Redis.
 * `secret` goes to them through PIPELAB_CLUSTER_SECRET; `args` are extra command-line options.
 */
async function startWorkers(url, count, { concurrency, secret, args = [] } = {}) {
  const workers = [];
  const env = { ...process.env };
  delete env.PIPELAB_CLUSTER_SECRET;
  if (secret) env.PIPELAB_CLUSTER_SECRET = secret;
  for (let i = 0; i < count; i++) {
    const options = concurrency ? ["--concurrency", String(concurrency)] : [];
    const child = spawn(process.execPath, [PIPELAB, "worker", "--connection", url, ...options, ...args], { stdio: ["ignore", "pipe", "inherit"], env });
    child.output = "";
    child.stdout.on("data", (d) => (child.output += d));
    workers.push(child);
  }
  await Promise.all(workers.map((child) => waitForLine(child, /waiting for cluster stages/, "pipelab worker")));
  return workers;
}

function stopChild(child, signal = "SIGTERM") {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    child.once("exit", () => resolve());
    child.kill(signal);
  });
}

module.exports = { redisAvailable, startRedis, startWorkers, stopChild };
