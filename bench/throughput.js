"use strict";
// npm run bench: items per second through pipelab next to plain-JS peers on the
// same machine, printed as ratios. Run after `npm run build`.
const { Readable } = require("node:stream");
const { range } = require("..");

const N = 200_000;
const inc = (x) => x + 1;

async function time(label, fn) {
  await fn(); // warm-up
  const started = process.hrtime.bigint();
  const count = await fn();
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  return { label, rate: count / seconds };
}

async function* chain(source) {
  for await (const x of source) yield x + 1;
}

async function main() {
  const rows = [];
  // Every row counts source items per second.
  rows.push(await time("pipelab: 3 async stages (map, filter, map), workers 1", async () => {
    await range(N).map(inc).filter((x) => x % 2 === 0).map(inc).toArray();
    return N;
  }));
  rows.push(await time("pipelab: 3 async stages, workers 16", async () => {
    await range(N).map(inc, { workers: 16 }).filter((x) => x % 2 === 0, { workers: 16 }).map(inc, { workers: 16 }).toArray();
    return N;
  }));
  rows.push(await time("peer: 3 chained async generators", async () => {
    let n = 0;
    for await (const x of chain(chain(chain(Readable.from(Array.from({ length: N }, (_, i) => i)))))) if (x % 2 === 0) n++;
    return n * 2;
  }));
  rows.push(await time("peer: Readable.map x3, concurrency 16", async () => {
    const out = await Readable.from(Array.from({ length: N }, (_, i) => i))
      .map(inc, { concurrency: 16 })
      .filter((x) => x % 2 === 0, { concurrency: 16 })
      .map(inc, { concurrency: 16 })
      .toArray();
    return out.length * 2;
  }));
  const base = rows[0].rate;
  for (const { label, rate } of rows) {
    console.log(`${label.padEnd(58)} ${Math.round(rate).toLocaleString("en-US").padStart(10)} items/s  ${(rate / base).toFixed(2)}x`);
  }
}

main();
