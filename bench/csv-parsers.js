"use strict";
// CSV parsers side by side (issue 16): which one fromCSV should use. Two questions, each candidate
// used the way fromCSV would use it (fed a file's chunks, rows as objects keyed by the header):
//  1. correctness: an RFC 4180 corpus, each text fed whole and in chunks of 1, 2, 3, 7 and 64 bytes
//     (multi-byte characters split across chunks), plus malformed files that must be reported;
//  2. speed: vega-datasets' zipcodes.csv cycled to 1M rows in a temporary file, streamed in 64 KiB
//     chunks, with and without casting latitude/longitude to numbers; each figure is the median of
//     ROUNDS runs, each in a fresh process, candidates interleaved.
// Also: csvRanges (record boundaries by quote parity) on the same file.
// Usage: npm run build && node bench/csv-parsers.js [--correctness]     (ROUNDS=5 by default)
const fs = require("node:fs");
const os = require("node:os");
const path = require("node:path");
const { spawnSync } = require("node:child_process");
const { StringDecoder } = require("node:string_decoder");
const { Readable } = require("node:stream");

const ROUNDS = Number(process.env.ROUNDS ?? 5);
const ROWS = 1_000_000;
const CAST_COLUMNS = ["latitude", "longitude"];

/** Each candidate: `feed(chunks: Buffer[], cast) => Promise<rows>` for the corpus, `stream(file, cast, onRow)` for speed. */
const candidates = {
  "pipelab (own scanner)": {
    async feed(chunks, cast) {
      const { createCsvRows } = require("../dist/sources/csv-rows");
      const rows = [];
      const parser = createCsvRows({ cast: cast ? Object.fromEntries(CAST_COLUMNS.map((c) => [c, "number"])) : false });
      const decoder = new StringDecoder("utf8");
      const onRow = (row) => rows.push(row);
      for (const chunk of chunks) parser.push(decoder.write(chunk), onRow);
      parser.push(decoder.end(), onRow);
      parser.end(onRow);
      return rows;
    },
    stream(file, cast, onRow) {
      const { createCsvRows } = require("../dist/sources/csv-rows");
      const parser = createCsvRows({ cast: cast ? Object.fromEntries(CAST_COLUMNS.map((c) => [c, "number"])) : false });
      return new Promise((resolve, reject) => {
        fs.createReadStream(file, { encoding: "utf8" })
          .on("data", (text) => parser.push(text, onRow))
          .on("end", () => resolve(parser.end(onRow)))
          .on("error", reject);
      });
    },
  },
  "uDSV 0.7.3": {
    // Its streaming pattern from the README, with the schema pinned (a comma, quotes on) rather than
    // guessed from the first chunk, which turns quotes off when that chunk has none.
    async feed(chunks, cast) {
      const rows = [];
      const decoder = new StringDecoder("utf8");
      const u = uDSV(cast, (row) => rows.push(row));
      for (const chunk of chunks) u.push(decoder.write(chunk));
      u.push(decoder.end());
      u.end();
      return rows;
    },
    stream(file, cast, onRow) {
      const u = uDSV(cast, onRow);
      return new Promise((resolve, reject) => {
        fs.createReadStream(file, { encoding: "utf8" })
          .on("data", (text) => u.push(text))
          .on("end", () => resolve(u.end()))
          .on("error", reject);
      });
    },
  },
  "papaparse 5.7.1": {
    async feed(chunks, cast) {
      const decoder = new StringDecoder("utf8");
      const texts = chunks.map((chunk) => decoder.write(chunk)).concat(decoder.end());
      const rows = [];
      await papa(Readable.from(texts), cast, (row) => rows.push(row));
      return rows;
    },
    stream: (file, cast, onRow) => papa(fs.createReadStream(file, { encoding: "utf8" }), cast, onRow),
  },
  "csv-parse 7.0.3": {
    async feed(chunks, cast) {
      const rows = [];
      for await (const row of Readable.from(chunks).pipe(csvParse(cast))) rows.push(row);
      return rows;
    },
    async stream(file, cast, onRow) {
      for await (const row of fs.createReadStream(file).pipe(csvParse(cast))) onRow(row);
    },
  },
  "d3-dsv 3 (whole text only)": {
    // No streaming API: the whole file as one string. Not a candidate for a 1 GB file; a reference.
    async feed(chunks, cast) {
      return d3(new StringDecoder("utf8").write(Buffer.concat(chunks)), cast);
    },
    async stream(file, cast, onRow) {
      for (const row of d3(fs.readFileSync(file, "utf8"), cast)) onRow(row);
    },
  },
};

