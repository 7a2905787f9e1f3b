"use strict";
// The stage operations in every mode: results equal the sequential computation,
// order is kept (or not, when asked), workers get their hooks and indexes.
const { describe, test } = require("node:test");
const assert = require("node:assert/strict");
const { from, range, concat } = require("../dist");
const { MODES, sleep } = require("./helpers");

const inputs = { empty: [], short: [3, 1, 2], "0..999": Array.from({ length: 1000 }, (_, i) => i) };

for (const mode of MODES) {
  describe(`${mode} mode`, () => {
    for (const [label, input] of Object.entries(inputs)) {
      test(`identity and squares over ${label} input equal the sequential result`, async () => {
        assert.deepEqual(
          await from(input)
            .map((x) => x, { mode, workers: 3 })
            .toArray(),
          input,
        );
        assert.deepEqual(
          await from(input)
            .map((x) => x * x, { mode, workers: 3 })
            .toArray(),
          input.map((x) => x * x),
        );
      });
    }

    test("ordered output with random per-item delays and 4 workers", async () => {
      const input = Array.from({ length: 40 }, (_, i) => i);
      const delayed = (x) => {
        const ms = Math.floor(Math.random() * 15);
        // Sync mode and worker threads block; async mode yields to the event loop.
        if (typeof setTimeout === "function" && !require("node:worker_threads").threadId) {
          return new Promise((resolve) => setTimeout(() => resolve(x), ms));
        }
        Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
        return x;
      };
      assert.deepEqual(await from(input).map(delayed, { mode, workers: 4 }).toArray(), input);
    });

    test("flatMap with generators and async generators", async () => {
      const gen = function* (x) {
        for (let i = 0; i < x; i++) yield `${x}:${i}`;
      };
      const agen = async function* (x) {
        for (let i = 0; i < x; i++) {
          await null;
          yield `${x}:${i}`;
        }
      };
      const expected = ["1:0", "2:0", "2:1", "3:0", "3:1", "3:2"];
      assert.deepEqual(await from([0, 1, 2, 3]).flatMap(gen, { mode, workers: 2 }).toArray(), expected);
      assert.deepEqual(await from([0, 1, 2, 3]).flatMap(agen, { mode, workers: 2 }).toArray(), expected);
      assert.deepEqual(
        await from([[1, 2], [], [3]])
          .flatMap((xs) => xs, { mode })
          .toArray(),
        [1, 2, 3],
      );
    });

    test("filter with an async predicate", async () => {
      const odd = async (x) => {
        await null;
        return x % 2 === 1;
      };
      assert.deepEqual(await range(20).filter(odd, { mode, workers: 3 }).toArray(), [1, 3, 5, 7, 9, 11, 13, 15, 17, 19]);
    });

    test("each runs for every item, emits nothing, and run() resolves to statistics", async () => {
      const counter = new Int32Array(new SharedArrayBuffer(4));
      const stats = await range(50)
        .each((x, ctx) => Atomics.add(ctx.counter, 0, x), { mode, workers: 2, context: { counter } })
        .run();
      assert.equal(counter[0], (49 * 50) / 2);
      assert.equal(stats.status, "done");
      assert.deepEqual(
        stats.stages.map((s) => [s.name, s.itemsIn, s.itemsOut]),
        [
          ["source", 0, 50],
          ["each", 50, 0],
        ],
      );
      assert.deepEqual(
        await range(3)
          .each(() => {}, { mode })
          .toArray(),
        [],
      );
    });

    test("onStart and onDone run once per worker that started (3 and 3), also for empty input and after an early break", async () => {
      const cases = {
        "full run": (p) => p.toArray(),
        "empty input": () => null,
        "early break": async (p) => {
          for await (const x of p) if (x >= 2) break;
        },
      };
      for (const [label, consume] of Object.entries(cases)) {
        const counts = new Int32Array(new SharedArrayBuffer(8));
        const source = label === "empty input" ? [] : range(0, 1000);
        const p = (Array.isArray(source) ? from(source) : source).map((x) => x, {
          mode: mode === "sync" ? "async" : mode,
          workers: 3,
          context: { counts },
          onStart: (ctx) => void Atomics.add(ctx.counts, 0, 1),
          onDone: (ctx) => void Atomics.add(ctx.counts, 1, 1),
        });
        if (label === "empty input") await p.toArray();
        else await consume(p);
        // Worker mode starts threads as work needs them: one for empty input, all three for 1000 items.
        const expected = mode === "worker" && label === "empty input" ? [1, 1] : [3, 3];
        assert.deepEqual([...counts], expected, `${label}: onStart and onDone counts`);
      }
    });

    test("ctx.worker covers 0..workers-1 and onStart's values reach fn", async () => {
      const workers = mode === "sync" ? 1 : 3;
      // Async mode hands out a second slot only while the first is busy, so each call waits a little.
      const seen = await range(300)
        .map(
          async (x, ctx) => {
            await new Promise((resolve) => setTimeout(resolve, 1));
            return { worker: ctx.worker, tag: ctx.tag };
          },
          {
            mode,
            workers,
            onStart: (ctx) => ({ tag: `w${ctx.worker}` }),
          },
        )
        .toArray();
      const indexes = new Set(seen.map((s) => s.worker));
      assert.deepEqual(
        [...indexes].sort(),
        Array.from({ length: workers }, (_, i) => i),
      );
      for (const s of seen) assert.equal(s.tag, `w${s.worker}`);
    });

    test("context reaches the function, functions inside context included", async () => {
      const out = await range(4)
        .map((x, ctx) => ctx.scale(x) + ctx.offset, { mode, context: { offset: 100, scale: (v) => v * 10 } })
        .toArray();
      assert.deepEqual(out, [100, 110, 120, 130]);
    });
  });
}

