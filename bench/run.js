"use strict";
// npm run bench: pipelab side by side with its peers on this machine, in one run.
// Each figure is the median of ROUNDS rounds after a warm-up round. Every timing
// includes creating and destroying the pool, as a pipeline run does.
const path = require("node:path");
const { Readable } = require("node:stream");
const { Worker } = require("node:worker_threads");
const { spawnSync } = require("node:child_process");
const { Piscina } = require("piscina");
const workerpool = require("workerpool");
const { range, from } = require("..");
const spin = require("./workers/spin");

const ROUNDS = Number(process.env.ROUNDS ?? 3);
const THREADS = 2;
const worker = (name) => path.join(__dirname, "workers", name);
const inc = (x) => x + 1;

/** Median over rounds of what `fn` returns (a duration in ms). */
async function median(fn) {
  await fn();
  const runs = [];
  for (let i = 0; i < ROUNDS; i++) runs.push(await fn());
  runs.sort((a, b) => a - b);
  return runs[Math.floor(runs.length / 2)];
}

async function timed(fn) {
  const started = performance.now();
  await fn();
  return performance.now() - started;
}

/** Runs `submit(i)` for i in 0..n-1 with at most `limit` in flight. */
async function inFlight(n, limit, submit) {
  let next = 0;
  const lane = async () => {
    while (next < n) await submit(next++);
  };
  await Promise.all(Array.from({ length: Math.min(limit, n) }, lane));
}

function chunks(n, size) {
  const out = [];
  for (let i = 0; i < n; i += size) out.push(Array.from({ length: Math.min(size, n - i) }, (_, j) => i + j));
  return out;
}

const rows = [];
function row(workload, ours, peer, peerValue, unit) {
  // For rates higher is better; for durations lower is better: the ratio always says how many times better pipelab is.
  const ratio = unit === "items/s" ? ours / peerValue : peerValue / ours;
  rows.push({ workload, ours: format(ours, unit), peer, peerFigure: format(peerValue, unit), ratio: ratio.toFixed(2) });
  console.error(`  ${workload} | ${peer}: ${ratio.toFixed(2)}x`);
}
const format = (value, unit) => (unit === "items/s" ? `${Math.round(value).toLocaleString("en-US")} items/s` : `${Math.round(value)} ${unit}`);

async function trivialWorker() {
  const N = 1_000_000;
  const rate = (n, ms) => (n / ms) * 1000;
  const ours = rate(N, await median(() => timed(() => range(N).map(inc, { mode: "worker", workers: THREADS }).run())));
  const perItemN = 40_000;
  const piscinaPerItem = rate(
    perItemN,
    await median(() =>
      timed(async () => {
        const pool = new Piscina({ filename: worker("piscina-inc.js"), minThreads: THREADS, maxThreads: THREADS });
        await inFlight(perItemN, 1000, (i) => pool.run(i));
        await pool.destroy();
      }),
    ),
  );
  const workerpoolPerItem = rate(
    perItemN,
    await median(() =>
      timed(async () => {
        const pool = workerpool.pool(worker("workerpool-worker.js"), { minWorkers: THREADS, maxWorkers: THREADS, workerType: "thread" });
        await inFlight(perItemN, 1000, (i) => pool.exec("inc", [i]));
        await pool.terminate();
      }),
    ),
  );
  const rawN = 200_000;
  const raw = rate(
    rawN,
    await median(() =>
      timed(async () => {
        const threads = Array.from({ length: THREADS }, () => new Worker(worker("raw-inc.js")));
        let sent = 0;
        let received = 0;
        await new Promise((resolve) => {
          threads.forEach((t, k) => {
            t.on("message", () => {
              if (++received === rawN) resolve();
              else if (sent < rawN) t.postMessage(sent++);
            });
            for (let j = 0; j < 500; j++) t.postMessage(sent++);
          });
        });
        await Promise.all(threads.map((t) => t.terminate()));
      }),
    ),
  );
  const chunkedRun = (inFlightChunks) =>
    timed(async () => {
      const pool = new Piscina({ filename: worker("piscina-inc-chunk.js"), minThreads: THREADS, maxThreads: THREADS });
      const all = chunks(N, 100);
      await inFlight(all.length, inFlightChunks, (i) => pool.run(all[i]));
      await pool.destroy();
    });
  // 10 chunks of 100 = 1000 items in flight, the bound pipelab keeps by default (maxsize 1000).
  const chunked = rate(N, await median(() => chunkedRun(10)));
  const chunkedUnbounded = rate(N, await median(() => chunkedRun(Infinity)));
  const label = "trivial x => x + 1, 2 threads";
  row(label, ours, "piscina run() per item, 1000 in flight", piscinaPerItem, "items/s");
  row(label, ours, "workerpool exec() per item, 1000 in flight", workerpoolPerItem, "items/s");
  row(label, ours, "raw worker_threads postMessage, 1000 in flight", raw, "items/s");
  row(label, ours, "piscina, chunked by hand (100 per task), 1000 items in flight", chunked, "items/s");
  row(label, ours, "piscina, chunked by hand (100 per task), all 10,000 tasks queued at once", chunkedUnbounded, "items/s");
}

