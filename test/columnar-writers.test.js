"use strict";
// The columnar writers: toParquet, toArrow, toArrowTable, toPolars and their sink.* twins. What they
// write is read back with independent libraries: hyparquet (with hyparquet-compressors), apache-arrow's
// tableFromIPC and nodejs-polars, never with pipelab's own readers.
const { test, describe, before, after } = require("node:test");
const assert = require("node:assert/strict");
const { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } = require("node:fs");
const { join } = require("node:path");
const { tmpdir } = require("node:os");
const fc = require("fast-check");
const arrow = require("apache-arrow");
const pl = require("nodejs-polars");
const { from, fromArrow, fromParquet, range, sink } = require("../dist");
const { runChild } = require("./helpers");

let dir;
let hyparquet;
let compressors;
before(async () => {
  dir = mkdtempSync(join(tmpdir(), "pipelab-columnar-"));
  hyparquet = await import("hyparquet");
  ({ compressors } = await import("hyparquet-compressors"));
});
after(() => rmSync(dir, { recursive: true, force: true }));
const file = (name) => join(dir, name);
/** Temporary files must never remain. */
const leftovers = () => readdirSync(dir).filter((f) => f.endsWith(".tmp"));

function arrayBufferOf(path) {
  const bytes = readFileSync(path);
  return bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength);
}

/** A Parquet file's rows as hyparquet reads them (byte arrays without a string annotation as Uint8Array). */
async function parquetRows(path) {
  return nullsForUndefined(await hyparquet.parquetReadObjects({ file: arrayBufferOf(path), compressors, utf8: false }));
}

async function parquetMetadata(path) {
  return hyparquet.parquetMetadata(arrayBufferOf(path));
}

/** hyparquet gives a null list or struct as undefined; the writers wrote null. */
function nullsForUndefined(value) {
  if (value === undefined) return null;
  if (Array.isArray(value)) return value.map(nullsForUndefined);
  if (value && Object.getPrototypeOf(value) === Object.prototype) return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, nullsForUndefined(v)]));
  return value;
}

/** An Arrow table's rows as plain values: Timestamps as Dates, Lists as arrays, Structs as objects. */
function arrowRows(table) {
  const fields = table.schema.fields;
  return Array.from({ length: table.numRows }, (_, r) => Object.fromEntries(fields.map((f) => [f.name, arrowValue(f.type, table.getChild(f.name).get(r))])));
}

function arrowValue(type, value) {
  if (value === null || value === undefined) return null;
  if (type.typeId === arrow.Type.Timestamp) return new Date(value);
  if (type.typeId === arrow.Type.List) return Array.from({ length: value.length }, (_, i) => arrowValue(type.children[0].type, value.get(i)));
  if (type.typeId === arrow.Type.Struct) return Object.fromEntries(type.children.map((c) => [c.name, arrowValue(c.type, value[c.name])]));
  return value;
}

const arrowFile = (path) => arrow.tableFromIPC(readFileSync(path));
const fieldTypes = (table) => Object.fromEntries(table.schema.fields.map((f) => [f.name, String(f.type)]));

/** Every type of the mapping, nulls included: unicode, -0 and NaN, int64 beyond 2^53, dates before 1970, bytes, lists, structs. */
const ALL_TYPES = [
  {
    s: "plain",
    n: 1.5,
    i: 2n ** 62n + 1n,
    b: true,
    d: new Date(Date.UTC(2024, 1, 29, 12, 30, 45, 678)),
    y: new Uint8Array([0, 255, 7]),
    l: [1, 2.5],
    st: { x: 1, y: "a" },
    ls: [{ k: "p", v: 1n }],
  },
  { s: "é 🙂 中文 \u0000 \n", n: -0, i: -(2n ** 63n), b: false, d: new Date(-86_400_000 * 365), y: new Uint8Array(), l: [], st: { x: null, y: "b" }, ls: [] },
  { s: "", n: NaN, i: 9007199254740993n, b: null, d: null, y: null, l: [null, 3], st: null, ls: null },
  { s: null, n: null, i: null, b: true, d: new Date(0), y: new Uint8Array([1]), l: null, st: { x: 2, y: null }, ls: [{ k: null, v: null }] },
];