function uDSV(cast, onRow) {
  const { inferSchema, initParser } = require("udsv");
  let parser;
  let head = "";
  let parse;
  return {
    push(text) {
      if (!parser) {
        // inferSchema needs a whole first line, and its line break in full (CR LF, not CR then LF).
        head += text.charCodeAt(0) === 0xfeff && head === "" ? text.slice(1) : text;
        if (!/\n|\r[^\n]/.test(head)) return;
        text = head;
        const schema = inferSchema(text, { col: ",", encl: '"', esc: '"' });
        for (const col of schema.cols) col.type = cast && CAST_COLUMNS.includes(col.name) ? "n" : "s";
        parser = initParser(schema);
        parse = cast ? parser.typedObjs : parser.stringObjs;
      }
      parser.chunk(text, parse, onRow);
    },
    end() {
      if (!parser && head !== "") this.push("\n");
      if (parser) parser.end();
    },
  };
}

function papa(input, cast, onRow) {
  const Papa = require("papaparse");
  return new Promise((resolve, reject) => {
    Papa.parse(input, {
      header: true,
      delimiter: ",",
      skipEmptyLines: true,
      dynamicTyping: cast ? Object.fromEntries(CAST_COLUMNS.map((c) => [c, true])) : false,
      step: (result) => (result.errors.length > 0 ? reject(new Error(result.errors[0].message)) : onRow(result.data)),
      complete: resolve,
      error: reject,
    });
  });
}

function csvParse(cast) {
  const { parse } = require("csv-parse");
  // Cast in on_record, as fromCSV did: csv-parse's own `cast` option took 20 s for the 1M rows here.
  const castRecord = (record) => {
    for (const c of CAST_COLUMNS) record[c] = record[c] === "" ? null : Number(record[c]);
    return record;
  };
  return parse({ columns: true, bom: true, skip_empty_lines: true, on_record: cast ? castRecord : undefined });
}

function d3(text, cast) {
  const { csvParse } = require("d3-dsv");
  return cast ? csvParse(text, (row) => (CAST_COLUMNS.forEach((c) => (row[c] = row[c] === "" ? null : +row[c])), row)) : csvParse(text);
}

// ---- 1. correctness -------------------------------------------------------------------------------