async function cpuBound() {
  const N = 2000;
  const sequential = await median(() =>
    timed(() => {
      for (let i = 0; i < N; i++) spin(i);
    }),
  );
  const ours = await median(() =>
    timed(() =>
      range(N)
        .map({ module: worker("spin.js") }, { mode: "worker", workers: THREADS })
        .run(),
    ),
  );
  const piscina = await median(() =>
    timed(async () => {
      const pool = new Piscina({ filename: worker("piscina-spin.js"), minThreads: THREADS, maxThreads: THREADS });
      await Promise.all(Array.from({ length: N }, (_, i) => pool.run(i)));
      await pool.destroy();
    }),
  );
  const wp = await median(() =>
    timed(async () => {
      const pool = workerpool.pool(worker("workerpool-worker.js"), { minWorkers: THREADS, maxWorkers: THREADS, workerType: "thread" });
      await Promise.all(Array.from({ length: N }, (_, i) => pool.exec("spin", [i])));
      await pool.terminate();
    }),
  );
  const chunked = await median(() =>
    timed(async () => {
      const pool = new Piscina({ filename: worker("piscina-spin-chunk.js"), minThreads: THREADS, maxThreads: THREADS });
      await Promise.all(chunks(N, 20).map((c) => pool.run(c)));
      await pool.destroy();
    }),
  );
  const label = `CPU-bound 2000 x 1 ms, 2 threads (pipelab ${(sequential / ours).toFixed(2)}x sequential)`;
  row(label, ours, "sequential loop", sequential, "ms");
  row(label, ours, `piscina per item (${(sequential / piscina).toFixed(2)}x sequential)`, piscina, "ms");
  row(label, ours, `workerpool per item (${(sequential / wp).toFixed(2)}x sequential)`, wp, "ms");
  row(label, ours, `piscina chunked by hand, 20 per task (${(sequential / chunked).toFixed(2)}x sequential)`, chunked, "ms");
}

async function inProcess() {
  const N = 1_000_000;
  const data = Array.from({ length: N }, (_, i) => i);
  const rate = (ms) => (N / ms) * 1000;
  const ours = rate(await median(() => timed(() => from(data).map(inc, { workers: 16 }).run())));
  const readable = rate(await median(() => timed(() => Readable.from(data).map(inc, { concurrency: 16 }).toArray())));
  const { default: pMap } = await import("p-map");
  const pmap = rate(await median(() => timed(() => pMap(data, inc, { concurrency: 16 }))));
  const label = "in-process map, concurrency 16, trivial fn";
  row(label, ours, "Readable.from().map(fn, { concurrency: 16 })", readable, "items/s");
  row(label, ours, "p-map, concurrency 16", pmap, "items/s");

  async function* step(source, fn) {
    for await (const x of source) yield fn(x);
  }
  const chain = rate(
    await median(() =>
      timed(async () => {
        for await (const x of step(step(step(data, inc), inc), inc)) void x;
      }),
    ),
  );
  const ours3 = rate(await median(() => timed(() => from(data).map(inc).map(inc).map(inc).run())));
  row("in-process, 3 chained stages, trivial fn", ours3, "3 chained async generators", chain, "items/s");
}

