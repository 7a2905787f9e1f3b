"use strict";
// The variants of the columnar bench, by task. Each has `setup(spec)` (not timed: what a user
// already has in hand, e.g. rows in memory) and `run(state, spec)` (timed), which resolves to an
// answer every variant of the task must agree on.
const fs = require("node:fs");
const path = require("node:path");

const pipelab = () => require(path.join(__dirname, "..", ".."));
const quiet = { progress: false };
const pl = () => require("nodejs-polars");

/** 1M rows of the shapes a writer meets: an int, text, a float, a flag, a date. */
function makeRows(n) {
  const rows = new Array(n);
  for (let i = 0; i < n; i++) rows[i] = { id: i, name: `name ${i % 1000}`, value: i * 0.5, flag: i % 3 === 0, when: new Date(1_600_000_000_000 + i * 1000) };
  return rows;
}
const sumOf = (rows, key) => rows.reduce((s, r) => s + Number(r[key]), 0);

const TASKS = {
  /** flights-3m.parquet into rows: count them and sum the delays. */
  readParquet: {
    "pipelab fromParquet": {
      setup: () => pipelab(),
      run: async ({ fromParquet }, { input }) => {
        const [rows, delay] = await fromParquet(input).reduce(([n, s], r) => [n + 1, s + r.delay], [0, 0], quiet);
        return { rows, delay };
      },
    },
    "hyparquet by hand (row group by row group)": {
      setup: async () => ({ ...(await import("hyparquet")), compressors: (await import("hyparquet-compressors")).compressors }),
      run: async ({ asyncBufferFromFile, parquetMetadataAsync, parquetReadObjects, compressors }, { input }) => {
        const file = await asyncBufferFromFile(input);
        const metadata = await parquetMetadataAsync(file);
        let rows = 0;
        let delay = 0;
        let start = 0;
        for (const group of metadata.row_groups) {
          const end = start + Number(group.num_rows);
          for (const r of await parquetReadObjects({ file, metadata, rowStart: start, rowEnd: end, compressors })) {
            rows++;
            delay += Number(r.delay);
          }
          start = end;
        }
        return { rows, delay };
      },
    },
    "nodejs-polars readParquet, toRecords": {
      setup: () => pl(),
      run: async (polars, { input }) => {
        const records = polars.readParquet(input).toRecords();
        return { rows: records.length, delay: sumOf(records, "delay") };
      },
    },
  },
  /** 1M rows in memory to a Parquet file. */
  writeParquet: {
    "pipelab toParquet": {
      setup: () => ({ lib: pipelab(), rows: makeRows(1_000_000) }),
      run: async ({ lib, rows }, { output }) => (await lib.from(rows).toParquet(output, quiet)).rows,
    },
    "hyparquet-writer by hand (columns from the rows)": {
      setup: async () => ({ writer: await import("hyparquet-writer"), rows: makeRows(1_000_000) }),
      run: async ({ writer, rows }, { output }) => {
        const column = (name, type) => ({ name, type, data: rows.map((r) => r[name]) });
        writer.parquetWriteFile({
          filename: output,
          columnData: [column("id", "DOUBLE"), column("name", "STRING"), column("value", "DOUBLE"), column("flag", "BOOLEAN"), column("when", "TIMESTAMP")],
        });
        return rows.length;
      },
    },
    "nodejs-polars DataFrame(rows), writeParquet": {
      setup: () => ({ polars: pl(), rows: makeRows(1_000_000) }),
      run: async ({ polars, rows }, { output }) => {
        polars.DataFrame(rows).writeParquet(output);
        return rows.length;
      },
    },
  },
  /** 1M rows in memory into a polars DataFrame. */
  toPolars: {
    "pipelab toPolars": {
      setup: () => ({ lib: pipelab(), rows: makeRows(1_000_000) }),
      run: async ({ lib, rows }) => (await lib.from(rows).toPolars(quiet)).height,
    },
    "nodejs-polars DataFrame(rows)": {
      setup: () => ({ polars: pl(), rows: makeRows(1_000_000) }),
      run: async ({ polars, rows }) => polars.DataFrame(rows).height,
    },
  },
  /** flights-200k.json: every element, the delays summed. */
  readJSON: {
    "pipelab fromJSON": {
      setup: () => pipelab(),
      run: async ({ fromJSON }, { input }) => {
        const [rows, delay] = await fromJSON(input).reduce(([n, s], r) => [n + 1, s + r.delay], [0, 0], quiet);
        return { rows, delay };
      },
    },
    "stream-json by hand (parser, streamArray)": {
      setup: async () => ({
        parser: (await import("stream-json")).parser,
        streamArray: (await import("stream-json/streamers/stream-array.js")).streamArray,
        chain: (await import("stream-chain")).default,
      }),
      run: ({ parser, streamArray, chain }, { input }) =>
        new Promise((resolve, reject) => {
          let rows = 0;
          let delay = 0;
          const pipeline = chain([fs.createReadStream(input), parser(), streamArray()]);
          pipeline.on("data", ({ value }) => {
            rows++;
            delay += value.delay;
          });
          pipeline.on("end", () => resolve({ rows, delay }));
          pipeline.on("error", reject);
        }),
    },
    "JSON.parse of the whole file": {
      setup: () => null,
      run: async (_, { input }) => {
        const rows = JSON.parse(fs.readFileSync(input, "utf8"));
        return { rows: rows.length, delay: sumOf(rows, "delay") };
      },
    },
  },
};

// The same readers on a JSON array 10 times as large (2M flights, ~98 MB, made at bench time):
// where reading it whole starts to cost memory.
TASKS.readJSONx10 = TASKS.readJSON;

module.exports = { TASKS };
