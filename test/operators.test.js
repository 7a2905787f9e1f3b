"use strict";
// batch, drop, distinct, reduce and count: what they give in every position, with unordered stages and ordered(),
// with take and cancellation; their rows in the statistics; the errors of bad input; and nothing left running.
const { describe, test } = require("node:test");
const assert = require("node:assert/strict");
const fc = require("fast-check");
const { AbortError, from, range, StageError } = require("../dist");
const { statsHtml } = require("../dist/display/stats-html");
const { chartSpec } = require("../dist/display/chart-specs");
const { MODES, runChild, sleep } = require("./helpers");

const chunks = (items, size) => Array.from({ length: Math.ceil(items.length / size) }, (_, i) => items.slice(i * size, (i + 1) * size));
const numbers = (n) => Array.from({ length: n }, (_, i) => i);
/** Items finish out of order: each waits a little, by item (self-contained, so worker threads can run it). */
const jumbled = async (x) => {
  await new Promise((resolve) => setTimeout(resolve, (x * 7) % 5));
  return x;
};

/** Each row: in = out + filtered + errors + inFlight (a flatMap's: in = expanded + errors + inFlight). */
function assertAccounts(stats) {
  for (const s of stats.stages.slice(1)) {
    const settled = s.name.startsWith("flatMap") ? s.expanded : s.itemsOut + s.filtered;
    assert.equal(s.itemsIn, settled + s.errors + s.inFlight, `${s.name}: in ${s.itemsIn} = out/expanded + filtered + errors + inFlight`);
  }
}

