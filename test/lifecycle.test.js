"use strict";
// Backpressure holds memory flat; stopping early stops every stage; a process that
// used pipelab exits by itself after any outcome.
const { describe, test } = require("node:test");
const assert = require("node:assert/strict");
const { from, range, concat } = require("../dist");
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

    test("backpressure: a flatMap generator makes at most maxsize + workers + 1 children after a pause", async () => {
      const workers = mode === "sync" ? 1 : 2;
      const made = new Int32Array(new SharedArrayBuffer(4));
      const iterator = range(0, 1000)
        .flatMap(
          function* (x, ctx) {
            for (let i = 0; i < 50; i++) {
              Atomics.add(ctx.made, 0, 1);
              yield i;
            }
          },
          { mode: mode === "worker" ? "async" : mode, workers, maxsize: 3, context: { made } },
        )
        .iterate();
      await iterator.next();
      await sleep(150);
      assert.ok(Atomics.load(made, 0) <= 3 + workers + 1, `${Atomics.load(made, 0)} children made`);
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

describe("stopping while parts are busy", () => {
  test("breaking out while an async source waits for its next item ends the loop and destroys a stream source", async () => {
    const { PassThrough } = require("node:stream");
    const stream = new PassThrough({ objectMode: true });
    stream.write({ n: 1 }); // more would come later: the stream stays open
    const seen = [];
    for await (const x of from(stream).map((x) => x.n)) {
      seen.push(x);
      break;
    }
    assert.deepEqual(seen, [1]);
    assert.equal(stream.destroyed, true);
    const stuck = from(async function* () {
      yield 1;
      await new Promise(() => {});
    });
    // Not AbortSignal.timeout(): its timer is unref'd, and nothing else here keeps the process alive.
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 100);
    await assert.rejects(stuck.toArray({ signal: controller.signal }), { name: "AbortError" });
  });

  test("a run of synchronous functions still lets timers fire, so AbortSignal.timeout() stops it", async () => {
    let fired = false;
    setTimeout(() => (fired = true), 5);
    const p = range(0, Infinity)
      .map((x) => x + 1)
      .filter((x) => x % 2 === 0);
    await assert.rejects(p.run({ signal: AbortSignal.timeout(50) }), { name: "AbortError" });
    assert.equal(fired, true);
  });

  test("a slow synchronous stage hands over its first result before it has filled its buffer", async () => {
    let calls = 0;
    const slow = (x) => {
      calls++;
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 10);
      return x;
    };
    const iterator = range(100).map(slow, { mode: "sync" }).iterate();
    await iterator.next();
    assert.ok(calls < 10, `${calls} calls before the first result`);
    await iterator.return();
  });

  test("onDone runs for every worker whose onStart finished, when the run stops during start-up", async () => {
    for (const mode of ["async", "worker"]) {
      const counts = new Int32Array(new SharedArrayBuffer(8));
      const hooks = {
        mode,
        workers: 2,
        context: { counts },
        onStart: async (ctx) => {
          await new Promise((resolve) => setTimeout(resolve, 100));
          Atomics.add(ctx.counts, 0, 1);
        },
        onDone: (ctx) => void Atomics.add(ctx.counts, 1, 1),
      };
      assert.deepEqual(
        await range(10)
          .map((x) => x)
          .map((x) => x, hooks)
          .take(0)
          .toArray(),
        [],
      );
      // Worker mode starts its second thread only when work needs it: take(0) never does.
      assert.deepEqual([...counts], mode === "worker" ? [1, 1] : [2, 2], `${mode}: take(0) during onStart`);
    }
    const counts = new Int32Array(new SharedArrayBuffer(8));
    const p = range(10).map((x) => x, {
      workers: 2,
      context: { counts },
      onStart: async (ctx) => {
        if (ctx.worker === 0) throw new Error("no connection");
        await new Promise((resolve) => setTimeout(resolve, 50));
        Atomics.add(ctx.counts, 0, 1);
      },
      onDone: (ctx) => void Atomics.add(ctx.counts, 1, 1),
    });
    await assert.rejects(p.toArray(), /no connection/);
    assert.deepEqual([...counts], [1, 1], "the worker whose onStart succeeded ran onDone");
  });

  test("an onDone error inside concat() reaches the consumer after an early stop", async () => {
    const failing = range(0, Infinity).map((x) => x, {
      onDone: () => {
        throw new Error("flush failed");
      },
    });
    await assert.rejects(concat(failing, range(3)).take(2).toArray(), /onDone failed in worker 0: flush failed/);
    const broken = async () => {
      for await (const x of concat(failing)) break;
    };
    await assert.rejects(broken(), /flush failed/);
  });
});

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
    "an item that cannot be sent to a worker stage with a long timeout": `
      const moved = new ArrayBuffer(8);
      structuredClone(moved, { transfer: [moved] });
      pipelab.from([1, 2, { buf: moved }, 4]).map((x) => x, { mode: "worker", workers: 1, timeout: 60000 }).toArray().catch((e) => console.log(e.index));`,
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

test("16 calls in flight that listen to ctx.signal raise no MaxListenersExceededWarning", async () => {
  const result = await runChild(`
    const { setTimeout: sleep } = require("node:timers/promises");
    pipelab.range(50).map(async (x, ctx) => { await sleep(5, null, { signal: ctx.signal }); return x; }, { workers: 16 })
      .run({ progress: false }).then(() => console.log("done"));
  `);
  assert.equal(result.timedOut, false);
  assert.equal(result.stdout.trim(), "done");
  assert.doesNotMatch(result.stderr, /MaxListenersExceededWarning/);
});
