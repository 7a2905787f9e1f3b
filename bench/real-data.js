"use strict";
// Bench part `realData` (issue 16): pipelab on real files, side by side with what a user would
// otherwise write, every variant in its own child process (its own peak RSS, no other variant's
// garbage), the variants interleaved round by round, the median reported, every output checked.
//
//   npm run bench realData                        (or node bench/real-data.js)
//   ROUNDS=5 REAL_ROWS=10000000 node bench/run.js realData
//   node bench/real-data.js --rows 10000000 --rounds 1 --workloads zip --variants pipelab,uDSV
//   (--all-rounds: repeat danfojs every round too; by default it runs in the first round only)
//
// Workloads: `zip` vega-datasets' zipcodes.csv repeated to ~1M rows, the distance of each zip code
// to New York City Hall (haversine, ~1 µs), those within 100 km written to CSV; `cpu` the same shape
// with ~20 µs of JavaScript per row on an eighth of the rows; `jsonl` flights-200k.json as JSON Lines
// (2 copies, 400k lines), enriched and aggregated per departure hour.
const fs = require("node:fs");
const os = require("node:os");
const path = require("node:path");
const { spawnSync } = require("node:child_process");
const work = require("./real-data/work");
const { WORKLOADS } = require("./real-data/variants");

// vega-datasets exports no package.json and no data paths: its data folder, from its entry point.
const DATA = path.join(path.dirname(require.resolve("vega-datasets")), "..", "data");
const CHILD = path.join(__dirname, "real-data", "child.js");
const ZIP_ROWS = 42_049; // data rows in zipcodes.csv
const FLIGHTS = 200_000;

/** `--name value`, `--name=value` or the environment variable `env`, else `fallback`. */
function option(name, env, fallback) {
  const argv = process.argv;
  for (let i = 2; i < argv.length; i++) {
    if (argv[i] === `--${name}`) return argv[i + 1];
    if (argv[i].startsWith(`--${name}=`)) return argv[i].slice(name.length + 3);
  }
  return process.env[env] ?? fallback;
}
const list = (value) =>
  value
    ? String(value)
        .split(",")
        .map((s) => s.trim())
    : null;

function settings() {
  const rows = Number(option("rows", "REAL_ROWS", ZIP_ROWS * 24));
  const copies = Math.max(1, Math.round(rows / ZIP_ROWS));
  return {
    rounds: Number(option("rounds", "ROUNDS", 3)),
    // The 20 µs workload reads an eighth of the rows (~126k by default), the JSON Lines one rows / 500k copies of 200k flights.
    copies: { zip: copies, cpu: Math.max(1, Math.round(copies / 8)), jsonl: Math.max(1, Math.round(rows / 500_000)) },
    workloads: list(option("workloads", "REAL_WORKLOADS")) ?? Object.keys(WORKLOADS),
    variants: list(option("variants", "REAL_VARIANTS")),
    allRounds: process.argv.includes("--all-rounds") || Boolean(process.env.REAL_ALL_ROUNDS),
  };
}

/** Writes the input files into `dir`; returns { workload: { input, rows } }. */
function makeInputs(dir, copies) {
  const zipText = fs.readFileSync(path.join(DATA, "zipcodes.csv"), "utf8");
  const header = zipText.slice(0, zipText.indexOf("\n") + 1);
  let body = zipText.slice(header.length);
  if (!body.endsWith("\n")) body += "\n";
  const repeat = (file, head, text, n) => {
    const fd = fs.openSync(file, "w");
    fs.writeSync(fd, head);
    for (let i = 0; i < n; i++) fs.writeSync(fd, text);
    fs.closeSync(fd);
    return file;
  };
  const flights = JSON.parse(fs.readFileSync(path.join(DATA, "flights-200k.json"), "utf8"));
  const lines = flights.map((f) => JSON.stringify(f)).join("\n") + "\n";
  return {
    zip: { input: repeat(path.join(dir, "zip.csv"), header, body, copies.zip), rows: ZIP_ROWS * copies.zip },
    cpu: { input: repeat(path.join(dir, "zip-cpu.csv"), header, body, copies.cpu), rows: ZIP_ROWS * copies.cpu },
    jsonl: { input: repeat(path.join(dir, "flights.jsonl"), "", lines, copies.jsonl), rows: flights.length * copies.jsonl },
    flights,
  };
}

