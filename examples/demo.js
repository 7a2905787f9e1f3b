"use strict";
// npm run demo: a small pipeline with one stage of each kind, and what it printed.
const { range } = require("..");

function isPrime(n) {
  if (n < 2) return false;
  for (let d = 2; d * d <= n; d++) if (n % d === 0) return false;
  return true;
}

async function main() {
  const started = Date.now();
  const primes = await range(2, 200_000)
    // CPU-bound: four worker threads; the function travels to them as source.
    .filter(isPrime, { mode: "worker", workers: 4, name: "isPrime" })
    // I/O-shaped: up to 8 lookups in flight on the event loop, results as they complete.
    .map(
      async (p) => {
        await new Promise((resolve) => setImmediate(resolve));
        return { prime: p, twin: isPrime(p + 2) };
      },
      { workers: 8, ordered: false, name: "lookup" },
    )
    .filter((row) => row.twin, { name: "twins" })
    // Back to source order after the unordered stage.
    .ordered()
    .take(10)
    .toArray();
  console.log("First 10 twin primes (p, p + 2):");
  for (const { prime } of primes) console.log(`  ${prime}, ${prime + 2}`);

  // A second run, drained with run(): it resolves to the run's statistics, printed as a table.
  const stats = await range(2, 50_000)
    .filter(isPrime, { mode: "worker", workers: 2, name: "isPrime" })
    .map(
      async (p) => {
        await new Promise((resolve) => setTimeout(resolve, 1));
        return p;
      },
      { workers: 4, name: "slow lookup" },
    )
    .each(() => {}, { name: "sink" })
    .run();
  console.log("\nStatistics of a second run (primes below 50,000, then a 1 ms lookup each):");
  console.log(stats);
  console.log(`\nDone in ${Date.now() - started} ms.`);
}

main().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});