describe("order", () => {
  test("unordered output with delays [300 ms, 10 ms] yields the fast item first (async)", async () => {
    const out = await from([300, 10])
      .map((ms) => sleep(ms).then(() => ms), { workers: 2, ordered: false })
      .toArray();
    assert.deepEqual(out, [10, 300]);
  });

  test("unordered output with delays [300 ms, 10 ms] yields the fast item first (worker)", async () => {
    const out = await from([300, 10])
      .map((ms) => new Promise((resolve) => setTimeout(() => resolve(ms), ms)), { mode: "worker", workers: 2, ordered: false })
      .toArray();
    assert.deepEqual(out, [10, 300]);
  });

  test("sync mode runs one item at a time even when workers is set", async () => {
    let running = 0;
    let most = 0;
    await range(20)
      .map(
        async (x) => {
          most = Math.max(most, ++running);
          await sleep(1);
          running--;
          return x;
        },
        { mode: "sync", workers: 8 },
      )
      .toArray();
    assert.equal(most, 1);
  });

  test("ordered() after two unordered stages restores source order, flatMap children in their parent's place", async () => {
    const jitter = async (x) => {
      await sleep(Math.random() * 10);
      return x;
    };
    const out = await range(30)
      .map(jitter, { workers: 6, ordered: false })
      .flatMap(
        async (x) => {
          await sleep(Math.random() * 5);
          return x % 3 === 0 ? [] : [x, x + 0.5];
        },
        { workers: 6, ordered: false },
      )
      .filter((x) => x !== 10, { ordered: false })
      .map(jitter, { workers: 6, ordered: false })
      .ordered()
      .toArray();
    const expected = [];
    for (let x = 0; x < 30; x++) if (x % 3 !== 0) expected.push(x, x + 0.5);
    assert.deepEqual(
      out,
      expected.filter((x) => x !== 10),
    );
  });

  test("ordered() restores order of nested flatMaps from generators", async () => {
    const out = await range(5)
      .flatMap(
        async function* (x) {
          for (let i = 0; i < x; i++) {
            await sleep(Math.random() * 3);
            yield x * 10 + i;
          }
        },
        { workers: 4, ordered: false },
      )
      .flatMap(
        async (y) => {
          await sleep(Math.random() * 3);
          return [y, -y];
        },
        { workers: 4, ordered: false },
      )
      .ordered()
      .toArray();
    const expected = [];
    for (let x = 0; x < 5; x++) for (let i = 0; i < x; i++) expected.push(x * 10 + i, -(x * 10 + i));
    assert.deepEqual(out, expected);
  });
});

describe("ordered() memory", () => {
  test("behind a slow first item, ordered() after an unordered flatMap holds a bounded number of children", async () => {
    let made = 0;
    const p = range(100000)
      .map(
        async (x) => {
          if (x === 0) await sleep(300);
          return x;
        },
        { workers: 4, ordered: false, maxsize: 3 },
      )
      .flatMap(
        function* () {
          for (let i = 0; i < 1000; i++) {
            made++;
            yield i;
          }
        },
        { ordered: false, maxsize: 3 },
      )
      .ordered();
    const iterator = p.iterate();
    const first = await iterator.next();
    assert.deepEqual(first, { done: false, value: 0 });
    assert.ok(made < 5000, `${made} children made while ordered() waited for item 0`);
    await iterator.return();
  });

  test("ordered() stays correct with tiny buffers and many unordered expansions", async () => {
    for (let round = 0; round < 5; round++) {
      const out = await range(60)
        .flatMap(
          async function* (x) {
            for (let i = 0; i < x % 4; i++) {
              if (Math.random() < 0.3) await sleep(1);
              yield x * 10 + i;
            }
          },
          { workers: 3, ordered: false, maxsize: 1 + round },
        )
        .filter((y) => y % 7 !== 0, { workers: 2, ordered: false, maxsize: 1 })
        .ordered()
        .toArray();
      const expected = [];
      for (let x = 0; x < 60; x++) for (let i = 0; i < x % 4; i++) if ((x * 10 + i) % 7 !== 0) expected.push(x * 10 + i);
      assert.deepEqual(out, expected);
    }
  });
});

