"use strict";
// Cells as a person writes them, run in a real pipelab kernel (through jupyter_client): the
// TypeScript idioms tslab's compilation used to break, errors told in the person's terms, and the
// kernel's answers to the comm messages every front end sends. Needs Debian's jupyter-client:
// skipped loudly without it, failing under CI=true.
const { test, before, after } = require("node:test");
const assert = require("node:assert/strict");
const { spawn, spawnSync } = require("node:child_process");
const { mkdtempSync, readFileSync, rmSync, writeFileSync } = require("node:fs");
const { join } = require("node:path");
const { tmpdir } = require("node:os");
const { main: kernelCli } = require("../dist/kernel/cli");

const jupyterBin = spawnSync("sh", ["-c", "command -v jupyter"], { encoding: "utf8" }).stdout.trim();
const missing = jupyterBin ? false : "Jupyter is not installed: the kernel cell tests did NOT run. Install Debian's jupyter-client.";
if (missing && process.env.CI !== "true") process.stderr.write(`\n!! ${missing}\n\n`);

const CELLS = [
  'import { range } from "pipelab";\nconst severity = 3;\nasync function* gen() { yield 1; yield 2; }',
  'for await (const r of gen()) console.log("for-await", r * severity);',
  "console.log(JSON.stringify({ context: { severity } }));",
  'const wrapped = await (async () => { const xs: number[] = []; for await (const r of gen()) xs.push(r); return xs; })();\nconsole.log("iife", wrapped.join(","));',
  'const shadow = (severity: number) => ({ severity });\nconsole.log("shadow", shadow(9).severity);',
  "let target = 0;",
  '({ target } = { target: 4 });\nconsole.log("destructured", target);',
  'await range(3).map((x) => x * severity, { mode: "worker", workers: 1 }).toArray()',
  'const tripled = await range(3).map((x, ctx) => x * ctx.severity, { mode: "worker", workers: 1, context: { severity } }).toArray();\nconsole.log("context", tripled.join(","));',
  'function check(x: number) {\n  if (x === 2) throw new Error("bad item " + x);\n  return x;\n}',
  "await range(4).map(check).toArray()",
  'await range(4).map((x) => {\n  if (x === 2) throw new Error("bad in worker " + x);\n  return x;\n}, { mode: "worker", workers: 1 }).toArray()',
  'const n: number = "x";',
  "1 + 1",
];

let work;
let report;

before(async () => {
  if (missing) return;
  work = mkdtempSync(join(tmpdir(), "pipelab-kernel-cells-"));
  assert.equal(
    kernelCli(["install", "--prefix", work], () => {}),
    0,
  );
  writeFileSync(join(work, "cells.json"), JSON.stringify(CELLS));
  // The Python that runs `jupyter` has jupyter_client; read it from the command's first line.
  const python = readFileSync(jupyterBin, "utf8")
    .split("\n")[0]
    .replace(/^#!\s*/, "")
    .split(" ")[0];
  const env = { ...process.env, JUPYTER_PATH: join(work, "share", "jupyter"), JUPYTER_PLATFORM_DIRS: "1" };
  const notebooks = join(__dirname, "..", "notebooks");
  const result = await new Promise((resolve) => {
    const child = spawn(python, [join(__dirname, "fixtures", "run_cells.py"), notebooks, join(work, "cells.json")], { env, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d) => (stdout += d));
    child.stderr.on("data", (d) => (stderr += d));
    child.on("exit", () => resolve({ stdout, stderr }));
  });
  const line = result.stdout.trim().split("\n").at(-1);
  assert.ok(line?.startsWith("{"), `no report from the kernel: ${result.stderr.slice(-2000)}`);
  report = JSON.parse(line);
});

after(() => work && rmSync(work, { recursive: true, force: true }));

const cell = (i) => report.cells[i];
const ok = (i, printed) => {
  assert.equal(cell(i).status, "ok", JSON.stringify(cell(i).errors));
  assert.match(cell(i).stdout, printed);
};
const traceback = (i) =>
  cell(i)
    .errors.flatMap((e) => e.traceback)
    .join("\n");

test("Jupyter is available (required under CI=true)", { skip: missing && process.env.CI !== "true" && missing }, () => {
  assert.ok(!missing, missing);
});

test("a top-level for await, and await inside any expression", { skip: missing }, () => {
  ok(1, /for-await 3\nfor-await 6/);
  ok(3, /iife 1,2/);
});

test("shorthand properties and destructuring name earlier cells' variables; a parameter still shadows them", { skip: missing }, () => {
  ok(2, /\{"context":\{"severity":3\}\}/);
  ok(4, /shadow 9/);
  ok(6, /destructured 4/);
});

test("a worker-mode function using an earlier cell's variable fails naming it, and the context fix works in a cell", { skip: missing }, () => {
  assert.equal(cell(7).status, "error");
  assert.match(cell(7).evalue, /uses "severity" from an earlier cell/);
  assert.match(cell(7).evalue, /\{ context: \{ severity \} \}/);
  ok(8, /context 0,3,6/);
});

test("a failed run shows the message, stage and item, and the person's frames placed in their cell, no internals", { skip: missing }, () => {
  assert.equal(cell(10).ename, "StageError");
  assert.match(cell(10).evalue, /Stage "map\(check\)" failed on item 2: bad item 2/);
  // Execution counts start at 1: the function was written in cell [10], the worker one in cell [12].
  assert.match(traceback(10), /at check \(cell \[10\], line 2\)\n\s+if \(x === 2\) throw new Error\("bad item " \+ x\);/);
  assert.match(traceback(11), /at cell \[12\], line 2\n\s+if \(x === 2\) throw new Error\("bad in worker " \+ x\);/);
  for (const i of [7, 10, 11]) {
    assert.doesNotMatch(traceback(i), /node_modules|dist[\\/]|stage-runner|task\.js|function-source|node:internal|evalmachine/);
  }
});

test("errors reach the front end as error outputs with a name and a message (nbconvert shows them)", { skip: missing }, () => {
  assert.equal(cell(12).ename, "TypeScript");
  assert.match(cell(12).evalue, /Type 'string' is not assignable to type 'number'/);
  for (const i of [7, 10, 11, 12]) {
    assert.equal(cell(i).errors.length, 1, `cell ${i}: one error output`);
    assert.equal(cell(i).stderr, "", `cell ${i}: the error is not printed a second time`);
  }
  ok(13, /^2\n$/);
});

test("the kernel answers comm_info_request and closes a widget manager's comm_open, silently", { skip: missing }, () => {
  assert.equal(report.comm_info_reply.type, "comm_info_reply");
  assert.deepEqual(report.comm_info_reply.content, { status: "ok", comms: {} });
  assert.deepEqual(report.comm_open_closed, ["c0ffee"]);
  assert.doesNotMatch(report.terminal, /unknown msg_type/);
});