async function mixed() {
  const N = 1_000_000;
  const ms = await median(() =>
    timed(() =>
      range(N)
        .map(async (x) => x * 2, { workers: 16 })
        .map((x) => x + 1, { mode: "worker", workers: THREADS })
        .map((x) => x - 1, { mode: "sync" })
        .run(),
    ),
  );
  const { default: pMap } = await import("p-map");
  const peer = await median(() =>
    timed(async () => {
      const pool = new Piscina({ filename: worker("piscina-inc-chunk.js"), minThreads: THREADS, maxThreads: THREADS });
      const doubled = await pMap(
        Array.from({ length: N }, (_, i) => i),
        async (x) => x * 2,
        { concurrency: 16 },
      );
      const parts = await Promise.all(chunks(N, 100).map((c) => pool.run(c.map((i) => doubled[i]))));
      parts.flat().map((x) => x - 1);
      await pool.destroy();
    }),
  );
  row("3 stages async -> worker -> sync, 1M items", (N / ms) * 1000, "p-map, then piscina chunked by hand, then a loop", (N / peer) * 1000, "items/s");
}

/** Sources for the memory rows: the same items from a range, an async generator and an object-mode Readable. */
const SOURCES = {
  range: (n) => `range(${n})`,
  "async generator": (n) => `from((async function* () { for (let i = 0; i < ${n}; i++) yield i; })())`,
  Readable: (n) => `from(Readable.from((function* () { for (let i = 0; i < ${n}; i++) yield i; })()))`,
};

/** Peak RSS (MB) of a child process running n items from `source` through a stage to a slow consumer. */
function peakRss(n, source = "range") {
  const code = `
    const { range, from } = require(${JSON.stringify(path.join(__dirname, ".."))});
    const { Readable } = require("node:stream");
    (async () => {
      let sink = 0;
      for await (const x of ${SOURCES[source](n)}.map((x) => ({ id: x, text: "item " + x }), { maxsize: 1000 })) {
        for (let i = 0; i < 200; i++) sink += i; // a consumer slower than the stage
      }
      console.log(process.resourceUsage().maxRSS);
    })();`;
  const out = spawnSync(process.execPath, ["-e", code], { encoding: "utf8" });
  if (out.status !== 0) throw new Error(out.stderr);
  return Number(out.stdout.trim()) / 1024;
}

async function memory() {
  for (const source of Object.keys(SOURCES)) {
    const small = peakRss(1_000_000, source);
    const large = peakRss(10_000_000, source);
    rows.push({
      workload: `peak RSS, ${source} source, slow consumer, maxsize 1000`,
      ours: `${large.toFixed(0)} MB for 10M items`,
      peer: "the same pipeline, 1M items",
      peerFigure: `${small.toFixed(0)} MB`,
      ratio: `${(large / small).toFixed(2)} (10M / 1M)`,
    });
    console.error(`  peak RSS, ${source}: 10M ${large.toFixed(0)} MB vs 1M ${small.toFixed(0)} MB`);
  }
}

async function firstResult() {
  const ours = await median(async () => {
    const started = performance.now();
    const iterator = range(10).map(inc, { mode: "worker", workers: THREADS }).iterate();
    await iterator.next();
    const ms = performance.now() - started;
    await iterator.return();
    return ms;
  });
  const piscina = await median(async () => {
    const started = performance.now();
    const pool = new Piscina({ filename: worker("piscina-inc.js"), minThreads: THREADS, maxThreads: THREADS });
    await pool.run(1);
    const ms = performance.now() - started;
    await pool.destroy();
    return ms;
  });
  row("time to first result of a worker stage", ours, "piscina: new pool, first run()", piscina, "ms");
}

/** `require(id)` in a fresh Node process: { ms, modules } (modules: files it loaded, Node's own not counted). */
function requireCost(id) {
  const script = `const t = performance.now(); require(${JSON.stringify(id)}); const ms = performance.now() - t;
    console.log(JSON.stringify({ ms, modules: Object.keys(require.cache).length - 1 }));`;
  const out = spawnSync(process.execPath, ["-e", script], { encoding: "utf8", cwd: path.join(__dirname, "..") });
  if (out.status !== 0) throw new Error(out.stderr);
  return JSON.parse(out.stdout);
}

