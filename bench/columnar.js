"use strict";
// Bench part `columnar` (issue 19): pipelab's Parquet, polars and JSON readers and writers against
// the same libraries used by hand (and polars), each variant in a fresh process for its own peak
// RSS, median of ROUNDS, answers checked equal. Loaded by bench/run.js (npm run bench columnar).
const fs = require("node:fs");
const os = require("node:os");
const path = require("node:path");
const { spawnSync } = require("node:child_process");
const { TASKS } = require("./columnar/variants");

const DATA = path.join(path.dirname(require.resolve("vega-datasets")), "..", "data");
const CHILD = path.join(__dirname, "columnar", "child.js");
const INPUTS = { readParquet: "flights-3m.parquet", readJSON: "flights-200k.json" };

/** flights-200k.json's array repeated 10 times, as one JSON array, in `dir`. */
function largeJSON(dir) {
  const text = fs.readFileSync(path.join(DATA, "flights-200k.json"), "utf8").trim();
  const inner = text.slice(1, -1).trim();
  const file = path.join(dir, "flights-2m.json");
  fs.writeFileSync(file, `[${Array.from({ length: 10 }, () => inner).join(",")}]`);
  return file;
}

function runChild(spec) {
  const out = spawnSync(process.execPath, [CHILD, JSON.stringify(spec)], { encoding: "utf8", timeout: 300_000, killSignal: "SIGKILL", maxBuffer: 1 << 24 });
  const line = out.stdout?.split("\n").find((l) => l.startsWith("RESULT "));
  return line ? JSON.parse(line.slice(7)) : { error: `child ${out.signal ?? out.status}: ${String(out.stderr).trim().split("\n").slice(-2).join(" / ")}` };
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) / 2)];
const fmt = (n) => Math.round(n).toLocaleString("en-US");

async function columnar({ row } = {}) {
  const rounds = Number(process.env.ROUNDS ?? 3);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "pipelab-bench-columnar-"));
  try {
    const inputs = { ...Object.fromEntries(Object.entries(INPUTS).map(([task, name]) => [task, path.join(DATA, name)])), readJSONx10: largeJSON(dir) };
    for (const [task, variants] of Object.entries(TASKS)) {
      const names = Object.keys(variants);
      const results = Object.fromEntries(names.map((n) => [n, { ms: [], rss: [], answer: undefined, error: undefined }]));
      for (let round = 0; round < rounds; round++) {
        for (const name of names.map((_, i) => names[(i + round) % names.length])) {
          const r = results[name];
          if (r.error) continue;
          const spec = { task, variant: name, input: inputs[task], output: path.join(dir, `out-${round}.parquet`) };
          const got = runChild(spec);
          fs.rmSync(spec.output, { force: true });
          if (got.error) r.error = got.error;
          else {
            r.ms.push(got.ms);
            r.rss.push(got.maxRssMB);
            r.answer = got.answer;
          }
          console.error(`  round ${round + 1} ${task} / ${name}: ${got.error ? got.error : `${fmt(got.ms)} ms, ${got.maxRssMB.toFixed(0)} MB`}`);
        }
      }
      const answers = new Set(names.filter((n) => !results[n].error).map((n) => JSON.stringify(results[n].answer)));
      const ours = names.find((n) => n.startsWith("pipelab"));
      console.log(`\n### ${task}${answers.size > 1 ? ` (ANSWERS DIFFER: ${[...answers].join(" vs ")})` : ""}\n`);
      console.log(`| variant | ms | peak RSS MB | speed vs pipelab |\n|---|--:|--:|--:|`);
      for (const name of names) {
        const r = results[name];
        if (r.error) console.log(`| ${name} | ${r.error.replaceAll("|", "\\|").slice(0, 200)} | | |`);
        else console.log(`| ${name} | ${fmt(median(r.ms))} | ${fmt(median(r.rss))} | ${(median(results[ours].ms) / median(r.ms)).toFixed(2)} |`);
      }
      if (row && !results[ours].error) {
        for (const peer of names.filter((n) => n !== ours && !results[n].error))
          row(`columnar: ${task}`, median(results[ours].ms), peer, median(results[peer].ms), "ms");
      }
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

module.exports = { columnar };
if (require.main === module) columnar();
