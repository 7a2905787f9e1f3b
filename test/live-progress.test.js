"use strict";
// Live progress in a notebook cell: one entry, created at once, updated in place, ending in the run's final state.
const { test, afterEach } = require("node:test");
const assert = require("node:assert/strict");
const { range, from } = require("../dist");
const { setDisplaySink } = require("../dist/display/display");

function notebookSink() {
  const writes = [];
  return {
    kind: "fake",
    isNotebook: true,
    writes,
    write: (bundle, id, update) => writes.push({ html: bundle["text/html"], id, update, at: performance.now() }),
  };
}

afterEach(() => setDisplaySink(undefined));

const slowly = async (x) => {
  await new Promise((r) => setTimeout(r, 5));
  return x;
};

test("the entry is created before the first result, updated in place at most 4 times a second, and ends 'done'", async () => {
  const sink = notebookSink();
  setDisplaySink(sink);
  const started = performance.now();
  const iterator = range(0, 120).map(slowly, { name: "slowly", workers: 2 })[Symbol.asyncIterator]();
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
      .toArray(),
  );
  assert.match(failing.writes.at(-1).html, />failed</);
  assert.match(failing.writes.at(-1).html, /bad item/);

  const stopped = notebookSink();
  setDisplaySink(stopped);
  for await (const x of range(0, 1e6).map((x) => x)) if (x === 10) break;
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
  const out = await range(0, 50).map(slowly, { workers: 4 }).toArray();
  t.mock.restoreAll();
  assert.equal(out.length, 50);
  assert.deepEqual(messages, ["pipelab: live progress stopped: frontend gone\n"]);
});