describe("toParquet()", () => {
  test("every type reads back from hyparquet as it was written", async () => {
    const result = await from(ALL_TYPES).toParquet(file("all.parquet"), { progress: false });
    assert.deepEqual(result, { path: file("all.parquet"), rows: ALL_TYPES.length });
    assert.deepEqual(await parquetRows(file("all.parquet")), ALL_TYPES);
    const schema = (await parquetMetadata(file("all.parquet"))).schema;
    const byName = {};
    for (const element of schema) byName[element.name] ??= element; // the columns, not the struct's fields of the same name
    assert.equal(byName.s.converted_type, "UTF8");
    assert.equal(byName.n.type, "DOUBLE");
    assert.equal(byName.i.type, "INT64");
    assert.equal(byName.b.type, "BOOLEAN");
    assert.deepEqual([byName.d.type, byName.d.logical_type], ["INT64", { type: "TIMESTAMP", isAdjustedToUTC: true, unit: "MILLIS" }]);
    assert.deepEqual([byName.y.type, byName.y.converted_type], ["BYTE_ARRAY", undefined]);
    assert.equal(byName.l.converted_type, "LIST");
    assert.ok(
      schema.filter((e) => e.name !== "root").every((e) => e.repetition_type !== "REQUIRED"),
      "every column is nullable",
    );
    assert.deepEqual(leftovers(), []);
  });

  test("polars reads the same file: dtypes and values (int64 compared as text: polars's JavaScript numbers round it)", async () => {
    const path = file("all-polars.parquet");
    await from(ALL_TYPES).toParquet(path);
    const df = pl.readParquet(path, { columns: ["s", "n", "i", "b", "d", "l", "st"] });
    assert.deepEqual(df.dtypes.map(String), [
      "DataType(String)",
      "DataType(Float64)",
      "DataType(Int64)",
      "DataType(Bool)",
      "DataType(Datetime(ms,UTC))",
      "DataType(List(DataType(Float64)))",
      'DataType(Struct(Field("x", DataType(Float64)),Field("y", DataType(String))))',
    ]);
    assert.deepEqual(df.getColumn("s").toArray(), ["plain", "é 🙂 中文 \u0000 \n", "", null]);
    assert.deepEqual(df.getColumn("i").cast(pl.Utf8).toArray(), ["4611686018427387905", "-9223372036854775808", "9007199254740993", null]);
    assert.deepEqual(
      df.getColumn("d").toArray(),
      ALL_TYPES.map((r) => r.d),
    );
    assert.deepEqual(df.getColumn("l").toArray(), [[1, 2.5], [], [null, 3], null]);
  });

  test("each compression is written as asked and read back by hyparquet and polars; zstd needs a Node whose zlib has it", async () => {
    const rows = Array.from({ length: 500 }, (_, i) => ({ id: i, text: `row ${i % 7}`.repeat(5) }));
    const node22 = typeof require("node:zlib").zstdCompressSync === "function";
    for (const [compression, codec] of [
      ["snappy", "SNAPPY"],
      ["gzip", "GZIP"],
      ["none", "UNCOMPRESSED"],
      ["zstd", "ZSTD"],
    ]) {
      const path = file(`c-${compression}.parquet`);
      if (compression === "zstd" && !node22) {
        await assert.rejects(from(rows).toParquet(path, { compression }), {
          message: /^toParquet\(\): option "compression": "zstd" needs Node's zlib\.zstdCompressSync \(Node >= 22\.15\), and this is Node 20\./,
        });
        assert.throws(() => sink.parquet(path, { compression }), /sink\.parquet\(\): option "compression": "zstd" needs/);
        continue;
      }
      await from(rows).toParquet(path, { compression });
      const codecs = (await parquetMetadata(path)).row_groups[0].columns.map((c) => c.meta_data.codec);
      assert.deepEqual(codecs, [codec, codec], compression);
      assert.deepEqual(await parquetRows(path), rows, compression);
      assert.equal(pl.readParquet(path).getColumn("id").sum(), (499 * 500) / 2, compression);
    }
    assert.ok(statSync(file("c-gzip.parquet")).size < statSync(file("c-none.parquet")).size, "gzip compresses");
  });

  test("rowGroupRows cuts the row groups; the temporary file grows while the run goes on (rows held a row group at a time)", async () => {
    const sizes = [];
    const path = file("groups.parquet");
    const watch = (row) => {
      if (row.id === 2500)
        sizes.push(
          readdirSync(dir)
            .filter((f) => f.startsWith(".groups.parquet."))
            .map((f) => statSync(join(dir, f)).size)[0],
        );
      return row;
    };
    await range(0, 3500)
      .map((id) => ({ id, half: id / 2 }))
      .map(watch)
      .toParquet(path, { rowGroupRows: 1000 });
    assert.deepEqual(
      (await parquetMetadata(path)).row_groups.map((g) => g.num_rows),
      [1000n, 1000n, 1000n, 500n],
    );
    const size = statSync(path).size;
    assert.ok(sizes[0] > 1000 && sizes[0] < size, `the first row groups were on disk while row 2500 went by (${sizes[0]} of ${size} bytes)`);
    const rows = await parquetRows(path);
    assert.deepEqual(rows[2999], { id: 2999, half: 1499.5 });
    assert.equal(rows.length, 3500);
  });

  test("columns picks and orders (a missing key is null, other keys left out); schema fixes types", async () => {
    const rows = [
      { id: 1, when: "x", extra: true, payload: { deep: [1n, 2n] } },
      { id: 2, payload: "text" },
    ];
    await from(rows).toParquet(file("picked.parquet"), { columns: ["payload", "id", "missing"], schema: { id: "int64", payload: "json" } });
    const metadata = await parquetMetadata(file("picked.parquet"));
    assert.deepEqual(
      metadata.schema.slice(1).map((e) => [e.name, e.type, e.converted_type]),
      [
        ["payload", "BYTE_ARRAY", "JSON"],
        ["id", "INT64", undefined],
        ["missing", "BYTE_ARRAY", "UTF8"],
      ],
    );
    assert.deepEqual(await parquetRows(file("picked.parquet")), [
      { payload: { deep: [1, 2] }, id: 1n, missing: null },
      { payload: "text", id: 2n, missing: null },
    ]);
    const ints = [{ small: 5, date: new Date(7) }, { small: -2147483648 }];
    await from(ints).toParquet(file("int32.parquet"), { schema: { small: "int32", date: "date" } });
    assert.deepEqual(await parquetRows(file("int32.parquet")), [
      { small: 5, date: new Date(7) },
      { small: -2147483648, date: null },
    ]);
    assert.equal((await parquetMetadata(file("int32.parquet"))).schema[1].type, "INT32");
  });

  test("a run with no rows writes a valid empty file: no columns, or those of columns/schema", async () => {
    await from([]).toParquet(file("empty.parquet"));
    assert.deepEqual(await parquetRows(file("empty.parquet")), []);
    assert.equal(pl.readParquet(file("empty.parquet")).width, 0);
    await from([]).toParquet(file("empty-typed.parquet"), { schema: { id: "int64", name: "string" } });
    const df = pl.readParquet(file("empty-typed.parquet"));
    assert.deepEqual([df.height, df.columns, df.dtypes.map(String)], [0, ["id", "name"], ["DataType(Int64)", "DataType(String)"]]);
  });

  test("results that are not objects become one column, value", async () => {
    await range(0, 3).toParquet(file("values.parquet"));
    assert.deepEqual(await parquetRows(file("values.parquet")), [{ value: 0 }, { value: 1 }, { value: 2 }]);
  });
});

