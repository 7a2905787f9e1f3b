"use strict";
// The cases of our peers' own suites where pipelab claims their semantics: Node's stream
// iterator helpers (test/parallel/test-stream-{map,filter,flatMap}.js: `map(fn, { concurrency })`
// is `map(fn, { workers })` here) and p-map's test suite (`pMap(input, fn, { concurrency })`).
// Ported case by case, as pipelab spells them; each names the case it comes from.
const { describe, test } = require("node:test");
const assert = require("node:assert/strict");
const { Readable } = require("node:stream");
const { from, range, ErrorCode } = require("../dist");
const { sleep } = require("./helpers");

describe("Node's stream helpers: map", () => {
  test("map works on synchronous streams with a synchronous mapper", async () => {
    assert.deepEqual(
      await from(Readable.from([1, 2, 3, 4, 5]))
        .map((x) => x + x)
        .toArray(),
      [2, 4, 6, 8, 10],
    );
  });

  test("map works on synchronous streams with an asynchronous mapper", async () => {
    const out = await from(Readable.from([1, 2, 3, 4, 5]))
      .map(async (x) => {
        await Promise.resolve();
        return x + x;
      })
      .toArray();
    assert.deepEqual(out, [2, 4, 6, 8, 10]);
  });

  test("map works on asynchronous streams with an asynchronous mapper, concurrency 2", async () => {
    async function* source() {
      yield* [1, 2, 3, 4, 5];
    }
    const out = await from(source())
      .map(
        async (x) => {
          await sleep(x % 2 ? 10 : 1);
          return x + x;
        },
        { workers: 2 },
      )
      .toArray();
    assert.deepEqual(out, [2, 4, 6, 8, 10]);
  });

  test("map works on an infinite stream (with take)", async () => {
    const out = await from(function* () {
      for (let i = 1; ; i++) yield i;
    })
      .map(async (x) => x + x, { workers: 2 })
      .take(5)
      .toArray();
    assert.deepEqual(out, [2, 4, 6, 8, 10]);
  });

  test("an error thrown during map rejects the consumer with it", async () => {
    const p = from([1, 2, 3, 4, 5]).map(
      async (x) => {
        if (x === 3) throw new Error("boom");
        return x;
      },
      { workers: 2 },
    );
    await assert.rejects(p.toArray(), (e) => e.cause.message === "boom" && e.index === 2);
  });

  test("concurrency + AbortSignal: aborting while mappers run rejects with an AbortError and calls no more", async () => {
    const controller = new AbortController();
    let calls = 0;
    const p = range(0, 100).map(
      async (x, ctx) => {
        calls++;
        await new Promise((resolve) => {
          const timer = setTimeout(resolve, 1000);
          ctx.signal.addEventListener("abort", () => (clearTimeout(timer), resolve()), { once: true });
        });
        return x;
      },
      { workers: 2 },
    );
    setTimeout(() => controller.abort(), 20);
    await assert.rejects(p.toArray({ signal: controller.signal }), { name: "AbortError", code: ErrorCode.Aborted });
    assert.equal(calls, 2, "the two in flight, nothing after");
  });

  test("error cases: a mapper that is not a function, a bad concurrency", () => {
    assert.throws(() => range(1).map(0), TypeError);
    assert.throws(() => range(1).map((x) => x, { workers: "Foo" }), RangeError);
    assert.throws(() => range(1).map((x) => x, { workers: -1 }), RangeError);
    assert.throws(() => range(1).map((x) => x, 1), TypeError);
  });

  test("a later item whose promise waits for the one before it does not deadlock (createDependentPromises)", async () => {
    const n = 10;
    const resolvers = [];
    const promises = Array.from({ length: n }, (_, i) => new Promise((resolve) => (resolvers[i] = resolve)));
    const out = from(Array.from({ length: n }, (_, i) => i))
      .map(
        async (i) => {
          if (i > 0) await promises[i - 1];
          resolvers[i](i);
          return i;
        },
        { workers: 3 },
      )
      .toArray();
    assert.deepEqual(
      await out,
      Array.from({ length: n }, (_, i) => i),
    );
  });
});

