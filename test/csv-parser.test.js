"use strict";
// The CSV parser under fromCSV (createCsvRows) and the byte ranges for reading a file in parts
// (csvRanges): generated CSV (quoted delimiters, quotes and line breaks, LF/CRLF/CR, a BOM, blank
// lines, multi-byte characters cut across chunks) parses to the records it was made from, as
// csv-parse parses it, whole or fed in random pieces; parsing each range alone gives the file's rows
// with their line numbers. Casts match Number(). No timings here: bench/csv-parsers.js has them.
const { test, describe, before, after } = require("node:test");
const assert = require("node:assert/strict");
const fs = require("node:fs");
const os = require("node:os");
const path = require("node:path");
const { StringDecoder } = require("node:string_decoder");
const fc = require("fast-check");
const { parse } = require("csv-parse/sync");
const { createCsvRows, CsvError } = require("../dist/sources/csv-rows");
const { csvRanges } = require("../dist/sources/csv-ranges");
const { fromCSV } = require("../dist");

let dir;
before(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), "pipelab-csv-parser-"))));
after(() => fs.rmSync(dir, { recursive: true, force: true }));
let files = 0;
const write = (content) => {
  const file = path.join(dir, `f${files++}.csv`);
  fs.writeFileSync(file, content);
  return file;
};

/** Parses `bytes` as a file stream would deliver them: cut at `cuts` (byte offsets), decoded by a StringDecoder. */
function parseBytes(bytes, settings, cuts = []) {
  const rows = [];
  const lines = [];
  const parser = createCsvRows(settings);
  const decoder = new StringDecoder("utf8");
  const onRow = (row, line) => {
    rows.push(row);
    lines.push(line);
  };
  let from = 0;
  for (const cut of [...cuts, bytes.length]) {
    parser.push(decoder.write(bytes.subarray(from, cut)), onRow);
    from = cut;
  }
  parser.push(decoder.end(), onRow);
  parser.end(onRow);
  return { rows, lines };
}

const parseText = (text, settings, cuts) => parseBytes(Buffer.from(text), settings, cuts);

// ---- generated CSV --------------------------------------------------------------------------------

const UNITS = ["a", "b", "1", ".", " ", ",", ";", "\t", '"', '""', "\n", "\r", "\r\n", "ü", "日本", "𝄞"];
const csvArb = fc.integer({ min: 1, max: 4 }).chain((width) =>
  fc.record({
    width: fc.constant(width),
    records: fc.array(
      fc.array(fc.record({ text: fc.string({ unit: fc.constantFrom(...UNITS), maxLength: 6 }), quote: fc.boolean() }), {
        minLength: width,
        maxLength: width,
      }),
      { minLength: 1, maxLength: 14 },
    ),
    newline: fc.constantFrom("\n", "\r\n", "\r"),
    delimiter: fc.constantFrom(",", ";", "\t", "|"),
    finalNewline: fc.boolean(),
    bom: fc.boolean(),
    // Blank lines before some records: skipped where a record has more than one field.
    blank: width > 1 ? fc.array(fc.boolean(), { minLength: 14, maxLength: 14 }) : fc.constant([]),
  }),
);