describe("the schema rules, for every writer", () => {
  const writers = {
    "toParquet()": (p) => p.toParquet(file("rules.parquet"), { rowGroupRows: 2 }),
    "toArrow()": (p) => p.toArrow(file("rules.arrow")),
    "toArrowTable()": (p) => p.toArrowTable(),
    "toPolars()": (p) => p.toPolars(),
  };

  for (const [who, write] of Object.entries(writers)) {
    test(`${who}: a later row with another key, a value of another type, an unsupported value: TypeErrors naming the column and the row`, async () => {
      const w = who.replace(/[()]/g, "\\$&");
      await assert.rejects(write(from([{ a: 1 }, { a: 2 }, { a: 3, b: 4 }])), {
        name: "TypeError",
        message: new RegExp(`^${w}: row 2 has the column "b", which the columns \\(a\\) taken from the first row lack; pass columns`),
      });
      await assert.rejects(write(from([{ a: 1 }, { a: null }, { a: "2" }])), {
        name: "TypeError",
        message: new RegExp(`^${w}: column "a", row 2: a string \\('2'\\), but the column's type is number \\(from row 0\\)`),
      });
      await assert.rejects(write(from([{ a: [1, 2] }, { a: [3, "x"] }])), {
        name: "TypeError",
        message: new RegExp(`^${w}: column "a\\[1\\]", row 1: a string \\('x'\\), but the column's type is number`),
      });
      await assert.rejects(write(from([{ a: { x: 1 } }, { a: { x: 2, y: 3 } }])), {
        name: "TypeError",
        message: new RegExp(
          `^${w}: column "a", row 1: the object has the key "y", which the struct's fields \\(x\\) taken from row 0 lack; pass schema: \\{ "a": "json" \\}`,
        ),
      });
      await assert.rejects(write(from([{ a: 1 }, { a: new Map([[1, 2]]) }])), {
        name: "TypeError",
        message: new RegExp(`^${w}: column "a", row 1: a Map .* but the column's type is number`),
      });
      await assert.rejects(write(from([{ a: new Set() }])), {
        name: "TypeError",
        message: new RegExp(`^${w}: column "a", row 0: a Set .* has no column type .*pass schema: \\{ "a": "json" \\}`),
      });
      await assert.rejects(write(from([{ a: 1n }, { a: 2 ** 60 }])), {
        name: "TypeError",
        message: new RegExp(
          `^${w}: column "a", row 1: a number .* int64 \\(from row 0\\), which takes a bigint from -2\\^63 to 2\\^63-1 or a safe integer number`,
        ),
      });
      await assert.rejects(write(from([{ a: new Date(NaN) }])), { name: "TypeError", message: /column "a", row 0: an invalid Date/ });
      await assert.rejects(write(from([{ a: 1 }, 2])), { name: "TypeError", message: new RegExp(`^${w}: row 1 is 2, but the rows before it are objects`) });
      assert.deepEqual(leftovers(), []);
      assert.equal(existsSync(file("rules.parquet")) || existsSync(file("rules.arrow")), false);
    });
  }

  test("a column all null in the first batch is a string column: a later number is a TypeError that says so", async () => {
    const rows = [{ a: null }, { a: null }, { a: 5 }];
    await assert.rejects(from(rows).toParquet(file("late.parquet"), { rowGroupRows: 2 }), {
      name: "TypeError",
      message: /^toParquet\(\): column "a", row 2: a number \(5\), but the column's type is string \(it was all null in the first batch of rows\)/,
    });
    await from(rows).toParquet(file("late.parquet"), { rowGroupRows: 3 });
    assert.deepEqual(await parquetRows(file("late.parquet")), rows, "within the first batch, the first non-null value decides");
    await from(rows).toParquet(file("late.parquet"), { rowGroupRows: 2, schema: { a: "number" } });
    assert.deepEqual(await parquetRows(file("late.parquet")), rows, "or the schema does");
  });

  test("schema: values that do not fit the type are TypeErrors; json takes anything with a JSON form", async () => {
    await assert.rejects(from([{ a: 2 ** 31 }]).toArrowTable({ schema: { a: "int32" } }), {
      message: /column "a", row 0: a number \(2147483648\).*which takes an integer from -2\^31/,
    });
    await assert.rejects(from([{ a: 1.5 }]).toArrowTable({ schema: { a: "int64" } }), { message: /column "a", row 0: a number \(1\.5\)/ });
    await assert.rejects(from([{ a: 2n ** 70n }]).toArrowTable({ schema: { a: "json" } }), {
      message: /column "a", row 0: cannot be written as JSON: the bigint 1180591620717411303424 has no exact JSON number/,
    });
    await assert.rejects(from([{ a: () => 1 }]).toArrowTable({ schema: { a: "json" } }), { message: /column "a", row 0: a function .* has no JSON form/ });
    await assert.rejects(from([{ a: 1 }]).toArrowTable({ schema: { b: "string" } }), {
      message: /^toArrowTable\(\): option "schema" names the column "b", which the columns \(a\) taken from row 0 lack/,
    });
    const table = await from([{ a: { n: 5n, when: new Date(0), bytes: new Uint8Array([1]) } }, { a: "x" }, { a: null }]).toArrowTable({
      schema: { a: "json" },
    });
    assert.deepEqual(arrowRows(table), [{ a: '{"n":5,"when":"1970-01-01T00:00:00.000Z","bytes":[1]}' }, { a: '"x"' }, { a: null }]);
  });
});

