"use strict";
// fromParquet, fromArrow and fromJSON on real files: vega-datasets' flights (3M rows of Parquet compared with
// what nodejs-polars reads from the same file; 200k rows of Arrow against the same data as JSON), files written
// here by DuckDB and apache-arrow with every type of the mapping, and broken files. flights-3m.parquet is read
// whole twice in this file, no more.
const { test, describe, before, after } = require("node:test");
const assert = require("node:assert/strict");
const fs = require("node:fs");
const { join } = require("node:path");
const { tmpdir } = require("node:os");
const fc = require("fast-check");
const A = require("apache-arrow");
const pl = require("nodejs-polars");
const { fromParquet, fromArrow, fromJSON } = require("../dist");
const { runChild } = require("./helpers");

const DATA = join(__dirname, "..", "node_modules", "vega-datasets", "data");
const PARQUET = join(DATA, "flights-3m.parquet");
const ARROW = join(DATA, "flights-200k.arrow");
const JSON_FILE = join(DATA, "flights-200k.json");

let dir;
before(() => (dir = fs.mkdtempSync(join(tmpdir(), "pipelab-columnar-"))));
after(() => fs.rmSync(dir, { recursive: true, force: true }));
const inDir = (name) => join(dir, name);

/** This process's open descriptors on `path` (Linux /proc; node_modules may be a link, so the real path). */
const openOn = (path) => {
  const real = fs.realpathSync(path);
  return fs.readdirSync("/proc/self/fd").filter((fd) => {
    try {
      return fs.readlinkSync(`/proc/self/fd/${fd}`) === real;
    } catch {
      return false;
    }
  }).length;
};
const settle = () => new Promise((resolve) => setTimeout(resolve, 50));
const noProc = !fs.existsSync("/proc/self/fd") && "needs /proc";

/** What polars computes from the Parquet file: per column sum / min / max / null count (dates as epoch ms), distinct strings. */
function polarsFigures() {
  const df = pl.readParquet(PARQUET);
  const ms = pl.col("date").cast(pl.Int64).div(1000).floor().cast(pl.Int64);
  const exprs = [
    ms.sum().cast(pl.Utf8).alias("date_sum"),
    ms.min().alias("date_min"),
    ms.max().alias("date_max"),
    pl.col("date").nullCount().alias("date_nulls"),
  ];
  for (const c of ["delay", "distance"]) {
    exprs.push(
      pl.col(c).sum().alias(`${c}_sum`),
      pl.col(c).min().alias(`${c}_min`),
      pl.col(c).max().alias(`${c}_max`),
      pl.col(c).nullCount().alias(`${c}_nulls`),
    );
  }
  for (const c of ["origin", "destination"]) {
    exprs.push(
      pl.col(c).min().alias(`${c}_min`),
      pl.col(c).max().alias(`${c}_max`),
      pl.col(c).nullCount().alias(`${c}_nulls`),
      pl.col(c).nUnique().alias(`${c}_unique`),
    );
  }
  const [figures] = df.select(...exprs).toRecords();
  const head = df.head(10).withColumns(ms.alias("date")).toRecords();
  return { figures, head, columns: df.columns };
}

