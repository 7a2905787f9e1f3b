"use strict";
// display(): the adapters (tslab, Deno, plain Node) with fake sinks, and the bundles pipelab's objects render as.
const { test, describe, afterEach } = require("node:test");
const assert = require("node:assert/strict");
const { from, range, display, Chart, DataFramePreview } = require("../dist");
const { setDisplaySink, currentSink } = require("../dist/display/display");
const { TextSink } = require("../dist/display/adapters/text-sink");

/** A notebook-like sink that records every write. */
function recordingSink() {
  const writes = [];
  return { kind: "fake", isNotebook: true, writes, write: (bundle, id, update) => writes.push({ bundle, id, update }) };
}

async function sampleStats() {
  return range(0, 200)
    .map(async (x) => x + 1, { name: "fetch-stage", workers: 4 })
    .filter((x) => x % 2 === 0, { name: "keep-even" })
    .run({ progress: false });
}

afterEach(() => setDisplaySink(undefined));

describe("display() and its options", () => {
  test("sends the value's bundle to the sink under a fresh id", async () => {
    const sink = recordingSink();
    setDisplaySink(sink);
    const stats = await sampleStats();
    display(stats);
    display(stats);
    assert.equal(sink.writes.length, 2);
    const [first, second] = sink.writes;
    assert.equal(first.update, false);
    assert.notEqual(first.id, second.id);
    assert.match(first.bundle["text/html"], /fetch-stage/);
    assert.match(first.bundle["text/plain"], /keep-even/);
  });

  test("update: true replaces the entry named by id", () => {
    const sink = recordingSink();
    setDisplaySink(sink);
    display("first", { id: "counter" });
    display("second", { id: "counter", update: true });
    assert.deepEqual(
      sink.writes.map((w) => [w.bundle["text/plain"], w.id, w.update]),
      [
        ["'first'", "counter", false],
        ["'second'", "counter", true],
      ],
    );
  });

  test("bad options are TypeErrors that name the option", () => {
    setDisplaySink(recordingSink());
    assert.throws(() => display(1, { update: true }), { name: "TypeError", message: /"update" needs the "id"/ });
    assert.throws(() => display(1, { id: "" }), { name: "TypeError", message: /"id"/ });
    assert.throws(() => display(1, { id: "a", update: "yes" }), { name: "TypeError", message: /"update" must be a boolean/ });
    assert.throws(() => display(1, { colour: "red" }), { name: "TypeError", message: /unknown option "colour" \(known: id, update\)/ });
  });

  test("a chart reaches the sink with its PNG's CSS size as display metadata", async () => {
    const { mimeMetadataOf } = require("../dist/display/mime-bundle");
    const sink = recordingSink();
    setDisplaySink(sink);
    const stats = await sampleStats();
    display(stats.chart("latency"));
    const { bundle } = sink.writes[0];
    const [, width, height] = /^<svg[^>]*\swidth="(\d+)" height="(\d+)"/.exec(bundle["image/svg+xml"]).map(Number);
    assert.deepEqual(mimeMetadataOf(bundle), { "image/png": { width, height } });
    assert.deepEqual(mimeMetadataOf({ "text/plain": "x" }), {}, "a bundle without metadata has none");
  });

  test("a display method that returns no bundle is a TypeError", () => {
    setDisplaySink(recordingSink());
    assert.throws(() => display({ [Symbol.for("Jupyter.display")]: () => 42 }), { name: "TypeError", message: /must return a mime bundle/ });
  });
});