describe("an ordered flatMap gives its worker back once its function has returned", () => {
  /** Rejects instead of hanging when the run deadlocks. */
  const withinSeconds = (promise, seconds) => {
    let timer;
    const deadline = new Promise((_, reject) => (timer = setTimeout(() => reject(new Error("deadlock: the run never settled")), seconds * 1000)));
    return Promise.race([promise, deadline]).finally(() => clearTimeout(timer));
  };
  // Item 2 waits for item 1 to start. Item 0 finishes at once, but its children wait behind
  // item 2: if it kept its worker, item 1 could never start (workers: 2).
  const gated = () => {
    let release;
    const gate = new Promise((resolve) => (release = resolve));
    return { gate, release };
  };

  test("children returned as an array", async () => {
    const { gate, release } = gated();
    const out = from([2, 0, 1])
      .flatMap(
        async (x) => {
          if (x === 1) release();
          if (x === 2) await gate;
          return [x, x + 10];
        },
        { workers: 2 },
      )
      .toArray();
    assert.deepEqual(await withinSeconds(out, 5), [2, 12, 0, 10, 1, 11]);
  });

  test("children from an async generator (a worker again for each pull, never more than workers at once)", async () => {
    const { gate, release } = gated();
    let running = 0;
    let most = 0;
    const out = from([2, 0, 1, 3, 4])
      .flatMap(
        async function* (x) {
          running++;
          most = Math.max(most, running);
          if (x === 1) release();
          if (x === 2) await gate;
          running--;
          yield x;
          running++;
          most = Math.max(most, running);
          await sleep(1);
          running--;
          yield x + 10;
        },
        { workers: 2 },
      )
      .toArray();
    assert.deepEqual(await withinSeconds(out, 5), [2, 12, 0, 10, 1, 11, 3, 13, 4, 14]);
    assert.ok(most <= 2, `user code ran for ${most} items at once with workers: 2`);
  });
});

describe("sources and combinators", () => {
  test("concat of two pipelines and of a pipeline with itself", async () => {
    const a = range(3);
    const b = from(["x", "y"]).map((s) => s.toUpperCase());
    assert.deepEqual((await concat(a, b).toArray()).sort(), [0, 1, 2, "X", "Y"]);
    assert.deepEqual((await concat(a, a).toArray()).sort(), [0, 0, 1, 1, 2, 2]);
    assert.deepEqual(await concat().toArray(), []);
  });

  test("take(5) of an infinite source ends, in every mode", async () => {
    for (const mode of MODES) {
      const naturals = function* () {
        for (let i = 0; ; i++) yield i;
      };
      assert.deepEqual(
        await from(naturals)
          .map((x) => x * 2, { mode, workers: 2 })
          .take(5)
          .toArray(),
        [0, 2, 4, 6, 8],
      );
    }
    assert.deepEqual(await range(0, Infinity).take(0).toArray(), []);
  });

  test("a pipeline is lazy, immutable and runs again from its source", async () => {
    let calls = 0;
    const base = range(3);
    const doubled = base.map((x) => (calls++, x * 2));
    assert.equal(calls, 0, "building runs nothing");
    assert.deepEqual(await base.toArray(), [0, 1, 2], "map() did not change the pipeline it was called on");
    assert.deepEqual(await doubled.toArray(), [0, 2, 4]);
    assert.deepEqual(await doubled.toArray(), [0, 2, 4]);
    assert.equal(calls, 6);
  });

  test("async iterables, object-mode Readables and source functions are sources", async () => {
    const { Readable } = require("node:stream");
    async function* letters() {
      yield "a";
      yield "b";
    }
    assert.deepEqual(await from(letters()).toArray(), ["a", "b"]);
    assert.deepEqual(
      await from(Readable.from([{ n: 1 }, { n: 2 }]))
        .map((o) => o.n)
        .toArray(),
      [1, 2],
    );
    assert.deepEqual(await from(() => new Set([1, 2])).toArray(), [1, 2]);
  });

  test("a generator object is read once; a second run says how to make it re-runnable", async () => {
    const p = from(
      (function* () {
        yield 1;
      })(),
    );
    assert.deepEqual(await p.toArray(), [1]);
    await assert.rejects(p.toArray(), /consumed by an earlier run.*from\(\(\) => makeSource\(\)\)/);
  });

  test("range follows Python's range", async () => {
    assert.deepEqual(await range(4).toArray(), [0, 1, 2, 3]);
    assert.deepEqual(await range(2, 5).toArray(), [2, 3, 4]);
    assert.deepEqual(await range(10, 0, -3).toArray(), [10, 7, 4, 1]);
    assert.deepEqual(await range(0, 1, 0.25).toArray(), [0, 0.25, 0.5, 0.75]);
    assert.deepEqual(await range(5, 2).toArray(), []);
    assert.throws(() => range(0, 5, 0), RangeError);
    assert.throws(() => range("3"), TypeError);
  });
});
