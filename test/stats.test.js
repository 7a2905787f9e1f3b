"use strict";
// Every run is observed: counts that add up, where the time went, the bottleneck,
// a timeline, and a readable table.
const { describe, test } = require("node:test");
const assert = require("node:assert/strict");
const { inspect } = require("node:util");
const { from, range, RunStats } = require("../dist");
const { Timeline } = require("../dist/stats/timeline");
const { progressLines } = require("../dist/display/progress-lines");
const { MODES, sleep } = require("./helpers");

/** The accounting every stage must satisfy once a run has ended. */
function assertAccounts(stats) {
  for (const s of stats.stages.slice(1)) {
    const settled = s.name.startsWith("flatMap") ? s.expanded : s.itemsOut + s.filtered;
    assert.equal(s.itemsIn, settled + s.errors + s.inFlight, `${s.name}: in = out/expanded + filtered + errors + inFlight`);
  }
  for (let i = 1; i < stats.stages.length; i++) {
    const before = stats.stages[i - 1];
    const here = stats.stages[i];
    assert.ok(here.itemsIn <= before.itemsOut, `${here.name} took no more than ${before.name} gave`);
  }
}

for (const mode of MODES) {
  describe(`statistics in ${mode} mode`, () => {
    test("a done run: every item accounted for, stage by stage", async () => {
      const p = range(100)
        .map((x) => x * 2, { mode, workers: 2, name: "double" })
        .filter((x) => x % 3 === 0, { mode, name: "thirds" })
        .flatMap((x) => [x, x], { mode, name: "flatMap twice" })
        .each(() => {}, { mode, name: "sink" });
      const stats = await p.run();
      assert.equal(stats.status, "done");
      assert.equal(stats.error, undefined);
      const byName = Object.fromEntries(stats.stages.map((s) => [s.name, s]));
      assert.deepEqual(
        [byName.source.itemsOut, byName.double.itemsIn, byName.double.itemsOut, byName.thirds.itemsOut, byName.thirds.filtered],
        [100, 100, 100, 34, 66],
      );
      assert.deepEqual([byName["flatMap twice"].itemsIn, byName["flatMap twice"].expanded, byName["flatMap twice"].itemsOut], [34, 34, 68]);
      assert.deepEqual([byName.sink.itemsIn, byName.sink.filtered, byName.sink.itemsOut], [68, 68, 0]);
      for (const s of stats.stages) assert.equal(s.inFlight, 0, `${s.name} has nothing in flight after a done run`);
      assertAccounts(stats);
    });

    test("a failed run says so, with its error, and its counts are complete up to the failure", async () => {
      const p = range(1000).map(
        (x) => {
          if (x === 500) throw new Error("bad item");
          return x;
        },
        { mode, name: "parse" },
      );
      await assert.rejects(p.toArray(), /bad item/);
      const stats = p.stats();
      assert.equal(stats.status, "failed");
      assert.match(stats.error.message, /bad item/);
      const parse = stats.stages[1];
      assert.equal(parse.errors, 1);
      assertAccounts(stats);
    });

    test("a cancelled run says so, and its counts add up", async () => {
      const p = range(0, Infinity).map((x) => x, { mode, name: "id" });
      for await (const x of p) if (x === 50) break;
      const stats = p.stats();
      assert.equal(stats.status, "cancelled");
      assert.ok(stats.stages[1].itemsOut >= 51);
      assertAccounts(stats);
    });
  });
}

describe("where the time goes", () => {
  test("the bottleneck is the slow stage between two fast ones, and it is saturated", async () => {
    const stats = await range(40)
      .map((x) => x + 1, { name: "fast before" })
      .map(
        async (x) => {
          await sleep(20);
          return x;
        },
        { name: "slow" },
      )
      .map((x) => x - 1, { name: "fast after" })
      .run();
    assert.equal(stats.bottleneck.stage, "slow");
    assert.match(stats.bottleneck.reason, /busy \d+% of the time with 1 worker/);
    const [, before, slow, after] = stats.stages;
    assert.ok(slow.utilization > 0.8, `slow stage utilization ${slow.utilization}`);
    assert.ok(after.utilization < 0.2, `the stage after it mostly waits: ${after.utilization}`);
    assert.ok(after.waitingMs > 0.5 * stats.durationMs, "the stage after the slow one waits for input");
    assert.ok(slow.latency.p50 >= 19 && slow.latency.max >= slow.latency.p50);
    assert.ok(before.blockedMs === 0 || before.blockedMs < stats.durationMs);
  });

  test("blockedMs grows for a stage in front of a slow consumer, and the consumer is named", async () => {
    const iterator = range(100).map((x) => x, { maxsize: 2, name: "eager" });
    let stats;
    for await (const x of iterator.iterate()) {
      await sleep(5);
      stats = iterator.stats();
      if (x === 60) break;
    }
    const eager = stats.stages[1];
    assert.ok(eager.blockedMs > 100, `blocked ${eager.blockedMs} ms`);
    assert.equal(eager.queue.maxsize, 2);
    assert.equal(eager.queue.peak, 2);
    const done = iterator.stats();
    assert.equal(done.bottleneck.stage, "consumer");
  });

  test("worker-mode time is measured in the threads and as seen from the main thread", async () => {
    const stats = await range(40)
      .map(
        (x) => {
          Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 5);
          return x;
        },
        { mode: "worker", workers: 2 },
      )
      .run();
    const stage = stats.stages[1];
    assert.ok(stage.busyMs >= 40 * 5 * 0.9, `busy ${stage.busyMs} ms inside the threads`);
    assert.ok(stage.roundTripMs >= stage.busyMs, "a round trip includes the function's time and the trip");
    assert.ok(stage.latency.p50 >= 4.5);
  });

  test("p.stats() watches a run while it goes", async () => {
    const p = range(20).map(async (x) => {
      await sleep(10);
      return x;
    });
    assert.throws(() => p.stats(), /stats\(\): this pipeline has not run yet/, "no run yet");
    const running = p.toArray();
    await sleep(60);
    const midway = p.stats();
    assert.equal(midway.status, "running");
    assert.ok(midway.stages[1].itemsOut > 0 && midway.stages[1].itemsOut < 20);
    await running;
    assert.equal(p.stats().status, "done");
  });
});

