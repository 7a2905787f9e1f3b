"use strict";
// onError, retries and failures: what a failing item does to the run, in every mode, and the accounting that proves nothing vanished.
const { test, describe } = require("node:test");
const assert = require("node:assert/strict");
const { from, range, StageError, TimeoutError } = require("../dist");
const { MODES } = require("./helpers");

/** Every source item is emitted, filtered, expanded or failed: nothing vanishes. */
function assertAccounted(stats) {
  for (const s of stats.stages) {
    if (s.mode === "source") continue;
    const accounted = s.itemsOut + s.filtered + s.errors + s.inFlight;
    if (s.expanded === 0)
      assert.equal(
        s.itemsIn,
        accounted,
        `${s.name}: in ${s.itemsIn} = out ${s.itemsOut} + filtered ${s.filtered} + errors ${s.errors} + inFlight ${s.inFlight}`,
      );
    assert.equal(s.inFlight, 0, `${s.name}: nothing left in flight after a finished run`);
  }
}

const failOnMultiplesOf7 = (x) => {
  if (x % 7 === 0) throw new Error(`bad item ${x}`);
  return x * 2;
};

for (const mode of MODES) {
  describe(`${mode} mode`, () => {
    test("onError: skip drops failing items, counts them and the run goes on", async () => {
      const p = range(0, 100).map(failOnMultiplesOf7, { mode, workers: 2, onError: "skip", name: "double" });
      const out = await p.toArray({ progress: false });
      const expected = Array.from({ length: 100 }, (_, i) => i)
        .filter((x) => x % 7 !== 0)
        .map((x) => x * 2);
      assert.deepEqual(out, expected);
      const stats = p.stats();
      assert.equal(stats.status, "done");
      assert.equal(stats.stages[1].errors, 15);
      assert.deepEqual(stats.failures, [], "skip keeps no failures");
      assertAccounted(stats);
    });

    test("onError: collect keeps { stage, index, item, error } for every failed item", async () => {
      const p = range(0, 30).map(failOnMultiplesOf7, { mode, workers: 2, onError: "collect", name: "double" });
      const out = await p.toArray({ progress: false });
      assert.equal(out.length, 30 - 5);
      const { failures, failuresDropped } = p.stats();
      assert.equal(failuresDropped, 0);
      // Kept in the order they failed, which across workers is not item order.
      const seen = failures.map((f) => [f.stage, f.index, f.item]).sort((a, b) => a[1] - b[1]);
      assert.deepEqual(
        seen,
        [0, 7, 14, 21, 28].map((x) => ["double", x, x]),
      );
      for (const f of failures) {
        assert.ok(f.error instanceof StageError);
        assert.match(f.error.message, new RegExp(`Stage "double" failed on item ${f.index}: bad item ${f.item}`));
      }
      assertAccounted(p.stats());
    });

    test("maxFailures bounds what collect keeps; the rest are counted", async () => {
      const p = range(0, 100).map(failOnMultiplesOf7, { mode, onError: "collect", maxFailures: 3 });
      await p.run({ progress: false });
      const stats = p.stats();
      assert.equal(stats.failures.length, 3);
      assert.equal(stats.failuresDropped, 12);
      assert.equal(stats.stages[1].errors, 15);
    });

    test("retries: an item that fails twice then succeeds is retried, not failed", async () => {
      // Attempts are counted per item in the item itself, so the function stays self-contained for worker mode.
      const flaky = (item) => {
        const key = `${item.mode}:${item.id}`;
        const seen = (globalThis.__seen ??= new Map()).get(key) ?? 0;
        globalThis.__seen.set(key, seen + 1);
        if (item.id % 5 === 0 && seen < 2) throw new Error(`flaky ${item.id}`);
        return item.id;
      };
      const p = range(0, 20)
        .map((id) => ({ id, mode }))
        .map(flaky, { mode, retries: 2 });
      const out = await p.toArray({ progress: false });
      assert.deepEqual(
        out.sort((a, b) => a - b),
        Array.from({ length: 20 }, (_, i) => i),
      );
      const stage = p.stats().stages[2];
      assert.equal(stage.retries, 8);
      assert.equal(stage.errors, 0);
    });

    test("an item that fails after its retries follows onError; the default fails the run naming stage and item", async () => {
      const always = (x) => {
        if (x === 3) throw new Error("never works");
        return x;
      };
      const p = range(0, 10).map(always, { mode, retries: 2, name: "picky" });
      await assert.rejects(p.toArray({ progress: false }), (error) => {
        assert.ok(error instanceof StageError);
        assert.match(error.message, /Stage "picky" failed on item 3: never works/);
        return true;
      });
      assert.equal(p.stats().stages[1].retries, 2);
      const skipped = range(0, 10).map(always, { mode, retries: 2, onError: "skip" });
      assert.deepEqual(await skipped.toArray({ progress: false }), [0, 1, 2, 4, 5, 6, 7, 8, 9]);
    });
  });
}

