"use strict";
// Bench parts for results into files and DataFrames, and files into pipelines, against danfojs's
// own functions and csv-parse alone. Loaded by bench/run.js; each part gets its measuring helpers.
const fs = require("node:fs");
const os = require("node:os");
const path = require("node:path");
const { spawnSync } = require("node:child_process");
const { from, range } = require("..");

const record = (i) => ({ id: i, name: `name ${i}, the ${i % 7 === 0 ? '"quoted"' : "plain"} one`, score: i / 7, tags: `t${i % 5}|t${i % 3}` });

function tempFile(name) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "pipelab-bench-io-"));
  return { file: path.join(dir, name), done: () => fs.rmSync(dir, { recursive: true, force: true }) };
}

/** Peak RSS (MB) of a child process running `code` with pipelab as `pipelab` and danfojs as `dfd`. */
function peakRss(code) {
  const danfo = code.includes("dfd.") ? 'const dfd = require("danfojs");' : "";
  const script = `const pipelab = require(${JSON.stringify(path.join(__dirname, ".."))}); ${danfo}
    (async () => { ${code} })().then(() => console.log(process.resourceUsage().maxRSS));`;
  const out = spawnSync(process.execPath, ["-e", script], { encoding: "utf8", cwd: path.join(__dirname, "..") });
  if (out.status !== 0) throw new Error(out.stderr);
  return Number(out.stdout.trim().split("\n").at(-1)) / 1024;
}

async function csvExport({ median, timed, row, rows }) {
  const N = 1_000_000;
  const dfd = require("danfojs");
  const { file, done } = tempFile("out.csv");
  const ours = await median(() => timed(() => range(N).map(record).toCSV(file, { progress: false })));
  const peer = await median(() =>
    timed(async () => {
      const all = [];
      for (let i = 0; i < N; i++) all.push(record(i));
      // danfojs (the build pipelab installs) returns the CSV text; danfojs-node would write it itself.
      fs.writeFileSync(file, dfd.toCSV(new dfd.DataFrame(all)));
    }),
  );
  row("1M rows { id, name, score, tags } to CSV", ours, "danfojs: new DataFrame(rows), dfd.toCSV, writeFileSync", peer, "ms");
  const rec = record.toString();
  const oursRss = peakRss(`const record = ${rec}; await pipelab.range(1e6).map(record).toCSV(${JSON.stringify(file)}, { progress: false });`);
  const ours3M = peakRss(`const record = ${rec}; await pipelab.range(3e6).map(record).toCSV(${JSON.stringify(file)}, { progress: false });`);
  rows.push({
    workload: "peak RSS, rows to CSV (flat memory)",
    ours: `${ours3M.toFixed(0)} MB for 3M rows`,
    peer: "the same, 1M rows",
    peerFigure: `${oursRss.toFixed(0)} MB`,
    ratio: `${(ours3M / oursRss).toFixed(2)} (3M / 1M)`,
  });
  const peerRss = peakRss(
    `const record = ${rec}; const all = []; for (let i = 0; i < 1e6; i++) all.push(record(i)); require("node:fs").writeFileSync(${JSON.stringify(file)}, dfd.toCSV(new dfd.DataFrame(all)));`,
  );
  rows.push({
    workload: "peak RSS, 1M rows to CSV",
    ours: `${oursRss.toFixed(0)} MB`,
    peer: "danfojs: DataFrame, then toCSV",
    peerFigure: `${peerRss.toFixed(0)} MB`,
    ratio: `${(peerRss / oursRss).toFixed(2)} (less memory)`,
  });
  console.error(`  peak RSS toCSV ${oursRss.toFixed(0)} MB vs danfo ${peerRss.toFixed(0)} MB`);
  done();
}

async function dataFrame({ median, timed, row }) {
  const N = 500_000;
  const dfd = require("danfojs");
  const ours = await median(() => timed(() => range(N).map(record).toDataFrame({ progress: false })));
  const peer = await median(async () => {
    // The peer gets its column arrays for free: only the DataFrame construction is timed.
    const columns = { id: [], name: [], score: [], tags: [] };
    for (let i = 0; i < N; i++) {
      const r = record(i);
      for (const key in columns) columns[key].push(r[key]);
    }
    return timed(() => new dfd.DataFrame(columns));
  });
  row("500k rows to a DataFrame (pipelab: from the source)", ours, "new dfd.DataFrame(prebuilt column arrays)", peer, "ms");
  const byHand = await median(() =>
    timed(() => {
      const all = [];
      for (let i = 0; i < N; i++) all.push(record(i));
      return new dfd.DataFrame(all);
    }),
  );
  row("500k rows to a DataFrame (pipelab: from the source)", ours, "rows collected by hand, then new dfd.DataFrame(rows)", byHand, "ms");
}

async function csvImport({ median, timed, row }) {
  const N = 1_000_000;
  const { parse } = require("csv-parse");
  const { fromCSV } = require("..");
  const { file, done } = tempFile("in.csv");
  await range(N).map(record).toCSV(file, { progress: false });
  const ours = await median(() => timed(() => fromCSV(file).run({ progress: false })));
  const peer = await median(() =>
    timed(async () => {
      let n = 0;
      for await (const r of fs.createReadStream(file).pipe(parse({ columns: true, bom: true }))) if (r) n++;
    }),
  );
  row("1M-row CSV file read through a pipeline", ours, "csv-parse alone, for await with a trivial consumer", peer, "ms");
  done();
}

module.exports = { csvExport, dataFrame, csvImport, tempFile, record };
