"use strict";
// The stage cache (issue 18): a cached stage calls its function only for items it has not seen
// with the same function, context and onStart; a run stopped part way resumes where it stopped.
// A real LMDB store in a temporary directory, real child processes for the cross-process cases.
const { test, before, after } = require("node:test");
const assert = require("node:assert/strict");
const { mkdtempSync, rmSync, writeFileSync } = require("node:fs");
const { join } = require("node:path");
const { tmpdir } = require("node:os");
const { from, range, cache } = require("../dist");
const { MODES, runChild, sleep } = require("./helpers");

let root;
let n = 0;
/** A fresh cache directory per test. */
const fresh = () => join(root, `c${n++}`);
before(() => (root = mkdtempSync(join(tmpdir(), "pipelab-cache-"))));
after(() => rmSync(root, { recursive: true, force: true }));

const row = (p, name) => p.stats().stages.find((s) => s.name === name);

test("a second run calls the function only for items it has not seen, in every mode; hits and misses are counted", async () => {
  for (const mode of MODES) {
    const dir = fresh();
    // Worker-mode functions cannot count calls here: the statistics' misses are the calls.
    const p1 = range(10).map((x) => x * 2, { mode, name: "double", cache: { dir } });
    assert.deepEqual(await p1.toArray(), [0, 2, 4, 6, 8, 10, 12, 14, 16, 18], mode);
    assert.deepEqual([row(p1, "double").cacheHits, row(p1, "double").cacheMisses], [0, 10], mode);
    const p2 = range(15).map((x) => x * 2, { mode, name: "double", cache: { dir } });
    assert.deepEqual(
      await p2.toArray(),
      [...Array(15).keys()].map((x) => x * 2),
      mode,
    );
    assert.deepEqual([row(p2, "double").cacheHits, row(p2, "double").cacheMisses], [10, 5], mode);
    assert.equal(row(p2, "double").itemsIn, 15);
  }
});

test("filter and flatMap results are cached too (a flatMap's children as they came, generators included)", async () => {
  const dir = fresh();
  let calls = 0;
  const build = () =>
    range(6)
      .filter((x) => (calls++, x % 2 === 0), { cache: { dir } })
      .flatMap(
        function* (x) {
          calls++;
          yield x;
          yield x + 100;
        },
        { cache: { dir } },
      );
  assert.deepEqual(await build().toArray(), [0, 100, 2, 102, 4, 104]);
  assert.equal(calls, 9);
  calls = 0;
  assert.deepEqual(await build().toArray(), [0, 100, 2, 102, 4, 104]);
  assert.equal(calls, 0);
});

test("a changed function, context or cache.name misses; the same cache.name keeps hits across an edit", async () => {
  const dir = fresh();
  const misses = async (fn, options) => {
    const p = range(4).map(fn, { ...options, cache: { dir, ...options.cache }, name: "s" });
    await p.run({ progress: false });
    return row(p, "s").cacheMisses;
  };
  assert.equal(await misses((x, ctx) => x + ctx.k, { context: { k: 1 } }), 4);
  assert.equal(await misses((x, ctx) => x + ctx.k, { context: { k: 1 } }), 0, "the same stage hits");
  assert.equal(await misses((x, ctx) => x + ctx.k, { context: { k: 2 } }), 4, "another context misses");
  assert.equal(await misses((x, ctx) => ctx.k + x, { context: { k: 1 } }), 4, "another function misses");
  assert.equal(await misses((x) => x + 1, { cache: { name: "plus-one" } }), 4);
  assert.equal(await misses((x) => 1 + x /* reworded */, { cache: { name: "plus-one" } }), 0, "cache.name stands for the function");
  assert.equal(await misses((x) => x + 1, { cache: { name: "plus-one-v2" } }), 4);
  assert.equal(await misses((x) => x + 1, { cache: { name: "plus-one" }, onStart: () => ({}) }), 4, "onStart counts");
});

test("the order of an object's keys does not matter; dates, maps and nested arrays are keys; functions are not", async () => {
  const dir = fresh();
  const stage = (items) => from(items).map((o) => JSON.stringify(o), { name: "s", cache: { dir } });
  await stage([{ a: 1, b: { c: [1, 2], d: new Date(0) } }]).run({ progress: false });
  const again = stage([{ b: { d: new Date(0), c: [1, 2] }, a: 1 }]);
  await again.run({ progress: false });
  assert.equal(row(again, "s").cacheHits, 1);
  await assert.rejects(stage([{ f: () => 1 }]).toArray(), {
    message: /Stage "s" failed on item 0: the item\.f is a function, which cannot be a cache key/,
  });
});

test("failed items are not cached: the next run calls them again", async () => {
  const dir = fresh();
  const seen = [];
  const build = (failing) =>
    range(5).map(
      (x) => {
        seen.push(x);
        if (failing.includes(x)) throw new Error(`bad ${x}`);
        return x;
      },
      { onError: "skip", cache: { dir } },
    );
  assert.deepEqual(await build([1, 3]).toArray(), [0, 2, 4]);
  seen.length = 0;
  assert.deepEqual(await build([]).toArray(), [0, 1, 2, 3, 4]);
  assert.deepEqual(seen, [1, 3]);
});