describe("fromParquet() on flights-3m.parquet (3M rows, 11 row groups, ZSTD), against nodejs-polars", () => {
  let polars;
  before(() => (polars = polarsFigures()));

  test("every row, column names and JS types, and per-column sum / min / max / null count equal polars'; the source row counts the rows", async (t) => {
    const p = fromParquet(PARQUET);
    const kind = (value) => (value instanceof Date ? "Date" : value === null ? "null" : typeof value);
    const types = { date: new Set(), delay: new Set(), distance: new Set(), origin: new Set(), destination: new Set() };
    const numeric = () => ({ sum: 0, min: Infinity, max: -Infinity, nulls: 0 });
    const stats = { date: { ...numeric(), sum: 0n }, delay: numeric(), distance: numeric() };
    const add = (s, n) => {
      if (n < s.min) s.min = n;
      if (n > s.max) s.max = n;
    };
    const strings = { origin: { values: new Set(), nulls: 0 }, destination: { values: new Set(), nulls: 0 } };
    let rows = 0;
    let keys;
    const started = performance.now();
    // reduce(), not for await: under node:test every awaited item is tracked, which triples the time.
    await p.reduce((_, row) => {
      if (rows++ === 0) keys = Object.keys(row);
      const { date, delay, distance } = row;
      if (date instanceof Date) {
        const ms = date.getTime();
        stats.date.sum += BigInt(ms);
        add(stats.date, ms);
      } else if (date === null) stats.date.nulls++;
      else types.date.add(kind(date));
      for (const [key, value] of [
        ["delay", delay],
        ["distance", distance],
      ]) {
        if (typeof value === "number") {
          stats[key].sum += value;
          add(stats[key], value);
        } else if (value === null) stats[key].nulls++;
        else types[key].add(kind(value));
      }
      for (const key of ["origin", "destination"]) {
        const value = row[key];
        if (typeof value === "string") strings[key].values.add(value);
        else if (value === null) strings[key].nulls++;
        else types[key].add(kind(value));
      }
    }, null);
    const seconds = (performance.now() - started) / 1000;
    t.diagnostic(`fromParquet read ${rows} rows in ${seconds.toFixed(2)} s (${Math.round(rows / seconds)} rows/s, with this test's checks)`);
    assert.deepEqual(
      Object.fromEntries(Object.entries(types).map(([k, v]) => [k, [...v]])),
      { date: [], delay: [], distance: [], origin: [], destination: [] },
      "no value of another type than the column's (Date, number, number, string, string) or null",
    );
    const f = polars.figures;
    assert.equal(rows, 3_000_000);
    assert.deepEqual(keys, polars.columns);
    assert.equal(stats.date.sum, BigInt(f.date_sum));
    for (const c of ["date", "delay", "distance"]) {
      if (c !== "date") assert.equal(stats[c].sum, f[`${c}_sum`], `${c} sum`);
      assert.equal(stats[c].min, f[`${c}_min`], `${c} min`);
      assert.equal(stats[c].max, f[`${c}_max`], `${c} max`);
      assert.equal(stats[c].nulls, f[`${c}_nulls`], `${c} nulls`);
    }
    for (const c of ["origin", "destination"]) {
      const sorted = [...strings[c].values].sort();
      assert.equal(sorted[0], f[`${c}_min`]);
      assert.equal(sorted.at(-1), f[`${c}_max`]);
      assert.equal(strings[c].values.size, f[`${c}_unique`]);
      assert.equal(strings[c].nulls, f[`${c}_nulls`]);
    }
    assert.equal(p.stats().stages[0].itemsOut, 3_000_000, "the source's row counts the rows");
  });

  test('columns (in their order) with int64: "bigint": only those keys, bigints with the same sums', async () => {
    let rows = 0;
    const sums = { distance: 0n, delay: 0n };
    let keysOk = true;
    await fromParquet(PARQUET, { columns: ["distance", "delay"], int64: "bigint", batchRows: 100_000 }).reduce((_, row) => {
      rows++;
      const keys = Object.keys(row);
      if (keys.length !== 2 || keys[0] !== "distance" || keys[1] !== "delay") keysOk = false;
      sums.distance += row.distance;
      sums.delay += row.delay;
    }, null);
    assert.equal(rows, 3_000_000);
    assert.ok(keysOk, "every row has exactly distance, delay in that order");
    assert.equal(sums.distance, BigInt(polars.figures.distance_sum));
    assert.equal(sums.delay, BigInt(polars.figures.delay_sum));
  });

  test("take(10) gives polars' first 10 rows, stops reading early and leaves no descriptor open", { skip: noProc }, async () => {
    const p = fromParquet(PARQUET).take(10);
    const rows = await p.toArray();
    assert.deepEqual(
      rows.map((r) => ({ ...r, date: r.date.getTime() })),
      polars.head,
    );
    assert.ok(p.stats().stages[0].itemsOut < 272_727, `the source stopped inside the first row group (${p.stats().stages[0].itemsOut} rows out)`);
    for await (const _ of fromParquet(PARQUET, { batchRows: 10 })) break;
    await settle();
    assert.equal(openOn(PARQUET), 0);
  });

  test("an unknown column names it and lists the file's columns", async () => {
    await assert.rejects(fromParquet(PARQUET, { columns: ["delay", "Delay"] }).toArray(), (error) => {
      assert.match(
        error.message,
        /fromParquet\(\): ".*flights-3m\.parquet" has no column "Delay" \(its columns: "date", "delay", "distance", "origin", "destination"\)/,
      );
      return true;
    });
    await settle();
    assert.equal(openOn(PARQUET), 0);
  });
});

