"use strict";
// The variants of the real-data bench, by workload. Each has `load()`, which requires its libraries
// (not timed: a notebook pays that once), and `run(libs, { input, output })`, which is timed and
// resolves to the workload's answer where it is not a file (the JSONL aggregate).
const fs = require("node:fs");
const path = require("node:path");
const readline = require("node:readline");
const { pipeline } = require("node:stream/promises");
const work = require("./work");

const pipelab = () => require(path.join(__dirname, "..", "..", "dist"));
const csvLibs = () => ({ parse: require("csv-parse").parse, stringify: require("csv-stringify").stringify });
const udsvLibs = () => ({ ...require("udsv"), stringify: require("csv-stringify").stringify });
const quiet = { progress: false };
const sync = { mode: "sync" };
const worker = { mode: "worker", workers: 2 };

/** createReadStream → csv-parse → for await → csv-stringify → file, with `fn` per row. */
function csvParseLoop(fn) {
  return {
    load: csvLibs,
    run: ({ parse, stringify }, { input, output }) =>
      pipeline(
        fs.createReadStream(input),
        parse({ columns: true }),
        async function* (rows) {
          for await (const row of rows) {
            const r = fn(row);
            if (r.distance_km <= 100) yield r;
          }
        },
        stringify({ header: true }),
        fs.createWriteStream(output),
      ),
  };
}

/**
 * uDSV fed the file in chunks, rows as typed objects (the zip code kept as text), → csv-stringify.
 * uDSV keeps the first callback it is given for the whole stream, so one callback fills `kept`.
 */
function udsvLoop(fn) {
  return {
    load: udsvLibs,
    run: ({ inferSchema, initParser, stringify }, { input, output }) => {
      let kept = [];
      const onRow = (row) => {
        const r = fn(row);
        if (r.distance_km <= 100) kept.push(r);
      };
      async function* rows() {
        let parser;
        for await (const chunk of fs.createReadStream(input, { encoding: "utf8" })) {
          if (!parser) {
            const schema = inferSchema(chunk);
            for (const col of schema.cols) if (col.name === "zip_code") col.type = "s";
            parser = initParser(schema);
          }
          parser.chunk(chunk, parser.typedObjs, onRow);
          const out = kept;
          kept = [];
          yield* out;
        }
        parser.end();
        yield* kept;
      }
      return pipeline(rows, stringify({ header: true }), fs.createWriteStream(output));
    },
  };
}

/** pipelab: fromCSV → map(fn) → filter(near) → toCSV, both stages with `options`. */
function pipelabCSV(fn, options, csvOptions) {
  return {
    load: pipelab,
    run: ({ fromCSV }, { input, output }) => fromCSV(input, csvOptions).map(fn, options).filter(work.near, options).toCSV(output, quiet),
  };
}

const RAD = Math.PI / 180;

const danfojs = {
  // An order of magnitude slower than the rest (~14 s for 1M rows here): one round is enough to place it,
  // and repeating it would take the bench past its 3 minutes (--all-rounds repeats it).
  once: true,
  load: () => require("danfojs"),
  run: async (dfd, { input, output }) => {
    // danfojs's readCSV hands its argument to Papa Parse, which streams a Node Readable (a path would be fetched as a URL).
    const df = await dfd.readCSV(fs.createReadStream(input), { dynamicTyping: (column) => column !== "zip_code" });
    const lat = df["latitude"];
    const lon = df["longitude"];
    const a = lat
      .sub(work.POINT.lat)
      .mul(RAD / 2)
      .apply(Math.sin)
      .pow(2)
      .add(
        lat
          .mul(RAD)
          .apply(Math.cos)
          .mul(Math.cos(work.POINT.lat * RAD))
          .mul(
            lon
              .sub(work.POINT.lon)
              .mul(RAD / 2)
              .apply(Math.sin)
              .pow(2),
          ),
      );
    const distance = a
      .apply(Math.sqrt)
      .apply(Math.asin)
      .mul(2 * 6371.0088);
    df.addColumn("distance_km", distance, { inplace: true });
    fs.writeFileSync(output, dfd.toCSV(df.query(distance.le(work.RADIUS_KM))));
  },
};