test("a hit takes no worker: while the only worker waits on a slow miss, hits go past it (ordered: false)", async () => {
  const dir = fresh();
  const fn = async (x) => {
    if (x === 0) await sleep(300);
    return x;
  };
  await from([1, 2, 3]).map(fn, { cache: { dir } }).run({ progress: false });
  const p = from([0, 1, 2, 3]).map(fn, { workers: 1, ordered: false, cache: { dir }, name: "s" });
  assert.deepEqual(await p.toArray(), [1, 2, 3, 0]);
  assert.deepEqual([row(p, "s").cacheHits, row(p, "s").cacheMisses], [3, 1]);
});

test("a run stopped part way resumes: the next run calls exactly the items whose results were not stored", async () => {
  const dir = fresh();
  const called = [];
  let controller;
  // One worker: items 0-6 are answered and stored; the call on 7 stops the run before it answers.
  const build = (stopAt) =>
    range(20).map(
      async (x) => {
        called.push(x);
        if (x === stopAt) controller.abort(new Error("interrupted"));
        return x * 10;
      },
      { cache: { dir } },
    );
  controller = new AbortController();
  await assert.rejects(build(7).toArray({ signal: controller.signal }), { name: "AbortError" });
  assert.deepEqual(called, [0, 1, 2, 3, 4, 5, 6, 7]);
  assert.equal((await cache.info({ dir }))[0].entries, 7);
  called.length = 0;
  controller = new AbortController();
  assert.deepEqual(
    await build(-1).toArray({ signal: controller.signal }),
    [...Array(20).keys()].map((x) => x * 10),
  );
  assert.deepEqual(called, [7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19]);
});

test("another process sees this one's entries, and two processes can write the same cache at once", async () => {
  const dir = fresh();
  const script = (from, to) => `
    const p = pipelab.range(${from}, ${to}).map((x) => x * 3, { name: "triple", cache: { dir: ${JSON.stringify(dir)} } });
    p.toArray({ progress: false }).then((out) => {
      const s = p.stats().stages[1];
      console.log(JSON.stringify({ sum: out.reduce((a, b) => a + b, 0), hits: s.cacheHits, misses: s.cacheMisses }));
    });`;
  const [a, b] = await Promise.all([runChild(script(0, 300)), runChild(script(200, 500))]);
  for (const r of [a, b]) assert.equal(r.timedOut, false, r.stderr);
  const third = JSON.parse((await runChild(script(0, 500))).stdout);
  assert.deepEqual(third, { sum: 3 * ((499 * 500) / 2), hits: 500, misses: 0 });
});

test("a process killed with SIGKILL mid-run leaves a store that opens and serves what it had finished", async () => {
  const dir = fresh();
  const { spawn } = require("node:child_process");
  const child = spawn(
    process.execPath,
    [
      "-e",
      `const { range } = require(${JSON.stringify(require.resolve("../dist"))});
       range(0, 1e6).map(async (x) => { if (x === 50) console.log("fifty"); await new Promise((r) => setTimeout(r, 2)); return x + 1; }, { name: "inc", cache: { dir: ${JSON.stringify(dir)}, name: "inc" } }).run({ progress: false });`,
    ],
    { stdio: ["ignore", "pipe", "inherit"] },
  );
  await new Promise((resolve) => child.stdout.once("data", resolve));
  // Entries finished more than a second before the kill must all be there.
  await sleep(1200);
  child.kill("SIGKILL");
  await new Promise((resolve) => child.once("exit", resolve));
  // cache.name stands for the function (this one's source differs from the child's).
  const p = range(0, 50).map(async (x) => x + 1, { name: "inc", cache: { dir, name: "inc" } });
  assert.deepEqual(
    await p.toArray(),
    [...Array(50).keys()].map((x) => x + 1),
  );
  assert.equal(p.stats().stages[1].cacheHits, 50);
});

test("maxBytes keeps a stage's entries under the bound, the least recently used going first", async () => {
  const dir = fresh();
  // About 1 KiB an entry, 200 of them: some 50 pages of 4 KiB, against a bound of 20 pages.
  const stage = (items) => from(items).map((x) => "x".repeat(1000) + x, { name: "s", cache: { dir, maxBytes: 80_000 } });
  await stage([...Array(200).keys()]).run({ progress: false });
  const [info] = await cache.info({ dir });
  assert.ok(info.bytes <= 80_000 && info.entries >= 20 && info.entries < 200, JSON.stringify(info));
  // The latest items were used last: they stay; the first ones went.
  const p = stage([199, 198, 197, 0]);
  await p.run({ progress: false });
  assert.deepEqual([row(p, "s").cacheHits, row(p, "s").cacheMisses], [3, 1]);
});

