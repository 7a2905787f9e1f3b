"use strict";
// Flat memory however long the source: the heap after a forced GC must not grow with the number
// of items a run has read, for every kind of source. Each case runs in a child process with
// --expose-gc and measures the heap at 10% and at 100% of the items, inside the same run.
const { test } = require("node:test");
const assert = require("node:assert/strict");
const { spawnSync } = require("node:child_process");

const N = 200_000;

function heapGrowthMb(makeSource) {
  const script = `
    const { from } = require(${JSON.stringify(require.resolve("../dist"))});
    const { Readable } = require("node:stream");
    const N = ${N};
    const heap = [];
    let seen = 0;
    from(${makeSource})
      .map((x) => x + 1, { mode: "sync" })
      .each(() => {
        if (++seen === N / 10 || seen === N) {
          global.gc();
          heap.push(process.memoryUsage().heapUsed);
        }
      })
      .run({ progress: false })
      .then(() => console.log(JSON.stringify((heap[1] - heap[0]) / 1e6)));`;
  const out = spawnSync(process.execPath, ["--expose-gc", "-e", script], { encoding: "utf8", timeout: 60_000 });
  assert.equal(out.status, 0, out.stderr);
  return JSON.parse(out.stdout);
}

// Before the fix each of the async sources kept about 500 bytes per item (90 MB here).
const BOUND_MB = 15;

test("an async generator source keeps memory flat", () => {
  const growth = heapGrowthMb("(async function* () { for (let i = 0; i < N; i++) yield i; })()");
  assert.ok(growth < BOUND_MB, `heap grew ${growth.toFixed(1)} MB over ${N * 0.9} items`);
});

test("a Readable source keeps memory flat", () => {
  const growth = heapGrowthMb("Readable.from((function* () { for (let i = 0; i < N; i++) yield i; })())");
  assert.ok(growth < BOUND_MB, `heap grew ${growth.toFixed(1)} MB over ${N * 0.9} items`);
});

test("a sync generator source keeps memory flat (the yardstick)", () => {
  const growth = heapGrowthMb("(function* () { for (let i = 0; i < N; i++) yield i; })()");
  assert.ok(growth < BOUND_MB, `heap grew ${growth.toFixed(1)} MB over ${N * 0.9} items`);
});