describe("Node's stream helpers: filter and flatMap", () => {
  test("filter works with a synchronous and an asynchronous predicate, and keeps order under concurrency", async () => {
    assert.deepEqual(
      await from([1, 2, 3, 4, 5])
        .filter((x) => x > 3)
        .toArray(),
      [4, 5],
    );
    const out = await from([1, 2, 3, 4, 5])
      .filter(
        async (x) => {
          await sleep(6 - x);
          return x > 3;
        },
        { workers: 2 },
      )
      .toArray();
    assert.deepEqual(out, [4, 5]);
  });

  test("flatMap works on sync iterables, arrays, generators and async generators", async () => {
    assert.deepEqual(
      await from([1, 2, 3])
        .flatMap((x) => [x, x])
        .toArray(),
      [1, 1, 2, 2, 3, 3],
    );
    assert.deepEqual(
      await from([1, 2, 3])
        .flatMap(function* (x) {
          yield x;
          yield x;
        })
        .toArray(),
      [1, 1, 2, 2, 3, 3],
    );
    assert.deepEqual(
      await from([1, 2, 3])
        .flatMap(
          async function* (x) {
            yield x;
            await sleep(1);
            yield x;
          },
          { workers: 2 },
        )
        .toArray(),
      [1, 1, 2, 2, 3, 3],
    );
  });

  test("flatMap of strings yields their characters, as iteration does", async () => {
    assert.deepEqual(
      await from(["ab", "c"])
        .flatMap((s) => s)
        .toArray(),
      ["a", "b", "c"],
    );
  });

  test("flatMap with concurrency keeps each item's children together and in order", async () => {
    const out = await from([3, 1, 2])
      .flatMap(
        async (x) => {
          await sleep(x * 5);
          return [x, x * 10];
        },
        { workers: 3 },
      )
      .toArray();
    assert.deepEqual(out, [3, 30, 1, 10, 2, 20]);
  });

  test("flatMap of something that is not iterable is an error", async () => {
    await assert.rejects(
      from([1])
        .flatMap(() => 5)
        .toArray(),
      /a flatMap function must return an iterable or async iterable, got number/,
    );
  });
});

describe("p-map's suite", () => {
  const input = [
    [10, 300],
    [20, 200],
    [30, 100],
  ];
  const mapper = async ([value, ms]) => {
    await sleep(ms / 10);
    return value;
  };

  test("main: results in input order", async () => {
    assert.deepEqual(await from(input).map(mapper, { workers: 3 }).toArray(), [10, 20, 30]);
  });

  test("concurrency: 1 runs one at a time; concurrency: 4 never more than 4", async () => {
    for (const workers of [1, 4]) {
      let running = 0;
      let most = 0;
      await range(0, 20)
        .map(
          async () => {
            most = Math.max(most, ++running);
            await sleep(Math.random() * 5);
            running--;
          },
          { workers },
        )
        .run({ progress: false });
      assert.equal(most, workers);
    }
  });

  test("handles an empty iterable", async () => {
    assert.deepEqual(await from([]).map(mapper, { workers: 2 }).toArray(), []);
  });

  test("async with concurrency 2, random time sequence: same results, in order", async () => {
    const values = Array.from({ length: 30 }, (_, i) => i);
    const out = await from(values)
      .map(
        async (x) => {
          await sleep(Math.random() * 8);
          return x;
        },
        { workers: 2 },
      )
      .toArray();
    assert.deepEqual(out, values);
  });

  test("enforce a whole number of at least 1 for the concurrency", () => {
    for (const workers of [0, 1.5, "2", Infinity]) assert.throws(() => range(1).map((x) => x, { workers }), RangeError, String(workers));
  });

  test("rejects at the first error (stopOnError), and calls nothing after it", async () => {
    let calls = 0;
    const p = range(0, 1000).map(
      async (x) => {
        calls++;
        await sleep(1);
        if (x === 3) throw new Error("foo");
        return x;
      },
      { workers: 2 },
    );
    await assert.rejects(p.toArray(), (e) => e.cause.message === "foo" && e.index === 3);
    const after = calls;
    await sleep(20);
    assert.equal(calls, after, "no call after the run failed");
    assert.ok(after < 10);
  });

  test("stopOnError: false keeps going and reports every failure (onError: collect)", async () => {
    const p = range(0, 6).map(
      async (x) => {
        if (x % 2) throw new Error(`odd ${x}`);
        return x;
      },
      { workers: 2, onError: "collect" },
    );
    assert.deepEqual(await p.toArray(), [0, 2, 4]);
    assert.deepEqual(
      p.stats().failures.map((f) => [f.index, f.error.cause.message]),
      [
        [1, "odd 1"],
        [3, "odd 3"],
        [5, "odd 5"],
      ],
    );
  });

  test("aborts when the signal aborts", async () => {
    const controller = new AbortController();
    const p = range(0, 100).map(() => sleep(10), { workers: 2 });
    setTimeout(() => controller.abort(new Error("stop")), 15);
    await assert.rejects(p.toArray({ signal: controller.signal }), { name: "AbortError" });
  });

  test("an already aborted signal rejects at once", async () => {
    let calls = 0;
    const p = range(0, 10).map(() => calls++, { workers: 2 });
    await assert.rejects(p.toArray({ signal: AbortSignal.abort() }), { name: "AbortError" });
    assert.equal(calls, 0);
  });
});