describe("timeline", () => {
  test("a run's timeline has increasing counts ending at the totals", async () => {
    const stats = await range(30)
      .map(async (x) => {
        await sleep(10);
        return x;
      })
      .run();
    const { timeline } = stats;
    assert.ok(timeline.length >= 2);
    for (let i = 1; i < timeline.length; i++) {
      assert.ok(timeline[i].atMs >= timeline[i - 1].atMs);
      assert.ok(timeline[i].itemsOut[1] >= timeline[i - 1].itemsOut[1]);
    }
    assert.equal(timeline.at(-1).itemsOut[1], 30);
  });

  test("the timeline stays bounded on a long run, sampling less often", async () => {
    let n = 0;
    const timeline = new Timeline(performance.now(), () => ({ itemsOut: [n++], queue: [0] }), 10, 1);
    timeline.start();
    await sleep(200);
    timeline.stop();
    assert.ok(timeline.samples.length <= 10, `${timeline.samples.length} samples`);
    assert.ok(n > 10, "it kept sampling");
    const gaps = timeline.samples.slice(1).map((s, i) => s.atMs - timeline.samples[i].atMs);
    assert.ok(Math.max(...gaps) > 8, "older samples were thinned out");
    // Each sample after the first says how busy the main thread was since the one kept before it.
    for (const s of timeline.samples.slice(1)) assert.ok(s.mainThread >= 0 && s.mainThread <= 1, `mainThread ${s.mainThread}`);
  });
});

describe("presenting statistics", () => {
  test("toRows gives flat plain objects; toString and console.log give the table", async () => {
    const stats = await range(10)
      .map((x) => x, { name: "copy" })
      .run();
    assert.ok(stats instanceof RunStats);
    const rows = stats.toRows();
    assert.equal(rows.length, 2);
    assert.equal(rows[1].name, "copy");
    assert.equal(typeof rows[1].latencyP99, "number");
    assert.equal(rows[1].queueMaxsize, 1000);
    const table = stats.toString();
    assert.match(table, /^pipelab run: done in \d+\.\d\d s/);
    assert.match(table, /stage\s+mode\s+workers\s+in\s+out/);
    assert.match(table, /copy\s+async\s+1\s+10\s+10/);
    assert.equal(inspect(stats), table);
  });

  test("the table says where the items that did not come out went: a filtered column, text and HTML", async () => {
    const stats = await range(10000)
      .filter((x) => x % 9 === 0, { name: "keep" })
      .run({ progress: false });
    assert.match(stats.toString(), /stage\s+mode\s+workers\s+in\s+out\s+filtered\s+errors/);
    assert.match(stats.toString(), /keep\s+async\s+1\s+10,000\s+1,112\s+8,888\s+0/);
    const html = stats.toMimeBundle()["text/html"];
    assert.match(html, />filtered</);
    assert.match(html, />1,112<[\s\S]*?>8,888</);
  });

  test("the terminal progress view renders a snapshot line by line", () => {
    const stage = (name, mode, itemsOut, utilization, current, maxsize, errors = 0) => ({
      name,
      mode,
      workers: 1,
      itemsOut,
      throughput: itemsOut / 2,
      utilization,
      errors,
      queue: { current, maxsize, peak: current },
    });
    const snapshot = {
      status: "running",
      durationMs: 2000,
      bottleneck: undefined,
      mainThread: { utilization: 0.42, busyMs: 840 },
      stages: [stage("source", "source", 1000, 0.3, 10, 100), stage("parse", "worker", 800, 0.97, 50, 100, 3), stage("write", "async", 790, 0.1, 0, 0)],
    };
    assert.deepEqual(progressLines(snapshot), [
      "pipelab running 2.0 s, main thread 42% busy",
      "  source       1,000       500/s  30% [#---------] 10/100",
      "  parse          800       400/s  97% [#####-----] 50/100  3 errors",
      "  write          790       395/s  10% [     ∞    ] 0/∞",
    ]);
  });
});

describe("statistics as a DataFrame", () => {
  test("toDataFrame has a row per stage and the columns of toRows", async () => {
    const stats = await range(10)
      .map((x) => x, { name: "copy" })
      .filter(Boolean, { name: "truthy" })
      .run();
    const df = stats.toDataFrame();
    assert.deepEqual(df.shape, [3, Object.keys(stats.toRows()[0]).length]);
    assert.deepEqual(df.column("name").values, ["source", "copy", "truthy"]);
    assert.deepEqual(df.column("itemsOut").values, [10, 10, 9]);
  });
});