describe("adapters", () => {
  test("plain Node: the text adapter prints text/plain", async () => {
    assert.equal(currentSink().kind, "text");
    let out = "";
    new TextSink({ write: (text) => (out += text) }).write({ "text/plain": "hello", "text/html": "<b>x</b>" }, "id", false);
    assert.equal(out, "hello\n");
  });

  test("tslab: the whole bundle goes through the kernel's lastWriteDisplayData", async (t) => {
    const jupyter = require("tslab/dist/jupyter.js");
    const sent = [];
    jupyter.lastWriteDisplayData = (content, update) => sent.push({ content, update });
    globalThis.__tslab__ = { require };
    t.after(() => {
      jupyter.lastWriteDisplayData = null;
      delete globalThis.__tslab__;
    });
    assert.equal(currentSink().kind, "tslab");
    const stats = await sampleStats();
    display(stats.chart("utilization"), { id: "u" });
    display(stats, { id: "u", update: true });
    assert.equal(sent.length, 2);
    assert.deepEqual(Object.keys(sent[0].content.data).sort(), ["application/vnd.vegalite.v5+json", "image/png", "image/svg+xml", "text/plain"]);
    assert.deepEqual(sent[0].content.transient, { display_id: "u" });
    assert.deepEqual(Object.keys(sent[0].content.metadata), ["image/png"], "the PNG's CSS size travels as the message's metadata");
    assert.ok(sent[0].content.metadata["image/png"].width > 100);
    assert.equal(sent[0].update, false);
    assert.equal(sent[1].update, true);
    assert.match(sent[1].content.data["text/html"], /<table/);
  });

  test("tslab without lastWriteDisplayData: one mime type per entry through tslab.newDisplay()", async (t) => {
    const calls = [];
    const fakeTslab = {
      newDisplay: () => ({
        html: (s) => calls.push(["html", s]),
        svg: (s) => calls.push(["svg", s]),
        png: (b) => calls.push(["png", b]),
        markdown: () => {},
        text: (s) => calls.push(["text", s]),
      }),
    };
    globalThis.__tslab__ = { require: (id) => (id === "tslab" ? fakeTslab : require(id)) };
    t.after(() => delete globalThis.__tslab__);
    const stats = await sampleStats();
    display(stats);
    display(stats.chart("throughput"));
    display("plain");
    assert.deepEqual(
      calls.map(([type]) => type),
      ["html", "svg", "text"],
    );
    assert.match(calls[0][1], /fetch-stage/);
    assert.match(calls[1][1], /^<svg/);
  });

  test("Deno: Deno.jupyter.display gets the raw bundle, the id and the update flag", async (t) => {
    const sent = [];
    globalThis.Deno = { jupyter: { display: async (bundle, options) => sent.push({ bundle, options }) } };
    t.after(() => delete globalThis.Deno);
    assert.equal(currentSink().kind, "deno");
    display(await sampleStats(), { id: "d" });
    assert.equal(sent.length, 1);
    assert.deepEqual(sent[0].options, { raw: true, update: false, display_id: "d" });
    assert.match(sent[0].bundle["text/html"], /keep-even/);
  });

  test("Deno: a bundle with metadata (a chart's PNG size) goes through Deno.jupyter.broadcast as a whole message", async (t) => {
    const displayed = [];
    const broadcast = [];
    globalThis.Deno = {
      jupyter: { display: async (bundle) => displayed.push(bundle), broadcast: async (type, content) => broadcast.push({ type, content }) },
    };
    t.after(() => delete globalThis.Deno);
    display((await sampleStats()).chart("throughput"), { id: "c" });
    assert.equal(displayed.length, 0);
    assert.equal(broadcast[0].type, "display_data");
    assert.deepEqual(broadcast[0].content.transient, { display_id: "c" });
    assert.ok(broadcast[0].content.metadata["image/png"].height > 100);
    assert.ok(broadcast[0].content.data["image/png"]);
  });
});

