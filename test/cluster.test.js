"use strict";
// Cluster mode against a real Redis (Debian's redis-server on a free loopback port) and real
// `pipelab worker` processes. Skipped loudly without redis-server, failing under CI=true.
const { test, before, after } = require("node:test");
const assert = require("node:assert/strict");
const IORedis = require("ioredis");
const { range } = require("../dist");
const { redisAvailable, startRedis, startWorkers, stopChild } = require("../examples/local-cluster");

const found = redisAvailable();
const missing = "redis-server is not installed: the cluster tests did NOT run. Install Debian's redis-server.";
if (!found && process.env.CI !== "true") process.stderr.write(`\n${"!".repeat(90)}\n!! ${missing}\n${"!".repeat(90)}\n\n`);
const skip = !found && process.env.CI !== "true" && missing;

let redis;
let client;
let workers = [];

before(async () => {
  if (!found) return;
  redis = await startRedis();
  client = new IORedis(redis.url);
  workers = await startWorkers(redis.url, 3, 2);
});

after(async () => {
  await Promise.all(workers.map((w) => stopChild(w)));
  client?.disconnect();
  await redis?.stop();
});

const sequential = (n, fn) => Array.from({ length: n }, (_, i) => fn(i));
/** Redis keys a run leaves behind (BullMQ's and pipelab's). */
const leftovers = async () => [...(await client.keys("bull:pipelab-*")), ...(await client.smembers("pipelab:stages"))];

test("redis-server is available (required under CI=true)", { skip: !found && process.env.CI !== "true" && missing }, () => {
  assert.ok(found, missing);
});

test("results equal the sequential ones, in order, through 3 worker processes; each worker shows in the statistics", { skip }, async () => {
  const p = range(0, 5000).map((x) => x * x + 1, { mode: "cluster", connection: redis.url, name: "square" }).filter((x) => x % 3 !== 0);
  const out = await p.toArray({ progress: false });
  assert.deepEqual(out, sequential(5000, (x) => x * x + 1).filter((x) => x % 3 !== 0));
  const stage = p.stats().stages[1];
  assert.equal(stage.mode, "cluster");
  assert.equal(stage.remoteWorkers.reduce((sum, w) => sum + w.items, 0), 5000);
  assert.ok(stage.remoteWorkers.every((w) => typeof w.host === "string" && w.pid > 0));
  assert.deepEqual(await leftovers(), []);
});

test("with a single worker process the result is the same", { skip }, async () => {
  // Redis database 1: the three other workers watch database 0 and never see this run.
  const url = `${redis.url}/1`;
  const [single] = await startWorkers(url, 1);
  try {
    const p = range(0, 500).map((x) => `#${x}`, { mode: "cluster", connection: url });
    assert.deepEqual(await p.toArray({ progress: false }), sequential(500, (x) => `#${x}`));
    assert.equal(p.stats().stages[1].remoteWorkers.length, 1);
  } finally {
    await stopChild(single);
  }
});

test("an error in one item reaches the consumer with its message and index", { skip }, async () => {
  const p = range(0, 300).map(
    (x) => {
      if (x === 123) throw new Error("item 123 is rotten");
      return x;
    },
    { mode: "cluster", connection: redis.url, name: "inspect" },
  );
  await assert.rejects(p.toArray({ progress: false }), /Stage "inspect" failed on item 123: item 123 is rotten/);
  assert.deepEqual(await leftovers(), []);
});

test("killing one of three workers with SIGKILL mid-run still yields every item exactly once", { skip }, async () => {
  const p = range(0, 3000).map(
    async (x) => {
      await new Promise((resolve) => setTimeout(resolve, 2));
      return x;
    },
    { mode: "cluster", connection: redis.url, maxsize: 600 },
  );
  const victim = workers[0];
  const running = p.toArray({ progress: false });
  setTimeout(() => victim.kill("SIGKILL"), 500);
  const out = await running;
  assert.deepEqual(out, sequential(3000, (x) => x));
  workers[0] = (await startWorkers(redis.url, 1, 2))[0];
});

test("cancelling a run leaves no jobs in Redis", { skip }, async () => {
  const controller = new AbortController();
  const p = range(0, 1e6).map(
    async (x) => {
      await new Promise((resolve) => setTimeout(resolve, 5));
      return x;
    },
    { mode: "cluster", connection: redis.url },
  );
  setTimeout(() => controller.abort(), 400);
  await assert.rejects(p.toArray({ signal: controller.signal, progress: false }), { name: "AbortError" });
  assert.deepEqual(await leftovers(), []);
});

test("two runs at once on the same Redis stay separate", { skip }, async () => {
  const a = range(0, 2000).map((x) => `a${x}`, { mode: "cluster", connection: redis.url });
  const b = range(0, 2000).map((x) => `b${x}`, { mode: "cluster", connection: redis.url });
  const [outA, outB] = await Promise.all([a.toArray({ progress: false }), b.toArray({ progress: false })]);
  assert.deepEqual(outA, sequential(2000, (x) => `a${x}`));
  assert.deepEqual(outB, sequential(2000, (x) => `b${x}`));
});

test("a Redis that is not reachable is a clear error, not a hang", { skip }, async () => {
  const p = range(0, 3).map((x) => x, { mode: "cluster", connection: "redis://127.0.0.1:1" });
  await assert.rejects(p.toArray({ progress: false }), /cannot reach Redis at redis:\/\/127\.0\.0\.1:1/);
});