describe("toArrow(), toArrowTable()", () => {
  const TYPES = {
    s: "Utf8",
    n: "Float64",
    i: "Int64",
    b: "Bool",
    d: "Timestamp<MILLISECOND, UTC>",
    y: "Binary",
    l: "List<Float64>",
    st: "Struct<{x:Float64, y:Utf8}>",
    ls: "List<Struct<{k:Utf8, v:Int64}>>",
  };

  test("toArrow writes an Arrow IPC file that tableFromIPC reads back, every type as mapped", async () => {
    const result = await from(ALL_TYPES).toArrow(file("all.arrow"));
    assert.deepEqual(result, { path: file("all.arrow"), rows: ALL_TYPES.length });
    const bytes = readFileSync(file("all.arrow"));
    assert.equal(bytes.subarray(0, 6).toString(), "ARROW1", "the IPC file format (magic bytes), not the stream format");
    const table = arrowFile(file("all.arrow"));
    assert.deepEqual(fieldTypes(table), TYPES);
    assert.ok(table.schema.fields.every((f) => f.nullable));
    assert.deepEqual(arrowRows(table), ALL_TYPES);
  });

  test("polars reads toArrow's file (as a buffer: readIPC takes a path only when it ends in .ipc)", async () => {
    await from(ALL_TYPES.map(({ y, ...row }) => row)).toArrow(file("polars.arrow"));
    const df = pl.readIPC(readFileSync(file("polars.arrow")));
    assert.deepEqual(df.columns, ["s", "n", "i", "b", "d", "l", "st", "ls"]);
    assert.deepEqual(df.getColumn("i").cast(pl.Utf8).toArray(), ["4611686018427387905", "-9223372036854775808", "9007199254740993", null]);
    // polars's toArray() gives a null struct as an object of nulls; isNull() tells them apart.
    assert.deepEqual(df.getColumn("st").isNull().toArray(), [false, false, true, false]);
    assert.deepEqual(df.getColumn("st").toArray()[1], { x: null, y: "b" });
  });

  test("toArrowTable gives a Table with the mapped types (not tableFromJSON's guesses), a record batch per 65536 rows", async () => {
    const table = await from(ALL_TYPES).toArrowTable();
    assert.ok(table instanceof arrow.Table);
    assert.deepEqual(fieldTypes(table), TYPES);
    assert.deepEqual(arrowRows(table), ALL_TYPES);
    const big = await range(0, 70_000)
      .map((i) => ({ i, even: i % 2 === 0 }))
      .toArrowTable({ columns: ["even", "i"], schema: { i: "int32" } });
    assert.deepEqual([big.numRows, big.batches.map((b) => b.numRows)], [70_000, [65_536, 4_464]]);
    assert.deepEqual(fieldTypes(big), { even: "Bool", i: "Int32" });
    assert.equal(big.getChild("i").get(69_999), 69_999);
  });

  test("an empty run gives an empty Table (and an Arrow file) with the columns of columns/schema", async () => {
    const table = await from([]).toArrowTable({ columns: ["a", "b"], schema: { b: "date" } });
    assert.deepEqual([table.numRows, fieldTypes(table)], [0, { a: "Utf8", b: "Timestamp<MILLISECOND, UTC>" }]);
    await from([]).toArrow(file("empty.arrow"));
    assert.equal(arrowFile(file("empty.arrow")).numRows, 0);
  });
});