describe("run statistics as HTML", () => {
  test("a row per stage, the bottleneck highlighted, no scripts", async () => {
    const stats = await from([1, 2, 3, 4])
      .map(
        async (x) => {
          await new Promise((r) => setTimeout(r, 20));
          return x;
        },
        { name: "slow", workers: 1 },
      )
      .map((x) => x, { name: "fast" })
      .run({ progress: false });
    const html = stats.toMimeBundle()["text/html"];
    assert.equal(stats.bottleneck.stage, "slow");
    for (const name of ["source", "slow", "fast"]) assert.match(html, new RegExp(`>${name}<`));
    assert.match(html, /<tr style="background:#fff3cd;font-weight:600"><td[^>]*>slow</);
    assert.doesNotMatch(html, /<script|<style/);
    assert.match(html, /p90 ms/);
  });

  test("a live table keeps its columns still: fixed widths in ch for every number, tabular digits, right-aligned", () => {
    const { statsHtml } = require("../dist/display/stats-html");
    const stage = (name, mode, n) => ({
      name,
      mode,
      workers: 4,
      itemsIn: n,
      itemsOut: n,
      filtered: Math.floor(n / 3),
      errors: 0,
      throughput: n / 10,
      utilization: n > 100 ? 1 : 0.05,
      latency: { p50: n > 100 ? 12345 : 0.5, p90: 1, p99: 2, max: 3 },
      queue: { maxsize: 1000, peak: n > 100 ? 1000 : 3, current: 0 },
      remoteWorkers: [],
    });
    const snapshot = (n) => ({
      status: "running",
      durationMs: 1500,
      error: undefined,
      bottleneck: undefined,
      failures: [],
      failuresDropped: 0,
      stages: [stage("source", "source", n), stage("lookup", "async", n)],
    });
    const early = statsHtml(snapshot(7));
    const late = statsHtml(snapshot(99_999_999));
    assert.match(early, /<table style="[^"]*font-variant-numeric:tabular-nums/);
    const headers = [...early.matchAll(/<th style="([^"]*)"[^>]*>([^<]*)<\/th>/g)].map(([, style, title]) => ({ title, style }));
    for (const title of ["in", "out", "filtered", "errors", "items/s", "p50 ms", "p90 ms", "p99 ms"]) {
      const header = headers.find((h) => h.title === title);
      assert.ok(header, title);
      assert.match(header.style, /text-align:right/, title);
      const ch = Number(/width:(\d+)ch/.exec(header.style)?.[1]);
      assert.ok(ch >= 5, `${title} has a fixed width in ch (${header.style})`);
    }
    // The counts of a run of 99,999,999 items fit the widths the columns had at 7 items.
    const countCh = Number(/width:(\d+)ch/.exec(headers.find((h) => h.title === "in").style)[1]);
    assert.ok("99,999,999".length <= countCh);
    // Early and late, the table's markup differs only in its text: no width, bar or style follows the numbers.
    const shape = (html) => html.replace(/>[^<]*</g, "><").replace(/\d+(\.\d+)?%/g, "N%");
    assert.equal(shape(late), shape(early));
    // Readable 800 px wide: long names wrap, the table never gets wider than its container (it scrolls there).
    assert.match(headers.find((h) => h.title === "stage").style, /max-width:\d+ch;white-space:normal/);
    assert.match(early, /<div style="max-width:100%;overflow-x:auto"><table/);
  });

  test("a failed run shows its status and the error, escaped", async () => {
    const run = from([1]).map(
      () => {
        throw new Error("bad <input>");
      },
      { name: "boom" },
    );
    await assert.rejects(run.run({ progress: false }));
    const html = run.stats().toMimeBundle()["text/html"];
    assert.match(html, />failed</);
    assert.match(html, /bad &#60;input&#62;/);
  });
});

