"use strict";
// Results into DataFrames and files: toDataFrame, toCSV, toJSONL.
const { test, describe, before, after } = require("node:test");
const assert = require("node:assert/strict");
const { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } = require("node:fs");
const { join } = require("node:path");
const { tmpdir } = require("node:os");
const { from, range } = require("../dist");
const { runChild } = require("./helpers");

let dir;
before(() => (dir = mkdtempSync(join(tmpdir(), "pipelab-export-"))));
after(() => rmSync(dir, { recursive: true, force: true }));
const file = (name) => join(dir, name);
/** Files left in the directory besides the expected ones: temporary files must never remain. */
const leftovers = () => readdirSync(dir).filter((f) => f.endsWith(".tmp"));

/** Fails at the `at`-th item (0-based), after the items before it went through. */
const failingAt = (at) => (x) => {
  if (x === at) throw new Error(`item ${x} is bad`);
  return { id: x, label: `row ${x}` };
};

describe("toDataFrame()", () => {
  test("object results become columns by key, in order of first appearance, null where missing", async () => {
    const df = await from([{ a: 1, b: "x" }, { b: "y", c: true }, { a: 3 }]).toDataFrame({ progress: false });
    assert.deepEqual(df.shape, [3, 3]);
    assert.deepEqual(df.columns, ["a", "b", "c"]);
    assert.deepEqual(df.values, [
      [1, "x", null],
      [null, "y", true],
      [3, null, null],
    ]);
  });

  test("primitive results become one column, value", async () => {
    const df = await range(0, 4)
      .map((x) => x * 10)
      .toDataFrame();
    assert.deepEqual(df.columns, ["value"]);
    assert.deepEqual(df.values.flat(), [0, 10, 20, 30]);
  });

  test("columns selects and orders; integer-like keys keep their place", async () => {
    const rows = [{ name: "n", 2: "two", id: 1, extra: 0 }];
    const picked = await from(rows).toDataFrame({ columns: ["id", "name", "missing"] });
    assert.deepEqual(picked.columns, ["id", "name", "missing"]);
    assert.deepEqual(picked.values, [[1, "n", null]]);
    const all = await from([{ b: 1, 10: 2 }, { a: 3 }].map((r) => r)).toDataFrame();
    assert.deepEqual(all.columns, Object.keys({ b: 1, 10: 2 }).concat("a"));
  });

  test("an empty result is an empty DataFrame", async () => {
    const df = await from([]).toDataFrame();
    assert.deepEqual(df.shape, [0, 0]);
  });

  test("mixing objects and single values is a TypeError naming the row; bad options name the option", async () => {
    await assert.rejects(from([{ a: 1 }, 2]).toDataFrame(), { name: "TypeError", message: /toDataFrame\(\): row 1 is 2, but the rows before it are objects/ });
    await assert.rejects(from([1]).toDataFrame({ columns: [] }), { name: "TypeError", message: /option "columns" must be a non-empty array/ });
    await assert.rejects(from([1]).toDataFrame({ columns: ["a", "a"] }), { name: "TypeError", message: /names "a" twice/ });
    await assert.rejects(from([1]).toDataFrame({ colums: ["a"] }), {
      name: "TypeError",
      message: /unknown option "colums" \(known: signal, progress, columns\)/,
    });
  });

  test("stats.toDataFrame() goes through the same builder", async () => {
    const stats = await range(0, 10)
      .map((x) => x, { name: "step" })
      .run({ progress: false });
    const df = stats.toDataFrame();
    assert.deepEqual(df.column("name").values, ["source", "step"]);
  });
});

