"use strict";
// Backpressure holds memory flat; stopping early stops every stage; a process that
// used pipelab exits by itself after any outcome.
const { describe, test } = require("node:test");
const assert = require("node:assert/strict");
const { range } = require("../dist");
const { MODES, sleep, runChild } = require("./helpers");

for (const mode of MODES) {
  describe(`${mode} mode`, () => {
    test("backpressure: with maxsize 3 and one item consumed, at most maxsize + workers + 1 calls after a pause", async () => {
      const workers = mode === "sync" ? 1 : 2;
      const calls = new Int32Array(new SharedArrayBuffer(4));
      const iterator = range(0, Infinity)
        .map((x, ctx) => (Atomics.add(ctx.calls, 0, 1), x), { mode, workers, maxsize: 3, context: { calls } })
        .iterate();
      assert.deepEqual(await iterator.next(), { done: false, value: 0 });
      await sleep(150);
      const made = Atomics.load(calls, 0);
      assert.ok(made <= 3 + workers + 1, `${made} calls with maxsize 3 and ${workers} workers`);
      assert.ok(made >= 3, "the stage did work ahead up to its buffer");
      await iterator.return();
    });

    test("after an early break no stage function is called again", async () => {
      const calls = new Int32Array(new SharedArrayBuffer(4));
      const p = range(0, Infinity)
        .map((x, ctx) => (Atomics.add(ctx.calls, 0, 1), x), { mode, workers: 2, context: { calls } })
        .map((x, ctx) => (Atomics.add(ctx.calls, 0, 1), x), { mode, workers: 2, context: { calls } });
      for await (const x of p) if (x === 10) break;
      const after = Atomics.load(calls, 0);
      await sleep(50);
      assert.equal(Atomics.load(calls, 0), after);
    });
  });
}

describe("a child Node process exits on its own", () => {
  const scenarios = {
    "early break from a worker-mode pipeline": `
      (async () => {
        for await (const x of pipelab.range(0, Infinity).map((x) => x * 2, { mode: "worker", workers: 2 })) if (x > 100) break;
        console.log("broke");
      })();`,
    "early break from an async pipeline with slow items in flight": `
      (async () => {
        const p = pipelab.range(0, Infinity).map((x, ctx) => new Promise((r) => { const t = setTimeout(r, 60000, x); ctx.signal.addEventListener("abort", () => { clearTimeout(t); r(x); }); }), { workers: 4 });
        const it = p.iterate();
        setTimeout(() => it.return().then(() => console.log("broke")), 50);
        await it.next();
      })();`,
    "take(3) after a worker stage over an infinite source": `
      pipelab.range(0, Infinity).map((x) => x, { mode: "worker", workers: 2 }).take(3).toArray().then((xs) => console.log(xs.join(",")));`,
    "a failing worker stage": `
      pipelab.range(100).map((x) => { if (x === 7) throw new Error("boom"); return x; }, { mode: "worker", workers: 2 }).toArray().catch((e) => console.log(e.message));`,
    "a worker stuck in an endless loop, stopped by timeout": `
      pipelab.range(3).map((x) => { for (;;); }, { mode: "worker", timeout: 100 }).toArray().catch((e) => console.log(e.name));`,
    "an aborted signal while workers are busy": `
      pipelab.range(100).map((x) => { Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 200); return x; }, { mode: "worker", workers: 2 })
        .toArray({ signal: AbortSignal.timeout(50) }).catch((e) => console.log(e.name));`,
  };
  for (const [label, code] of Object.entries(scenarios)) {
    test(label, async () => {
      const result = await runChild(code, 8000);
      assert.equal(result.timedOut, false, `did not exit within 8 s; stdout: ${result.stdout} stderr: ${result.stderr}`);
      assert.equal(result.code, 0, result.stderr);
      assert.notEqual(result.stdout.trim(), "", "the scenario reached its end");
    });
  }
});