describe("batch", () => {
  test("groups consecutive items into arrays of size, the last one shorter, never an empty one", async () => {
    assert.deepEqual(await range(10).batch(4).toArray(), [
      [0, 1, 2, 3],
      [4, 5, 6, 7],
      [8, 9],
    ]);
    assert.deepEqual(await range(8).batch(4).toArray(), [
      [0, 1, 2, 3],
      [4, 5, 6, 7],
    ]);
    assert.deepEqual(await from([]).batch(3).toArray(), []);
    assert.deepEqual(await range(3).batch(1).toArray(), [[0], [1], [2]]);
  });

  for (const mode of MODES) {
    test(`after and before a ${mode} stage, and after a ${mode} filter and flatMap`, async () => {
      const after = await range(50)
        .map((x) => x + 1, { mode, workers: 2 })
        .batch(7)
        .toArray();
      assert.deepEqual(
        after,
        chunks(
          numbers(50).map((x) => x + 1),
          7,
        ),
      );
      const before = await range(50)
        .batch(7)
        .map((b) => b.length, { mode, workers: 2 })
        .toArray();
      assert.deepEqual(before, [7, 7, 7, 7, 7, 7, 7, 1]);
      const reshaped = await range(30)
        .filter((x) => x % 3 !== 0, { mode })
        .flatMap((x) => [x, -x], { mode })
        .batch(4)
        .toArray();
      assert.deepEqual(
        reshaped,
        chunks(
          numbers(30)
            .filter((x) => x % 3 !== 0)
            .flatMap((x) => [x, -x]),
          4,
        ),
      );
    });
  }

  test("then a worker-mode map over the arrays, then flatMap back out to items", async () => {
    const out = await range(100)
      .batch(8)
      .map((b) => b.map((x) => x * x), { mode: "worker", workers: 2 })
      .flatMap((b) => b)
      .toArray();
    assert.deepEqual(
      out,
      numbers(100).map((x) => x * x),
    );
  });

  test("after unordered stages, ordered() gives what the pipeline gives with every stage ordered", async () => {
    const p = range(60)
      .map(jumbled, { workers: 4, ordered: false })
      .filter((x) => x % 5 !== 0, { workers: 3, ordered: false })
      .flatMap(async (x) => ((await jumbled(x)) % 4 === 0 ? [] : [x, x + 0.5]), { workers: 3, ordered: false })
      .batch(3);
    const expected = chunks(
      numbers(60)
        .filter((x) => x % 5 !== 0)
        .flatMap((x) => (x % 4 === 0 ? [] : [x, x + 0.5])),
      3,
    );
    assert.deepEqual(await p.ordered().toArray(), expected);
    // Unordered stages after the batch too, and back out to items.
    const items = await p
      .map(jumbled, { workers: 4, ordered: false })
      .map((b) => b.map((x) => x * 2), { mode: "worker", workers: 2, ordered: false })
      .flatMap((b) => b, { ordered: false })
      .ordered()
      .toArray();
    assert.deepEqual(
      items,
      expected.flat().map((x) => x * 2),
    );
    // Without ordered() after it, a batch groups items as they arrive: the same items, in some order.
    const arrived = await range(60).map(jumbled, { workers: 4, ordered: false }).batch(3).toArray();
    assert.deepEqual(
      arrived.flat().sort((a, b) => a - b),
      numbers(60),
    );
  });

  test("a batch that waits for more items than ordered()'s window lets through does not stall the run", { timeout: 60_000 }, async () => {
    // 10 items pass the filter per 10,000 source items, far more than the source may run ahead of ordered().
    const out = await range(30_000)
      .filter((x) => x % 1000 === 0)
      .batch(10)
      .ordered()
      .toArray();
    assert.deepEqual(
      out,
      chunks(
        numbers(30).map((x) => x * 1000),
        10,
      ),
    );
  });

  test("batch and take, in both orders, over an endless source", async () => {
    assert.deepEqual(await range(0, Infinity).batch(3).take(2).toArray(), [
      [0, 1, 2],
      [3, 4, 5],
    ]);
    assert.deepEqual(await range(0, Infinity).take(5).batch(2).toArray(), [[0, 1], [2, 3], [4]]);
    const p = range(0, Infinity).map(jumbled, { workers: 4, ordered: false }).batch(4).take(3).ordered();
    assert.deepEqual(await p.toArray(), chunks(numbers(12), 4));
  });

  test("ms: a batch is written when ms has passed since its first item, however short; order kept, no empty batch", { timeout: 20_000 }, async () => {
    let release;
    const released = new Promise((resolve) => (release = resolve));
    // The source stops until the consumer has had a batch: only the timer can write one.
    const source = async function* () {
      yield 0;
      yield 1;
      await released;
      yield 2;
      yield 3;
      await sleep(30);
      yield 4;
    };
    const seen = [];
    for await (const batch of from(source).batch(100, { ms: 20 })) {
      seen.push(batch);
      release();
    }
    assert.ok(seen.length >= 2, `a batch was written before the source went on: ${JSON.stringify(seen)}`);
    assert.ok(
      seen.every((b) => b.length > 0),
      "no empty batch",
    );
    assert.deepEqual(seen.flat(), [0, 1, 2, 3, 4]);
  });

  test("cancellation with an AbortSignal while a batch waits for items", async () => {
    const controller = new AbortController();
    const source = async function* () {
      yield 1;
      await new Promise(() => {});
    };
    const p = from(source).batch(10, { ms: 60_000 });
    setTimeout(() => controller.abort("enough"), 30);
    await assert.rejects(p.toArray({ signal: controller.signal }), (e) => e instanceof AbortError && /enough/.test(e.message));
    assert.equal(p.stats().status, "cancelled");
  });
});

describe("drop", () => {
  test("skips the first n items; with take, in both orders", async () => {
    assert.deepEqual(await range(10).drop(7).toArray(), [7, 8, 9]);
    assert.deepEqual(await range(3).drop(0).toArray(), [0, 1, 2]);
    assert.deepEqual(await range(10).drop(3).take(4).toArray(), [3, 4, 5, 6]);
    assert.deepEqual(await range(10).take(4).drop(3).toArray(), [3]);
    assert.deepEqual(await range(0, Infinity).drop(5).take(3).toArray(), [5, 6, 7]);
  });

  test("more than there are: nothing", async () => {
    assert.deepEqual(await range(3).drop(5).toArray(), []);
    assert.equal(await range(3).drop(3).count(), 0);
  });

  for (const mode of MODES) {
    test(`after and before a ${mode} stage, and before ordered()`, async () => {
      assert.deepEqual(
        await range(20)
          .map((x) => x * 2, { mode, workers: 2 })
          .drop(15)
          .toArray(),
        [30, 32, 34, 36, 38],
      );
      assert.deepEqual(
        await range(20)
          .drop(15)
          .map((x) => x * 2, { mode, workers: 2 })
          .toArray(),
        [30, 32, 34, 36, 38],
      );
      // After unordered stages drop skips the first n to arrive (like take, which takes them); ordered() puts the rest in order.
      const rest = await range(40).map(jumbled, { mode, workers: 3, ordered: false }).drop(30).ordered().toArray();
      assert.equal(rest.length, 10);
      assert.deepEqual(
        rest,
        [...rest].sort((a, b) => a - b),
      );
    });
  }
});