describe("toCSV()", () => {
  const tricky = [
    { id: 1, text: "a, b", note: 'say "hi"' },
    { id: 2, text: " padded ", note: "line\nbreak\r\nand more" },
    { id: 3, text: "ünïcødé ✓ 𝄞", note: "" },
    { id: 4.5, text: "", note: "tab\there" },
  ];

  test("quotes delimiters, quotes, line breaks and edge spaces; resolves to { path, rows }", async () => {
    const result = await from(tricky).toCSV(file("tricky.csv"));
    assert.deepEqual(result, { path: file("tricky.csv"), rows: 4 });
    assert.equal(
      readFileSync(file("tricky.csv"), "utf8"),
      'id,text,note\n1,"a, b","say ""hi"""\n2," padded ","line\nbreak\r\nand more"\n3,ünïcødé ✓ 𝄞,\n4.5,,tab\there\n',
    );
  });

  test("booleans, dates, nested values and missing cells", async () => {
    await from([
      { a: true, b: new Date(0), c: [1, { d: 2 }] },
      { a: false, b: null },
    ]).toCSV(file("types.csv"));
    assert.equal(readFileSync(file("types.csv"), "utf8"), 'a,b,c\ntrue,1970-01-01T00:00:00.000Z,"[1,{""d"":2}]"\nfalse,,\n');
  });

  test("a row with a key the first row lacked is an error naming it; columns: 'union' widens, a list selects", async () => {
    const rows = [{ a: 1 }, { a: 2, b: 3 }];
    await assert.rejects(from(rows).toCSV(file("strict.csv")), { name: "TypeError", message: /row 1 has the column "b", which the header \(a\)/ });
    assert.equal(existsSync(file("strict.csv")), false);
    await from(rows).toCSV(file("union.csv"), { columns: "union" });
    assert.equal(readFileSync(file("union.csv"), "utf8"), "a,b\n1,\n2,3\n");
    await from(rows).toCSV(file("picked.csv"), { columns: ["b"], delimiter: ";", header: false });
    assert.equal(readFileSync(file("picked.csv"), "utf8"), "\n3\n");
  });

  test("a run that fails half-way leaves no file at the target path, and no temporary file", async () => {
    writeFileSync(file("kept.csv"), "old contents\n");
    await assert.rejects(range(0, 5000).map(failingAt(3000)).toCSV(file("kept.csv")), /item 3000 is bad/);
    await assert.rejects(range(0, 5000).map(failingAt(3000)).toCSV(file("failed.csv")), /item 3000 is bad/);
    assert.equal(existsSync(file("failed.csv")), false);
    assert.equal(readFileSync(file("kept.csv"), "utf8"), "old contents\n", "an existing file is not replaced by a failed run");
    assert.deepEqual(leftovers(), []);
  });

  test("partial: true keeps a valid CSV of the rows before the failure, and the error still arrives", async () => {
    // An async stage that yields to the event loop, so rows reach the file before the failure.
    const paced = async (x) => {
      await new Promise((resolve) => setImmediate(resolve));
      return failingAt(3000)(x);
    };
    await assert.rejects(range(0, 5000).map(paced).toCSV(file("partial.csv"), { partial: true }), /item 3000 is bad/);
    const lines = readFileSync(file("partial.csv"), "utf8").split("\n");
    assert.equal(lines[0], "id,label");
    assert.equal(lines.at(-1), "", "ends with a whole row");
    const ids = lines.slice(1, -1).map((line) => Number(line.split(",")[0]));
    assert.deepEqual(
      ids,
      Array.from({ length: ids.length }, (_, i) => i),
      "rows in order, none torn",
    );
    assert.ok(ids.length > 0 && ids.length <= 3000, `${ids.length} rows kept`);
    assert.deepEqual(leftovers(), []);
  });

  test("a cancelled run (signal) leaves no file", async () => {
    const controller = new AbortController();
    const slow = range(0, 1e6).map(async (x) => {
      if (x === 100) controller.abort();
      return { x };
    });
    await assert.rejects(slow.toCSV(file("cancelled.csv"), { signal: controller.signal }), { name: "AbortError" });
    assert.equal(existsSync(file("cancelled.csv")), false);
    assert.deepEqual(leftovers(), []);
  });

  test("an unwritable path names the path; bad options name the option", async () => {
    await assert.rejects(from([{ a: 1 }]).toCSV(join(dir, "no-such-dir", "x.csv")), (error) => {
      assert.match(error.message, /toCSV\(\): cannot write ".*no-such-dir[\\/]x\.csv"/);
      return true;
    });
    await assert.rejects(from([1]).toCSV(""), { name: "TypeError", message: /path must be a non-empty string/ });
    await assert.rejects(from([1]).toCSV(file("x.csv"), { delimiter: "ab" }), { name: "TypeError", message: /"delimiter" must be one character/ });
    await assert.rejects(from([1]).toCSV(file("x.csv"), { partial: 1 }), { name: "TypeError", message: /"partial" must be a boolean/ });
  });

  test("memory stays flat: rows are written while the run goes on", async () => {
    // A child process streams 300k rows; the file grows before the run ends.
    const target = file("streamed.csv");
    const result = await runChild(`
      const fs = require("node:fs");
      let sizeMidway = -1;
      pipelab.range(0, 300000).map((i) => {
        if (i === 250000) sizeMidway = fs.readdirSync(${JSON.stringify(dir)}).filter((f) => f.startsWith(".streamed.csv")).map((f) => fs.statSync(${JSON.stringify(dir)} + "/" + f).size)[0];
        return { i, name: "n" + i };
      }).toCSV(${JSON.stringify(target)}, { progress: false }).then((r) => console.log(JSON.stringify({ rows: r.rows, sizeMidway })));`);
    assert.equal(result.code, 0, result.stderr);
    const { rows, sizeMidway } = JSON.parse(result.stdout);
    assert.equal(rows, 300000);
    assert.ok(sizeMidway > 1_000_000, `the temporary file had ${sizeMidway} bytes when 250k of 300k rows had gone through`);
  });
});

describe("toJSONL()", () => {
  test("one JSON value per line, all-or-nothing like toCSV", async () => {
    const result = await from([{ a: 1 }, "two", [3], null]).toJSONL(file("x.jsonl"));
    assert.deepEqual(result, { path: file("x.jsonl"), rows: 4 });
    assert.equal(readFileSync(file("x.jsonl"), "utf8"), '{"a":1}\n"two"\n[3]\nnull\n');
    await assert.rejects(range(0, 100).map(failingAt(50)).toJSONL(file("failed.jsonl")), /item 50 is bad/);
    assert.equal(existsSync(file("failed.jsonl")), false);
  });

  test("a value with no JSON form is a TypeError naming the row", async () => {
    await assert.rejects(from([1, undefined]).toJSONL(file("u.jsonl")), {
      name: "TypeError",
      message: /toJSONL\(\): row 1 is undefined, which has no JSON form/,
    });
    await assert.rejects(from([{ n: 1n }]).toJSONL(file("b.jsonl")), { name: "TypeError", message: /toJSONL\(\): row 0 cannot be written as JSON/ });
    assert.deepEqual(leftovers(), []);
  });
});