describe("DataFrame preview", () => {
  const { DataFrame } = require("danfojs");

  test("display(df) shows the shape and the first rows as HTML and text", () => {
    const sink = recordingSink();
    setDisplaySink(sink);
    const df = new DataFrame(Array.from({ length: 25 }, (_, i) => ({ id: i, name: `row-${i}` })));
    display(df);
    const { bundle } = sink.writes[0];
    assert.match(bundle["text/html"], /25 rows x 2 columns \(first 10 shown\)/);
    assert.match(bundle["text/html"], />row-9</);
    assert.doesNotMatch(bundle["text/html"], />row-10</);
    assert.match(bundle["text/plain"], /^DataFrame: 25 rows x 2 columns/);
  });

  test("save() writes an HTML page; other extensions and bad rows are refused", async (t) => {
    const { mkdtempSync, readFileSync, rmSync } = require("node:fs");
    const dir = mkdtempSync(require("node:path").join(require("node:os").tmpdir(), "pipelab-"));
    t.after(() => rmSync(dir, { recursive: true, force: true }));
    const preview = new DataFramePreview(new DataFrame([{ a: 1 }]), 5);
    await preview.save(`${dir}/p.html`);
    assert.match(readFileSync(`${dir}/p.html`, "utf8"), /^<!doctype html>.*1 rows x 1 columns/s);
    await assert.rejects(preview.save(`${dir}/p.csv`), { name: "TypeError", message: /must end in \.html/ });
    assert.throws(() => new DataFramePreview(new DataFrame([{ a: 1 }]), 0), { name: "RangeError", message: /"rows"/ });
    assert.throws(() => new DataFramePreview([1, 2]), { name: "TypeError", message: /expected a danfojs DataFrame/ });
  });

  test("numbers are rounded for reading (integers stay whole); the DataFrame keeps its values", () => {
    const df = new DataFrame(Array.from({ length: 2001 }, (_, i) => ({ id: i, value: ((i * 7919) % 1999) / 1 })));
    const summary = df.describe();
    const html = new DataFramePreview(summary).toHtml();
    const text = new DataFramePreview(summary).toText();
    const mean = summary.values[1][1];
    assert.equal(mean, 998.9620189905047, "describe() gives the full mean");
    assert.match(html, />998\.962</);
    assert.doesNotMatch(html, /998\.962019/);
    assert.match(text, /998\.962(?!\d)/);
    assert.match(html, />2001</, "the count stays an integer");
    assert.match(html, />333758\.4636</, "at most 4 decimals");
    assert.equal(df.describe().values[1][1], mean, "the DataFrame is unchanged");
    const small = new DataFramePreview(new DataFrame([{ p: 0.000123456, q: 2.5 }])).toText();
    assert.match(small, /0\.0001235/, "a small fraction keeps 4 significant digits");
    assert.match(small, /2\.5(?!\d)/);
  });
});

describe("Arrow Table and polars DataFrame preview", () => {
  const rows = Array.from({ length: 25 }, (_, i) => ({
    id: 2n ** 60n + BigInt(i),
    name: `row-${i}`,
    when: new Date(Date.UTC(2024, 0, 1 + i)),
    tags: [i, i + 1],
    score: i / 3,
  }));

  test("display(table) shows an Arrow Table as a preview: shape, first rows, readable cells (ISO dates, lists, 64-bit integers in full)", async () => {
    const sink = recordingSink();
    setDisplaySink(sink);
    display(await from(rows).toArrowTable());
    const { bundle } = sink.writes[0];
    assert.deepEqual(Object.keys(bundle), ["text/plain", "text/html"]);
    assert.match(
      bundle["text/plain"],
      /^Arrow Table: 25 rows x 5 columns \(first 10 shown\)\n +id +name +when +tags +score\n0 +1152921504606846976 +row-0 +2024-01-01T00:00:00\.000Z +\[ 0, 1 \] +0\n/,
    );
    assert.match(bundle["text/html"], />row-9</);
    assert.doesNotMatch(bundle["text/html"], />row-10</);
    assert.match(bundle["text/html"], />0\.3333</);
  });

  test("display(df) shows a polars DataFrame as the same preview, not polars's own bundle (no text/plain, 50 rows twice)", async () => {
    const sink = recordingSink();
    setDisplaySink(sink);
    const df = await from(rows.map(({ id, ...row }) => row)).toPolars();
    assert.equal(typeof df[Symbol.for("Jupyter.display")], "function", "polars has a display method of its own");
    display(df);
    const { bundle } = sink.writes[0];
    assert.deepEqual(Object.keys(bundle), ["text/plain", "text/html"]);
    assert.match(
      bundle["text/plain"],
      /^polars DataFrame: 25 rows x 4 columns \(first 10 shown\)\n +name +when +tags +score\n0 +row-0 +2024-01-01T00:00:00\.000Z +\[ 0, 1 \] +0\n/,
    );
    assert.match(bundle["text/html"], />row-9</);
    assert.doesNotMatch(bundle["text/html"], />row-10</);
  });

  test("an empty table shows its shape; an object that only looks a little like a table is left alone", async () => {
    const sink = recordingSink();
    setDisplaySink(sink);
    display(await from([]).toArrowTable({ columns: ["a"] }));
    display({ numRows: 1, numCols: 1 });
    assert.equal(sink.writes[0].bundle["text/plain"], "Arrow Table: 0 rows x 1 columns");
    assert.equal(sink.writes[1].bundle["text/plain"], "{ numRows: 1, numCols: 1 }");
  });
});
