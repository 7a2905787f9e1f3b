"use strict";
// Cluster mode against a real Redis (Debian's redis-server on a free loopback port) and real
// `pipelab worker` processes. Skipped loudly without redis-server, failing under CI=true.
const { test, before, after } = require("node:test");
const assert = require("node:assert/strict");
const { join, relative } = require("node:path");
const { mkdtempSync, realpathSync, rmSync, symlinkSync } = require("node:fs");
const { tmpdir } = require("node:os");
const IORedis = require("ioredis");
const { range } = require("../dist");
const { redisAvailable, startRedis, startWorkers, stopChild } = require("../examples/local-cluster");

const found = redisAvailable();
const missing = "redis-server is not installed: the cluster tests did NOT run. Install Debian's redis-server.";
if (!found && process.env.CI !== "true") process.stderr.write(`\n${"!".repeat(90)}\n!! ${missing}\n${"!".repeat(90)}\n\n`);
const skip = !found && process.env.CI !== "true" && missing;

// The secret this file's notebook side and its workers share; the runs pass it as the "secret" option.
const secret = "test-secret-0123456789abcdef";
const cluster = (extra = {}) => ({ mode: "cluster", connection: redis.url, secret, ...extra });
let redis;
let client;
let workers = [];

before(async () => {
  if (!found) return;
  redis = await startRedis();
  client = new IORedis(redis.url);
  workers = await startWorkers(redis.url, 3, { concurrency: 2, secret });
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
  const p = range(0, 5000)
    .map((x) => x * x + 1, cluster({ name: "square" }))
    .filter((x) => x % 3 !== 0);
  const out = await p.toArray({ progress: false });
  assert.deepEqual(
    out,
    sequential(5000, (x) => x * x + 1).filter((x) => x % 3 !== 0),
  );
  const stage = p.stats().stages[1];
  assert.equal(stage.mode, "cluster");
  assert.equal(
    stage.remoteWorkers.reduce((sum, w) => sum + w.items, 0),
    5000,
  );
  assert.ok(stage.remoteWorkers.every((w) => typeof w.host === "string" && w.pid > 0));
  for (const w of stage.remoteWorkers) assert.match(String(p.stats()), new RegExp(`${w.host}:${w.pid} \\(`), "the table names each remote worker");
  assert.deepEqual(await leftovers(), []);
});

test("ctx.index reaches cluster workers (jobs run two at a time, each with its own index), and tap passes items on", { skip }, async () => {
  const out = await range(0, 300)
    .map(async (x, ctx) => {
      const index = ctx.index;
      await new Promise((resolve) => setTimeout(resolve, x % 3));
      return [x, index, ctx.index];
    }, cluster())
    .tap((pair) => pair.length, cluster())
    .toArray({ progress: false });
  assert.deepEqual(
    out,
    sequential(300, (x) => [x, x, x]),
  );
});

