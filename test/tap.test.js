"use strict";
// tap(fn): fn runs for its side effect, and every item goes on unchanged (issue 17).
const { test } = require("node:test");
const assert = require("node:assert/strict");
const { range, from } = require("../dist");
const { MODES, sleep } = require("./helpers");

test("tap passes every item on unchanged and ignores what fn returns, in every mode", async () => {
  for (const mode of MODES) {
    const p = range(6).tap((x) => x * 100, { mode, workers: 2, name: "look" });
    assert.deepEqual(await p.toArray(), [0, 1, 2, 3, 4, 5], mode);
    const row = p.stats().stages[1];
    assert.deepEqual([row.name, row.itemsIn, row.itemsOut, row.filtered], ["look", 6, 6, 0], mode);
  }
});

test("tap after a filter sees only the kept items", async () => {
  for (const mode of ["sync", "async"]) {
    const seen = [];
    await range(10)
      .filter((x) => x % 4 === 0, { mode })
      .tap((x) => seen.push(x), { mode })
      .run({ progress: false });
    assert.deepEqual(seen, [0, 4, 8], mode);
  }
});

test("an async tap is awaited: the item goes on once fn has finished", async () => {
  const log = [];
  await range(3)
    .tap(async (x) => {
      await sleep(5);
      log.push(`tapped ${x}`);
    })
    .each((x) => log.push(`then ${x}`), { mode: "sync" })
    .run({ progress: false });
  for (let x = 0; x < 3; x++) assert.ok(log.indexOf(`tapped ${x}`) < log.indexOf(`then ${x}`), log.join(", "));
});

test("in worker mode the item goes on from the main thread: a change fn makes to its copy stays in the thread", async () => {
  const items = [{ id: 1 }, { id: 2 }];
  const out = await from(items)
    .tap(
      (item) => {
        item.id = -1;
      },
      { mode: "worker" },
    )
    .toArray();
  assert.deepEqual(out, [{ id: 1 }, { id: 2 }]);
  assert.equal(out[0], items[0], "the very object, not a copy back");
});

test("a worker tap between worker stages runs on its own: a change to its copy never reaches the next stage", async () => {
  const W = { mode: "worker", workers: 2 };
  const p = from([{ a: 1 }, { a: 2 }])
    .map((o) => ({ ...o, b: 1 }), W)
    .tap(
      (o) => {
        o.a = 99;
      },
      { ...W, name: "peek" },
    )
    .map((o) => o, W);
  assert.deepEqual(await p.toArray(), [
    { a: 1, b: 1 },
    { a: 2, b: 1 },
  ]);
  assert.equal(p.stats().stages.find((s) => s.name === "peek").fused, undefined, "a worker tap is not fused");
});

test("a tap that throws fails the item like any stage: the run names tap and the item, or onError skips it", async () => {
  const boom = (x) => {
    if (x === 3) throw new Error("no 3");
  };
  for (const mode of MODES) {
    await assert.rejects(range(5).tap(boom, { mode }).toArray(), { message: /Stage "tap\(boom\)" failed on item 3: no 3/ }, mode);
    const p = range(5).tap(boom, { mode, onError: "skip" });
    assert.deepEqual(await p.toArray(), [0, 1, 2, 4], mode);
    assert.equal(p.stats().stages[1].errors, 1, mode);
  }
});

test("tap with transfer is refused: the item would be gone from the main thread", () => {
  assert.throws(() => range(3).tap((x) => x, { mode: "worker", transfer: true }), {
    name: "TypeError",
    message: /tap\(\): option "transfer" cannot be used/,
  });
});
