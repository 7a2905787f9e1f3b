"use strict";
// Shared by the test files: the modes every behaviour is checked in, and small waits.
const { spawn } = require("node:child_process");

const MODES = ["sync", "async", "worker"];

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Runs `code` in a child Node process (with pipelab loadable as require("pipelab-dist"))
 * and resolves { code, stdout, stderr, ms }, or { timedOut: true } if it did not exit
 * by itself within `deadlineMs`.
 */
function runChild(code, deadlineMs = 8000) {
  const dist = require.resolve("../dist");
  const script = `const pipelab = require(${JSON.stringify(dist)});\n${code}`;
  return new Promise((resolve) => {
    const started = Date.now();
    const child = spawn(process.execPath, ["-e", script], { stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d) => (stdout += d));
    child.stderr.on("data", (d) => (stderr += d));
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      resolve({ timedOut: true, stdout, stderr });
    }, deadlineMs);
    child.on("exit", (code) => {
      clearTimeout(timer);
      resolve({ timedOut: false, code, stdout, stderr, ms: Date.now() - started });
    });
  });
}

module.exports = { MODES, sleep, runChild };
