"use strict";
// npm run soak: 10M items (SOAK_ITEMS to change) through async -> worker -> sync stages with 1% random failures under
// onError: "collect", from each kind of source: a range, an async generator and an object-mode Readable.
// Checks that every item is accounted for, that memory stays flat and that open handles do not grow.
// Exits 1 on a broken check. Not part of npm test (it takes a while).
const assert = require("node:assert/strict");
const { Readable } = require("node:stream");
const { from, range } = require("..");

const N = Number(process.env.SOAK_ITEMS ?? 10_000_000);

const SOURCES = {
  range: () => range(N),
  "async generator": () =>
    from(async function* () {
      for (let i = 0; i < N; i++) yield i;
    }),
  Readable: () =>
    from(() =>
      Readable.from(
        (function* () {
          for (let i = 0; i < N; i++) yield i;
        })(),
      ),
    ),
};

async function soak(name, makePipeline) {
  const samples = [];
  const started = performance.now();
  const timer = setInterval(() => {
    samples.push({ at: performance.now() - started, rss: process.memoryUsage().rss / 2 ** 20, handles: process._getActiveHandles().length });
  }, 500);
  const p = makePipeline()
    // About 1% of items fail at random, a third in each stage.
    .map(
      async (x) => {
        if (Math.random() < 1 / 300) throw new Error(`async stage rejects ${x}`);
        return x;
      },
      { workers: 8, onError: "collect", name: "async" },
    )
    .map(
      (x) => {
        if (Math.random() < 1 / 300) throw new Error(`worker stage rejects ${x}`);
        return x + 1;
      },
      { mode: "worker", workers: 2, onError: "collect", name: "worker" },
    )
    .map(
      (x) => {
        if (Math.random() < 1 / 300) throw new Error(`sync stage rejects ${x}`);
        return x;
      },
      { mode: "sync", onError: "collect", name: "sync" },
    );
  let out = 0;
  for await (const _ of p.iterate({ progress: false })) out++;
  clearInterval(timer);
  const stats = p.stats();
  const [source, ...stages] = stats.stages;
  const errors = stages.reduce((sum, s) => sum + s.errors, 0);
  console.log(
    `${name}: ${N.toLocaleString("en-US")} items in ${(stats.durationMs / 1000).toFixed(1)} s: ${out.toLocaleString("en-US")} out, ${errors.toLocaleString("en-US")} failed (${stages.map((s) => `${s.name} ${s.errors}`).join(", ")})`,
  );
  assert.equal(stats.status, "done");
  assert.equal(source.itemsOut, N);
  for (const s of stages) assert.equal(s.itemsIn, s.itemsOut + s.filtered + s.errors + s.inFlight, `${s.name}: every item accounted for`);
  assert.equal(out + errors, N, "every source item is emitted or recorded as failed");
  assert.equal(stats.failures.length + stats.failuresDropped, errors, "failures kept + dropped = errors");
  assert.ok(errors > N * 0.005 && errors < N * 0.02, `about 1% failed (${errors})`);
  const half = samples.filter((s) => s.at > stats.durationMs / 2);
  // The first tenth is warm-up (threads, JIT, buffers filling).
  const firstHalf = samples.filter((s) => s.at <= stats.durationMs / 2 && s.at > stats.durationMs / 10);
  const peak = (xs, key) => Math.max(...xs.map((s) => s[key]));
  console.log(
    `peak RSS: ${peak(firstHalf, "rss").toFixed(0)} MB in the first half, ${peak(half, "rss").toFixed(0)} MB in the second; handles ${peak(firstHalf, "handles")} then ${peak(half, "handles")}`,
  );
  assert.ok(peak(half, "rss") < peak(firstHalf, "rss") * 1.5, "memory stays flat");
  assert.ok(peak(half, "handles") <= peak(firstHalf, "handles") + 2, "open handles do not grow");
}

async function main() {
  for (const [name, source] of Object.entries(SOURCES)) await soak(name, source);
  console.log("soak: ok");
}

main().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});