describe("timeouts obey onError", () => {
  test("async: a hung item is given up, its ctx.signal aborted, and the run goes on", async () => {
    const aborted = [];
    const p = range(0, 6).map(
      (x, ctx) =>
        new Promise((resolve) => {
          if (x !== 2) return resolve(x);
          ctx.signal.addEventListener("abort", () => aborted.push(x));
        }),
      { workers: 2, timeout: 100, onError: "collect" },
    );
    assert.deepEqual(await p.toArray({ progress: false }), [0, 1, 3, 4, 5]);
    assert.deepEqual(aborted, [2]);
    const [failure] = p.stats().failures;
    assert.equal(failure.index, 2);
    assert.ok(failure.error instanceof TimeoutError, "the failure is the TimeoutError, which names stage and item");
  });

  test("worker: a thread stuck in an item is replaced and the run goes on", async () => {
    const p = range(0, 6).map(
      (x) => {
        if (x === 2) for (;;);
        return x;
      },
      { mode: "worker", workers: 2, timeout: 400, onError: "skip" },
    );
    assert.deepEqual(await p.toArray({ progress: false }), [0, 1, 3, 4, 5]);
    assert.equal(p.stats().stages[1].errors, 1);
  });
});

describe("flatMap and ordered() with skipped items", () => {
  test("a skipped flatMap item keeps the children it wrote; ordered() still releases everything", async () => {
    const out = await range(0, 6)
      .flatMap(
        function* (x) {
          yield `${x}a`;
          if (x === 2) throw new Error("half way");
          yield `${x}b`;
        },
        { onError: "skip", ordered: false, workers: 3 },
      )
      .map((s) => s, { ordered: false, workers: 2 })
      .ordered()
      .toArray({ progress: false });
    assert.deepEqual(out, ["0a", "0b", "1a", "1b", "2a", "3a", "3b", "4a", "4b", "5a", "5b"]);
  });

  test("filters and maps after a skipping stage see only the survivors, in order", async () => {
    const p = range(0, 50)
      .map(failOnMultiplesOf7, { onError: "skip", ordered: false, workers: 4 })
      .filter((x) => x % 4 === 0)
      .ordered();
    const expected = Array.from({ length: 50 }, (_, i) => i)
      .filter((x) => x % 7 !== 0)
      .map((x) => x * 2)
      .filter((x) => x % 4 === 0);
    assert.deepEqual(await p.toArray({ progress: false }), expected);
  });
});

describe("bad options", () => {
  test("are TypeErrors and RangeErrors naming the option", () => {
    const p = from([1]);
    assert.throws(() => p.map((x) => x, { onError: "ignore" }), { name: "TypeError", message: /option "onError" must be one of "raise", "skip", "collect"/ });
    assert.throws(() => p.map((x) => x, { retries: -1 }), { name: "RangeError", message: /option "retries" must be a non-negative integer/ });
    assert.throws(() => p.map((x) => x, { retries: 1.5 }), { name: "RangeError", message: /"retries"/ });
    assert.throws(() => p.map((x) => x, { retryDelay: -5 }), { name: "RangeError", message: /option "retryDelay"/ });
    assert.throws(() => p.map((x) => x, { maxFailures: "10" }), { name: "RangeError", message: /option "maxFailures"/ });
    assert.throws(() => p.map((x) => x, { mode: "worker", retries: 1, transfer: true }), {
      name: "TypeError",
      message: /"retries" and "transfer" cannot be used together/,
    });
    assert.throws(() => p.map((x) => x, { resourceLimits: { maxOldGenerationSizeMb: 32 } }), { name: "TypeError", message: /use it with mode: "worker"/ });
    assert.throws(() => p.map((x) => x, { mode: "worker", resourceLimits: { heapMb: 32 } }), { name: "TypeError", message: /unknown resource limit "heapMb"/ });
    assert.throws(() => p.map((x) => x, { mode: "worker", resourceLimits: { maxOldGenerationSizeMb: 0 } }), {
      name: "RangeError",
      message: /must be a positive number/,
    });
  });
});