/** The CSV text of a generated file, its records as strings, and the line each record starts on. */
function render({ width, records, newline, delimiter, finalNewline, bom, blank }) {
  const lineBreak = newline === "\r" ? "\r" : "\n";
  let text = bom ? "\ufeff" : "";
  const lines = [];
  const countLines = (s) => s.split(lineBreak).length - 1;
  records.forEach((fields, i) => {
    if (blank[i]) text += newline;
    lines.push(1 + countLines(text));
    const cells = fields.map(({ text: value, quote }) => {
      const must = value === "" ? width === 1 : /["\r\n]/.test(value) || value.includes(delimiter);
      return must || quote ? `"${value.replaceAll('"', '""')}"` : value;
    });
    text += cells.join(delimiter);
    if (i < records.length - 1 || finalNewline) text += newline;
  });
  return { text, expected: records.map((fields) => fields.map((f) => f.text)), lines };
}

/** Cut points (byte offsets, sorted) in a text of `length` bytes. */
const cutsArb = fc.array(fc.nat(), { maxLength: 12 });
const cutsIn = (raw, length) => [...new Set(raw.map((c) => c % (length + 1)))].sort((a, b) => a - b);

describe("createCsvRows() on generated CSV", () => {
  test("records and line numbers are the generated ones, as csv-parse reads them, whole or cut anywhere (bytes, multi-byte characters split)", () => {
    fc.assert(
      fc.property(csvArb, cutsArb, (csv, rawCuts) => {
        const { text, expected, lines } = render(csv);
        const bytes = Buffer.from(text);
        const settings = { header: false, delimiter: csv.delimiter };
        const whole = parseBytes(bytes, settings);
        assert.deepEqual(whole.rows, expected);
        assert.deepEqual(whole.lines, lines);
        assert.deepEqual(parseBytes(bytes, settings, cutsIn(rawCuts, bytes.length)), whole);
        const reference = parse(text, { bom: true, delimiter: csv.delimiter, skip_empty_lines: csv.width > 1 });
        assert.deepEqual(whole.rows, reference);
      }),
      { numRuns: 400 },
    );
  });

  test("with a header: objects keyed by it, as csv-parse's columns: true gives them", () => {
    fc.assert(
      fc.property(csvArb, cutsArb, (csv, rawCuts) => {
        const { text } = render(csv);
        const bytes = Buffer.from(text);
        const ours = parseBytes(bytes, { delimiter: csv.delimiter }, cutsIn(rawCuts, bytes.length)).rows;
        const reference = parse(text, { bom: true, columns: true, delimiter: csv.delimiter, skip_empty_lines: csv.width > 1 });
        // Compared as plain objects: csv-parse's records have a null prototype when a column is "__proto__".
        assert.deepEqual(
          ours.map((row) => ({ ...row })),
          reference.map((row) => ({ ...row })),
        );
      }),
      { numRuns: 300 },
    );
  });

  test("fed one character at a time, a 300 KB quoted field with quotes and line breaks comes out whole", () => {
    const long = 'x"\n'.repeat(100_000);
    const text = `a,b\n"${long.replaceAll('"', '""')}",2\n3,4\n`;
    const rows = [];
    const parser = createCsvRows();
    for (let i = 0; i < text.length; i += 1) parser.push(text[i], (row, line) => rows.push([row, line]));
    parser.end((row, line) => rows.push([row, line]));
    assert.deepEqual(rows, [
      [{ a: long, b: "2" }, 2],
      [{ a: "3", b: "4" }, 100_003],
    ]);
  });
});

describe("createCsvRows(): the cases to know", () => {
  const rowsOf = (text, settings) => parseText(text, settings).rows;

  test("empty lines are skipped, and in a one-column file they are rows with an empty value", () => {
    assert.deepEqual(parseText("a,b\n\n1,2\r\n\r\n3,4\n\n", {}), {
      rows: [
        { a: "1", b: "2" },
        { a: "3", b: "4" },
      ],
      lines: [3, 5],
    });
    assert.deepEqual(rowsOf("a\n1\n\n2\n"), [{ a: "1" }, { a: "" }, { a: "2" }]);
  });

  test("LF and CRLF may mix; a file whose first line ends with a lone CR is read by CR", () => {
    assert.deepEqual(rowsOf("a,b\n1,2\r\n3,4\n"), [
      { a: "1", b: "2" },
      { a: "3", b: "4" },
    ]);
    assert.deepEqual(rowsOf('a,b\r1,"x\r\ny"\r3,4'), [
      { a: "1", b: "x\r\ny" },
      { a: "3", b: "4" },
    ]);
    // A CR inside an unquoted field of an LF file is data (RFC 4180 would quote it).
    assert.deepEqual(rowsOf("a,b\n1\r2,3\n"), [{ a: "1\r2", b: "3" }]);
  });

  test("the header may be quoted and span lines; columns replace it; without a header, rows are arrays", () => {
    assert.deepEqual(rowsOf('"a\nb",c\n1,2\n'), [{ "a\nb": "1", c: "2" }]);
    assert.deepEqual(parseText('"a\nb",c\n1,2\n', { columns: ["x", "y"] }), { rows: [{ x: "1", y: "2" }], lines: [3] });
    assert.deepEqual(rowsOf("1,2\n3,4", { header: false }), [
      ["1", "2"],
      ["3", "4"],
    ]);
  });

  test("a column named __proto__ is an own property; a name given twice keeps its last column", () => {
    const [row] = rowsOf("__proto__,a,a\n1,x,2\n", { cast: { a: "number" } });
    assert.equal(Object.getPrototypeOf(row), Object.prototype);
    assert.deepEqual(Object.entries(row), [
      ["__proto__", "1"],
      ["a", 2],
    ]);
  });

  test("malformed records are CsvErrors naming the line the record starts on", () => {
    const fails = (text, line, reason, settings) =>
      assert.throws(
        () => parseText(text, settings),
        (error) => error instanceof CsvError && error.line === line && reason.test(error.message),
      );
    fails("a,b\n1,2\n3,4,5\n", 3, /^line 3: Invalid Record Length: expected 2 fields, got 3$/);
    fails("a,b\n1\n3,4\n", 2, /Invalid Record Length: expected 2 fields, got 1/);
    fails('a,b\n1,2\n3,"oops\n5,6\n', 3, /Quote Not Closed/);
    fails('a,b\n"x"y,2\n', 2, /Invalid Closing Quote: got "y"/);
    fails('a,b\n1,"x\ny"z\n', 2, /Invalid Closing Quote: got "z"/);
    fails('a,b\n1,2\nx"y,2\n', 3, /Invalid Opening Quote/);
    fails("1,2\n3\n", 2, /expected 2 fields, got 1/, { header: false });
    fails("1,2\n3\n", 1, /expected 3 fields, got 2/, { header: false, fields: 3 });
  });

  test("a cast error names the line its record starts on, keeps the cast's error as cause", () => {
    const when = (text) => {
      if (text === "never") throw new RangeError("not a year");
      return Number(text);
    };
    assert.throws(
      () => parseText('id,note,when\n1,"two\nlines",2020\n2,x,never\n', { cast: { id: "number", when } }),
      (error) => error instanceof CsvError && error.line === 4 && error.message === "line 4: not a year" && error.cause instanceof RangeError,
    );
    assert.throws(() => parseText('id,note\n1,"two\nlines"\nseven,x\n', { cast: { id: "number" } }), {
      message: 'line 4: column "id": "seven" is not a number',
    });
    assert.throws(() => parseText("id\n1\n", { cast: { ID: "number" } }), { message: /line 1: option "cast" names column "ID"/ });
  });

  test("bad settings are errors naming the setting", () => {
    assert.throws(() => createCsvRows({ delimiter: '"' }), { name: "TypeError", message: /createCsvRows\(\): option "delimiter"/ });
    assert.throws(() => createCsvRows({ line: 0 }), { name: "RangeError", message: /"line" must be a line number/ });
    assert.throws(() => createCsvRows({ newline: "\r\n" }), { name: "TypeError", message: /"newline" must be/ });
    assert.throws(() => createCsvRows({ encoding: "utf8" }), { name: "TypeError", message: /unknown option "encoding"/ });
  });

  test("a byte order mark starts a file, not a text that continues one (line given)", () => {
    assert.deepEqual(rowsOf("\ufeffa\n1\n"), [{ a: "1" }]);
    assert.deepEqual(rowsOf("\ufeffx\n", { header: false, columns: ["a"], line: 5 }), [{ a: "\ufeffx" }]);
  });
});

test("rows kept from a long text do not keep the chunks they were read from (V8 string slices)", () => {
  require("node:v8").setFlagsFromString("--expose-gc");
  const gc = require("node:vm").runInNewContext("gc");
  const kept = [];
  const parser = createCsvRows({ header: false });
  const keepFirst = (row, line) => line % 1000 === 1 && kept.push(row);
  gc();
  const before = process.memoryUsage().heapUsed;
  // 1000 chunks of 1000 rows (~64 MB in all), one row of each kept: strings, and numbers cast: true.
  for (let c = 0; c < 1000; c++) {
    const rows = Array.from({ length: 1000 }, (_, i) => `${c * 1000 + i},a text long enough to be a slice ${i},"quoted text, as long ${c}"`);
    parser.push(rows.join("\n") + "\n", keepFirst);
  }
  parser.end(keepFirst);
  gc();
  const grown = (process.memoryUsage().heapUsed - before) / 1e6;
  assert.equal(kept.length, 1000);
  assert.ok(grown < 16, `the heap grew by ${grown.toFixed(1)} MB for 1000 rows kept`);
});

describe("casts", () => {
  const decimals = fc.stringMatching(/^-?\d{0,24}(\.\d{0,24})?([eE][+-]?\d{0,3})?$/);
  const printed = fc.tuple(fc.double({ noNaN: true, noDefaultInfinity: true }), fc.integer({ min: 0, max: 20 })).map(([d, k]) => d.toFixed(k));
  const textArb = fc.oneof(decimals, printed, fc.string({ unit: fc.constantFrom(..."0123456789.-+eEx "), maxLength: 10 }));
  const one = (cast, text) => parseText(`v,w\n"${text}",0\n`, { cast }).rows[0].v;

  test('"number" gives what Number() gives (blank: null; not a number: an error)', () => {
    fc.assert(
      fc.property(textArb, (text) => {
        const expected = text.trim() === "" ? null : Number(text);
        if (Number.isNaN(expected)) assert.throws(() => one({ v: "number" }, text), /is not a number/);
        else assert.ok(Object.is(one({ v: "number" }, text), expected), `${text}: ${one({ v: "number" }, text)} vs ${expected}`);
      }),
      { numRuns: 3000 },
    );
  });

  test("cast: true turns decimals without a leading zero into what Number() gives, other text stays", () => {
    const DECIMAL = /^-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?$/;
    fc.assert(
      fc.property(textArb, (text) => {
        assert.ok(Object.is(one(true, text), DECIMAL.test(text) ? Number(text) : text), text);
      }),
      { numRuns: 3000 },
    );
  });

  test('"boolean", "string" and functions by column; arrays with cast: true', () => {
    assert.deepEqual(parseText("a,b,c,d\ntrue,007,x,\nfalse,1,y,\n", { cast: { a: "boolean", b: "string", c: (t, column) => column + t } }).rows, [
      { a: true, b: "007", c: "cx", d: "" },
      { a: false, b: "1", c: "cy", d: "" },
    ]);
    assert.deepEqual(parseText("1,007,x,-2.5e1\n", { header: false, cast: true }).rows, [[1, "007", "x", -25]]);
  });
});

describe("csvRanges()", () => {
  /** Parses every range alone, its bytes decoded in pieces cut at `cuts`, as a worker thread would. */
  function parseRanges(file, layout, delimiter, rawCuts) {
    const bytes = fs.readFileSync(file);
    const rows = [];
    const lines = [];
    for (const range of layout.ranges) {
      const part = bytes.subarray(range.start, range.end);
      const settings = { header: false, columns: layout.header, delimiter, newline: layout.newline, line: range.line };
      const got = parseBytes(part, settings, cutsIn(rawCuts, part.length));
      rows.push(...got.rows);
      lines.push(...got.lines);
    }
    return { rows, lines };
  }

  test("parsing each range alone gives the whole file's rows, in order, with their line numbers (quoted line breaks everywhere)", async () => {
    await fc.assert(
      fc.asyncProperty(csvArb, fc.integer({ min: 1, max: 9 }), cutsArb, async (csv, parts, rawCuts) => {
        const { text } = render(csv);
        const file = write(text);
        const whole = parseBytes(Buffer.from(text), { delimiter: csv.delimiter });
        const layout = await csvRanges(file, parts, { delimiter: csv.delimiter });
        const size = Buffer.byteLength(text);
        // Contiguous, in order, no empty range, ending at the file's end.
        layout.ranges.forEach((range, i) => {
          assert.ok(range.end > range.start);
          if (i > 0) assert.equal(range.start, layout.ranges[i - 1].end);
        });
        if (layout.ranges.length > 0) assert.equal(layout.ranges.at(-1).end, size);
        assert.ok(layout.ranges.length <= parts);
        assert.deepEqual(parseRanges(file, layout, csv.delimiter, rawCuts), whole);
        if (csv.newline !== "\r") assert.equal(layout.newline, "\n");
      }),
      { numRuns: 250 },
    );
  });

  test("without a header, ranges start at the first byte after a byte order mark", async () => {
    const file = write('\ufeff1,"x\ny"\n2,3\n4,5\n');
    const layout = await csvRanges(file, 3, { header: false });
    assert.equal(layout.header, undefined);
    assert.equal(layout.fields, 2);
    assert.deepEqual(layout.ranges, [
      { start: 3, end: 11, line: 1 },
      { start: 11, end: 15, line: 3 },
      { start: 15, end: 19, line: 4 },
    ]);
    assert.deepEqual(parseRanges(file, layout, ",", []).rows, [
      ["1", "x\ny"],
      ["2", "3"],
      ["4", "5"],
    ]);
  });

  test("many parts on a small file: at most one range per record; an empty or header-only file has none", async () => {
    const layout = await csvRanges(write("a,b\n1,2\n3,4"), 50);
    assert.deepEqual(layout, {
      header: ["a", "b"],
      fields: 2,
      newline: "\n",
      ranges: [
        { start: 4, end: 8, line: 2 },
        { start: 8, end: 11, line: 3 },
      ],
    });
    assert.deepEqual((await csvRanges(write("a,b\n"), 4)).ranges, []);
    assert.deepEqual(await csvRanges(write(""), 4), { header: undefined, fields: 0, newline: "\n", ranges: [] });
  });

  test("a large file in 1 MiB blocks: ranges of similar size whose rows are the file's", async () => {
    const record = (i) => `${i},"quoted, with ""quotes""\nand a line break ${i}",${"x".repeat(i % 50)}\r\n`;
    const text = "id,note,pad\r\n" + Array.from({ length: 60_000 }, (_, i) => record(i)).join("");
    const file = write(text);
    const layout = await csvRanges(file, 4);
    assert.equal(layout.ranges.length, 4);
    const sizes = layout.ranges.map((r) => r.end - r.start);
    assert.ok(Math.max(...sizes) - Math.min(...sizes) < 200, `sizes ${sizes}`);
    const whole = parseBytes(Buffer.from(text), {});
    assert.deepEqual(parseRanges(file, layout, ",", [100_000, 300_000]), whole);
  });

  test("bad arguments are errors naming them; a missing file rejects", async () => {
    await assert.rejects(csvRanges("x.csv", 0), { name: "RangeError", message: /parts must be a positive integer/ });
    await assert.rejects(csvRanges("x.csv", 2, { encoding: "utf16le" }), { name: "TypeError", message: /"encoding"/ });
    await assert.rejects(csvRanges(path.join(dir, "missing.csv"), 2), { code: "ENOENT" });
  });
});

describe("fromCSV() on the new parser", () => {
  test("empty lines, mixed line ends and a quoted header line break", async () => {
    const file = write('"id\nx",v\r\n\r\n1,a\n2,"b\r\nc"\n\n');
    assert.deepEqual(await fromCSV(file).toArray(), [
      { "id\nx": "1", v: "a" },
      { "id\nx": "2", v: "b\r\nc" },
    ]);
  });

  test("a multi-byte character cut by the file's read chunks stays whole", async () => {
    const rows = Array.from({ length: 30_000 }, (_, i) => ({ i: String(i), s: "ü日𝄞".repeat(1 + (i % 5)) }));
    const file = write("i,s\n" + rows.map((r) => `${r.i},${r.s}`).join("\n"));
    assert.deepEqual(await fromCSV(file).toArray(), rows);
  });

  test("a malformed record fails naming the line and closes the file", { skip: !fs.existsSync("/proc/self/fd") && "needs /proc" }, async () => {
    const file = write("n\n" + Array.from({ length: 100_000 }, (_, i) => i).join("\n") + '\n"open\n');
    await assert.rejects(fromCSV(file).toArray(), /fromCSV\(\): ".*" line 100002: Quote Not Closed/);
    await new Promise((resolve) => setTimeout(resolve, 50));
    const open = fs.readdirSync("/proc/self/fd").filter((fd) => {
      try {
        return fs.readlinkSync(`/proc/self/fd/${fd}`) === file;
      } catch {
        return false;
      }
    });
    assert.deepEqual(open, []);
  });
});
