"use strict";
// Worker mode: functions really run on piscina threads, travel as source or as module exports.
const { test } = require("node:test");
const assert = require("node:assert/strict");
const path = require("node:path");
const { threadId } = require("node:worker_threads");
const { from, range } = require("../dist");

const fixture = path.join(__dirname, "fixtures", "math.js");

test("a worker-mode function runs off the main thread, on `workers` distinct threads", async () => {
  const ids = await range(40)
    .map(
      () => {
        Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 2);
        return require("node:worker_threads").threadId;
      },
      { mode: "worker", workers: 2 },
    )
    .toArray();
  assert.equal(threadId, 0);
  assert.ok(
    ids.every((id) => id !== 0),
    "no call on the main thread",
  );
  assert.equal(new Set(ids).size, 2);
});

test("module functions run in worker mode, by path and by file URL", async () => {
  assert.deepEqual(await range(4).map({ module: fixture, export: "square" }, { mode: "worker", workers: 2 }).toArray(), [0, 1, 4, 9]);
  const url = require("node:url").pathToFileURL(fixture).href;
  const ids = await range(3).map({ module: url, export: "threadId" }, { mode: "worker" }).toArray();
  assert.ok(ids.every((id) => id !== 0));
  // The same spec works in-process too.
  assert.deepEqual(await range(3).map({ module: fixture, export: "square" }).toArray(), [0, 1, 4]);
});

test("a module export that is not a function fails the run naming the stage", async () => {
  await assert.rejects(
    range(2).map({ module: fixture, export: "notAFunction" }, { mode: "worker" }).toArray(),
    /Stage "map\(notAFunction\)" failed: .*has no function export "notAFunction"/,
  );
});

test("code compiled by esbuild/tsx with __name(...) helpers runs in a worker", async () => {
  // What esbuild emits for `const f = (x) => { const g = () => x + 1; return g(); }` with keepNames.
  const compiled = new Function(`return (x) => { const g = /* @__PURE__ */ __name(() => x + 1, "g"); return g(); }`)();
  assert.deepEqual(await range(3).map(compiled, { mode: "worker" }).toArray(), [1, 2, 3]);
});

test("method shorthand, built-ins and require() work inline; bound functions are refused at build time", async () => {
  const helpers = {
    triple(x) {
      return x * 3;
    },
  };
  assert.deepEqual(await range(3).map(helpers.triple, { mode: "worker" }).toArray(), [0, 3, 6]);
  assert.deepEqual(await from([1, 2]).map(String, { mode: "worker" }).toArray(), ["1", "2"]);
  assert.deepEqual(await from([4, 9]).map(Math.sqrt, { mode: "worker" }).toArray(), [2, 3]);
  const digest = await from(["a"])
    .map((s) => require("node:crypto").createHash("sha1").update(s).digest("hex"), { mode: "worker" })
    .toArray();
  assert.equal(digest[0], "86f7e437faa5a7fce15d1ddcb9eaeaea377667b8");
  const bound = function (x) {
    return x + this.k;
  }.bind({ k: 1 });
  assert.throws(() => range(2).map(bound, { mode: "worker" }), /bound or native function/);
  assert.throws(() => range(2).map(class A {}, { mode: "worker" }), /is a class/);
});

test("a worker thread that exits mid-item fails the run naming the stage, and the item when it is known", async () => {
  // Slow items travel one per batch, so the item the thread was on is known.
  const slow = range(5).map(
    (x) => {
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 5);
      if (x === 2) process.exit(7);
      return x;
    },
    { mode: "worker", name: "fragile" },
  );
  await assert.rejects(slow.toArray(), (e) => e.stage === "fragile" && e.index === 2 && /worker thread 0 died: .*code: 7/.test(e.message));
  // Fast items travel in batches: which one was running is not known, so no item is blamed.
  const fast = range(10000).map(
    (x) => {
      if (x === 5000) process.exit(3);
      return x;
    },
    { mode: "worker", workers: 2, name: "fragile" },
  );
  await assert.rejects(fast.toArray(), (e) => e.stage === "fragile" && (e.index === undefined || e.index === 5000) && /died: .*code: 3/.test(e.message));
});