describe("toPolars()", () => {
  test("a DataFrame built column by column with explicit dtypes: values, nulls, int64 beyond 2^53, dates, lists, structs", async () => {
    const rows = ALL_TYPES.map(({ y, ...row }) => row);
    const df = await from(rows).toPolars();
    assert.equal(df.constructor, pl.DataFrame([]).constructor);
    assert.deepEqual(df.dtypes.map(String), [
      "DataType(String)",
      "DataType(Float64)",
      "DataType(Int64)",
      "DataType(Bool)",
      "DataType(Datetime(ms,UTC))",
      "DataType(List(DataType(Float64)))",
      'DataType(Struct(Field("x", DataType(Float64)),Field("y", DataType(String))))',
      'DataType(List(DataType(Struct(Field("k", DataType(String)),Field("v", DataType(Int64))))))',
    ]);
    assert.deepEqual(df.getColumn("i").cast(pl.Utf8).toArray(), ["4611686018427387905", "-9223372036854775808", "9007199254740993", null]);
    assert.deepEqual(
      df.getColumn("s").toArray(),
      rows.map((r) => r.s),
    );
    assert.deepEqual(
      df.getColumn("b").toArray(),
      rows.map((r) => r.b),
    );
    assert.deepEqual(
      df.getColumn("d").toArray(),
      rows.map((r) => r.d),
    );
    assert.deepEqual(
      df.getColumn("l").toArray(),
      rows.map((r) => r.l),
    );
    assert.equal(df.getColumn("n").nullCount(), 1);
  });

  test("a Uint8Array column is refused, naming the column (nodejs-polars cannot hand Binary to JavaScript); so is schema binary", async () => {
    await assert.rejects(from([{ id: 1, raw: new Uint8Array([1]) }]).toPolars(), {
      name: "TypeError",
      message: /^toPolars\(\): column "raw" holds Uint8Arrays \(Arrow Binary\), and nodejs-polars cannot hand a Binary column to JavaScript/,
    });
    assert.throws(() => sink.polars({ schema: { raw: "binary" } }), {
      name: "TypeError",
      message: /^sink\.polars\(\): option "schema": nodejs-polars cannot hand a Binary column/,
    });
  });

  test("without nodejs-polars installed, toPolars fails before the run, saying what to install (on Node 20 the native package by name too)", async () => {
    // A require hook makes nodejs-polars (or only its native package) impossible to load, as in a project that lacks it.
    for (const blocked of ["nodejs-polars", "nodejs-polars-linux-x64-gnu"]) {
      const hook = `
        const Module = require("node:module");
        const resolve = Module._resolveFilename;
        Module._resolveFilename = function (request, ...rest) {
          if (request === ${JSON.stringify(blocked)} || request.startsWith(${JSON.stringify(`${blocked}/`)})) {
            throw Object.assign(new Error("Cannot find module '" + request + "'"), { code: "MODULE_NOT_FOUND" });
          }
          return resolve.call(this, request, ...rest);
        };`;
      const target = file(`into-${blocked}.parquet`);
      const { code, stdout, stderr } = await runChild(`${hook}
        let ran = false;
        const p = pipelab.from([{ a: 1 }]).map((r) => { ran = true; return r; });
        const built = pipelab.sink.polars();
        const fail = (promise) => promise.then(() => "resolved", (error) => error.message);
        (async () => {
          const message = await fail(p.toPolars());
          const into = await fail(p.into({ file: pipelab.sink.parquet(${JSON.stringify(target)}), df: built }));
          console.log(JSON.stringify({ message, into, ran, sink: String(built) }));
        })();`);
      assert.equal(code, 0, stderr);
      const { message, into, ran, sink: built } = JSON.parse(stdout);
      assert.equal(ran, false, "no run started");
      assert.equal(built, "sink.polars()", "sink.polars() itself loads nothing: the run that opens it does");
      assert.match(into, /^sink\.polars\(\): needs nodejs-polars/);
      assert.equal(existsSync(target), false, "into()'s other sinks let go of their files");
      assert.deepEqual(leftovers(), []);
      const what = blocked === "nodejs-polars" ? "not installed here" : "installed without its native package for this platform";
      assert.match(message, new RegExp(`^toPolars\\(\\): needs nodejs-polars, an optional peer dependency of pipelab, ${what}: npm install nodejs-polars`));
      assert.doesNotMatch(message, /Require stack/, "Node's require stack of pipelab's files is left out");
      if (Number(process.versions.node.split(".")[0]) < 22 && process.platform === "linux" && process.arch === "x64") {
        assert.match(
          message,
          /npm install nodejs-polars nodejs-polars-linux-x64-gnu \(nodejs-polars's native package, nodejs-polars-linux-x64-gnu, declares Node >= 22/,
        );
      }
    }
  });
});

describe("polars reads pipelab's files with the same values", () => {
  test("sum, min, max and null count per column, Parquet (3 row groups) and Arrow", async () => {
    const rows = Array.from({ length: 5000 }, (_, i) => ({
      // Beyond 2^53 either side, alternating, so that the sum stays within int64.
      id: BigInt(i) * 1_000_003n + (i % 2 ? 2n ** 60n : -(2n ** 60n)),
      value: i % 10 === 0 ? null : (i * 37) % 1001,
      flag: i % 3 === 0,
      when: new Date(Date.UTC(2020, 0, 1) + i * 3_600_000),
      name: `name-${String(i % 97).padStart(2, "0")}`,
    }));
    await from(rows).toParquet(file("stats.parquet"), { rowGroupRows: 2000 });
    await from(rows).toArrow(file("stats.arrow"));
    const values = rows.map((r) => r.value).filter((v) => v !== null);
    const ids = rows.map((r) => r.id);
    const expected = {
      idSum: String(ids.reduce((a, b) => a + b, 0n)),
      idMin: String(ids.reduce((a, b) => (b < a ? b : a))),
      idMax: String(ids.reduce((a, b) => (b > a ? b : a))),
      valueSum: values.reduce((a, b) => a + b, 0),
      valueMin: Math.min(...values),
      valueMax: Math.max(...values),
      valueNulls: rows.length - values.length,
      flags: rows.filter((r) => r.flag).length,
      whenMin: rows[0].when.getTime(),
      whenMax: rows.at(-1).when.getTime(),
      nameMin: "name-00",
      nameMax: "name-96",
    };
    for (const df of [pl.readParquet(file("stats.parquet")), pl.readIPC(readFileSync(file("stats.arrow")))]) {
      const value = df.getColumn("value");
      const actual = {
        idSum: df.select(pl.col("id").sum().cast(pl.Utf8)).getColumn("id").get(0),
        idMin: df.select(pl.col("id").min().cast(pl.Utf8)).getColumn("id").get(0),
        idMax: df.select(pl.col("id").max().cast(pl.Utf8)).getColumn("id").get(0),
        valueSum: value.sum(),
        valueMin: value.min(),
        valueMax: value.max(),
        valueNulls: value.nullCount(),
        flags: df.getColumn("flag").cast(pl.Int32).sum(),
        whenMin: df.getColumn("when").min(),
        whenMax: df.getColumn("when").max(),
        nameMin: df.getColumn("name").sort().get(0),
        nameMax: df.getColumn("name").sort({ descending: true }).get(0),
      };
      assert.deepEqual(actual, expected);
      assert.equal(df.height, 5000);
    }
  });
});

describe("property: random schemas and rows round-trip", () => {
  const TYPES = {
    string: fc.string({ unit: "binary", maxLength: 12 }),
    number: fc.double(),
    int64: fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }),
    boolean: fc.boolean(),
    date: fc.date({ min: new Date(-8.64e15), max: new Date(8.64e15), noInvalidDate: true }),
  };
  /** Columns of random names and types, and rows of them with nulls (and missing keys, which are null too). */
  const table = fc
    .uniqueArray(fc.tuple(fc.string({ unit: "grapheme", minLength: 1, maxLength: 8 }), fc.constantFrom(...Object.keys(TYPES))), {
      minLength: 1,
      maxLength: 5,
      selector: ([name]) => name,
    })
    .chain((columns) =>
      fc.record({
        columns: fc.constant(columns),
        rows: fc.array(fc.tuple(...columns.map(([, type]) => fc.option(TYPES[type], { nil: null, freq: 4 }))), { maxLength: 30 }),
        batch: fc.integer({ min: 1, max: 8 }),
      }),
    );
  const toRows = ({ columns, rows }) => rows.map((cells) => Object.fromEntries(columns.map(([name], i) => [name, cells[i]])));
  const toSchema = ({ columns }) => Object.fromEntries(columns);

  test("toParquet -> hyparquet", async () => {
    let n = 0;
    await fc.assert(
      fc.asyncProperty(table, async (t) => {
        const path = file(`prop-${n++}.parquet`);
        const rows = toRows(t);
        await from(rows).toParquet(path, { schema: toSchema(t), rowGroupRows: t.batch });
        assert.deepEqual(await parquetRows(path), rows);
        rmSync(path);
      }),
      { numRuns: 40 },
    );
  });

  test("toArrow -> tableFromIPC", async () => {
    let n = 0;
    await fc.assert(
      fc.asyncProperty(table, async (t) => {
        const path = file(`prop-${n++}.arrow`);
        const rows = toRows(t);
        await from(rows).toArrow(path, { schema: toSchema(t) });
        const read = arrowFile(path);
        assert.deepEqual(arrowRows(read), rows);
        if (rows.length > 0) assert.deepEqual(Object.keys(fieldTypes(read)), Object.keys(rows[0]));
        rmSync(path);
      }),
      { numRuns: 40 },
    );
  });
  // pipelab's writers against pipelab's readers: the two sides of one type mapping agree.
  test("toParquet -> fromParquet and toArrow -> fromArrow give the rows back", async () => {
    let n = 0;
    await fc.assert(
      fc.asyncProperty(table, async (t) => {
        const rows = toRows(t);
        for (const [write, read, ext] of [
          ["toParquet", fromParquet, "parquet"],
          ["toArrow", fromArrow, "arrow"],
        ]) {
          const path = file(`back-${n++}.${ext}`);
          await from(rows)[write](path, { schema: toSchema(t) });
          assert.deepEqual(await read(path, { int64: "bigint" }).toArray(), rows, ext);
          rmSync(path);
        }
      }),
      { numRuns: 40 },
    );
  });
});