test("cache.info() lists each stage's entries and latest run; cache.clear() empties one stage or all", async () => {
  const dir = fresh();
  await range(5)
    .map((x) => x, { name: "a", cache: { dir, name: "alpha" } })
    .run({ progress: false });
  await range(3)
    .map((x) => -x, { name: "b", cache: { dir } })
    .run({ progress: false });
  const info = (await cache.info({ dir })).sort((x, y) => x.stage.localeCompare(y.stage));
  assert.deepEqual(
    info.map(({ stage, name, entries, hits, misses }) => ({ stage, name, entries, hits, misses })),
    [
      { stage: "a", name: "alpha", entries: 5, hits: 0, misses: 5 },
      { stage: "b", name: undefined, entries: 3, hits: 0, misses: 3 },
    ],
  );
  assert.ok(info.every((i) => i.bytes > 0 && i.lastRun instanceof Date));
  assert.equal(await cache.clear({ dir, name: "alpha" }), 1);
  assert.deepEqual(
    (await cache.info({ dir })).map((i) => i.stage),
    ["b"],
  );
  await cache.clear({ dir });
  assert.deepEqual(await cache.info({ dir }), []);
  assert.deepEqual(await cache.info({ dir: join(root, "never-made") }), []);
});

test("bad cache options fail when the pipeline is built; an unwritable directory when the run starts, naming it", async () => {
  for (const [value, message] of [
    [1, /option "cache" must be true, false or an object/],
    [{ dri: "x" }, /unknown key "dri" in option "cache"/],
    [{ name: "" }, /option "cache.name" must be a non-empty string/],
    [{ maxBytes: -5 }, /option "cache.maxBytes" must be a positive integer/],
  ]) {
    assert.throws(() => range(3).map((x) => x, { cache: value }), { message }, JSON.stringify(value));
  }
  assert.throws(() => range(3).each((x) => x, { cache: true }), /option "cache" applies to map, flatMap and filter/);
  // A directory that cannot be made (under a file): refused even for root, which writes anywhere else.
  const file = join(root, `file-${n++}`);
  writeFileSync(file, "not a directory");
  const dir = join(file, "cache");
  await assert.rejects(
    range(3)
      .map((x) => x, { cache: { dir } })
      .toArray(),
    {
      message: new RegExp(`Stage "map" failed: cache: cannot open the cache directory "${dir}"`),
    },
  );
});

test("a result that would not come back equal is refused, naming the stage and the item", async () => {
  class Point {
    constructor(x) {
      this.x = x;
    }
  }
  await assert.rejects(
    range(2)
      .map((x) => new Point(x), { name: "p", cache: { dir: fresh() } })
      .toArray(),
    {
      message: /Stage "p" failed on item 0: cache: result is an instance of Point, which would arrive as a plain object/,
    },
  );
});

test("a process that used a cache exits by itself", async () => {
  const dir = fresh();
  const result = await runChild(`pipelab.range(100).map((x) => x, { cache: { dir: ${JSON.stringify(dir)} } }).toArray().then((a) => console.log(a.length));`);
  assert.equal(result.timedOut, false);
  assert.equal(result.stdout.trim(), "100");
});

test("the text table, the HTML table and the progress lines show a cached stage's hits", async () => {
  const { statsHtml } = require("../dist/display/stats-html");
  const { progressLines } = require("../dist/display/progress-lines");
  const dir = fresh();
  const p = range(8).map((x) => x, { name: "same", cache: { dir } });
  await p.run({ progress: false });
  await range(10)
    .map((x) => x, { name: "same", cache: { dir } })
    .run({ progress: false });
  const again = range(10).map((x) => x, { name: "same", cache: { dir } });
  await again.run({ progress: false });
  const snapshot = again.stats();
  assert.match(String(snapshot), /^same cache: 10 hits, 0 misses \(100% without a call\)$/m);
  assert.ok(statsHtml(snapshot).includes("<b>same</b> cache: 10 hits, 0 misses (100% without a call)"));
  assert.match(
    progressLines(snapshot).find((l) => l.startsWith("  same")),
    /10 cache hits$/,
  );
  assert.equal(snapshot.stages[0].cacheHits, undefined, "a stage without cache shows none");
});

test("a cached stage whose function reads ctx.index keys its results by the item's position too", async () => {
  const dir = fresh();
  const stage = (p) => p.map((x, ctx) => [x, ctx.index], { name: "s", cache: { dir } });
  assert.deepEqual(
    await stage(range(6)).toArray(),
    [...Array(6).keys()].map((x) => [x, x]),
  );
  const later = stage(range(2, 6));
  assert.deepEqual(await later.toArray(), [
    [2, 0],
    [3, 1],
    [4, 2],
    [5, 3],
  ]);
  assert.equal(row(later, "s").cacheHits, 0, "item 2 at position 0 is not item 2 at position 2");
  const again = stage(range(6));
  await again.run({ progress: false });
  assert.equal(row(again, "s").cacheHits, 6);
});