/** What `import "pipelab"` costs a notebook's first cell, next to piscina alone (its one eager dependency of note). */
async function importCost() {
  const cost = (id) => {
    requireCost(id);
    const runs = Array.from({ length: Math.max(ROUNDS, 5) }, () => requireCost(id)).sort((a, b) => a.ms - b.ms);
    return runs[Math.floor(runs.length / 2)];
  };
  const ours = cost(path.join(__dirname, ".."));
  const figure = ({ ms, modules }) => `${ms < 100 ? ms.toFixed(1) : ms.toFixed(0)} ms, ${modules} modules`;
  for (const [id, peer] of [
    ["piscina", 'require("piscina")'],
    ["danfojs", 'require("danfojs"), paid by the first toDataFrame()'],
  ]) {
    const theirs = cost(id);
    rows.push({ workload: 'require("pipelab")', ours: figure(ours), peer, peerFigure: figure(theirs), ratio: (theirs.ms / ours.ms).toFixed(2) });
    console.error(`  require pipelab ${figure(ours)}, ${id} ${figure(theirs)}`);
  }
}

/**
 * What collecting statistics costs: the same runs against pipelab as it was
 * just before statistics were added (commit e1ee86a), built into a temporary
 * folder, alternating rounds so both see the same machine.
 */
async function statsOverhead() {
  const os = require("node:os");
  const fs = require("node:fs");
  const root = path.join(__dirname, "..");
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "pipelab-before-stats-"));
  const sh = (cmd, args, cwd = root) => spawnSync(cmd, args, { cwd, encoding: "utf8" });
  const archive = sh("git", ["archive", "--format=tar", "-o", path.join(dir, "src.tar"), "e1ee86a", "src", "tsconfig.json"]);
  if (archive.status !== 0) {
    console.error("  stats overhead skipped: commit e1ee86a is not in this clone");
    return;
  }
  sh("tar", ["-xf", "src.tar"], dir);
  fs.symlinkSync(path.join(root, "node_modules"), path.join(dir, "node_modules"));
  const built = sh(process.execPath, [require.resolve("typescript/bin/tsc"), "-p", "tsconfig.json"], dir);
  if (built.status !== 0) throw new Error(`building the old revision failed: ${built.stdout}`);
  const before = require(path.join(dir, "dist"));
  const N = 1_000_000;
  const data = Array.from({ length: N }, (_, i) => i);
  const workloads = {
    "3 in-process stages": (lib) => lib.from(data).map(inc).map(inc).map(inc).run(),
    "async map, workers 16": (lib) =>
      lib
        .from(data)
        .map(async (x) => x + 1, { workers: 16 })
        .run(),
    "worker stage, 2 threads": (lib) => lib.from(data).map(inc, { mode: "worker", workers: THREADS }).run(),
  };
  for (const [label, run] of Object.entries(workloads)) {
    const withStats = [];
    const without = [];
    for (let round = 0; round <= ROUNDS; round++) {
      without.push(await timed(() => run(before)));
      withStats.push(await timed(() => run({ from })));
    }
    const mid = (xs) => xs.slice(1).sort((a, b) => a - b)[Math.floor(ROUNDS / 2)];
    row(`stats overhead: ${label}, 1M items`, (N / mid(withStats)) * 1000, "pipelab without statistics", (N / mid(without)) * 1000, "items/s");
  }
  fs.rmSync(dir, { recursive: true, force: true });
}

async function main() {
  const only = process.argv[2];
  const io = require("./io");
  const helpers = { median, timed, row, rows };
  const parts = {
    importCost,
    trivialWorker,
    cpuBound,
    inProcess,
    mixed,
    memory,
    firstResult,
    statsOverhead,
    csvExport: io.csvExport,
    dataFrame: io.dataFrame,
    csvImport: io.csvImport,
    cluster: require("./cluster").cluster,
    realData: require("./real-data").realData,
    cache: require("./cache").cache,
    columnar: require("./columnar").columnar,
  };
  for (const [name, part] of Object.entries(parts)) {
    if (only && only !== name) continue;
    console.error(`${name}...`);
    await part(helpers);
  }
  console.log(`\nNode ${process.version}, ${require("node:os").cpus().length} cores, median of ${ROUNDS} rounds after a warm-up.\n`);
  console.log("| workload | pipelab | peer | peer's figure | pipelab / peer (speed) |");
  console.log("|---|---|---|---|---|");
  for (const r of rows) console.log(`| ${r.workload} | ${r.ours} | ${r.peer} | ${r.peerFigure} | ${r.ratio} |`);
}

main().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});
