"use strict";
// Consecutive worker stages run fused inside the threads (executors/fused-chain.ts): the same
// results, order, accounting per stage as written, errors naming the stage, hooks per stage; and
// an item crosses to a thread once, so what passes between fused stages need not be cloneable.
const { test } = require("node:test");
const assert = require("node:assert/strict");
const { range, from } = require("../dist");

const W = { mode: "worker", workers: 2 };

function rows(p) {
  return Object.fromEntries(p.stats().stages.map((s) => [s.name, s]));
}

test("a fused map, filter, flatMap and each give what the same stages give in-process, in order", async () => {
  const build = (opts) =>
    range(0, 5000)
      .map((x) => x * 3, { ...opts, name: "triple" })
      .filter((x) => x % 2 === 0, { ...opts, name: "even" })
      .flatMap((x) => [x, -x], { ...opts, name: "both" })
      .map((x) => ({ x }), { ...opts, name: "wrap" });
  const fused = build(W);
  const plain = build({ mode: "async" });
  assert.deepEqual(await fused.toArray(), await plain.toArray());
  const s = rows(fused);
  assert.deepEqual([s.triple.itemsIn, s.triple.itemsOut], [5000, 5000]);
  assert.deepEqual([s.even.itemsIn, s.even.itemsOut, s.even.filtered], [5000, 2500, 2500]);
  assert.deepEqual([s.both.itemsIn, s.both.expanded, s.both.itemsOut], [2500, 2500, 5000]);
  assert.deepEqual([s.wrap.itemsIn, s.wrap.itemsOut], [5000, 5000]);
  for (const stage of fused.stats().stages.slice(1)) {
    const accounted = stage.name === "both" ? stage.expanded : stage.itemsOut + stage.filtered;
    assert.equal(stage.itemsIn, accounted + stage.errors + stage.inFlight, stage.name);
    assert.ok(stage.busyMs > 0, `${stage.name}: its function's time is counted`);
    assert.equal(stage.mode, "worker");
  }
});

test("an item crosses to the thread once: what passes between fused stages need not be cloneable", async () => {
  // A function cannot be sent between threads: this works only if both stages run in the same thread.
  const out = await range(0, 10)
    .map((x) => ({ x, twice: () => x * 2 }), W)
    .map((o) => o.twice(), W)
    .toArray();
  assert.deepEqual(out, [0, 2, 4, 6, 8, 10, 12, 14, 16, 18]);
});

test("stages that cannot fuse (other workers, a retry, a timeout, collect) still cross between threads", async () => {
  for (const second of [{ workers: 3 }, { retries: 1 }, { timeout: 1000 }, { onError: "collect" }]) {
    const p = range(0, 3)
      .map((x) => ({ x, twice: () => x * 2 }), W)
      .map((o) => o.twice(), { ...W, ...second });
    await assert.rejects(p.toArray(), /function/, JSON.stringify(second));
  }
});

test("an item that fails inside fused stages names the stage it failed in and the item", async () => {
  const p = range(0, 100)
    .map((x) => x + 1, { ...W, name: "inc" })
    .map(
      (x) => {
        if (x === 43) throw new Error("no 43");
        return x;
      },
      { ...W, name: "check" },
    );
  await assert.rejects(p.toArray(), { name: "StageError", stage: "check", index: 42, message: 'Stage "check" failed on item 42: no 43' });
  assert.equal(rows(p).check.errors, 1);
  assert.equal(rows(p).inc.errors, 0);
});

test("with onError: skip the failed item is counted at its stage and the rest go on", async () => {
  const skip = { ...W, onError: "skip" };
  const p = range(0, 20)
    .map((x) => x, { ...skip, name: "a" })
    .filter(
      (x) => {
        if (x % 5 === 0) throw new Error("bad");
        return x % 2 === 0;
      },
      { ...skip, name: "b" },
    );
  assert.deepEqual(await p.toArray(), [2, 4, 6, 8, 12, 14, 16, 18]);
  const s = rows(p);
  assert.deepEqual([s.b.itemsIn, s.b.itemsOut, s.b.filtered, s.b.errors], [20, 8, 8, 4]);
});

test("each fused stage has its own context, onStart and onDone, once per thread that started", async () => {
  const counts = new Int32Array(new SharedArrayBuffer(16));
  const hooks = {
    ...W,
    onStart: (ctx) => void Atomics.add(ctx.counts, ctx.slot, 1),
    onDone: (ctx) => void Atomics.add(ctx.counts, ctx.slot + 1, 1),
  };
  const out = await from([1, 2, 3, 4])
    .map((x, ctx) => x * ctx.k, { ...hooks, context: { counts, k: 10, slot: 0 } })
    .map((x, ctx) => x + ctx.k, { ...hooks, context: { counts, k: 1, slot: 2 } })
    .toArray();
  assert.deepEqual(out, [11, 21, 31, 41]);
  const [start1, done1, start2, done2] = counts;
  assert.ok(start1 >= 1 && start1 <= 2);
  assert.deepEqual([done1, start2, done2], [start1, start1, start1], "every stage starts and ends in every thread that started");
});

