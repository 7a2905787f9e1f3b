"use strict";
// The `rate` stage option: at most `rate` calls started per second by a stage, across its
// workers, with a burst of at most `workers` (issue 17). Only lower bounds on time here.
const { test } = require("node:test");
const assert = require("node:assert/strict");
const { range } = require("../dist");
const { MODES, runChild } = require("./helpers");

/** A stage function that notes when each call started (main-thread modes). */
function recorder() {
  const starts = [];
  return { starts, fn: (x) => void starts.push(performance.now()) || x };
}

test("rate: 10 on 20 items with 4 workers: after a burst of 4, one call every 100 ms", async () => {
  const { starts, fn } = recorder();
  const began = performance.now();
  const p = range(20).map(fn, { rate: 10, workers: 4, name: "api" });
  assert.deepEqual(await p.toArray(), [...Array(20).keys()]);
  // The k-th call (from 0) cannot start before (k - 3) / 10 s: 4 at once, then 10 per second.
  starts.forEach((at, k) => assert.ok(at - began >= Math.max(0, (k - 3) * 100) - 5, `call ${k} started at ${Math.round(at - began)} ms`));
  assert.ok(performance.now() - began >= 1600 - 5);
  const row = p.stats().stages[1];
  assert.ok(row.waitingMs >= 1400, `waiting for the rate counts as waiting: ${row.waitingMs} ms`);
  assert.ok(row.busyMs < row.waitingMs, "and not as busy");
});

test("the rate holds in every mode", async () => {
  for (const mode of MODES) {
    const began = performance.now();
    await range(12)
      .map((x) => x, { mode, rate: 40, workers: 2 })
      .run({ progress: false });
    // 2 at once, then 10 more at 40 per second: at least 250 ms.
    assert.ok(performance.now() - began >= 245, `${mode}: ${Math.round(performance.now() - began)} ms`);
  }
});

test("retries are calls: they wait for their turn too", async () => {
  const tries = new Map();
  const began = performance.now();
  const out = await range(10)
    .map(
      (x) => {
        tries.set(x, (tries.get(x) ?? 0) + 1);
        if (tries.get(x) === 1) throw new Error("first try fails");
        return x;
      },
      { rate: 40, retries: 1 },
    )
    .toArray();
  assert.deepEqual(out, [...Array(10).keys()]);
  // 20 calls, 1 at once then 40 per second: at least 19 / 40 s.
  assert.ok(performance.now() - began >= 475 - 5, `${Math.round(performance.now() - began)} ms`);
});

test("a stage with a rate is not fused with its neighbours", async () => {
  const W = { mode: "worker", workers: 2 };
  const p = range(10)
    .map((x) => x + 1, { ...W, rate: 1000 })
    .map((x) => x * 2, W);
  assert.deepEqual(await p.toArray(), [2, 4, 6, 8, 10, 12, 14, 16, 18, 20]);
  assert.ok(p.stats().stages.every((s) => s.fused === undefined));
});

test("a run cancelled while waiting for its rate stops at once, and the process exits by itself", async () => {
  const result = await runChild(`
    const started = Date.now();
    pipelab.range(100).map((x) => x, { rate: 1 }).toArray({ signal: AbortSignal.timeout(300), progress: false })
      .catch((e) => console.log(e.name, Date.now() - started < 3000));
  `);
  assert.equal(result.timedOut, false, "the process exited by itself");
  assert.equal(result.stdout.trim(), "AbortError true");
});

test("a bad rate is a RangeError (a number) or a TypeError (another type) naming the option", () => {
  for (const rate of [0, -1, NaN, Infinity, "10"]) {
    assert.throws(
      () => range(3).map((x) => x, { rate }),
      { name: typeof rate === "number" ? "RangeError" : "TypeError", message: /option "rate" must be a positive number of calls per second/ },
      String(rate),
    );
  }
});

test("a stage held back by its rate is the bottleneck, and its row says how long it waited for its turns", async () => {
  const stats = await range(20)
    .map((x) => x, { rate: 50, name: "rl" })
    .map((x) => x + 1, { name: "after" })
    .run({ progress: false });
  const rl = stats.stages.find((s) => s.name === "rl");
  assert.equal(rl.rate, 50);
  assert.ok(rl.rateWaitMs > 250 && rl.rateWaitMs <= rl.waitingMs, `rateWaitMs ${rl.rateWaitMs}, waitingMs ${rl.waitingMs}`);
  assert.equal(stats.bottleneck.stage, "rl", stats.toString());
  assert.match(stats.bottleneck.reason, /its rate \(50 calls\/s\) held it back \d+% of the time/);
  assert.equal(stats.stages.find((s) => s.name === "after").rateWaitMs, undefined);
});