/** What every variant must produce, computed here from the original files. */
function references(copies, flights) {
  const { parse } = require("csv-parse/sync");
  const source = parse(fs.readFileSync(path.join(DATA, "zipcodes.csv")), { columns: true });
  const zip = (fn, n) => {
    const kept = new Map();
    for (const row of source) {
      const r = fn(row);
      if (!work.near(r)) continue;
      const seen = kept.get(r.zip_code);
      if (seen) seen.count += n;
      else kept.set(r.zip_code, { ...r, count: n });
    }
    let rows = 0;
    for (const r of kept.values()) rows += r.count;
    return { kept, rows };
  };
  // What the per-row functions cost on this machine now (after the warm-up that computing the reference was).
  const perRowUs = (fn) => {
    const t = performance.now();
    for (const row of source) fn(row);
    return ((performance.now() - t) * 1000) / source.length;
  };
  const groups = new Map();
  for (let i = 0; i < copies.jsonl; i++) for (const f of flights) work.addFlight(groups, work.enrichFlight(f));
  return {
    zip: { ...zip(work.withDistance, copies.zip), us: perRowUs(work.withDistance) },
    cpu: { ...zip(work.withDistanceAndSignature, copies.cpu), us: perRowUs(work.withDistanceAndSignature) },
    jsonl: JSON.stringify(work.summarize(groups)),
  };
}

/** Why a CSV output differs from the reference (the same rows in any order), or null. */
function checkCSV(file, reference) {
  const { parse } = require("csv-parse/sync");
  if (!fs.existsSync(file)) return "no output file";
  const rows = parse(fs.readFileSync(file), { columns: true });
  if (rows.length !== reference.rows) return `${rows.length} rows kept, expected ${reference.rows}`;
  const counts = new Map();
  for (const r of rows) {
    const ref = reference.kept.get(r.zip_code);
    if (!ref) return `zip code ${JSON.stringify(r.zip_code)} should not be kept (or lost its leading zeros)`;
    if (Math.abs(Number(r.distance_km) - ref.distance_km) > 1e-6) return `zip ${r.zip_code}: distance ${r.distance_km}, expected ${ref.distance_km}`;
    if (Number(r.latitude) !== Number(ref.latitude) || Number(r.longitude) !== Number(ref.longitude)) return `zip ${r.zip_code}: coordinates differ`;
    for (const key of ["city", "state", "county", "sig"])
      if (key in ref && r[key] !== ref[key]) return `zip ${r.zip_code}: ${key} ${JSON.stringify(r[key])}, expected ${JSON.stringify(ref[key])}`;
    counts.set(r.zip_code, (counts.get(r.zip_code) ?? 0) + 1);
  }
  for (const [zip, ref] of reference.kept) if (counts.get(zip) !== ref.count) return `zip ${zip}: ${counts.get(zip) ?? 0} rows, expected ${ref.count}`;
  return null;
}

/** One variant, once, in a child process: { ms, maxRssMB } or { error }. */
function runChild(spec) {
  const out = spawnSync(process.execPath, [CHILD, JSON.stringify(spec)], { encoding: "utf8", timeout: 300_000, killSignal: "SIGKILL", maxBuffer: 1 << 26 });
  const line = out.stdout?.split("\n").find((l) => l.startsWith("RESULT "));
  if (!line)
    return {
      error: `child ${out.signal ? `killed (${out.signal})` : `exited ${out.status}`}: ${String(out.stderr ?? "")
        .trim()
        .split("\n")
        .slice(-3)
        .join(" / ")}`,
    };
  const result = JSON.parse(line.slice(7));
  if (/left a handle open/.test(out.stderr)) result.note = "did not exit by itself";
  return result;
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) / 2)];
const fmt = (n) => Math.round(n).toLocaleString("en-US");