describe("fromParquet() types, on a file DuckDB writes", () => {
  let file;
  before(async () => {
    const { DuckDBInstance } = require("@duckdb/node-api");
    file = inDir("types.parquet");
    const db = await DuckDBInstance.create(":memory:");
    const connection = await db.connect();
    await connection.run(`COPY (SELECT * FROM (VALUES
      (1, 9007199254740993::BIGINT, 'a', [1, 2], {'a': 1, 'b': 'x'}, DATE '2020-01-02', TIMESTAMP '2001-01-01 00:00:00.0015',
       TIMESTAMP_NS '1969-12-31 23:59:59.9999995', true, 0.3::DECIMAL(10, 2), 12345678901.23::DECIMAL(20, 2), '\\xAA\\x01'::BLOB, [[1::BIGINT]], 1.5::DOUBLE),
      (NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL),
      (3, -5, 'ü', [], {'a': NULL, 'b': 'z'}, DATE '1969-12-31', TIMESTAMP '1970-01-01', TIMESTAMP_NS '1970-01-01', false,
       -0.01, -1.5, ''::BLOB, [[], NULL, [NULL, 2]], -0.25)
    ) t(i, big, s, l, st, d, ts, tns, ok, dec, wide, bin, ll, f)) TO '${file}' (FORMAT parquet)`);
    connection.closeSync();
    db.closeSync();
  });

  const expected = (int64) => [
    {
      i: 1,
      big: 9007199254740993n,
      s: "a",
      l: [1, 2],
      st: { a: 1, b: "x" },
      d: new Date("2020-01-02T00:00:00Z"),
      ts: new Date("2001-01-01T00:00:00.001Z"),
      tns: new Date("1969-12-31T23:59:59.999Z"),
      ok: true,
      dec: 0.3,
      wide: 12345678901.23,
      bin: Uint8Array.of(0xaa, 1),
      ll: [[int64(1n)]],
      f: 1.5,
    },
    { i: null, big: null, s: null, l: null, st: null, d: null, ts: null, tns: null, ok: null, dec: null, wide: null, bin: null, ll: null, f: null },
    {
      i: 3,
      big: int64(-5n),
      s: "ü",
      l: [],
      st: { a: null, b: "z" },
      d: new Date("1969-12-31T00:00:00Z"),
      ts: new Date(0),
      tns: new Date(0),
      ok: false,
      dec: -0.01,
      wide: -1.5,
      bin: new Uint8Array(0),
      ll: [[], null, [null, int64(2n)]],
      f: -0.25,
    },
  ];

  test('int64: "bigint": strings, numbers, bigints, Dates (sub-ms dropped toward the past), exact decimals, bytes, lists, structs, nulls', async () => {
    assert.deepEqual(
      await fromParquet(file, { int64: "bigint" }).toArray(),
      expected((v) => v),
    );
  });

  test("by default a 64-bit integer beyond 2^53 is an error naming the file, column, row group and row, and the bigint option", async () => {
    await assert.rejects(fromParquet(file).toArray(), (error) => {
      assert.match(error.message, /fromParquet\(\): ".*types\.parquet" row group 0 \(rows 0–2\), column "big", row 0: the 64-bit integer 9007199254740993/);
      assert.match(error.message, /pass \{ int64: "bigint" \}/);
      return true;
    });
    const safe = await fromParquet(file, { columns: ["ll", "i"] }).toArray();
    assert.deepEqual(safe, [
      { ll: [[1]], i: 1 },
      { ll: null, i: null },
      { ll: [[], null, [null, 2]], i: 3 },
    ]);
  });
});

