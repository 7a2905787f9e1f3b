"use strict";
// A CSV or JSON Lines file followed by worker stages is read inside the threads, range by range
// (csvRanges and csv-range-reader.ts, jsonl-ranges.ts): the same rows in the same order as reading
// it in the main thread, errors naming the file's line, and no file descriptor left behind,
// however the run ends.
const { test, before, after } = require("node:test");
const assert = require("node:assert/strict");
const { mkdtempSync, readdirSync, rmSync, writeFileSync } = require("node:fs");
const { join } = require("node:path");
const { tmpdir } = require("node:os");
const { fromCSV, fromJSONL } = require("../dist");

let dir;
let file;
const W = { mode: "worker", workers: 2 };

before(() => {
  dir = mkdtempSync(join(tmpdir(), "pipelab-file-threads-"));
  // Quoted delimiters, doubled quotes and line breaks inside fields, CRLF, unicode: enough rows for several ranges.
  const lines = ["\ufeffid,name,note"];
  for (let i = 0; i < 40000; i++) {
    const note = i % 7 === 0 ? `"line one\r\nline ""two"", ok"` : i % 5 === 0 ? `"a,b"` : `plain ${i} é`;
    lines.push(`${i},name ${i},${note}`);
  }
  file = join(dir, "tricky.csv");
  writeFileSync(file, lines.join("\r\n") + "\r\n");
});
after(() => rmSync(dir, { recursive: true, force: true }));

const openFds = () => readdirSync("/proc/self/fd").length;

test("worker stages after fromCSV give the rows, values and order that reading in the main thread gives", async () => {
  const build = (opts) =>
    fromCSV(file, { cast: { id: "number" } })
      .map((r) => ({ ...r, twice: r.id * 2 }), opts)
      .filter((r) => r.id % 3 !== 0, opts);
  const threaded = await build(W).toArray();
  const inMain = await build({ mode: "sync" }).toArray();
  assert.equal(threaded.length, inMain.length);
  assert.deepEqual(threaded, inMain);
});

test("the rows are parsed in the threads: a cast function runs there, and the source's row counts the file's rows", async () => {
  const where = { cast: { name: () => (require("node:worker_threads").isMainThread ? "main" : "thread") } };
  const p = fromCSV(file, where).map((r) => r.name, W);
  const names = new Set(await p.toArray());
  assert.deepEqual([...names], ["thread"]);
  assert.deepEqual(
    [
      ...new Set(
        await fromCSV(file, where)
          .map((r) => r.name)
          .toArray(),
      ),
    ],
    ["main"],
    "without worker stages, the main thread parses",
  );
  const source = p.stats().stages[0];
  assert.equal(source.itemsOut, 40000);
  assert.equal(source.workers, 2, "the source's row is the threads'");
  assert.ok(source.busyMs > 0, "parsing time is the source's");
});

test("a malformed record read in a thread fails the run naming the file's line; no file stays open", async () => {
  const bad = join(dir, "bad.csv");
  const rows = ["a,b"];
  for (let i = 0; i < 30000; i++) rows.push(i === 20000 ? `${i},"open` : `${i},x`);
  writeFileSync(bad, rows.join("\n") + "\n");
  const fds = openFds();
  await assert.rejects(
    fromCSV(bad)
      .map((r) => r, W)
      .toArray(),
    (error) => {
      assert.match(error.message, /line 20002/);
      assert.match(error.message, /bad\.csv/);
      return true;
    },
  );
  assert.equal(openFds(), fds);
});

test("take(n) after worker stages stops the threads reading: n rows, no file left open", async () => {
  const fds = openFds();
  const first = await fromCSV(file)
    .map((r) => r.id, W)
    .take(3)
    .toArray();
  assert.deepEqual(first, ["0", "1", "2"]);
  assert.equal(openFds(), fds);
});

test("a cast column the header lacks is an error naming line 1, also when threads read the file", async () => {
  await assert.rejects(
    fromCSV(file, { cast: { nmae: "string" } })
      .map((r) => r, W)
      .toArray(),
    /line 1: option "cast" names column "nmae"/,
  );
});

test("a JSON Lines file before worker stages is read by the threads: the same values, in order; a bad line names its number", async () => {
  const jsonl = join(dir, "events.jsonl");
  const lines = [];
  for (let i = 0; i < 30000; i++) lines.push(i % 1000 === 0 ? "" : JSON.stringify({ i, text: `é ${i}`, tags: [i % 3] }));
  writeFileSync(jsonl, lines.join("\r\n") + "\n");
  const build = (opts) => fromJSONL(jsonl).map((e) => ({ ...e, odd: e.i % 2 === 1 }), opts);
  const threaded = build(W);
  assert.deepEqual(await threaded.toArray(), await build({ mode: "sync" }).toArray());
  assert.equal(threaded.stats().stages[0].workers, 2, "the source's row is the threads'");
  assert.equal(threaded.stats().stages[0].itemsOut, 29970);

  const bad = join(dir, "bad.jsonl");
  writeFileSync(bad, lines.slice(1, 20001).join("\n") + "\n{oops\n" + lines.slice(1, 100).join("\n"));
  const fds = openFds();
  await assert.rejects(
    fromJSONL(bad)
      .map((e) => e, W)
      .toArray(),
    /fromJSONL\(\): ".*bad\.jsonl" line 20001: /,
  );
  assert.equal(openFds(), fds);
});

test("an item that fails in a stage after the threads read the file names the file and the line its row came from", async () => {
  // Worker functions cannot capture: the id to fail on travels in context.
  const failAt = (id) => [
    (r, ctx) => {
      if (Number(r.id ?? r.i) === ctx.id) throw new Error(`no ${ctx.id}`);
      return r;
    },
    { ...W, name: "check", context: { id } },
  ];
  // Record i starts on line 2 + i + (records before it with a two-line note: every 7th, from 0).
  const line = 2 + 12345 + (Math.floor(12344 / 7) + 1);
  await assert.rejects(
    fromCSV(file)
      .map((r) => r, W)
      .map(...failAt(12345))
      .toArray(),
    (error) => {
      assert.equal(error.stage, "check");
      assert.ok(error.message.includes(`(line ${line} of "${file}"): no 12345`), error.message);
      return true;
    },
  );
  const jsonl = join(dir, "numbered.jsonl");
  writeFileSync(jsonl, Array.from({ length: 30000 }, (_, i) => JSON.stringify({ i })).join("\n"));
  await assert.rejects(
    fromJSONL(jsonl)
      .map(...failAt(25000))
      .toArray(),
    /\(line 25001 of ".*numbered\.jsonl"\): no 25000/,
  );
});
