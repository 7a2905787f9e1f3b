"use strict";
// Live progress in a notebook cell: one entry for a run that lasts over a second (from the start with
// progress: true), updated in place, ending in the run's final state; a short run shows none.
const { test, afterEach } = require("node:test");
const assert = require("node:assert/strict");
const { range, from } = require("../dist");
const { setDisplaySink } = require("../dist/display/display");
const { richLastExpression } = require("../dist/kernel/launch");

function notebookSink() {
  const writes = [];
  return {
    kind: "fake",
    isNotebook: true,
    writes,
    cellNow: "cell 1",
    cell() {
      return this.cellNow;
    },
    write: (bundle, id, update) => writes.push({ html: bundle["text/html"], id, update, at: performance.now() }),
  };
}

afterEach(() => setDisplaySink(undefined));

const slowly = async (x) => {
  await new Promise((r) => setTimeout(r, 5));
  return x;
};

test("with progress: true the entry is created before the first result, updated in place at most 4 times a second, and ends 'done'", async () => {
  const sink = notebookSink();
  setDisplaySink(sink);
  const started = performance.now();
  const iterator = range(0, 120).map(slowly, { name: "slowly", workers: 2 }).iterate({ progress: true })[Symbol.asyncIterator]();
  await iterator.next();
  assert.equal(sink.writes.length >= 1, true, "shown while the cell still runs");
  assert.equal(sink.writes[0].update, false);
  assert.match(sink.writes[0].html, />running</);
  for (let r = await iterator.next(); !r.done; r = await iterator.next());
  const elapsed = performance.now() - started;
  const { writes } = sink;
  assert.ok(
    writes.slice(1).every((w) => w.update && w.id === writes[0].id),
    "every later write updates the same entry",
  );
  assert.ok(writes.length >= 3, `updated while running (${writes.length} writes)`);
  // One creation, one final frame, and timer updates no closer than 250 ms apart.
  assert.ok(writes.length - 2 <= Math.floor(elapsed / 250) + 1, `${writes.length} writes in ${elapsed.toFixed(0)} ms`);
  assert.match(writes.at(-1).html, />done</);
  assert.match(writes.at(-1).html, />slowly</);
});

test("a failing run ends its entry 'failed' with the error; a break ends it 'cancelled'", async () => {
  const failing = notebookSink();
  setDisplaySink(failing);
  await assert.rejects(
    from([1, 2])
      .map(
        () => {
          throw new Error("bad item");
        },
        { name: "breaks" },
      )
      .toArray({ progress: true }),
  );
  assert.match(failing.writes.at(-1).html, />failed</);
  assert.match(failing.writes.at(-1).html, /bad item/);

  const stopped = notebookSink();
  setDisplaySink(stopped);
  for await (const x of range(0, 1e6)
    .map((x) => x)
    .iterate({ progress: true }))
    if (x === 10) break;
  assert.match(stopped.writes.at(-1).html, />cancelled</);
});

test("progress: false shows nothing", async () => {
  const sink = notebookSink();
  setDisplaySink(sink);
  await range(0, 10)
    .map((x) => x)
    .run({ progress: false });
  assert.equal(sink.writes.length, 0);
});

test("a display that throws stops the live view, not the run", async (t) => {
  setDisplaySink({
    kind: "broken",
    isNotebook: true,
    write: () => {
      throw new Error("frontend gone");
    },
  });
  const messages = [];
  t.mock.method(process.stderr, "write", (text) => messages.push(String(text)));
  const out = await range(0, 50).map(slowly, { workers: 4 }).toArray({ progress: true });
  t.mock.restoreAll();
  assert.equal(out.length, 50);
  assert.deepEqual(messages, ["pipelab: live progress stopped: frontend gone\n"]);
});

test("by default a run that ends within a second shows no entry; a longer one shows it from the first second, once", async () => {
  const sink = notebookSink();
  setDisplaySink(sink);
  const quick = await range(0, 20).map(slowly, { workers: 4 }).toArray();
  assert.equal(quick.length, 20);
  assert.equal(sink.writes.length, 0, "a short cell prints only its result");

  const started = performance.now();
  const p = range(0, 14).map(async (x) => {
    await new Promise((r) => setTimeout(r, 100));
    return x;
  });
  await p.run();
  const { writes } = sink;
  assert.ok(writes.length >= 2, `an entry and its final frame (${writes.length} writes)`);
  assert.equal(writes[0].update, false);
  assert.ok(writes[0].at - started >= 1000, `created after the first second, at ${(writes[0].at - started).toFixed(0)} ms`);
  assert.ok(
    writes.slice(1).every((w) => w.update && w.id === writes[0].id),
    "one entry, updated in place",
  );
  assert.match(writes.at(-1).html, />done</);
});

test("a cell that ends with the statistics of a run shown live in that cell does not show them again", async () => {
  const sink = notebookSink();
  setDisplaySink(sink);
  const logged = [];
  const lastExpression = richLastExpression((...args) => logged.push(args));
  const p = range(0, 5).map(slowly);
  const stats = await p.run({ progress: true });
  const entries = sink.writes.length;
  lastExpression(stats);
  assert.equal(sink.writes.length, entries, "no second table in the same cell");
  assert.equal(logged.length, 0);

  sink.cellNow = "cell 2";
  lastExpression(p.stats());
  assert.equal(sink.writes.length, entries + 1, "shown in a later cell");
  assert.equal(sink.writes.at(-1).update, false);

  const short = await range(0, 3)
    .map((x) => x)
    .run();
  lastExpression(short);
  assert.equal(sink.writes.length, entries + 2, "a short run's statistics show once, as the cell's result");
});