/** Markdown table of one workload; `anchors` are the variants the speed ratios are taken against. */
function table(title, rowsIn, results, anchors) {
  const mid = {};
  for (const [name, r] of Object.entries(results)) if (!r.failure && r.ms.length) mid[name] = median(r.ms);
  const lines = [`\n### ${title}\n`];
  lines.push(`| variant | time ms | rows/s | peak RSS MB | ${anchors.map((a) => `speed vs ${a}`).join(" | ")} | rounds (ms) |`);
  lines.push(`|---|---:|---:|---:|${anchors.map(() => "---:|").join("")}---|`);
  for (const [name, r] of Object.entries(results)) {
    if (r.failure) {
      lines.push(`| ${name} | ${r.failure} |  |  |${anchors.map(() => "  |").join("")}  |`);
      continue;
    }
    const ms = mid[name];
    const ratios = anchors.map((a) => (mid[a] ? (mid[a] / ms).toFixed(2) : "–"));
    const note = r.note ? ` (${r.note})` : "";
    lines.push(
      `| ${name}${note} | ${fmt(ms)} | ${fmt((rowsIn / ms) * 1000)} | ${median(r.rss).toFixed(0)} | ${ratios.join(" | ")} | ${r.ms.map(fmt).join(", ")} |`,
    );
  }
  console.log(lines.join("\n"));
  return mid;
}

async function realData(helpers = {}) {
  const started = performance.now();
  const s = settings();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "pipelab-real-data-"));
  const cleanup = () => fs.rmSync(dir, { recursive: true, force: true });
  const onSignal = () => (cleanup(), process.exit(130));
  process.once("SIGINT", onSignal);
  const mismatches = [];
  const medians = {};
  try {
    const inputs = makeInputs(dir, s.copies);
    const reference = references(s.copies, inputs.flights);
    for (const w of s.workloads) if (!WORKLOADS[w]) throw new Error(`unknown workload ${JSON.stringify(w)}: pick from ${Object.keys(WORKLOADS).join(", ")}`);
    const plan = s.workloads.map((workload) => {
      const names = Object.keys(WORKLOADS[workload]).filter((v) => !s.variants || s.variants.some((f) => v.includes(f)));
      const results = Object.fromEntries(names.map((n) => [n, { ms: [], rss: [] }]));
      // danfojs holds the whole file as JavaScript objects (and more): past a few million rows it runs out of memory.
      if (results.danfojs && inputs[workload].rows > 3_000_000) results.danfojs.failure = "skipped above 3M rows (holds the file in memory)";
      return { workload, names, results };
    });
    for (let round = 0; round < s.rounds; round++) {
      for (const { workload, names, results } of plan) {
        // Each round starts at another variant, so that none always runs first (or right after a heavy one).
        const order = names.map((_, i) => names[(i + round) % names.length]);
        for (const name of order) {
          const r = results[name];
          if (r.failure || (round > 0 && WORKLOADS[workload][name].once && !s.allRounds)) continue;
          const output = path.join(dir, `out-${workload}.csv`);
          const got = runChild({ workload, variant: name, input: inputs[workload].input, output });
          let wrong = null;
          if (got.error) r.failure = `error: ${got.error.slice(0, 300).replaceAll("|", "\\|")}`;
          else if (workload === "jsonl")
            wrong = JSON.stringify(got.answer) === reference.jsonl ? null : `aggregate differs: ${JSON.stringify(got.answer).slice(0, 200)}`;
          else wrong = checkCSV(output, reference[workload]);
          fs.rmSync(output, { force: true });
          if (wrong) {
            r.failure = `WRONG OUTPUT: ${wrong}`;
            mismatches.push(`${workload} / ${name}: ${wrong}`);
            console.error(`  OUTPUT MISMATCH ${workload} / ${name}: ${wrong}`);
          } else if (!got.error) {
            r.ms.push(got.ms);
            r.rss.push(got.maxRssMB);
            if (got.note) r.note = got.note;
          }
          console.error(
            `  round ${round + 1} ${workload} / ${name}: ${got.error ? "error" : wrong ? "wrong" : `${fmt(got.ms)} ms, ${got.maxRssMB.toFixed(0)} MB`}`,
          );
        }
      }
    }
    console.log(`\n## Real data (issue 16): Node ${process.version}, ${os.cpus().length} cores, median of ${s.rounds} rounds, each variant a fresh process`);
    console.log(`(times exclude loading the libraries; speed ratio = the other's time / this time, > 1 is faster)`);
    const kept = (w) =>
      `${fmt(reference[w].rows)} kept (${reference[w].kept.size} zip codes within ${work.RADIUS_KM} km of ${work.POINT.lat}, ${work.POINT.lon})`;
    for (const { workload, results } of plan) {
      const rowsIn = inputs[workload].rows;
      const title = {
        zip: `zipcodes.csv ×${s.copies.zip}: ${fmt(rowsIn)} rows, ${(fs.statSync(inputs.zip.input).size / 1e6).toFixed(0)} MB, haversine (${reference.zip.us.toFixed(1)} µs/row here), ${kept("zip")}, to CSV`,
        cpu: `zipcodes.csv ×${s.copies.cpu}: ${fmt(rowsIn)} rows, haversine + FNV signature (${reference.cpu.us.toFixed(1)} µs/row here), ${kept("cpu")}, to CSV`,
        jsonl: `flights-200k as JSON Lines ×${s.copies.jsonl}: ${fmt(rowsIn)} lines, enriched, mean delay per departure hour`,
      }[workload];
      const anchors = workload === "jsonl" ? ["split loop", "readline loop"] : ["uDSV loop", "csv-parse loop"];
      medians[workload] = table(title, rowsIn, results, anchors);
    }
    headlines(medians, helpers.rows);
  } finally {
    process.removeListener("SIGINT", onSignal);
    cleanup();
  }
  console.log(`\nrealData took ${((performance.now() - started) / 1000).toFixed(0)} s`);
  if (mismatches.length) throw new Error(`real-data outputs differ from the reference:\n  ${mismatches.join("\n  ")}`);
}