describe("all or nothing, as toCSV", () => {
  const failingAt = (at) => async (x) => {
    await new Promise((resolve) => setImmediate(resolve));
    if (x === at) throw new Error(`item ${x} is bad`);
    return { id: x, label: `row ${x}` };
  };

  test("a failing stage leaves no file (and an existing one untouched); a cancelled run neither", async () => {
    writeFileSync(file("kept.parquet"), "old contents");
    await assert.rejects(range(0, 300).map(failingAt(150)).toParquet(file("kept.parquet"), { rowGroupRows: 64 }), /item 150 is bad/);
    assert.equal(readFileSync(file("kept.parquet"), "utf8"), "old contents");
    await assert.rejects(range(0, 300).map(failingAt(150)).toArrow(file("failed.arrow")), /item 150 is bad/);
    assert.equal(existsSync(file("failed.arrow")), false);
    for (const write of [(p, o) => p.toParquet(file("cancelled.parquet"), o), (p, o) => p.toArrow(file("cancelled.arrow"), o)]) {
      const controller = new AbortController();
      const slow = range(0, 1e6).map(async (x) => {
        if (x === 100) controller.abort();
        return { x };
      });
      await assert.rejects(write(slow, { signal: controller.signal }), { name: "AbortError" });
    }
    assert.equal(existsSync(file("cancelled.parquet")) || existsSync(file("cancelled.arrow")), false);
    assert.deepEqual(leftovers(), []);
  });

  test("partial: true keeps a valid file of the rows that reached the sink (whole row groups / record batches, then the footer)", async () => {
    await assert.rejects(range(0, 300).map(failingAt(150)).toParquet(file("partial.parquet"), { rowGroupRows: 64, partial: true }), /item 150 is bad/);
    const rows = await parquetRows(file("partial.parquet"));
    assert.ok(rows.length > 64 && rows.length <= 150, `${rows.length} rows kept`);
    assert.deepEqual(
      rows,
      Array.from({ length: rows.length }, (_, i) => ({ id: i, label: `row ${i}` })),
    );
    await assert.rejects(range(0, 300).map(failingAt(150)).toArrow(file("partial.arrow"), { partial: true }), /item 150 is bad/);
    const table = arrowFile(file("partial.arrow"));
    assert.ok(table.numRows > 0 && table.numRows <= 150);
    assert.deepEqual(arrowRows(table).at(-1), { id: table.numRows - 1, label: `row ${table.numRows - 1}` });
    const typeError = from([{ a: 1 }, { a: 2 }, { a: "three" }]).toParquet(file("partial-typed.parquet"), { partial: true });
    await assert.rejects(typeError, { name: "TypeError" });
    assert.deepEqual(await parquetRows(file("partial-typed.parquet")), [{ a: 1 }, { a: 2 }], "a row the sink refused is not half-written");
    assert.deepEqual(leftovers(), []);
  });

  test("into(): sink.parquet, sink.arrow, sink.arrowTable and sink.polars from one run; a failing sink leaves no file", async () => {
    const p = range(0, 1000).map((i) => ({ i, sq: i * i, tag: `t${i % 5}` }));
    const { pq, ipc, table, df, n } = await p.into({
      pq: sink.parquet(file("one.parquet"), { compression: "gzip", rowGroupRows: 300 }),
      ipc: sink.arrow(file("one.arrow")),
      table: sink.arrowTable(),
      df: sink.polars({ schema: { i: "int32" } }),
      n: sink.count(),
    });
    assert.deepEqual([pq, ipc, n], [{ path: file("one.parquet"), rows: 1000 }, { path: file("one.arrow"), rows: 1000 }, 1000]);
    assert.equal((await parquetRows(file("one.parquet")))[999].sq, 998001);
    assert.equal(arrowFile(file("one.arrow")).getChild("sq").get(999), 998001);
    assert.equal(table.getChild("tag").get(3), "t3");
    assert.deepEqual([df.height, String(df.getColumn("i").dtype), df.getColumn("sq").sum()], [1000, "DataType(Int32)", 332833500]);
    assert.match(String(p.stats().stages.map((s) => s.name)), /into\.pq,into\.ipc,into\.table,into\.df,into\.n/);

    const failing = p.into({
      a: sink.parquet(file("never.parquet")),
      b: sink.arrow(file("never.arrow")),
      bad: sink.each((row) => {
        if (row.i === 500) throw new Error("sink said no");
      }),
    });
    await assert.rejects(failing, { name: "SinkError", message: /bad/ });
    const typed = range(0, 10).map((i) => ({ v: i < 5 ? i : "x" }));
    await assert.rejects(typed.into({ a: sink.arrow(file("never.arrow")), b: sink.parquet(file("never.parquet")) }), {
      name: "SinkError",
      message: /column "v", row 5/,
    });
    assert.equal(existsSync(file("never.parquet")) || existsSync(file("never.arrow")), false);
    assert.deepEqual(leftovers(), []);
  });
});