describe("fromArrow()", () => {
  test("flights-200k.arrow gives the rows of flights-200k.json (the same data): counts, values, sums", async () => {
    const p = fromArrow(ARROW);
    const rows = await p.toArray();
    const json = JSON.parse(fs.readFileSync(JSON_FILE, "utf8"));
    assert.equal(rows.length, json.length);
    assert.equal(p.stats().stages[0].itemsOut, 200_000);
    const sum = (list, key) => list.reduce((s, r) => s + r[key], 0);
    assert.equal(sum(rows, "delay"), sum(json, "delay"));
    assert.equal(sum(rows, "distance"), sum(json, "distance"));
    // time is Float32 in the Arrow file: each value is the JSON one rounded to float32.
    assert.deepEqual(
      rows,
      json.map((r) => ({ delay: r.delay, distance: r.distance, time: Math.fround(r.time) })),
    );
    assert.deepEqual(
      await fromArrow(ARROW, { columns: ["distance"] })
        .take(2)
        .toArray(),
      [{ distance: 1452 }, { distance: 2227 }],
    );
  });

  /** A table with every type of the mapping, 4 rows, written by apache-arrow. */
  function typedTable() {
    const raw = (type, data, valid) =>
      A.makeVector(
        A.makeData({
          type,
          length: valid.length,
          nullCount: valid.filter((v) => !v).length,
          nullBitmap: Uint8Array.of(valid.reduce((m, v, i) => m | (v << i), 0)),
          data,
        }),
      );
    return new A.Table({
      id: A.vectorFromArray([1n, 2n ** 53n + 1n, null, -(2n ** 60n)], new A.Int64()),
      u: A.vectorFromArray([1n, 2n ** 64n - 1n, null, 0n], new A.Uint64()),
      small: A.vectorFromArray([1, -2, null, 127], new A.Int8()),
      us: raw(new A.TimestampMicrosecond("UTC"), BigInt64Array.of(1500n, -1n, 0n, 0n), [1, 1, 0, 1]),
      ns: raw(new A.TimestampNanosecond(), BigInt64Array.of(1999999n, -1n, 0n, 0n), [1, 1, 0, 1]),
      sec: A.vectorFromArray([1000, 2000, null, -3000], new A.TimestampSecond()),
      day: A.vectorFromArray([new Date(Date.UTC(2020, 0, 2)), null, new Date(0), new Date(-86400000)], new A.DateDay()),
      dms: A.vectorFromArray([new Date(Date.UTC(2020, 0, 2)), null, new Date(0), new Date(-86400000)], new A.DateMillisecond()),
      s: A.vectorFromArray(["a", null, "ü", ""], new A.Utf8()),
      large: A.vectorFromArray(["a", null, "b", ""], new A.LargeUtf8()),
      dict: A.vectorFromArray(["x", "y", null, "x"], new A.Dictionary(new A.Utf8(), new A.Int32())),
      list: A.vectorFromArray([[1, 2], null, [], [3]], new A.List(new A.Field("item", new A.Int32(), true))),
      st: A.vectorFromArray(
        [{ a: 1, b: "p" }, null, { a: null, b: "q" }, { a: 4, b: null }],
        new A.Struct([new A.Field("a", new A.Int32(), true), new A.Field("b", new A.Utf8(), true)]),
      ),
      half: A.vectorFromArray([1.5, null, -2, 0], new A.Float16()),
      f32: A.vectorFromArray([0.1, null, -2, 0], new A.Float32()),
      ok: A.vectorFromArray([true, false, null, true], new A.Bool()),
      bin: A.vectorFromArray([Uint8Array.of(1, 2), null, new Uint8Array(0), Uint8Array.of(255)], new A.Binary()),
      dec: raw(
        new A.Decimal(2, 10, 128),
        Uint32Array.of(30, 0, 0, 0, ...[0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff], 0, 0, 0, 0, 0, 0, 0, 0),
        [1, 1, 0, 1],
      ),
    });
  }

  const expected = (int64) => [
    {
      id: int64(1n),
      u: int64(1n),
      small: 1,
      us: new Date(1),
      ns: new Date(1),
      sec: new Date(1000),
      day: new Date("2020-01-02T00:00:00Z"),
      dms: new Date("2020-01-02T00:00:00Z"),
      s: "a",
      large: "a",
      dict: "x",
      list: [1, 2],
      st: { a: 1, b: "p" },
      half: 1.5,
      f32: Math.fround(0.1),
      ok: true,
      bin: Uint8Array.of(1, 2),
      dec: 0.3,
    },
    {
      id: 9007199254740993n,
      u: 18446744073709551615n,
      small: -2,
      us: new Date(-1),
      ns: new Date(-1),
      sec: new Date(2000),
      day: null,
      dms: null,
      s: null,
      large: null,
      dict: "y",
      list: null,
      st: null,
      half: null,
      f32: null,
      ok: false,
      bin: null,
      dec: -0.01,
    },
    {
      id: null,
      u: null,
      small: null,
      us: null,
      ns: null,
      sec: null,
      day: new Date(0),
      dms: new Date(0),
      s: "ü",
      large: "b",
      dict: null,
      list: [],
      st: { a: null, b: "q" },
      half: -2,
      f32: -2,
      ok: null,
      bin: new Uint8Array(0),
      dec: null,
    },
    {
      id: int64(-(2n ** 60n)),
      u: int64(0n),
      small: 127,
      us: new Date(0),
      ns: new Date(0),
      sec: new Date(-3000),
      day: new Date(-86400000),
      dms: new Date(-86400000),
      s: "",
      large: "",
      dict: "x",
      list: [3],
      st: { a: 4, b: null },
      half: 0,
      f32: 0,
      ok: true,
      bin: Uint8Array.of(255),
      dec: 0,
    },
  ];

  test('an IPC file and an IPC stream written by apache-arrow: every type of the mapping as plain values; int64: "bigint"', async () => {
    const table = typedTable();
    const file = inDir("typed.arrow");
    const stream = inDir("typed.arrows");
    fs.writeFileSync(file, A.tableToIPC(table, "file"));
    fs.writeFileSync(stream, A.tableToIPC(table, "stream"));
    const want = expected((v) => v);
    const rows = await fromArrow(file, { int64: "bigint" }).toArray();
    assert.deepEqual(rows, want);
    assert.equal(Object.getPrototypeOf(rows[0]), Object.prototype, "rows are plain objects, not Arrow Row proxies");
    assert.equal(Object.getPrototypeOf(rows[0].st), Object.prototype);
    assert.ok(Array.isArray(rows[0].list));
    assert.deepEqual(await fromArrow(stream, { int64: "bigint" }).toArray(), want);
  });

  test("by default an Int64 beyond 2^53 is an error naming the file, column, record batch and row; other rows of safe columns read as numbers", async () => {
    const file = inDir("typed-default.arrow");
    fs.writeFileSync(file, A.tableToIPC(typedTable(), "file"));
    await assert.rejects(fromArrow(file).toArray(), (error) => {
      assert.match(
        error.message,
        /fromArrow\(\): ".*typed-default\.arrow" record batch 0, column "id", row 1: the 64-bit integer 9007199254740993 .* pass \{ int64: "bigint" \}/,
      );
      return true;
    });
    const safe = await fromArrow(file, { columns: ["small", "u"] })
      .take(1)
      .toArray()
      .catch((error) => error);
    assert.match(safe.message, /column "u", row 1: the 64-bit integer 18446744073709551615/, "Uint64 too");
    assert.deepEqual(await fromArrow(file, { columns: ["small", "list"] }).toArray(), [
      { small: 1, list: [1, 2] },
      { small: -2, list: null },
      { small: null, list: [] },
      { small: 127, list: [3] },
    ]);
  });

  test("several record batches: rows in order, the row number in an error counts from the file's start", async () => {
    const batches = [0, 1, 2].map(
      (b) => new A.RecordBatch({ n: A.makeData({ type: new A.Int64(), length: 3, data: BigInt64Array.of(...[0, 1, 2].map((i) => BigInt(b * 3 + i))) }) }),
    );
    const file = inDir("batches.arrow");
    fs.writeFileSync(file, A.tableToIPC(new A.Table(batches), "file"));
    assert.deepEqual(
      (await fromArrow(file).toArray()).map((r) => r.n),
      [0, 1, 2, 3, 4, 5, 6, 7, 8],
    );
    const big = [0, 1].map((b) => new A.RecordBatch({ n: A.makeData({ type: new A.Int64(), length: 2, data: BigInt64Array.of(1n, b ? 2n ** 62n : 2n) }) }));
    const bad = inDir("big-later.arrows");
    fs.writeFileSync(bad, A.tableToIPC(new A.Table(big), "stream"));
    await assert.rejects(fromArrow(bad).toArray(), /record batch 1, column "n", row 3: the 64-bit integer 4611686018427387904/);
  });

  test("take(2) and break close the file", { skip: noProc }, async () => {
    assert.equal((await fromArrow(ARROW).take(2).toArray()).length, 2);
    for await (const _ of fromArrow(ARROW)) break;
    await settle();
    assert.equal(openOn(ARROW), 0);
  });
});

