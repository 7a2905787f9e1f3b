"use strict";
// Issue 16: the statistics find the bottleneck wherever it is: in a stage, in the source (its own
// work on the main thread: reading, parsing, casting), or in the main thread itself. These tests
// assert which part is named and which rule named it, never how long anything took.
const { describe, test } = require("node:test");
const assert = require("node:assert/strict");
const { availableParallelism } = require("node:os");
const { from, range } = require("../dist");
const { findBottleneck } = require("../dist/stats/bottleneck");
const { stageNotes } = require("../dist/stats/notes");
const { statsHtml } = require("../dist/display/stats-html");
const { sleep } = require("./helpers");

/** Keeps the thread busy for `us` microseconds, as parsing and casting a record would. */
function spin(us) {
  const end = performance.now() + us / 1000;
  while (performance.now() < end);
}

/** A source like a CSV or JSONL reader: every item costs ~50 µs of synchronous work inside next(). */
function* parsingSource(n) {
  for (let i = 0; i < n; i++) {
    spin(50);
    yield { id: i, km: i % 7 };
  }
}

/** The same, as an async generator (each next() returns a promise). */
async function* asyncParsingSource(n) {
  for (let i = 0; i < n; i++) {
    spin(50);
    yield { id: i, km: i % 7 };
  }
}

const SOURCE_RULE = /kept the source busy \d+% of the time on the main thread/;

describe("the source's own work is measured and can be the bottleneck", () => {
  test("a source that parses on the main thread, then a cheap worker stage: the bottleneck is the source, with the fix", async () => {
    const stats = await from(() => parsingSource(6000))
      .map((r) => r.km * 2, { mode: "worker", workers: 2, name: "distance" })
      .filter((km) => km > 3, { name: "far" })
      .run({ progress: false });
    assert.equal(stats.bottleneck.stage, "source", stats.toString());
    assert.match(stats.bottleneck.reason, SOURCE_RULE);
    // The next stage already runs in threads: the work has to leave the source.
    assert.match(stats.bottleneck.reason, /parse and cast them in a worker-mode stage/);
    const [source, distance] = stats.stages;
    assert.ok(source.utilization > distance.utilization, `source ${source.utilization} vs distance ${distance.utilization}`);
  });

  test("the same with a cheap async stage after it: the bottleneck is the source, and the fix is parsing in a worker stage", async () => {
    const stats = await from(() => parsingSource(6000))
      .map(async (r) => r.km * 2, { name: "distance" })
      .run({ progress: false });
    assert.equal(stats.bottleneck.stage, "source", stats.toString());
    assert.match(stats.bottleneck.reason, SOURCE_RULE);
    // A generator is not a file the threads could read: the advice is to move its parsing, not to read in the threads.
    assert.match(stats.bottleneck.reason, /move its parsing into a worker-mode stage/);
  });

  test("an async generator source that parses is measured too", async () => {
    const stats = await from(() => asyncParsingSource(6000))
      .map((r) => r.km, { name: "km" })
      .run({ progress: false });
    assert.equal(stats.bottleneck.stage, "source", stats.toString());
    assert.match(stats.bottleneck.reason, SOURCE_RULE);
  });

  test("a busy source has a busy time and a utilization; the table shows it on the source row", async () => {
    const stats = await from(() => parsingSource(2000))
      .map((r) => r.id)
      .run({ progress: false });
    const source = stats.stages[0];
    assert.ok(source.busyMs > 0, `busyMs ${source.busyMs}`);
    assert.ok(source.utilization > 0 && source.utilization <= 1, `utilization ${source.utilization}`);
    assert.match(stats.toString(), new RegExp(`\\nsource\\s+source\\s+1\\s+0\\s+2,000\\s+0\\s+0\\s+${Math.round(source.utilization * 100)}%`));
  });

  test("a source that waits for its data is not busy: the first stage waits for input, and the source says how little it worked", async () => {
    async function* slowFeed() {
      for (let i = 0; i < 40; i++) {
        await sleep(5);
        yield i;
      }
    }
    const stats = await from(slowFeed)
      .map((x) => x + 1, { name: "inc" })
      .run({ progress: false });
    assert.equal(stats.bottleneck.stage, "source", stats.toString());
    assert.match(stats.bottleneck.reason, /^the first stage waited \d+% of the time for input; the source was busy \d+% of the time/);
    assert.doesNotMatch(stats.bottleneck.reason, SOURCE_RULE);
  });

  test("a source that works outside next() (a parser in stream callbacks) reports that time, and it counts", async () => {
    let pulled = 0;
    const iterator = {
      next: () => (pulled < 50 ? { done: false, value: pulled++ } : { done: true, value: undefined }),
      // As a stream-fed parser would add up its time in the stream's callbacks.
      get busyOutsideNextMs() {
        return pulled * 1000;
      },
      [Symbol.iterator]() {
        return this;
      },
    };
    // A run long enough to name a bottleneck at all (MIN_BOTTLENECK_MS).
    const stats = await from(() => iterator)
      .map((x) => sleep(2).then(() => x))
      .run({ progress: false });
    assert.ok(stats.stages[0].busyMs >= 50_000, `busyMs ${stats.stages[0].busyMs}`);
    assert.equal(stats.bottleneck.stage, "source");
  });
});