const long = "x".repeat(300_000);
const CORPUS = [
  [
    "plain, last line without a line break",
    "a,b\n1,2\n3,4",
    [
      { a: "1", b: "2" },
      { a: "3", b: "4" },
    ],
  ],
  ["quoted delimiters and doubled quotes", 'a,b\n"x, y","say ""hi"""\n', [{ a: "x, y", b: 'say "hi"' }]],
  [
    "quoted LF and CRLF inside fields",
    'a,b\n"one\ntwo","three\r\nfour"\n5,6\n',
    [
      { a: "one\ntwo", b: "three\r\nfour" },
      { a: "5", b: "6" },
    ],
  ],
  [
    "CRLF line ends",
    "a,b\r\n1,2\r\n3,4\r\n",
    [
      { a: "1", b: "2" },
      { a: "3", b: "4" },
    ],
  ],
  [
    "CRLF file with a quoted LF",
    'a,b\r\n"x\ny",2\r\n3,4\r\n',
    [
      { a: "x\ny", b: "2" },
      { a: "3", b: "4" },
    ],
  ],
  ["a byte order mark", "\ufeffa,b\n1,2\n", [{ a: "1", b: "2" }]],
  [
    "empty lines (skipped)",
    "a,b\n1,2\n\n3,4\n\n",
    [
      { a: "1", b: "2" },
      { a: "3", b: "4" },
    ],
  ],
  ["empty fields, quoted and not", 'a,b,c\n,"",\n', [{ a: "", b: "", c: "" }]],
  ["quoted header with a delimiter", '"a,1",b\n1,2\n', [{ "a,1": "1", b: "2" }]],
  ["unicode, multi-byte characters split by chunks", "name,note\nünï,𝄞 ✓ 日本\n", [{ name: "ünï", note: "𝄞 ✓ 日本" }]],
  ["a quoted field that ends the file", 'a,b\n1,"2"', [{ a: "1", b: "2" }]],
  ["a very long quoted field (300 KB, quotes and line breaks)", `a,b\n"${long}""\n${long}",2\n`, [{ a: `${long}"\n${long}`, b: "2" }]],
  ["a very long unquoted field (300 KB)", `a,b\n${long},2\n`, [{ a: long, b: "2" }]],
  // Beyond RFC 4180's CRLF-only world, as files come:
  [
    "LF lines with one CRLF line (mixed)",
    "a,b\n1,2\r\n3,4\n",
    [
      { a: "1", b: "2" },
      { a: "3", b: "4" },
    ],
  ],
  [
    "lone CR line ends (classic Mac)",
    "a,b\r1,2\r3,4\r",
    [
      { a: "1", b: "2" },
      { a: "3", b: "4" },
    ],
  ],
];
const MALFORMED = [
  ["a short record (not merged with the next line)", "a,b\n1\n3,4\n"],
  ["a long record", "a,b\n1,2,3\n"],
  ["an unclosed quote", 'a,b\n1,"2\n3,4\n'],
];
const SPLITS = [Infinity, 1, 2, 3, 7, 64];

function chunked(buffer, size) {
  if (size === Infinity) return [buffer];
  const out = [];
  for (let i = 0; i < buffer.length; i += size) out.push(buffer.subarray(i, i + size));
  return out;
}

async function correctness() {
  const table = [];
  for (const [name, candidate] of Object.entries(candidates)) {
    const failed = [];
    for (const [label, text, expected] of CORPUS) {
      const buffer = Buffer.from(text);
      // The long fields by 1-byte chunks would take minutes for some candidates: 64 KiB and whole.
      const splits = text.length > 100_000 ? [Infinity, 65536] : SPLITS;
      for (const size of splits) {
        let got;
        try {
          got = JSON.stringify(await candidate.feed(chunked(buffer, size), false));
        } catch (error) {
          got = `error: ${error.message}`;
        }
        if (got !== JSON.stringify(expected)) {
          failed.push(`${label} (${size === Infinity ? "whole" : `${size}-byte chunks`}: ${got.slice(0, 80)})`);
          break;
        }
      }
    }
    const silent = [];
    for (const [label, text] of MALFORMED) {
      try {
        const rows = await candidate.feed([Buffer.from(text)], false);
        silent.push(`${label}: ${JSON.stringify(rows).slice(0, 60)}`);
      } catch {
        // reported: good
      }
    }
    table.push({ name, failed, silent });
  }
  return table;
}

// ---- 2. speed -----------------------------------------------------------------------------------

/** zipcodes.csv cycled to ROWS rows; `quoted`: every field in quotes (the quote-heavy case). */
function makeFile(dir, quoted) {
  const file = path.join(dir, quoted ? "zipcodes-1m-quoted.csv" : "zipcodes-1m.csv");
  const published = path.join(__dirname, "..", "node_modules", "vega-datasets", "data", "zipcodes.csv");
  let source = fs.readFileSync(published, "utf8").trimEnd().split("\n");
  if (quoted)
    source = source.map((line) =>
      line
        .split(",")
        .map((field) => `"${field}"`)
        .join(","),
    );
  const [header, ...lines] = source;
  const out = fs.openSync(file, "w");
  fs.writeSync(out, `${header}\n`);
  for (let written = 0; written < ROWS;) {
    const batch = lines.slice(0, Math.min(lines.length, ROWS - written));
    fs.writeSync(out, `${batch.join("\n")}\n`);
    written += batch.length;
  }
  fs.closeSync(out);
  return file;
}