test("an error stops its batch at once: no item after it runs, even one that would never end", async () => {
  const calls = new Int32Array(new SharedArrayBuffer(4));
  const p = range(1000).map(
    (x, ctx) => {
      if (x === 500) throw new Error("boom");
      if (x > 500) {
        Atomics.add(ctx.calls, 0, 1);
        for (;;);
      }
      return x;
    },
    { mode: "worker", workers: 1, context: { calls } },
  );
  await assert.rejects(p.toArray(), (e) => e.index === 500 && /boom/.test(e.message));
  assert.equal(Atomics.load(calls, 0), 0);
});

test("with a timeout, a thread's start-up and onStart do not count against the first items", async () => {
  const busy = () => {
    const until = Date.now() + 300;
    while (Date.now() < until);
  };
  const out = await range(4)
    .map((x) => x, { mode: "worker", workers: 2, timeout: 100, onStart: busy })
    .toArray();
  assert.deepEqual(out, [0, 1, 2, 3]);
});

test("a thread that dies while the stage ends normally fails the run", async () => {
  const p = range(4).map((x) => x, { mode: "worker", workers: 2, onDone: (ctx) => ctx.worker === 1 && process.exit(5) });
  await assert.rejects(p.toArray(), /died: .*code: 5/);
});

test("fast items travel to the threads in batches; slow items one per message", async () => {
  const fast = await range(20000)
    .map((x) => x + 1, { mode: "worker", workers: 2 })
    .run();
  const fastStage = fast.stages[1];
  assert.equal(fastStage.itemsOut, 20000);
  assert.ok(fastStage.batches > 0 && fastStage.batches < 20000 / 10, `${fastStage.batches} batches for 20000 trivial items`);

  const slow = await range(12)
    .map(
      (x) => {
        Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 20);
        return x;
      },
      { mode: "worker", workers: 2 },
    )
    .run();
  assert.equal(slow.stages[1].batches, 12, "20 ms items are sent one by one, so they spread over the threads");
});

test("a batch never holds more items than maxsize allows", async () => {
  const seen = await range(2000)
    .map((x) => x, { mode: "worker", workers: 2, maxsize: 8 })
    .run();
  // maxsize 8 + 2 workers over 2 threads x 2 batches in flight: batches of at most 2 items.
  assert.ok(seen.stages[1].batches >= 1000, `${seen.stages[1].batches} batches`);
});

test("with transfer: true, ArrayBuffers move to the thread and back without copying", async () => {
  const item = { id: 1, samples: new Float64Array([1, 2, 3]) };
  const [result] = await from([item])
    .map(
      (x) => {
        const sum = x.samples.reduce((a, b) => a + b, 0);
        return { sum, doubled: x.samples.map((v) => v * 2) };
      },
      { mode: "worker", transfer: true },
    )
    .toArray();
  assert.equal(item.samples.byteLength, 0, "the item's buffer was detached: it moved to the thread");
  assert.equal(result.sum, 6);
  assert.deepEqual([...result.doubled], [2, 4, 6]);

  const copied = { samples: new Float64Array([1, 2]) };
  await from([copied])
    .map((x) => x.samples.length, { mode: "worker" })
    .toArray();
  assert.equal(copied.samples.byteLength, 16, "without transfer the item is copied");
});

test("an item the thread cannot read (its buffer already moved away) fails the run instead of hanging", async () => {
  const shared = new ArrayBuffer(8);
  const p = from([new Uint8Array(shared), new Uint8Array(shared)]).map((x) => x.length, { mode: "worker", workers: 2, transfer: true });
  await assert.rejects(p.toArray(), (e) => e.index === 1 && /detached/.test(e.message));
});

test("threads start as work needs them: 3 items with workers: 16 start at most 3 threads", async () => {
  const counts = new Int32Array(new SharedArrayBuffer(4));
  const out = await from([1, 2, 3])
    .map(
      async (x) => {
        await new Promise((r) => setTimeout(r, 20));
        return x * 2;
      },
      { mode: "worker", workers: 16, context: { counts }, onStart: (ctx) => void Atomics.add(ctx.counts, 0, 1) },
    )
    .toArray();
  assert.deepEqual(out, [2, 4, 6]);
  assert.ok(counts[0] >= 1 && counts[0] <= 3, `${counts[0]} threads started`);
});
