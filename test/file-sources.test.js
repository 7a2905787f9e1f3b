"use strict";
// Files into pipelines: fromCSV and fromJSONL, streamed, re-read by every run, with errors that name the file and line.
const { test, describe, before, after } = require("node:test");
const assert = require("node:assert/strict");
const { existsSync, mkdtempSync, readdirSync, readlinkSync, rmSync, writeFileSync } = require("node:fs");
const { join } = require("node:path");
const { tmpdir } = require("node:os");
const { from, fromCSV, fromJSONL } = require("../dist");

let dir;
before(() => (dir = mkdtempSync(join(tmpdir(), "pipelab-sources-"))));
after(() => rmSync(dir, { recursive: true, force: true }));
const write = (name, text) => {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
};

describe("fromCSV()", () => {
  test("rows are objects keyed by the header, values strings: '007' stays '007'", async () => {
    const path = write("plain.csv", "code,qty\n007,3\n,10\n");
    assert.deepEqual(await fromCSV(path).toArray(), [
      { code: "007", qty: "3" },
      { code: "", qty: "10" },
    ]);
  });

  test("cast: true makes decimal numbers numbers and leaves codes, blanks and padded text alone", async () => {
    const path = write("cast.csv", "a,b,c,d,e\n42,-1.5,1e3,007, 1\n0,0.25,,0x1f,x\n");
    assert.deepEqual(await fromCSV(path, { cast: true }).toArray(), [
      { a: 42, b: -1.5, c: 1000, d: "007", e: " 1" },
      { a: 0, b: 0.25, c: "", d: "0x1f", e: "x" },
    ]);
  });

  test("per-column types, a function, and an error naming the line for a bad value", async () => {
    const path = write("typed.csv", "id,ok,when\n007,true,2020-01-01\n8,false,2021-06-30\n");
    const rows = await fromCSV(path, { cast: { id: "number", ok: "boolean", when: (text) => new Date(text).getUTCFullYear() } }).toArray();
    assert.deepEqual(rows, [
      { id: 7, ok: true, when: 2020 },
      { id: 8, ok: false, when: 2021 },
    ]);
    const bad = write("bad-type.csv", "id\n1\nseven\n");
    await assert.rejects(fromCSV(bad, { cast: { id: "number" } }).toArray(), /fromCSV\(\): ".*bad-type\.csv" line 3: column "id": "seven" is not a number/);
  });

  test("no header: arrays of strings, or named by columns; a delimiter; columns replacing a header", async () => {
    const path = write("semi.csv", "1;x\n2;y\n");
    assert.deepEqual(await fromCSV(path, { header: false, delimiter: ";" }).toArray(), [
      ["1", "x"],
      ["2", "y"],
    ]);
    assert.deepEqual(await fromCSV(path, { header: false, delimiter: ";", columns: ["n", "s"] }).toArray(), [
      { n: "1", s: "x" },
      { n: "2", s: "y" },
    ]);
    const headed = write("headed.csv", "A,B\n1,2\n");
    assert.deepEqual(await fromCSV(headed, { columns: ["a", "b"] }).toArray(), [{ a: "1", b: "2" }]);
  });

  test("quoted fields, unicode and a byte order mark", async () => {
    const path = write("quoted.csv", '\ufeffname,note\n"a, b","say ""hi"""\n"two\nlines",ünï 𝄞\n');
    assert.deepEqual(await fromCSV(path).toArray(), [
      { name: "a, b", note: 'say "hi"' },
      { name: "two\nlines", note: "ünï 𝄞" },
    ]);
  });

  test("a malformed file fails naming the file and the line", async () => {
    const unclosed = write("unclosed.csv", 'a,b\n1,2\n3,"oops\n5,6\n');
    await assert.rejects(fromCSV(unclosed).toArray(), /fromCSV\(\): ".*unclosed\.csv" line \d+: Quote Not Closed/);
    const ragged = write("ragged.csv", "a,b\n1,2\n3,4,5\n");
    await assert.rejects(fromCSV(ragged).toArray(), /fromCSV\(\): ".*ragged\.csv" line 3: Invalid Record Length/);
  });

  test("a cast column that is not among the columns is an error naming it and the columns", async () => {
    const path = write("cast-typo.csv", "price,name\n1.5,a\n");
    await assert.rejects(fromCSV(path, { cast: { Price: "number" } }).toArray(), {
      message: /fromCSV\(\): ".*cast-typo\.csv" line 1: option "cast" names column "Price", which is not among the columns \("price", "name"\)/,
    });
    assert.throws(() => fromCSV(path, { columns: ["price", "name"], cast: { cost: "number" } }), {
      name: "TypeError",
      message: /option "cast" names column "cost", which is not among the columns \("price", "name"\)/,
    });
    assert.deepEqual(await fromCSV(path, { cast: { price: "number" } }).toArray(), [{ price: 1.5, name: "a" }]);
  });

  test("a missing file fails naming the path", async () => {
    await assert.rejects(fromCSV(join(dir, "missing.csv")).toArray(), /fromCSV\(\): cannot read ".*missing\.csv": ENOENT/);
  });

  test("bad options are errors naming the option", () => {
    assert.throws(() => fromCSV(""), { name: "TypeError", message: /path must be a non-empty string/ });
    assert.throws(() => fromCSV("x.csv", { delimiter: "::" }), { name: "TypeError", message: /"delimiter" must be one character/ });
    assert.throws(() => fromCSV("x.csv", { cast: { a: "int" } }), { name: "TypeError", message: /"cast" for column "a" must be/ });
    assert.throws(() => fromCSV("x.csv", { header: false, cast: { a: "number" } }), { name: "TypeError", message: /"cast" by column needs column names/ });
    assert.throws(() => fromCSV("x.csv", { headers: true }), {
      name: "TypeError",
      message: /unknown option "headers" \(known: header, columns, delimiter, cast, encoding\)/,
    });
  });

  test("every run reads the file again", async () => {
    const path = write("again.csv", "a\n1\n");
    const p = fromCSV(path);
    assert.deepEqual(await p.toArray(), [{ a: "1" }]);
    writeFileSync(path, "a\n1\n2\n");
    assert.deepEqual(await p.toArray(), [{ a: "1" }, { a: "2" }]);
  });
});