describe("distinct", () => {
  test("without a key: the first of each item, compared as Map keys (NaN equals NaN, 0 equals -0, objects by identity)", async () => {
    const a = { id: 1 };
    const twin = { id: 1 };
    const out = await from([1, 1, "1", NaN, NaN, 0, -0, a, a, twin, undefined, null, undefined]).distinct().toArray();
    assert.deepEqual(out, [1, "1", NaN, 0, a, twin, undefined, null]);
    assert.equal(out[4], a);
    assert.equal(out[5], twin);
  });

  test("with a key, sync or async: the first item of each key, in order", async () => {
    const users = [
      { name: "a", email: "A@x.org" },
      { name: "b", email: "b@x.org" },
      { name: "c", email: "a@X.org" },
      { name: "d", email: "B@x.org" },
      { name: "e", email: "e@x.org" },
    ];
    const byEmail = (u) => u.email.toLowerCase();
    const names = async (p) => (await p.toArray()).map((u) => u.name);
    assert.deepEqual(await names(from(users).distinct(byEmail)), ["a", "b", "e"]);
    // An async key that answers out of order: still the first of each key in input order.
    const slowKey = async (u) => {
      await sleep(u.name === "a" ? 20 : 1);
      return byEmail(u);
    };
    assert.deepEqual(await names(from(users).distinct(slowKey)), ["a", "b", "e"]);
    // Objects as keys: by identity.
    const groups = [{}, {}];
    const tagged = [0, 1, 2, 3].map((i) => ({ i, group: groups[i % 2] }));
    assert.deepEqual(
      (
        await from(tagged)
          .distinct((t) => t.group)
          .toArray()
      ).map((t) => t.i),
      [0, 1],
    );
    assert.deepEqual(
      await from([NaN, 1, NaN])
        .distinct((x) => x)
        .toArray(),
      [NaN, 1],
    );
  });

  test("every run starts with no keys seen", async () => {
    const p = from(() => [3, 1, 3, 2, 1]).distinct();
    assert.deepEqual(await p.toArray(), [3, 1, 2]);
    assert.deepEqual(await p.toArray(), [3, 1, 2]);
    assert.equal(await p.count(), 3);
  });

  test("before ordered(), after unordered stages", async () => {
    const out = await range(50)
      .map(async (x) => (await jumbled(x)) % 7, { workers: 4, ordered: false })
      .distinct()
      .ordered()
      .toArray();
    assert.deepEqual([...out].sort(), [0, 1, 2, 3, 4, 5, 6]);
  });

  test("a key function that throws fails the run, naming distinct and the item; maxKeys bounds the keys", async () => {
    const p = range(10).distinct((x) => {
      if (x === 4) throw new Error("no key");
      return x;
    });
    await assert.rejects(p.toArray(), (e) => e instanceof StageError && e.stage === "distinct" && e.index === 4 && /item 4: no key/.test(e.message));
    await assert.rejects(
      range(100).distinct(undefined, { maxKeys: 10 }).toArray(),
      (e) => e instanceof StageError && e.index === 10 && /more than 10 distinct keys \(option "maxKeys"/.test(e.message),
    );
    assert.equal(await from([1, 2, 1, 2]).distinct(undefined, { maxKeys: 2 }).count(), 2);
  });
});

describe("reduce and count", () => {
  test("fold the results in the order they come out; on empty input, initial and 0", async () => {
    assert.equal(await range(5).reduce((sum, x) => sum + x, 0), 10);
    assert.equal(await range(5).count(), 5);
    assert.deepEqual(await from([]).reduce((acc, x) => [...acc, x], ["initial"]), ["initial"]);
    assert.equal(await from([]).count(), 0);
    assert.equal(
      await range(10)
        .filter((x) => x % 2 === 0)
        .count(),
      5,
    );
  });

  test("an async reducer: each result waits for the one before", async () => {
    const out = await range(6)
      .map(jumbled, { workers: 3 })
      .reduce(async (acc, x) => {
        await sleep((5 - x) * 2);
        return `${acc}${x}`;
      }, "");
    assert.equal(out, "012345");
  });

  test("a reducer that throws or rejects fails the run, naming reduce() and the item, and stops everything upstream", async () => {
    const p = range(0, Infinity).map((x) => x, { mode: "worker", workers: 2 });
    await assert.rejects(
      p.reduce((acc, x) => {
        if (x === 50) throw new Error("bad total");
        return acc + x;
      }, 0),
      (e) => e instanceof StageError && e.stage === "reduce()" && e.index === 50 && /reduce\(\)" failed on item 50: bad total/.test(e.message),
    );
    const stats = p.stats();
    assert.equal(stats.status, "failed");
    assert.match(stats.error.message, /bad total/);
    await assert.rejects(
      range(10).reduce(async (acc, x) => {
        if (x === 3) throw new Error("rejected");
        return acc;
      }, 0),
      (e) => e instanceof StageError && e.index === 3 && /rejected/.test(e.message),
    );
    // The stages may all have finished, their results waiting, when the reducer fails: the run failed all the same.
    const small = range(3);
    await assert.rejects(
      small.reduce(async (acc, x) => {
        await sleep(30);
        if (x === 1) throw new Error("late");
        return acc;
      }, 0),
      (e) => e instanceof StageError && e.index === 1 && /late/.test(e.message),
    );
    assert.equal(small.stats().status, "failed");
    assert.match(small.stats().error.message, /late/);
  });

  test("run options: a signal cancels, a typo is a TypeError", async () => {
    const controller = new AbortController();
    controller.abort("stop");
    await assert.rejects(range(0, Infinity).count({ signal: controller.signal }), AbortError);
    await assert.rejects(
      range(3).reduce((a) => a, 0, { sginal: 1 }),
      { name: "TypeError", message: /reduce\(\): unknown option "sginal"/ },
    );
    await assert.rejects(range(3).count({ progress: "yes" }), { name: "TypeError", message: /count\(\): option "progress" must be a boolean/ });
  });
});

describe("statistics rows", () => {
  test("each step has its row: names, modes, and counts that add up (a batch counts items; the step after it, arrays)", async () => {
    const byId = (x) => x % 10;
    const p = range(100)
      .drop(5)
      .batch(8)
      .flatMap((b) => b)
      .distinct(byId)
      .distinct()
      .batch(3, { name: "triples" })
      .distinct(undefined, { name: "unique" });
    const out = await p.toArray();
    assert.deepEqual(out, [[5, 6, 7], [8, 9, 10], [11, 12, 13], [14]]);
    const stats = p.stats();
    assert.deepEqual(
      stats.stages.map((s) => [s.name, s.mode]),
      [
        ["source", "source"],
        ["drop", "drop"],
        ["batch(8)", "batch"],
        ["flatMap", "async"],
        ["distinct(byId)", "distinct"],
        ["distinct", "distinct"],
        ["triples", "batch"],
        ["unique", "distinct"],
      ],
    );
    const row = Object.fromEntries(stats.stages.map((s) => [s.name, s]));
    assert.deepEqual([row.drop.itemsIn, row.drop.itemsOut, row.drop.filtered], [100, 95, 5]);
    assert.deepEqual([row["batch(8)"].itemsIn, row["batch(8)"].itemsOut, row["batch(8)"].batches], [95, 95, 12]);
    assert.equal(row.flatMap.itemsIn, 12, "the step after a batch counts arrays");
    assert.deepEqual([row["distinct(byId)"].itemsIn, row["distinct(byId)"].itemsOut, row["distinct(byId)"].filtered], [95, 10, 85]);
    assert.deepEqual([row.triples.itemsIn, row.triples.itemsOut, row.triples.batches], [10, 10, 4]);
    for (const s of stats.stages) assert.equal(s.inFlight, 0, `${s.name}: nothing in flight after a done run`);
    assertAccounts(stats);
    // Views: the steps show their mode alone; distinct runs a function, so the charts of work show it, not batch or drop.
    const text = String(stats);
    assert.match(text, /^batch\(8\)\s+batch\s+1\s+95\s+95\s/m);
    assert.match(statsHtml(stats), />batch</);
    assert.doesNotMatch(statsHtml(stats), /batch ×1|drop ×1/);
    const charted = chartSpec("utilization", stats).data.values.map((r) => r.stage);
    assert.deepEqual(charted, ["flatMap", "distinct(byId)", "distinct", "unique"]);
  });

  test("a batch holding items when the run stops counts them in flight; its output buffer holds about 1000 items' worth", async () => {
    const controller = new AbortController();
    const source = async function* () {
      yield* [1, 2, 3];
      await new Promise(() => {});
    };
    const p = from(source).batch(250);
    setTimeout(() => controller.abort(), 30);
    await assert.rejects(p.toArray({ signal: controller.signal }), AbortError);
    const batch = p.stats().stages[1];
    assert.deepEqual([batch.itemsIn, batch.itemsOut, batch.inFlight], [3, 0, 3]);
    assert.equal(batch.queue.maxsize, 4);
  });
});

describe("bad input is an error when the method is called, naming the argument and the value", () => {
  test("batch, drop, distinct", () => {
    const cases = [
      [() => range(3).batch(0), RangeError, /^batch\(\): size must be a positive integer, got number 0$/],
      [() => range(3).batch(1.5), RangeError, /^batch\(\): size must be a positive integer, got number 1.5$/],
      [() => range(3).batch(-1), RangeError, /^batch\(\): size must be a positive integer, got number -1$/],
      [() => range(3).batch(Infinity), RangeError, /size must be a positive integer, got number Infinity/],
      [() => range(3).batch("3"), TypeError, /^batch\(\): size must be a positive integer, got "3"$/],
      [() => range(3).batch(), TypeError, /^batch\(\): size must be a positive integer, got undefined$/],
      [() => range(3).batch(2, { ms: -1 }), RangeError, /^batch\(\): option "ms" must be a number of milliseconds from 0 to 2147483647, got number -1$/],
      [() => range(3).batch(2, { ms: Infinity }), RangeError, /option "ms" .* got number Infinity/],
      [() => range(3).batch(2, { ms: NaN }), RangeError, /option "ms" .* got number NaN/],
      [() => range(3).batch(2, { ms: "10" }), TypeError, /option "ms" .* got "10"/],
      [() => range(3).batch(2, { msec: 10 }), TypeError, /^batch\(\): unknown option "msec" \(known options: ms, name\)$/],
      [() => range(3).batch(2, 10), TypeError, /^batch\(\): options must be an object, got number 10$/],
      [() => range(3).batch(2, { name: "" }), TypeError, /^batch\(\): option "name" must be a non-empty string, got ""$/],
      [() => range(3).drop(-1), RangeError, /^drop\(\): count must be a non-negative integer, got number -1$/],
      [() => range(3).drop(1.5), RangeError, /^drop\(\): count must be a non-negative integer, got number 1.5$/],
      [() => range(3).drop(null), TypeError, /^drop\(\): count must be a non-negative integer, got null$/],
      [() => range(3).distinct("id"), TypeError, /^distinct\(\): key must be a function, got "id"/],
      [() => range(3).distinct({ name: "x" }), TypeError, /^distinct\(\): key must be a function, got an object \(Object\) \(options without a key/],
      [() => range(3).distinct(undefined, { maxKeys: 0 }), RangeError, /^distinct\(\): option "maxKeys" must be a positive integer, got number 0$/],
      [() => range(3).distinct(undefined, { key: (x) => x }), TypeError, /^distinct\(\): unknown option "key" \(known options: name, maxKeys\)$/],
    ];
    for (const [call, type, message] of cases) {
      assert.throws(call, (e) => e instanceof type && message.test(e.message), `${call}`);
    }
  });

  test("reduce without a function rejects before any run starts", async () => {
    const p = range(3);
    await assert.rejects(p.reduce(undefined, 0), { name: "TypeError", message: "reduce(): fn must be a function, got undefined" });
    await assert.rejects(p.reduce(5, 0), { name: "TypeError", message: "reduce(): fn must be a function, got number 5" });
    assert.throws(() => p.stats(), /has not run yet/);
  });
});

test("random pipelines with a batch and ordered() give what a sequential evaluation gives", async () => {
  const FNS = {
    map: (x) => x * 3 + 1,
    filter: (x) => x % 2 === 0,
    flatMap: (x) => (x % 4 === 0 ? [] : [x, x + 1]),
  };
  const stage = fc.record({
    op: fc.constantFrom("map", "filter", "flatMap"),
    mode: fc.constantFrom("sync", "async", "async", "worker"),
    workers: fc.integer({ min: 1, max: 3 }),
    maxsize: fc.integer({ min: 0, max: 3 }),
    ordered: fc.boolean(),
  });
  const apply = (p, s) => {
    const f = FNS[s.op];
    const slow = async (x) => {
      await new Promise((resolve) => setTimeout(resolve, Math.abs(x) % 3));
      return f(x);
    };
    return p[s.op](s.mode === "async" ? slow : f, { mode: s.mode, workers: s.workers, maxsize: s.maxsize, ordered: s.ordered });
  };
  const sequential = (items, stages) => stages.reduce((xs, s) => xs[s.op](FNS[s.op]), items);
  await fc.assert(
    fc.asyncProperty(
      fc.array(fc.integer({ min: -30, max: 30 }), { maxLength: 25 }),
      fc.array(stage, { maxLength: 3 }),
      fc.integer({ min: 1, max: 4 }),
      fc.array(stage, { maxLength: 2 }),
      fc.boolean(),
      async (input, before, size, after, unbatch) => {
        let p = from(input);
        for (const s of before) p = apply(p, s);
        p = p.batch(size);
        if (unbatch) {
          p = p.flatMap((b) => b, { ordered: false });
          for (const s of after) p = apply(p, s);
        }
        const out = await p.ordered().toArray({ progress: false });
        const batches = chunks(sequential(input, before), size);
        assert.deepEqual(out, unbatch ? sequential(batches.flat(), after) : batches);
      },
    ),
    { numRuns: 30 },
  );
});

describe("a Node process that used them exits by itself", () => {
  const scenarios = {
    "a batch with a long ms over a quick source": `
      pipelab.range(10).batch(100, { ms: 60000 }).toArray().then((b) => console.log(b.length));`,
    "a batch with a long ms, cancelled while it waits": `
      const source = async function* () { yield 1; await new Promise(() => {}); };
      pipelab.from(source).batch(10, { ms: 60000 }).toArray({ signal: AbortSignal.timeout(50) }).catch((e) => console.log(e.name));`,
    "a batch with a long ms before a failing worker stage": `
      pipelab.range(0, Infinity).batch(5, { ms: 60000 }).map((b) => { throw new Error("no"); }, { mode: "worker" }).toArray().catch((e) => console.log(e.message));`,
    "take after a batch and a worker stage": `
      pipelab.range(0, Infinity).batch(4, { ms: 60000 }).map((b) => b, { mode: "worker", workers: 2 }).take(2).toArray().then((b) => console.log(b.length));`,
    "a failing reducer after a worker stage over an endless source": `
      pipelab.range(0, Infinity).map((x) => x, { mode: "worker", workers: 2 }).drop(3).distinct()
        .reduce((acc, x) => { if (x > 100) throw new Error("enough"); return acc + x; }, 0).catch((e) => console.log(e.message));`,
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

test("reduce without an initial value starts from the first result, like Array.prototype.reduce; with no results it is a TypeError", async () => {
  assert.equal(await range(5).reduce((a, x) => a + x), 10);
  assert.deepEqual(await from([[1], [2, 3]]).reduce((a, x) => a.concat(x)), [1, 2, 3]);
  await assert.rejects(
    range(0).reduce((a, x) => a + x),
    { name: "TypeError", message: /reduce\(\): the run gave no results and there is no initial value/ },
  );
  assert.equal(await range(0).reduce((a, x) => a + x, undefined), undefined, "an initial value of undefined is one");
});