describe("fromJSON()", () => {
  test("flights-200k.json gives what JSON.parse of the whole file gives", async () => {
    const p = fromJSON(JSON_FILE);
    assert.deepEqual(await p.toArray(), JSON.parse(fs.readFileSync(JSON_FILE, "utf8")));
    assert.equal(p.stats().stages[0].itemsOut, 200_000);
  });

  test("path: the array under a dotted key path (an index is a key); a byte order mark is dropped", async () => {
    const file = inDir("nested.json");
    fs.writeFileSync(file, '\ufeff{"meta": {"items": [0]}, "data": {"items": [1, "two", {"three": [3]}, null]}, "pages": [{"rows": [5]}]}');
    assert.deepEqual(await fromJSON(file, { path: "data.items" }).toArray(), [1, "two", { three: [3] }, null]);
    assert.deepEqual(await fromJSON(file, { path: "pages.0.rows" }).toArray(), [5]);
    await assert.rejects(fromJSON(file, { path: "data.none" }).toArray(), /fromJSON\(\): ".*nested\.json" has no value at "data\.none"/);
    await assert.rejects(fromJSON(file, { path: "meta" }).toArray(), /fromJSON\(\): ".*nested\.json": the value at "meta" is an object, not an array/);
  });

  test("a top level that is not an array is an error that says so and points to path", async () => {
    const file = inDir("object.json");
    fs.writeFileSync(file, '{"a": [1]}');
    await assert.rejects(
      fromJSON(file).toArray(),
      /fromJSON\(\): ".*object\.json": the top level is an object, not an array; to read an array inside it, pass \{ path: "key" \}/,
    );
    fs.writeFileSync(file, "42");
    await assert.rejects(fromJSON(file).toArray(), /the top level is a number, not an array/);
  });

  test("a truncated file: the elements before the cut, then an error naming the file and where", async () => {
    const file = inDir("truncated.json");
    const text = fs.readFileSync(JSON_FILE, "utf8");
    fs.writeFileSync(file, text.slice(0, 1_000_000));
    const seen = [];
    const failure = await (async () => {
      for await (const row of fromJSON(file)) seen.push(row);
    })().catch((error) => error);
    assert.match(failure?.message, /fromJSON\(\): ".*truncated\.json" is not valid JSON at its end \(character 1000000\), \d+ array elements read before it/);
    const whole = JSON.parse(text);
    assert.ok(seen.length > 15_000, `${seen.length} elements came before the error`);
    assert.deepEqual(seen, whole.slice(0, seen.length));
    const broken = inDir("broken.json");
    fs.writeFileSync(broken, text.slice(0, 300_000) + "}" + text.slice(300_000));
    await assert.rejects(
      fromJSON(broken).toArray(),
      /fromJSON\(\): ".*broken\.json" is not valid JSON in characters 2990\d\d–30\d\d\d\d, \d+ array elements read before it/,
    );
  });

  test("long strings and characters beyond the BMP across chunk boundaries", async () => {
    const values = ["é😀".repeat(40_000), { key: "x".repeat(70_000), n: -1.5e-7 }, ["😀", 0, true, null]];
    const file = inDir("long.json");
    fs.writeFileSync(file, JSON.stringify(values));
    assert.deepEqual(await fromJSON(file).toArray(), values);
  });

  test("property: random arrays of random JSON values, printed compactly or indented, read back as JSON.parse reads them", async () => {
    const file = inDir("random.json");
    await fc.assert(
      fc.asyncProperty(fc.array(fc.jsonValue({ maxDepth: 3 }), { maxLength: 20 }), fc.constantFrom(undefined, 2, "\t"), async (values, indent) => {
        const text = JSON.stringify(values, null, indent);
        fs.writeFileSync(file, text);
        assert.deepStrictEqual(await fromJSON(file).toArray(), JSON.parse(text));
      }),
      { numRuns: 80 },
    );
  });

  test("take(3) and break close the file", { skip: noProc }, async () => {
    assert.equal((await fromJSON(JSON_FILE).take(3).toArray()).length, 3);
    for await (const _ of fromJSON(JSON_FILE)) break;
    await settle();
    assert.equal(openOn(JSON_FILE), 0);
  });
});