const polars = {
  load: () => require("nodejs-polars"),
  run: async (pl, { input, output }) => {
    const lat = pl.col("latitude");
    const lon = pl.col("longitude");
    const a = lat
      .sub(work.POINT.lat)
      .mul(RAD / 2)
      .sin()
      .pow(2)
      .add(
        lat
          .mul(RAD)
          .cos()
          .mul(Math.cos(work.POINT.lat * RAD))
          .mul(
            lon
              .sub(work.POINT.lon)
              .mul(RAD / 2)
              .sin()
              .pow(2),
          ),
      );
    const distance = a
      .pow(0.5)
      .arcsin()
      .mul(2 * 6371.0088)
      .alias("distance_km");
    pl.readCSV(input, { dtypes: { zip_code: pl.Utf8 } })
      .withColumns(distance)
      .filter(pl.col("distance_km").ltEq(work.RADIUS_KM))
      .writeCSV(output);
  },
};

const duckdb = {
  load: () => require("@duckdb/node-api"),
  run: async ({ DuckDBInstance }, { input, output }) => {
    const db = await DuckDBInstance.create(":memory:");
    const connection = await db.connect();
    const { lat, lon } = work.POINT;
    const sql = (s) => `'${s.replaceAll("'", "''")}'`;
    await connection.run(`COPY (
        SELECT *, 2 * 6371.0088 * asin(sqrt(
          pow(sin((latitude - ${lat}) * ${RAD / 2}), 2)
          + ${Math.cos(lat * RAD)} * cos(latitude * ${RAD}) * pow(sin((longitude - ${lon}) * ${RAD / 2}), 2)
        )) AS distance_km
        FROM read_csv(${sql(input)}, header = true, types = {'zip_code': 'VARCHAR'})
        WHERE distance_km <= ${work.RADIUS_KM}
      ) TO ${sql(output)} (FORMAT csv, HEADER)`);
    connection.closeSync();
    db.closeSync();
  },
};

/** pipelab: fromJSONL → map(enrichFlight, options) → for await, aggregated on the main thread. */
function pipelabJSONL(options) {
  return {
    load: pipelab,
    run: async ({ fromJSONL }, { input }) => {
      const groups = new Map();
      for await (const f of fromJSONL(input).map(work.enrichFlight, options)) work.addFlight(groups, f);
      return work.summarize(groups);
    },
  };
}

const readlineLoop = {
  load: () => null,
  run: async (_, { input }) => {
    const groups = new Map();
    const lines = readline.createInterface({ input: fs.createReadStream(input), crlfDelay: Infinity });
    for await (const line of lines) if (line) work.addFlight(groups, work.enrichFlight(JSON.parse(line)));
    return work.summarize(groups);
  },
};

const splitLoop = {
  load: () => null,
  run: async (_, { input }) => {
    const groups = new Map();
    let tail = "";
    for await (const chunk of fs.createReadStream(input, { encoding: "utf8" })) {
      const lines = (tail + chunk).split("\n");
      tail = lines.pop();
      for (const line of lines) if (line) work.addFlight(groups, work.enrichFlight(JSON.parse(line)));
    }
    if (tail) work.addFlight(groups, work.enrichFlight(JSON.parse(tail)));
    return work.summarize(groups);
  },
};

/** Workload → variant name → variant. The names starting with "pipelab" are the library under test. */
const WORKLOADS = {
  zip: {
    "pipelab sync": pipelabCSV(work.withDistance, sync),
    "pipelab worker ×2": pipelabCSV(work.withDistance, worker),
    "pipelab sync, cast": pipelabCSV(work.withDistanceTyped, sync, { cast: { latitude: "number", longitude: "number" } }),
    "pipelab worker ×2, cast": pipelabCSV(work.withDistanceTyped, worker, { cast: { latitude: "number", longitude: "number" } }),
    "csv-parse loop": csvParseLoop(work.withDistance),
    "uDSV loop": udsvLoop(work.withDistanceTyped),
    danfojs,
    "nodejs-polars": polars,
    DuckDB: duckdb,
  },
  cpu: {
    "pipelab sync": pipelabCSV(work.withDistanceAndSignature, sync),
    "pipelab worker ×2": pipelabCSV(work.withDistanceAndSignature, worker),
    "csv-parse loop": csvParseLoop(work.withDistanceAndSignature),
    "uDSV loop": udsvLoop(work.withDistanceAndSignature),
  },
  jsonl: {
    "pipelab sync": pipelabJSONL(sync),
    "pipelab worker ×2": pipelabJSONL(worker),
    "readline loop": readlineLoop,
    "split loop": splitLoop,
  },
};

module.exports = { WORKLOADS };