test("a cached cluster stage is answered from the cache on the main thread: the second run sends no job", { skip }, async () => {
  const dir = mkdtempSync(join(tmpdir(), "pipelab-cluster-cache-"));
  try {
    const build = () => range(0, 200).map((x) => x * 7, cluster({ name: "seven", cache: { dir } }));
    const first = build();
    assert.deepEqual(
      await first.toArray({ progress: false }),
      sequential(200, (x) => x * 7),
    );
    const second = build();
    assert.deepEqual(
      await second.toArray({ progress: false }),
      sequential(200, (x) => x * 7),
    );
    const stage = second.stats().stages[1];
    assert.deepEqual([stage.cacheHits, stage.cacheMisses, stage.batches], [200, 0, 0]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("with a single worker process the result is the same", { skip }, async () => {
  // Redis database 1: the three other workers watch database 0 and never see this run.
  const url = `${redis.url}/1`;
  const [single] = await startWorkers(url, 1, { secret });
  try {
    const p = range(0, 500).map((x) => `#${x}`, { mode: "cluster", connection: url, secret });
    assert.deepEqual(
      await p.toArray({ progress: false }),
      sequential(500, (x) => `#${x}`),
    );
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
    cluster({ name: "inspect" }),
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
    cluster({ maxsize: 600 }),
  );
  const victim = workers[0];
  const running = p.toArray({ progress: false });
  setTimeout(() => victim.kill("SIGKILL"), 500);
  const out = await running;
  assert.deepEqual(
    out,
    sequential(3000, (x) => x),
  );
  workers[0] = (await startWorkers(redis.url, 1, { concurrency: 2, secret }))[0];
});

test("cancelling a run leaves no jobs in Redis", { skip }, async () => {
  const controller = new AbortController();
  const p = range(0, 1e6).map(async (x) => {
    await new Promise((resolve) => setTimeout(resolve, 5));
    return x;
  }, cluster());
  setTimeout(() => controller.abort(), 400);
  await assert.rejects(p.toArray({ signal: controller.signal, progress: false }), { name: "AbortError" });
  assert.deepEqual(await leftovers(), []);
});

test("two runs at once on the same Redis stay separate", { skip }, async () => {
  const a = range(0, 2000).map((x) => `a${x}`, cluster());
  const b = range(0, 2000).map((x) => `b${x}`, cluster());
  const [outA, outB] = await Promise.all([a.toArray({ progress: false }), b.toArray({ progress: false })]);
  assert.deepEqual(
    outA,
    sequential(2000, (x) => `a${x}`),
  );
  assert.deepEqual(
    outB,
    sequential(2000, (x) => `b${x}`),
  );
});

test("a Redis that is not reachable is a clear error, not a hang", { skip }, async () => {
  const p = range(0, 3).map((x) => x, { mode: "cluster", connection: "redis://127.0.0.1:1", secret });
  await assert.rejects(p.toArray({ progress: false }), /cannot reach Redis at redis:\/\/127\.0\.0\.1:1/);
});

// The trust boundary: each case runs in a Redis database of its own, with workers started for it.
async function isolated(db, workerOptions, body) {
  const url = `${redis.url}/${db}`;
  const started = await startWorkers(url, 1, workerOptions);
  try {
    return await body(url, started[0]);
  } finally {
    await Promise.all(started.map((w) => stopChild(w)));
  }
}

test("a stage altered in Redis after it was signed is refused, and the run says the signature did not match", { skip }, async () => {
  const url = `${redis.url}/2`;
  const db = new IORedis(url);
  try {
    const p = range(0, 100).map((x) => x * 2, { mode: "cluster", connection: url, secret, name: "double" });
    const running = p.toArray({ progress: false });
    // Before any worker looks, rewrite the published function as an attacker with Redis access would.
    let key;
    while (!(key = (await db.keys("pipelab:stage:*"))[0])) await new Promise((r) => setTimeout(r, 10));
    const published = JSON.parse(await db.get(key));
    published.payload = published.payload.replace("x * 2", "require('child_process').execSync('id').toString()");
    await db.set(key, JSON.stringify(published));
    const [worker] = await startWorkers(url, 1, { secret });
    try {
      await assert.rejects(running, /refused stage "double".*the signature did not match/);
      assert.match(worker.output, /refused stage "double" of run pipelab-[0-9a-f]+: the signature did not match/);
    } finally {
      await stopChild(worker);
    }
  } finally {
    db.disconnect();
  }
});

test("a worker with another secret refuses, and the run reports it", { skip }, async () => {
  await isolated(3, { secret: "some-other-secret-000000000" }, async (url) => {
    const p = range(0, 10).map((x) => x, { mode: "cluster", connection: url, secret });
    await assert.rejects(
      p.toArray({ progress: false }),
      (e) => e.code === "ERR_PIPELAB_REFUSED" && /a cluster worker refused the stage: worker .* refused stage .*the signature did not match/.test(e.message),
    );
  });
});

test("without a secret an inline cluster stage is refused before anything is sent", { skip }, () => {
  const saved = process.env.PIPELAB_CLUSTER_SECRET;
  delete process.env.PIPELAB_CLUSTER_SECRET;
  try {
    assert.throws(() => range(0, 3).map((x) => x + 1, { mode: "cluster", connection: redis.url }), {
      name: "TypeError",
      message: /cluster mode runs inline functions only when the stage is signed .* PIPELAB_CLUSTER_SECRET .* \{ module, export \}/,
    });
  } finally {
    if (saved !== undefined) process.env.PIPELAB_CLUSTER_SECRET = saved;
  }
});

const MODULES = join(__dirname, "fixtures", "cluster-modules");

test("without a secret, a module function from the worker's --modules directory runs", { skip }, async () => {
  await isolated(4, { args: ["--modules", MODULES] }, async (url) => {
    const p = range(0, 50).map({ module: "./tools.js", export: "triple" }, { mode: "cluster", connection: url });
    assert.deepEqual(
      await p.toArray({ progress: false }),
      sequential(50, (x) => x * 3),
    );
  });
});

test("a module path outside the --modules directory is refused", { skip }, async () => {
  // Built from this file's own location, so it climbs out of --modules wherever the repository lives.
  for (const [db, spec] of [
    [5, relative(MODULES, "/etc/passwd")],
    [6, join(__dirname, "fixtures", "math.js")],
  ]) {
    await isolated(db, { args: ["--modules", MODULES] }, async (url) => {
      const p = range(0, 3).map({ module: spec, export: "square" }, { mode: "cluster", connection: url });
      await assert.rejects(p.toArray({ progress: false }), /refused stage .* is not a module file inside the allowed directory/);
    });
  }
});

test("the --modules allow-list answers the same for every path outside it, existing or not", (t) => {
  const { vetStageFunctions } = require("../dist/cluster/function-vetting");
  const refusal = (spec, dir = MODULES) => {
    const stage = { fn: { kind: "module", module: spec, export: "square" }, context: {} };
    return vetStageFunctions(stage, false, dir)?.replace(JSON.stringify(spec), "SPEC");
  };
  const outside = refusal("/etc/passwd");
  assert.match(outside, /is not a module file inside the allowed directory/);
  const specs = [
    relative(MODULES, "/etc/passwd"),
    relative(MODULES, "/etc/no-such-file"),
    "/etc/no-such-file",
    "file:///etc/passwd",
    join(__dirname, "fixtures", "math.js"),
    "no-such-package",
    "../math.js",
  ];
  for (const spec of specs) assert.equal(refusal(spec), outside, spec);
  assert.equal(refusal("./tools.js"), undefined, "a file inside is allowed");
  // A symlink inside that leads outside is refused too, once followed.
  const dir = mkdtempSync(join(tmpdir(), "pipelab-modules-"));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  symlinkSync(join(__dirname, "fixtures", "math.js"), join(dir, "escape.js"));
  assert.equal(refusal("./escape.js", dir), outside.replace(MODULES, realpathSync(dir)));
});