/** The issue's targets, each as a measured ratio; also added to bench/run.js's summary table. */
function headlines(m, summary) {
  const lines = [];
  const add = (label, ours, peer, peerName, target) => {
    if (!ours || !peer) return;
    const ratio = peer / ours;
    lines.push(`- ${label}: ${ratio.toFixed(2)}x ${peerName} (target ${target})`);
    summary?.push({ workload: `real data: ${label}`, ours: `${fmt(ours)} ms`, peer: peerName, peerFigure: `${fmt(peer)} ms`, ratio: ratio.toFixed(2) });
  };
  const best = (w, names) => Math.min(...names.map((n) => m[w]?.[n] ?? Infinity).filter(Number.isFinite));
  add("zip codes, pipelab worker ×2", m.zip?.["pipelab worker ×2"], m.zip?.["uDSV loop"], "uDSV loop", ">= 1.5");
  add("zip codes, pipelab sync", m.zip?.["pipelab sync"], m.zip?.["uDSV loop"], "uDSV loop", ">= 0.9");
  add("zip codes, pipelab sync with cast", m.zip?.["pipelab sync, cast"], m.zip?.["pipelab sync"], "pipelab sync without cast", ">= 0.9");
  // Both typed: uDSV's loop gets numbers from its parser, so this is the like-for-like comparison.
  add("zip codes, pipelab worker ×2 with cast", m.zip?.["pipelab worker ×2, cast"], m.zip?.["uDSV loop"], "uDSV loop", ">= 1.5");
  add("20 µs per row, pipelab worker ×2", m.cpu?.["pipelab worker ×2"], best("cpu", ["uDSV loop", "csv-parse loop"]), "best plain loop", ">= 1.8");
  add("JSON Lines, pipelab sync", m.jsonl?.["pipelab sync"], best("jsonl", ["split loop", "readline loop"]), "best plain loop", "none");
  if (lines.length) console.log(`\nTargets:\n${lines.join("\n")}`);
}

module.exports = { realData };

if (require.main === module) {
  realData().catch((error) => {
    console.error(error);
    process.exitCode = 1;
  });
}