describe("options, missing and broken files (all three readers)", () => {
  test("options are checked when the reader is called: TypeErrors naming the option and the value", () => {
    assert.throws(() => fromParquet(PARQUET, { colums: ["a"] }), /fromParquet\(\): unknown option "colums" \(known: columns, batchRows, int64\)/);
    assert.throws(() => fromParquet(PARQUET, { batchRows: 0 }), /fromParquet\(\): option "batchRows" must be a positive integer, got number 0/);
    assert.throws(() => fromParquet(PARQUET, { batchRows: "10" }), TypeError);
    assert.throws(() => fromParquet(PARQUET, { int64: "string" }), /option "int64" must be "number" or "bigint", got "string"/);
    assert.throws(() => fromParquet(PARQUET, { columns: "delay" }), /option "columns" must be a non-empty array of column names/);
    assert.throws(() => fromParquet(PARQUET, { columns: ["a", "a"] }), /option "columns" names "a" twice/);
    assert.throws(() => fromParquet(""), /fromParquet\(\): path must be a non-empty string/);
    assert.throws(() => fromArrow(ARROW, { batchRows: 10 }), /fromArrow\(\): unknown option "batchRows" \(known: columns, int64\)/);
    assert.throws(() => fromArrow(ARROW, { int64: true }), /fromArrow\(\): option "int64" must be "number" or "bigint", got boolean true/);
    assert.throws(() => fromArrow(ARROW, null), /fromArrow\(\): options must be an object, got null/);
    assert.throws(() => fromJSON(JSON_FILE, { path: "" }), /fromJSON\(\): option "path" must be keys joined by dots/);
    assert.throws(() => fromJSON(JSON_FILE, { path: "a..b" }), TypeError);
    assert.throws(() => fromJSON(JSON_FILE, { key: "a" }), /fromJSON\(\): unknown option "key" \(known: path\)/);
    assert.throws(() => fromJSON(42), /fromJSON\(\): path must be a non-empty string, got number 42/);
  });

  test("every run re-reads the file: a file rewritten between two runs of one pipeline gives its new rows", async () => {
    const parquet = inDir("rerun.parquet");
    const arrow = inDir("rerun.arrow");
    const json = inDir("rerun.json");
    const write = (values) => {
      pl.DataFrame({ a: values }).writeParquet(parquet);
      fs.writeFileSync(arrow, A.tableToIPC(new A.Table({ a: A.vectorFromArray(values, new A.Float64()) }), "file"));
      fs.writeFileSync(json, JSON.stringify(values.map((a) => ({ a }))));
    };
    const pipelines = [fromParquet(parquet), fromArrow(arrow), fromJSON(json)];
    write([1, 2]);
    for (const p of pipelines) assert.deepEqual(await p.toArray(), [{ a: 1 }, { a: 2 }]);
    write([3, 4, 5]);
    for (const p of pipelines) assert.deepEqual(await p.toArray(), [{ a: 3 }, { a: 4 }, { a: 5 }]);
  });

  test("a missing file is an error with its path, from every reader", async () => {
    const missing = inDir("missing.bin");
    for (const [name, read] of [
      ["fromParquet", fromParquet],
      ["fromArrow", fromArrow],
      ["fromJSON", fromJSON],
    ]) {
      await assert.rejects(read(missing).toArray(), (error) => {
        assert.ok(error.message.includes(`${name}(): cannot read "${missing}"`), error.message);
        assert.match(error.message, /ENOENT/);
        return true;
      });
    }
  });

  test("an unknown column of an Arrow file names it and lists the file's columns", async () => {
    await assert.rejects(
      fromArrow(ARROW, { columns: ["delay", "speed"] }).toArray(),
      /fromArrow\(\): ".*flights-200k\.arrow" has no column "speed" \(its columns: "delay", "distance", "time"\)/,
    );
  });

  test("broken Parquet (truncated; a row group overwritten) and Arrow (truncated) files fail naming the file and the part, in a process that then exits by itself", async () => {
    const bytes = fs.readFileSync(PARQUET);
    const truncated = inDir("truncated.parquet");
    fs.writeFileSync(truncated, bytes.subarray(0, bytes.length >> 1));
    const garbled = inDir("garbled.parquet");
    fs.writeFileSync(garbled, Buffer.concat([bytes.subarray(0, 4), Buffer.alloc(100_000, 0xab), bytes.subarray(100_004)]));
    const arrowBytes = fs.readFileSync(ARROW);
    const cutArrow = inDir("cut.arrow");
    fs.writeFileSync(cutArrow, arrowBytes.subarray(0, arrowBytes.length >> 1));
    const stream = inDir("cut.arrows");
    const table = new A.Table({ n: A.vectorFromArray([1, 2, 3], new A.Int32()) });
    const streamBytes = A.tableToIPC(table, "stream");
    fs.writeFileSync(stream, streamBytes.subarray(0, streamBytes.length - 40));
    const code = `
      const { fromParquet, fromArrow } = pipelab;
      const files = ${JSON.stringify({ truncated, garbled, cutArrow, stream })};
      (async () => {
        const out = {};
        for (const [name, file] of Object.entries(files)) {
          const read = name.endsWith("Arrow") || name === "stream" ? fromArrow : fromParquet;
          out[name] = await read(file).count().then((n) => "read " + n, (e) => e.message);
        }
        console.log(JSON.stringify(out));
      })();`;
    const result = await runChild(code, 30000);
    assert.equal(result.timedOut, false, "the process exits by itself");
    assert.equal(result.code, 0, result.stderr);
    const out = JSON.parse(result.stdout);
    assert.match(out.truncated, /fromParquet\(\): ".*truncated\.parquet" is not a readable Parquet file \(its footer\)/);
    assert.match(out.garbled, /fromParquet\(\): ".*garbled\.parquet" row group 0 \(rows 0–272726\), column "date": /);
    assert.match(out.cutArrow, /fromArrow\(\): ".*cut\.arrow" is not a readable Arrow IPC file or stream/);
    assert.match(out.stream, /fromArrow\(\): ".*cut\.arrows" record batch 0: /);
  });

  test("a process that read from all three (to the end, and stopped early) exits by itself", async () => {
    const code = `
      const { fromParquet, fromArrow, fromJSON } = pipelab;
      (async () => {
        const parquet = await fromParquet(${JSON.stringify(PARQUET)}).take(5).toArray();
        const arrow = await fromArrow(${JSON.stringify(ARROW)}).count();
        const json = await fromJSON(${JSON.stringify(JSON_FILE)}).take(5).toArray();
        console.log(parquet.length, arrow, json.length);
      })();`;
    const result = await runChild(code, 30000);
    assert.equal(result.timedOut, false, "the process exits by itself");
    assert.equal(result.stdout.trim(), "5 200000 5");
  });
});