describe("a stage that is the real limit is still named", () => {
  test("a slow async stage after a cheap source is named, even while it keeps the main thread busy", async () => {
    const stats = await range(300)
      .map(
        (x) => {
          spin(1000);
          return x;
        },
        { name: "score" },
      )
      .run({ progress: false });
    assert.equal(stats.bottleneck.stage, "score", stats.toString());
    assert.match(stats.bottleneck.reason, /^busy \d+% of the time with 1 worker/);
  });
});

describe("the main thread's load", () => {
  test("a run measures how busy the main thread was, and the table's header line says it", async () => {
    const stats = await from(() => parsingSource(1000))
      .map((r) => r.id)
      .run({ progress: false });
    assert.ok(stats.mainThread, "mainThread is measured");
    assert.ok(stats.mainThread.utilization > 0 && stats.mainThread.utilization <= 1, `utilization ${stats.mainThread.utilization}`);
    assert.ok(stats.mainThread.busyMs > 0);
    const percent = Math.round(stats.mainThread.utilization * 100);
    assert.match(stats.toString(), new RegExp(`^pipelab run: done in \\d+\\.\\d\\d s, main thread ${percent}% busy\\n`));
    assert.match(stats.toMimeBundle()["text/html"], new RegExp(`in \\d+\\.\\d\\d s, main thread ${percent}% busy<br>`));
    // The timeline samples it too: every sample after the first covers the time since the one before.
    const later = stats.timeline.slice(1);
    assert.ok(later.length > 0);
    for (const sample of later) assert.ok(sample.mainThread >= 0 && sample.mainThread <= 1, `sample ${JSON.stringify(sample)}`);
  });
});