test("take(n) after fused stages stops them: n results, and nothing keeps the process alive", async () => {
  const out = await range(0, 1e9)
    .map((x) => x * 2, W)
    .filter((x) => x % 3 === 0, W)
    .take(5)
    .toArray();
  assert.deepEqual(out, [0, 6, 12, 18, 24]);
});

test("consecutive sync stages run fused in one call: the same results and rows as async stages, errors naming the stage", async () => {
  const S = { mode: "sync" };
  const build = (opts) =>
    range(0, 3000)
      .map((x) => x * 3, { ...opts, name: "triple" })
      .filter((x) => x % 2 === 0, { ...opts, name: "even" })
      .flatMap((x) => [x, -x], { ...opts, name: "both" })
      .map(async (x) => x + 1, { ...opts, name: "inc" });
  const fused = build(S);
  assert.deepEqual(await fused.toArray(), await build({ mode: "async" }).toArray());
  const s = rows(fused);
  assert.deepEqual([s.triple.itemsIn, s.even.itemsOut, s.even.filtered, s.both.expanded, s.inc.itemsIn, s.inc.itemsOut], [3000, 1500, 1500, 1500, 3000, 3000]);
  assert.equal(s.inc.mode, "sync");

  const failing = range(0, 50)
    .map((x) => x, { ...S, name: "pass" })
    .map(
      (x) => {
        if (x === 7) throw new Error("seven");
        return x;
      },
      { ...S, name: "check" },
    );
  await assert.rejects(failing.toArray(), { stage: "check", index: 7, message: 'Stage "check" failed on item 7: seven' });
  assert.equal(rows(failing).check.errors, 1);

  const skipping = range(0, 10)
    .map((x) => x, { ...S, onError: "skip", name: "a" })
    .map(
      (x) => {
        if (x % 3 === 0) throw new Error("no");
        return x;
      },
      { ...S, onError: "skip", name: "b" },
    );
  assert.deepEqual(await skipping.toArray(), [1, 2, 4, 5, 7, 8]);
  assert.equal(rows(skipping).b.errors, 4);
});

test("fused sync stages keep their own context and hooks", async () => {
  const calls = [];
  const out = await from([1, 2])
    .map((x, ctx) => x * ctx.k, { mode: "sync", context: { k: 10 }, onStart: () => void calls.push("start a"), onDone: () => void calls.push("done a") })
    .map((x, ctx) => x + ctx.k, { mode: "sync", context: { k: 1 }, onStart: () => void calls.push("start b"), onDone: () => void calls.push("done b") })
    .toArray();
  assert.deepEqual(out, [11, 21]);
  assert.deepEqual(calls, ["start a", "start b", "done b", "done a"]);
});

test("fused stages say so in their rows, and when together they fill their threads the bottleneck says that", async () => {
  const spin = (x) => {
    const until = performance.now() + 0.2;
    while (performance.now() < until);
    return x;
  };
  const p = range(0, 600)
    .map(spin, { ...W, name: "a" })
    .map(spin, { ...W, name: "b" })
    .map(spin, { ...W, name: "c" });
  await p.run();
  const stats = p.stats();
  assert.deepEqual(
    stats.stages.map((s) => s.fused),
    [undefined, "a + b + c", "a + b + c", "a + b + c"],
  );
  assert.ok(["a", "b", "c"].includes(stats.bottleneck.stage), stats.bottleneck.stage);
  assert.match(stats.bottleneck.reason, /^a, b, c run fused in 2 worker threads, busy \d+% of the time together \(a \d+%, b \d+%, c \d+%\)/);
});

test("fused stages with different maxsize, before a slower stage, finish: the group keeps the last stage's bound", async () => {
  // The group writes into the last stage's buffer; bounded by the first's smaller maxsize it used to wait forever.
  for (const mode of ["sync", "worker"]) {
    const out = await range(7)
      .filter((x) => x % 3 !== 0, { mode, maxsize: 1 })
      .filter((x) => x % 3 !== 0, { mode, maxsize: 4 })
      .map((x) => new Promise((resolve) => setTimeout(() => resolve(x), 1)))
      .toArray();
    assert.deepEqual(out, [1, 2, 4, 5], mode);
  }
});
