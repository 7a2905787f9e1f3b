"use strict";
// Bench part for cluster mode: a local Redis and `pipelab worker` processes on this machine,
// against the same stage in worker mode. Loaded by bench/run.js.
const { range } = require("..");
const { redisAvailable, startRedis, startWorkers, stopChild } = require("../examples/local-cluster");

const secret = "bench-secret-0123456789abcdef";
const spin = (x) => {
  const end = performance.now() + 1;
  while (performance.now() < end);
  return x;
};

async function cluster({ median, timed, row }) {
  if (!redisAvailable()) {
    console.error("  cluster skipped: redis-server is not installed");
    return;
  }
  const redis = await startRedis();
  try {
    const N = 200_000;
    let workers = await startWorkers(redis.url, 3, { concurrency: 2, secret });
    const ours = await median(() =>
      timed(() =>
        range(N)
          .map((x) => x + 1, { mode: "cluster", connection: redis.url, secret, maxsize: 5000 })
          .run({ progress: false }),
      ),
    );
    const threads = await median(() =>
      timed(() =>
        range(N)
          .map((x) => x + 1, { mode: "worker", workers: 2 })
          .run({ progress: false }),
      ),
    );
    row("trivial x => x + 1, 3 worker processes on this machine", (N / ours) * 1000, "worker mode, 2 threads", (N / threads) * 1000, "items/s");
    await Promise.all(workers.map((w) => stopChild(w)));
    workers = await startWorkers(redis.url, 2, { concurrency: 1, secret });
    const M = 2000;
    const cpu = await median(() => timed(() => range(M).map(spin, { mode: "cluster", connection: redis.url, secret }).run({ progress: false })));
    const cpuThreads = await median(() => timed(() => range(M).map(spin, { mode: "worker", workers: 2 }).run({ progress: false })));
    row("CPU-bound 2000 x 1 ms, 2 worker processes", cpu, "worker mode, 2 threads", cpuThreads, "ms");
    await Promise.all(workers.map((w) => stopChild(w)));
  } finally {
    await redis.stop();
  }
}

module.exports = { cluster };