/** In a child: one timed run. Prints `ms rows checksum`. */
async function timeOne(name, cast, file) {
  let rows = 0;
  let sum = 0;
  const started = performance.now();
  await candidates[name].stream(file, cast, (row) => {
    rows++;
    if (cast) sum += row.latitude ?? 0;
  });
  const ms = performance.now() - started;
  console.log(`${ms.toFixed(1)} ${rows} ${sum.toFixed(0)}`);
}

function child(args) {
  const out = spawnSync(process.execPath, [__filename, ...args], { encoding: "utf8", cwd: path.join(__dirname, "..") });
  if (out.status !== 0) throw new Error(`${args.join(" ")}: ${out.stderr}`);
  return out.stdout.trim().split(" ");
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

async function main() {
  console.log("Correctness (valid cases fed whole and in 1, 2, 3, 7, 64-byte chunks; malformed files must fail):\n");
  for (const { name, failed, silent } of await correctness()) {
    console.log(
      `${name}: ${CORPUS.length - failed.length}/${CORPUS.length} valid cases right, ${MALFORMED.length - silent.length}/${MALFORMED.length} malformed files reported`,
    );
    for (const f of failed) console.log(`    wrong: ${f}`);
    for (const s of silent) console.log(`    silent: ${s}`);
  }
  if (process.argv[2] === "--correctness") return;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "pipelab-csv-bench-"));
  try {
    for (const quoted of [false, true]) {
      const file = makeFile(dir, quoted);
      const mb = (fs.statSync(file).size / 1e6).toFixed(1);
      const what = quoted ? "every field quoted" : "as published";
      console.log(
        `\nSpeed: ${ROWS.toLocaleString("en")} rows of zipcodes.csv, ${what} (${mb} MB), streamed, rows as objects; median of ${ROUNDS} runs (fresh process each), ms:\n`,
      );
      const names = Object.keys(candidates);
      const times = new Map(names.flatMap((n) => [false, true].map((cast) => [`${n}|${cast}`, []])));
      for (let round = 0; round < ROUNDS; round++) {
        for (const name of names) {
          for (const cast of [false, true]) {
            const [ms, rows] = child(["--time", name, String(cast), file]);
            if (Number(rows) !== ROWS) throw new Error(`${name} gave ${rows} rows`);
            times.get(`${name}|${cast}`).push(Number(ms));
          }
        }
      }
      const width = Math.max(...names.map((n) => n.length));
      console.log(`${"".padEnd(width)}  strings   cast lat/long   cast cost`);
      for (const name of names) {
        const plain = median(times.get(`${name}|false`));
        const cast = median(times.get(`${name}|true`));
        console.log(`${name.padEnd(width)}  ${plain.toFixed(0).padStart(7)}   ${cast.toFixed(0).padStart(13)}   ${(cast - plain).toFixed(0).padStart(9)}`);
      }
      const scans = [];
      for (let round = 0; round < ROUNDS; round++) scans.push(Number(child(["--ranges", file])[0]));
      console.log(`\ncsvRanges(file, 8): ${median(scans).toFixed(0)} ms (median of ${ROUNDS}; reads the file up to the last boundary)`);
      fs.rmSync(file);
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv[2] === "--time") timeOne(process.argv[3], process.argv[4] === "true", process.argv[5]);
else if (process.argv[2] === "--ranges") {
  const { csvRanges } = require("../dist/sources/csv-ranges");
  const started = performance.now();
  csvRanges(process.argv[3], 8).then(() => console.log((performance.now() - started).toFixed(1)));
} else main();