// The rules on snapshots made by hand, so each case is exact.
describe("the bottleneck rules", () => {
  const stage = (name, mode, fields = {}) => ({
    name,
    mode,
    workers: 1,
    itemsIn: 1000,
    itemsOut: 1000,
    busyMs: 0,
    utilization: 0,
    throughput: 1000,
    waitingMs: 0,
    blockedMs: 0,
    ...fields,
  });
  const WALL = 1000;

  test("the CSV of issue 16: the source parsing on the main thread, a worker stage at 2%: the source, not the stage", () => {
    const stages = [
      stage("source", "source", { busyMs: 780, utilization: 0.78, blockedMs: 100 }),
      stage("distance", "worker", { workers: 2, busyMs: 40, utilization: 0.02 }),
      stage("filter", "async", { busyMs: 10, utilization: 0.01, waitingMs: 900 }),
    ];
    const found = findBottleneck(stages, WALL, { utilization: 0.96, busyMs: 960 });
    assert.equal(found.stage, "source");
    assert.match(found.reason, /kept the source busy 78% of the time on the main thread, and the main thread was 96% busy/);
  });

  test("a source the threads could read (fromCSV, fromJSONL) is told to let them; another (fromParquet) to read less; a run with only sinks to read less", () => {
    const busy = { busyMs: 780, utilization: 0.78 };
    const after = stage("enrich", "async", { busyMs: 10, utilization: 0.01, waitingMs: 900 });
    const reason = (source, ...rest) => findBottleneck([source, ...rest], WALL, { utilization: 0.9, busyMs: 900 }).reason;
    assert.match(reason(stage("source", "source", { ...busy, readableInThreads: true }), after), /put the next stages in worker mode to parse in the threads/);
    assert.match(reason(stage("source", "source", busy), after), /read fewer columns, a cheaper format\), or move its parsing into a worker-mode stage/);
    assert.match(reason(stage("source", "source", busy), stage("into.file", "sink", { busyMs: 10, utilization: 0.01 })), /the run only reads/);
  });

  test("a run shorter than MIN_BOTTLENECK_MS names none: its shares are noise", () => {
    const stages = [stage("source", "source", { busyMs: 3, utilization: 0.9 }), stage("inc", "async", { busyMs: 1, utilization: 0.3 })];
    assert.equal(findBottleneck(stages, 3, { utilization: 1, busyMs: 3 }), undefined);
    assert.equal(
      findBottleneck(
        stages.map((s) => ({ ...s, busyMs: s.busyMs * 20 })),
        60,
        { utilization: 1, busyMs: 60 },
      ).stage,
      "source",
    );
  });

  test("a saturated stage busier than the source is the limit", () => {
    const stages = [stage("source", "source", { busyMs: 550, utilization: 0.55 }), stage("score", "worker", { workers: 4, busyMs: 3600, utilization: 0.9 })];
    assert.equal(findBottleneck(stages, WALL, { utilization: 0.6, busyMs: 600 }).stage, "score");
  });

  test("a full main thread held by a sync stage names that stage, not the source", () => {
    const stages = [
      stage("source", "source", { busyMs: 200, utilization: 0.2 }),
      stage("parse", "sync", { busyMs: 450, utilization: 0.45 }),
      stage("write", "async", { busyMs: 50, utilization: 0.05 }),
    ];
    const found = findBottleneck(stages, WALL, { utilization: 0.95, busyMs: 950 });
    assert.equal(found.stage, "parse");
    assert.match(found.reason, /main thread, which was 95% busy; worker mode would run it in threads/);
  });

  test("a full main thread held by the source (no stage saturated) names the source", () => {
    const stages = [stage("source", "source", { busyMs: 450, utilization: 0.45 }), stage("enrich", "sync", { busyMs: 200, utilization: 0.2 })];
    assert.equal(findBottleneck(stages, WALL, { utilization: 0.93, busyMs: 930 }).stage, "source");
  });

  test("a full main thread that no measured part explains names the main thread", () => {
    const stages = [stage("source", "source", { busyMs: 20, utilization: 0.02 }), stage("distance", "worker", { workers: 2, busyMs: 40, utilization: 0.02 })];
    const found = findBottleneck(stages, WALL, { utilization: 0.98, busyMs: 980 });
    assert.equal(found.stage, "main thread");
    assert.match(found.reason, /^the main thread was 98% busy/);
  });

  test("an idle main thread and no saturated stage: the busiest stage, as before", () => {
    const stages = [stage("source", "source", { busyMs: 20, utilization: 0.02 }), stage("a", "async", { busyMs: 300, utilization: 0.3 })];
    assert.equal(findBottleneck(stages, WALL, { utilization: 0.3, busyMs: 300 }).stage, "a");
  });
});

describe("a worker stage with more threads than items or cores says so, without failing", () => {
  test("workers: 8 for 3 items: a note on the stage, in the table's notes", async () => {
    const stats = await range(3)
      .map((x) => x * 2, { mode: "worker", workers: 8, name: "double" })
      .run({ progress: false });
    assert.equal(stats.status, "done");
    assert.equal(stats.error, undefined);
    const cores = availableParallelism();
    const onCores = 8 > cores ? ` on ${cores} core${cores === 1 ? "" : "s"}` : "";
    const expected = `8 threads for 3 items${onCores}: at most ${Math.min(3, cores)} can work at once`;
    assert.deepEqual(stats.notes, [{ stage: "double", note: expected }]);
    assert.match(stats.toString(), new RegExp(`\\nnote: double: ${expected}$`));
    assert.ok(statsHtml(stats).includes(`note: <b>double</b>: ${expected}`));
  });

  test("the note's wording for items, cores and both, and none for a stage that fits", () => {
    const s = (workers, itemsIn, mode = "worker") => ({ name: "w", mode, workers, itemsIn });
    assert.deepEqual(
      stageNotes([s(64, 3)], true, 2).map((n) => n.note),
      ["64 threads for 3 items on 2 cores: at most 2 can work at once"],
    );
    assert.deepEqual(
      stageNotes([s(4, 1000)], true, 2).map((n) => n.note),
      ["4 threads on 2 cores: at most 2 can work at once"],
    );
    assert.deepEqual(
      stageNotes([s(8, 1)], true, 16).map((n) => n.note),
      ["8 threads for 1 item: at most 1 can work at once"],
    );
    // While a run goes its stages have not seen all their items yet; async stages have no threads.
    assert.deepEqual(stageNotes([s(8, 1)], false, 16), []);
    assert.deepEqual(stageNotes([s(2, 1000), s(64, 3, "async")], true, 2), []);
  });
});
