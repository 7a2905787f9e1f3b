"use strict";
// ctx.index: each item's position in its stage's input, in every mode, fused or not (issue 17).
const { test } = require("node:test");
const assert = require("node:assert/strict");
const { mkdtempSync, rmSync, writeFileSync } = require("node:fs");
const { join } = require("node:path");
const { tmpdir } = require("node:os");
const { from, fromCSV, range } = require("../dist");
const { MODES, sleep } = require("./helpers");

const pairs = (n) => Array.from({ length: n }, (_, i) => [i, i]);

test("ctx.index numbers a stage's input from 0, in every mode", async () => {
  for (const mode of MODES) {
    const out = await from(["a", "b", "c", "d"])
      .map((x, ctx) => `${x}${ctx.index}`, { mode, workers: 2 })
      .toArray();
    assert.deepEqual(out, ["a0", "b1", "c2", "d3"], mode);
  }
});

test("after a filter, a stage numbers the items that reach it, not the source's", async () => {
  for (const mode of MODES) {
    // The filter and the map fuse (sync on the main thread; worker only when the map does not read the index).
    const out = await range(10)
      .filter((x) => x % 3 === 0, { mode })
      .map((x, ctx) => [x, ctx.index], { mode })
      .toArray();
    assert.deepEqual(
      out,
      [
        [0, 0],
        [3, 1],
        [6, 2],
        [9, 3],
      ],
      mode,
    );
  }
});

test("with ordered: false each item keeps the index it arrived with, and every index appears once", async () => {
  for (const mode of ["async", "worker"]) {
    const out = await range(40)
      .map(
        async (x, ctx) => {
          await new Promise((resolve) => setTimeout(resolve, (x * 7) % 5));
          return [x, ctx.index];
        },
        { mode, workers: 4, ordered: false },
      )
      .toArray();
    assert.notDeepEqual(out, pairs(40), `${mode}: came out of order, as asked`);
    assert.deepEqual(
      [...out].sort((a, b) => a[0] - b[0]),
      pairs(40),
      mode,
    );
  }
});

test("a stage after an unordered one numbers items in the order they reach it", async () => {
  const seen = [];
  await range(30)
    .map((x) => sleep((x * 13) % 7).then(() => x), { workers: 5, ordered: false })
    .each((x, ctx) => seen.push([ctx.index, x]), { mode: "sync" })
    .run({ progress: false });
  assert.deepEqual(
    seen.map(([index]) => index),
    [...Array(30).keys()],
  );
  assert.deepEqual(
    seen.map(([, x]) => x).sort((a, b) => a - b),
    [...Array(30).keys()],
  );
});

test("a retried item keeps its index; onStart and onDone see -1", async () => {
  // Item 2 fails on its first try; the ctx of its worker remembers that (one worker: the same ctx).
  const failOnce = (x, ctx) => {
    if (x === 2 && !ctx.failed) {
      ctx.failed = true;
      throw new Error("once");
    }
    return ctx.index;
  };
  for (const mode of MODES) {
    const out = await range(4).map(failOnce, { mode, retries: 1 }).toArray();
    assert.deepEqual(out, [0, 1, 2, 3], mode);
  }
  const hooks = [];
  await range(2)
    .map((x) => x, { onStart: (ctx) => void hooks.push(ctx.index), onDone: (ctx) => void hooks.push(ctx.index) })
    .run({ progress: false });
  assert.deepEqual(hooks, [-1, -1]);
});

test("children of a flatMap are numbered by the stage after it", async () => {
  for (const mode of MODES) {
    const out = await range(3)
      .flatMap((x) => [x, x], { mode })
      .map((x, ctx) => ctx.index, { mode })
      .toArray();
    assert.deepEqual(out, [0, 1, 2, 3, 4, 5], mode);
  }
});

test("a worker stage that reads ctx.index is not fused behind another, so its index is exact", async () => {
  const W = { mode: "worker", workers: 2 };
  const p = range(20)
    .filter((x) => x % 2 === 1, { ...W, name: "odd" })
    .map((x, ctx) => [x, ctx.index], { ...W, name: "numbered" })
    .map((pair) => pair, { ...W, name: "same" });
  const out = await p.toArray();
  assert.deepEqual(
    out,
    Array.from({ length: 10 }, (_, i) => [2 * i + 1, i]),
  );
  const rows = Object.fromEntries(p.stats().stages.map((s) => [s.name, s]));
  assert.equal(rows.odd.fused, undefined, "the filter runs alone");
  assert.equal(rows.numbered.fused, "numbered + same", "the stage that reads the index starts a fused group");
});

test("fromCSV followed by a worker stage that reads ctx.index numbers the file's rows exactly", async () => {
  const dir = mkdtempSync(join(tmpdir(), "pipelab-ctx-index-"));
  try {
    const file = join(dir, "rows.csv");
    // Large enough for several 64 KiB ranges, were the threads to read it.
    writeFileSync(file, "id\n" + Array.from({ length: 30000 }, (_, i) => i).join("\n") + "\n");
    const out = await fromCSV(file, { cast: { id: "number" } })
      .map((row, ctx) => row.id - ctx.index, { mode: "worker", workers: 2 })
      .toArray();
    assert.equal(out.length, 30000);
    assert.ok(
      out.every((d) => d === 0),
      "each row's index is its position in the file",
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('"index" is pipelab\'s in ctx: a context key of that name is refused', () => {
  assert.throws(() => range(3).map((x) => x, { context: { index: 1 } }), {
    name: "TypeError",
    message: /option "context" must not have a key "index"/,
  });
});