describe("options, checked when the call is made", () => {
  test("unknown keys, compression, rowGroupRows, schema, columns, partial, the path: errors naming the option and the value", async () => {
    const cases = [
      [
        () => sink.parquet(file("x.parquet"), { compresion: "gzip" }),
        TypeError,
        /^sink\.parquet\(\): unknown option "compresion" \(known: columns, schema, partial, compression, rowGroupRows\)$/,
      ],
      [
        () => sink.parquet(file("x.parquet"), { compression: "lz4" }),
        TypeError,
        /^sink\.parquet\(\): option "compression" must be "snappy", "gzip", "zstd" or "none", got "lz4"$/,
      ],
      [
        () => sink.parquet(file("x.parquet"), { rowGroupRows: 0 }),
        RangeError,
        /^sink\.parquet\(\): option "rowGroupRows" must be a positive integer, got number 0$/,
      ],
      [() => sink.parquet(file("x.parquet"), { rowGroupRows: 2.5 }), RangeError, /"rowGroupRows" must be a positive integer, got number 2\.5/],
      [() => sink.parquet(file("x.parquet"), { rowGroupRows: "100" }), TypeError, /"rowGroupRows" must be a positive integer, got "100"/],
      [() => sink.parquet(""), TypeError, /^sink\.parquet\(\): path must be a non-empty string, got ""$/],
      [
        () => sink.arrow(file("x.arrow"), { compression: "snappy" }),
        TypeError,
        /^sink\.arrow\(\): unknown option "compression" \(known: columns, schema, partial\)$/,
      ],
      [() => sink.arrow(file("x.arrow"), { partial: "yes" }), TypeError, /"partial" must be a boolean, got "yes"/],
      [() => sink.arrowTable({ partial: true }), TypeError, /^sink\.arrowTable\(\): unknown option "partial" \(known: columns, schema\)$/],
      [
        () => sink.arrowTable({ schema: { a: "float" } }),
        TypeError,
        /^sink\.arrowTable\(\): option "schema" gives the column "a" the type "float"; the types are string, number, int32, int64, boolean, date, binary, json$/,
      ],
      [() => sink.arrowTable({ schema: ["a"] }), TypeError, /option "schema" must be an object of column types/],
      [
        () => sink.polars({ columns: ["a"], schema: { b: "string" } }),
        TypeError,
        /^sink\.polars\(\): option "schema" names the column "b", which option "columns" \(a\) lacks$/,
      ],
      [() => sink.polars({ columns: ["a", "a"] }), TypeError, /option "columns" names "a" twice/],
      [() => sink.polars({ signal: AbortSignal.timeout(10) }), TypeError, /^sink\.polars\(\): unknown option "signal"/],
    ];
    for (const [make, type, message] of cases) assert.throws(make, (error) => error instanceof type && message.test(error.message), String(message));
    let ran = false;
    const p = from([1]).map((x) => ((ran = true), { x }));
    await assert.rejects(p.toParquet(file("x.parquet"), { rowGroupRows: 0 }), { name: "RangeError", message: /^toParquet\(\): option "rowGroupRows"/ });
    await assert.rejects(p.toArrow(file("x.arrow"), { columns: [] }), {
      name: "TypeError",
      message: /^toArrow\(\): option "columns" must be a non-empty array/,
    });
    await assert.rejects(p.toArrowTable({ progres: false }), {
      name: "TypeError",
      message: /^toArrowTable\(\): unknown option "progres" \(known: signal, progress, columns, schema\)$/,
    });
    await assert.rejects(p.toPolars({ schema: { x: "int8" } }), {
      name: "TypeError",
      message: /^toPolars\(\): option "schema" gives the column "x" the type "int8"/,
    });
    assert.equal(ran, false, "no run started");
    assert.throws(() => p.into({ a: sink.parquet(file("same")), b: sink.arrow(join(dir, ".", "same")) }), {
      name: "TypeError",
      message: /^into\(\): "a" and "b" both write the file ".*same"; give each file sink a path of its own$/,
    });
  });

  test("single values with columns are refused; an unwritable path names it", async () => {
    await assert.rejects(range(0, 3).toArrowTable({ columns: ["a"] }), {
      message: /^toArrowTable\(\): row 0 is a single value, not an object: option "columns" picks keys of objects/,
    });
    await assert.rejects(from([{ a: 1 }]).toParquet(join(dir, "no-such-dir", "x.parquet")), {
      message: /^toParquet\(\): cannot write ".*no-such-dir[\\/]x\.parquet"/,
    });
    await assert.rejects(from([{ a: 1 }]).toArrow(join(dir, "no-such-dir", "x.arrow")), { message: /^toArrow\(\): cannot write ".*no-such-dir[\\/]x\.arrow"/ });
  });
});

test('require("pipelab") loads no apache-arrow, hyparquet, hyparquet-writer or nodejs-polars; the first columnar run does', async () => {
  const heavy = /node_modules\/(apache-arrow|flatbuffers|hyparquet|hyparquet-writer|nodejs-polars)\//;
  const { code, stdout, stderr } = await runChild(`
    const loaded = () => Object.keys(require.cache).filter((k) => ${heavy}.test(k)).map((k) => k.match(${heavy})[1]);
    const before = loaded();
    pipelab.sink.parquet("x.parquet"); pipelab.sink.arrowTable(); pipelab.sink.polars();
    const built = loaded();
    pipelab.from([{ a: 1 }]).toArrowTable().then(() => console.log(JSON.stringify({ before, built, after: [...new Set(loaded())] })));`);
  assert.equal(code, 0, stderr);
  const { before, built, after } = JSON.parse(stdout);
  assert.deepEqual([before, built], [[], []]);
  assert.ok(after.includes("apache-arrow"), "the run loaded apache-arrow");
});