describe("round trip toCSV -> fromCSV", () => {
  test("tricky strings and numbers come back equal", async () => {
    const rows = [
      { id: 1, text: "a, b", note: 'say "hi"' },
      { id: -2.5, text: " padded ", note: "line\nbreak\r\nand more" },
      { id: 3e21, text: "ünïcødé ✓ 𝄞", note: "" },
      { id: 0, text: "", note: "tab\there" },
      { id: 4, text: "007", note: "," },
    ];
    const path = join(dir, "round.csv");
    await from(rows).toCSV(path);
    assert.deepEqual(await fromCSV(path, { cast: { id: "number" } }).toArray(), rows);
  });
});

describe("fromJSONL()", () => {
  test("one value per line; blank lines and a last line without a newline", async () => {
    const path = write("x.jsonl", '{"a":1}\n\n"two"\r\n[3]\n  \nnull\n{"last":true}');
    assert.deepEqual(await fromJSONL(path).toArray(), [{ a: 1 }, "two", [3], null, { last: true }]);
  });

  test("round trip with toJSONL", async () => {
    const rows = [{ a: 1, b: ["x", { c: null }] }, "s", 2.5, true];
    const path = join(dir, "round.jsonl");
    await from(rows).toJSONL(path);
    assert.deepEqual(await fromJSONL(path).toArray(), rows);
  });

  test("a bad line fails naming the file and the line; a missing file names the path", async () => {
    const path = write("bad.jsonl", '{"a":1}\n\n{bad}\n');
    await assert.rejects(fromJSONL(path).toArray(), /fromJSONL\(\): ".*bad\.jsonl" line 3: /);
    await assert.rejects(fromJSONL(join(dir, "none.jsonl")).toArray(), /fromJSONL\(\): cannot read ".*none\.jsonl": ENOENT/);
    assert.throws(() => fromJSONL("x", { encodng: "utf8" }), { name: "TypeError", message: /unknown option "encodng"/ });
  });

  test("lines split across read chunks are whole", async () => {
    const rows = Array.from({ length: 20000 }, (_, i) => ({ i, pad: "x".repeat(i % 97) }));
    const path = write("big.jsonl", rows.map((r) => JSON.stringify(r)).join("\n") + "\n");
    assert.deepEqual(await fromJSONL(path).toArray(), rows);
  });
});

/** This process's open descriptors on `path` (Linux /proc): a paused stream would not keep Node alive, so count them. */
const openOn = (path) =>
  readdirSync("/proc/self/fd").filter((fd) => {
    try {
      return readlinkSync(`/proc/self/fd/${fd}`) === path;
    } catch {
      return false;
    }
  }).length;

for (const [name, make, body] of [
  ["fromCSV", fromCSV, "n\n" + Array.from({ length: 200000 }, (_, i) => i).join("\n")],
  ["fromJSONL", fromJSONL, Array.from({ length: 200000 }, (_, i) => i).join("\n")],
]) {
  test(`${name}: an early stop (take, break) closes the file`, { skip: !existsSync("/proc/self/fd") && "needs /proc" }, async () => {
    const path = write(`long-${name}`, body);
    assert.equal((await make(path).take(5).toArray()).length, 5);
    for await (const _ of make(path)) break;
    await new Promise((resolve) => setTimeout(resolve, 50));
    assert.equal(openOn(path), 0);
  });
}
