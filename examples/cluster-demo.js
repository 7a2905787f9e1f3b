"use strict";
// npm run cluster:demo: a local Redis, three `pipelab worker` processes, one pipeline whose CPU
// stage runs on them, and the run's statistics with each remote worker.
const { range } = require("..");
const { redisAvailable, startRedis, startWorkers, stopChild } = require("./local-cluster");

async function main() {
  if (!redisAvailable()) {
    console.error("redis-server is not installed (Debian: apt-get install redis-server)");
    process.exitCode = 1;
    return;
  }
  // The secret the workers check every stage's signature with (here: made up for this demo).
  const secret = require("node:crypto").randomBytes(24).toString("hex");
  const redis = await startRedis();
  const workers = await startWorkers(redis.url, 3, { concurrency: 2, secret });
  console.log(`Redis at ${redis.url}, 3 workers: ${workers.map((w) => w.pid).join(", ")}\n`);
  try {
    const p = range(2, 60_000)
      .map(
        (n) => {
          for (let d = 2; d * d <= n; d++) if (n % d === 0) return null;
          return n;
        },
        { mode: "cluster", connection: redis.url, secret, name: "prime?" },
      )
      .filter((n) => n !== null, { name: "keep primes" });
    const primes = await p.toArray({ progress: false });
    console.log(`${primes.length} primes below 60,000; the last: ${primes.slice(-3).join(", ")}\n`);
    const stats = p.stats();
    console.log(String(stats));
    console.log("\nremote workers of prime?:");
    console.table(stats.stages[1].remoteWorkers.map((w) => ({ ...w, busyMs: Math.round(w.busyMs) })));
  } finally {
    await Promise.all(workers.map((w) => stopChild(w)));
    await redis.stop();
  }
}

main().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});
