"use strict";
// Bench part `cache` (issue 18): what the stage cache costs and what it saves, in one process,
// each cache in a fresh temporary directory. Loaded by bench/run.js (npm run bench cache).
const fs = require("node:fs");
const os = require("node:os");
const path = require("node:path");
const { range } = require("..");

const quiet = { progress: false };
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

async function cacheBench({ timed, row }) {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), "pipelab-bench-cache-"));
  let n = 0;
  const fresh = () => path.join(root, `c${n++}`);
  try {
    // 1. 1M small items through a trivial stage: uncached, first run (all misses), re-run (all hits),
    //    and the hand-written memo a notebook user would write (a Map kept between runs).
    const N = 1_000_000;
    const trivial = (x) => x + 1;
    const uncached = await timed(() => range(N).map(trivial).run(quiet));
    const dir = fresh();
    const misses = await timed(() => range(N).map(trivial, { cache: { dir } }).run(quiet));
    const hits = await timed(() => range(N).map(trivial, { cache: { dir } }).run(quiet));
    const memo = new Map();
    const memoized = (x) => {
      let v = memo.get(x);
      if (v === undefined) memo.set(x, (v = x + 1));
      return v;
    };
    await range(N).map(memoized).run(quiet);
    const memoHits = await timed(() => range(N).map(memoized).run(quiet));
    const { size } = fs.statSync(path.join(dir, "data.mdb"));
    row("cache: 1M trivial items, every one a hit", (N / hits) * 1000, "the same stage uncached", (N / uncached) * 1000, "items/s");
    row("cache: 1M trivial items, every one a hit", (N / hits) * 1000, "a Map memo kept between runs", (N / memoHits) * 1000, "items/s");
    row("cache: 1M trivial items, every one a miss (stored)", (N / misses) * 1000, "the same stage uncached", (N / uncached) * 1000, "items/s");
    console.error(
      `  cache: ${(size / N).toFixed(1)} bytes on disk per entry (data.mdb ${(size / 1e6).toFixed(1)} MB for ${N.toLocaleString("en-US")} entries)`,
    );

    // 2. A 1 ms async stage, 16 in flight: the cost of storing every result.
    const M = 4000;
    const remote = async (x) => {
      await sleep(1);
      return { id: x, value: (x * 7919) % 1000 };
    };
    const plain = await timed(() => range(M).map(remote, { workers: 16 }).run(quiet));
    const stored = await timed(() =>
      range(M)
        .map(remote, { workers: 16, cache: { dir: fresh() } })
        .run(quiet),
    );
    row("cache: 1 ms async stage, 16 in flight, every item a miss", stored, "the same stage uncached", plain, "ms");

    // 3. 02-throughput's lookup stage (800 items, 5 ms each, 2 in flight), re-run fully cached.
    const lookup = async (id) => {
      await sleep(5);
      return { id, value: (id * 7919) % 1000 };
    };
    const build = (options) =>
      range(0, 800)
        .map(lookup, { workers: 2, name: "lookup", ...options })
        .map((r) => ({ ...r, score: Math.sqrt(r.value) }), { name: "score" });
    const cold = await timed(() => build({}).run(quiet));
    const lookupDir = fresh();
    await build({ cache: { dir: lookupDir } }).run(quiet);
    const warm = await timed(() => build({ cache: { dir: lookupDir } }).run(quiet));
    row("cache: 02-throughput's lookup, re-run fully cached", warm, "the same run uncached", cold, "ms");
  } finally {
    fs.rmSync(root, { recursive: true, force: true });
  }
}

module.exports = { cache: cacheBench };
