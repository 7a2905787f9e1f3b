"use strict";
// Executes every notebook in notebooks/ in a real Jupyter kernel (the pipelab kernel, through
// nbconvert/nbclient) and checks what the saved notebook keeps. Needs Debian's jupyter-nbconvert,
// jupyter-client and python3-nbclient: skipped loudly without them, and failing under CI=true.
const { test, before, after } = require("node:test");
const assert = require("node:assert/strict");
const { spawn, spawnSync } = require("node:child_process");
const { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } = require("node:fs");
const { join } = require("node:path");
const { tmpdir } = require("node:os");
const { main: kernelCli } = require("../dist/kernel/cli");

const NOTEBOOKS = join(__dirname, "..", "notebooks");
const notebooks = readdirSync(NOTEBOOKS)
  .filter((f) => f.endsWith(".ipynb"))
  .sort();
const probe = spawnSync("jupyter", ["nbconvert", "--version"], { encoding: "utf8" });
const jupyterFound = probe.status === 0;
const nbconvertVersion = jupyterFound ? probe.stdout.trim() : "";
const missing =
  "Jupyter (jupyter nbconvert) is not installed: the notebook tests did NOT run. Install Debian's python3-nbclient jupyter-client jupyter-nbconvert.";

if (!jupyterFound && process.env.CI !== "true") {
  process.stderr.write(`\n${"!".repeat(100)}\n!! ${missing}\n${"!".repeat(100)}\n\n`);
}

let work;
let env;
const executed = new Map();

function jupyter(args) {
  return new Promise((resolve) => {
    const child = spawn("jupyter", args, { cwd: NOTEBOOKS, env, stdio: ["ignore", "pipe", "pipe"] });
    let stderr = "";
    child.stderr.on("data", (d) => (stderr += d));
    child.stdout.resume();
    child.on("exit", (code) => resolve({ code, stderr }));
  });
}

/**
 * The plain tslab kernel (no pipelab launcher) with a notebook that calls display() itself: the
 * adapter must reach tslab's multi-mime display and live progress must work there too.
 */
const PLAIN = "plain-tslab.ipynb";
function writePlainTslabCase() {
  const kernels = join(work, "share", "jupyter", "kernels", "tslab-plain");
  mkdirSync(kernels, { recursive: true });
  const tslab = require.resolve("tslab/bin/tslab");
  writeFileSync(
    join(kernels, "kernel.json"),
    JSON.stringify({ argv: [process.execPath, tslab, "kernel", "--config-path", "{connection_file}"], display_name: "tslab", language: "typescript" }),
  );
  const dist = join(__dirname, "..", "dist");
  const cell = (id, source) => ({ cell_type: "code", id, execution_count: null, metadata: {}, outputs: [], source });
  const notebook = {
    nbformat: 4,
    nbformat_minor: 5,
    metadata: { kernelspec: { name: "tslab-plain", display_name: "tslab", language: "typescript" } },
    cells: [
      cell(
        "a",
        `import { range, display } from ${JSON.stringify(dist)};\nconst stats = await range(0, 50).map((x: number) => x * 2, { name: "double" }).run({ progress: true });`,
      ),
      cell("b", `display(stats);\ndisplay(stats.chart("utilization"));`),
    ],
  };
  writeFileSync(join(work, PLAIN), JSON.stringify(notebook));
}

before(async () => {
  if (!jupyterFound) return;
  work = mkdtempSync(join(tmpdir(), "pipelab-notebooks-"));
  assert.equal(
    kernelCli(["install", "--prefix", work], () => {}),
    0,
  );
  env = { ...process.env, JUPYTER_PATH: join(work, "share", "jupyter"), JUPYTER_PLATFORM_DIRS: "1" };
  writePlainTslabCase();
  // All at once: most of each run is the kernel starting and Python waiting on it.
  await Promise.all(
    [...notebooks.map((name) => [name, name]), [PLAIN, join(work, PLAIN)]].map(async ([name, input]) => {
      const out = join(work, `executed-${name}`);
      const run = await jupyter(["nbconvert", "--execute", "--to", "notebook", "--ExecutePreprocessor.timeout=120", "--output", out, input]);
      executed.set(name, { ...run, notebook: run.code === 0 ? JSON.parse(readFileSync(out, "utf8")) : undefined, path: out });
    }),
  );
});

after(() => work && rmSync(work, { recursive: true, force: true }));

const outputsOf = (nb) => nb.cells.flatMap((cell) => cell.outputs ?? []);
const bundles = (nb) =>
  outputsOf(nb)
    .filter((o) => o.output_type === "display_data" || o.output_type === "execute_result")
    .map((o) => o.data);
const join_ = (text) => (Array.isArray(text) ? text.join("") : text);

test("Jupyter is available (required under CI=true)", { skip: !jupyterFound && process.env.CI !== "true" && missing }, () => {
  assert.ok(jupyterFound, missing);
});

for (const name of notebooks) {
  test(`${name} shows each run once: no cell has two statistics tables`, { skip: !jupyterFound && missing }, () => {
    const run = executed.get(name);
    assert.equal(run.code, 0);
    run.notebook.cells.forEach((cell, i) => {
      const tables = (cell.outputs ?? []).filter((o) => join_(o.data?.["text/html"] ?? "").includes('class="pipelab-stats"'));
      assert.ok(tables.length <= 1, `cell ${i} shows ${tables.length} statistics tables`);
    });
  });

  test(`${name} runs in the pipelab kernel without an error`, { skip: !jupyterFound && missing }, () => {
    const run = executed.get(name);
    assert.equal(run.code, 0, `nbconvert failed:\n${run.stderr.slice(-3000)}`);
    const problems = outputsOf(run.notebook).filter((o) => o.output_type === "error" || (o.output_type === "stream" && o.name === "stderr"));
    assert.deepEqual(problems, [], "no error output and nothing on stderr");
  });
}

const check = (name, what, fn) =>
  test(`${name}: ${what}`, { skip: (!jupyterFound && missing) || (!notebooks.includes(name) && `${name} is missing`) }, async () => {
    const run = executed.get(name);
    assert.equal(run.code, 0);
    await fn(run.notebook, run);
  });

check("01-quickstart.ipynb", "a top-level for await prints as rows arrive, and a worker gets an earlier cell's value through context", (nb) => {
  const source = (cell) => join_(cell.source);
  const loop = nb.cells.find((c) => source(c).startsWith("for await"));
  assert.match(join_(loop.outputs.map((o) => join_(o.text ?? "")).join("")), /^(\d+ -?\d+\n){3}$/);
  const context = nb.cells.find((c) => source(c).includes("context: { minHash }"));
  assert.match(context.outputs.map((o) => join_(o.text ?? o.data?.["text/plain"] ?? "")).join(""), /id: 5, positive: true/);
});

check("01-quickstart.ipynb", "the live progress entry keeps the final state, the stats table and a DataFrame preview show", (nb) => {
  const html = bundles(nb)
    .map((d) => join_(d["text/html"] ?? ""))
    .filter(Boolean);
  const stats = html.filter((h) => h.includes('class="pipelab-stats"'));
  assert.ok(stats.length >= 2, "the progress entry of toArray() and the stats() table");
  assert.ok(
    stats.every((h) => />done</.test(h)),
    "a saved notebook keeps the final state, not 'running'",
  );
  assert.ok(
    stats.some((h) => h.includes("background:#fff3cd")),
    "the bottleneck is highlighted",
  );
  assert.ok(
    html.some((h) => h.includes('class="pipelab-dataframe"') && /rows x 3 columns/.test(h)),
    "a DataFrame preview",
  );
});

check("02-throughput.ipynb", "charts are Vega-Lite v5 + SVG + PNG bundles without text/html, and the HTML export shows every chart", async (nb, run) => {
  const charts = bundles(nb).filter((d) => d["application/vnd.vegalite.v5+json"]);
  assert.ok(charts.length >= 5, `${charts.length} charts`);
  for (const chart of charts) {
    assert.deepEqual(Object.keys(chart).sort(), ["application/vnd.vegalite.v5+json", "image/png", "image/svg+xml", "text/plain"]);
    assert.match(join_(chart["image/svg+xml"]), /lookup/);
  }
  // Where the PNG is shown (untrusted notebooks, GitHub, nbconvert), it is drawn at the SVG's size.
  const chartOutputs = outputsOf(nb).filter((o) => o.data?.["application/vnd.vegalite.v5+json"]);
  for (const output of chartOutputs) {
    const [, width, height] = /^<svg[^>]*\swidth="(\d+)" height="(\d+)"/.exec(join_(output.data["image/svg+xml"])).map(Number);
    assert.deepEqual(output.metadata["image/png"], { width, height });
  }
  // nbconvert before 7 passes inline SVG through lxml's clean_html, which strips every element inside <svg>
  // (jupyter/nbconvert#1849): with it, the charts show in HTML through their PNG, asked for first.
  const strips = Number(nbconvertVersion.split(".")[0]) < 7;
  const priority = "--NbConvertBase.display_data_priority=['text/html','image/png','image/svg+xml','text/markdown','text/plain']";
  const html = await jupyter(["nbconvert", "--to", "html", "--output", join(work, "02.html"), ...(strips ? [priority] : []), run.path]);
  assert.equal(html.code, 0, html.stderr);
  const page = readFileSync(join(work, "02.html"), "utf8");
  const images = strips ? page.match(/<img src="data:image\/png;base64,/g) : page.match(/<svg[^>]*class="marks"[\s\S]*?<path/g);
  assert.ok((images ?? []).length >= charts.length, `nbconvert ${nbconvertVersion}'s HTML shows each chart (${(images ?? []).length} of ${charts.length})`);
});

check("03-export.ipynb", "one run with into() writes the CSV and builds a DataFrame; its statistics have a row per sink", (nb) => {
  const html = bundles(nb)
    .map((d) => join_(d["text/html"] ?? ""))
    .filter(Boolean);
  assert.ok(
    html.some((h) => h.includes('class="pipelab-dataframe"') && /5,000 rows x 4 columns/.test(h)),
    "a DataFrame preview of the orders from the into() run",
  );
  // Long stage names carry <wbr> break points (at dots): read the table as the page shows it.
  const stats = html.map((h) => h.replaceAll("<wbr>", "")).find((h) => h.includes('class="pipelab-stats"') && h.includes("into.written"));
  assert.ok(stats, "the into() run's statistics table");
  assert.match(stats, />into\.table</);
  assert.match(stats, />sink</);
});

check("03-export.ipynb", "the CSV is written and read back into a DataFrame preview; a failed run leaves no file", (nb) => {
  const text = outputsOf(nb)
    .filter((o) => o.output_type === "stream")
    .map((o) => join_(o.text))
    .join("");
  assert.match(text, /rows: 5000 }/);
  assert.match(text, /0,"Smith, ""J\.""",0,true/);
  assert.match(text, /partial: false,[^}]*fileExists: false/);
  assert.match(text, /partial: true,[^}]*fileExists: true/);
  const previews = bundles(nb)
    .map((d) => join_(d["text/html"] ?? ""))
    .filter((h) => h.includes('class="pipelab-dataframe"'));
  assert.ok(
    previews.some((h) => /2,500 rows x 4 columns/.test(h)),
    "a DataFrame preview of the orders read back",
  );
});

check("04-iterate.ipynb", "the re-run answers every lookup from the cache, and the run after an interrupt calls only the rest", (nb) => {
  const texts = outputsOf(nb).map((o) => join_(o.text ?? o.data?.["text/plain"] ?? ""));
  assert.ok(
    texts.some((t) => /\(400 of 400 lookups from the cache\)/.test(t)),
    texts.join("\n"),
  );
  assert.ok(
    texts.some((t) => /AbortError|cancelled/.test(t)),
    "the interrupted run says so",
  );
  const resumed = texts.map((t) => /resumed: (\d+) from the cache, (\d+) called/.exec(t)).find(Boolean);
  assert.ok(resumed, texts.join("\n"));
  const [hits, called] = [Number(resumed[1]), Number(resumed[2])];
  assert.equal(hits + called, 1000);
  assert.ok(hits >= 400 && called > 0, `${hits} hits, ${called} called`);
});

check("05-formats.ipynb", "3M flights from Parquet give delays for 24 hours; one into() run writes Parquet and Arrow and shows a polars DataFrame", (nb) => {
  const texts = outputsOf(nb).map((o) => join_(o.text ?? o.data?.["text/plain"] ?? ""));
  assert.ok(
    texts.some((t) => /\[ 24, 24 \]/.test(t)),
    texts.join("\n"),
  );
  const previews = bundles(nb)
    .map((d) => join_(d["text/html"] ?? ""))
    .filter((h) => h.includes('class="pipelab-dataframe"'));
  assert.ok(
    previews.some((h) => /polars DataFrame/.test(h) && /24 rows x 4 columns/.test(h)),
    previews.join("\n").slice(0, 2000),
  );
  assert.ok(
    texts.some((t) => /delay: -?\d+, distance: \d+/.test(t)),
    "the JSON elements",
  );
});

test("the plain tslab kernel: display() sends whole bundles, and live progress shows there too", { skip: !jupyterFound && missing }, () => {
  const run = executed.get(PLAIN);
  assert.equal(run.code, 0, run.stderr.slice(-3000));
  const all = bundles(run.notebook);
  const tables = all.filter((d) => join_(d["text/html"] ?? "").includes('class="pipelab-stats"'));
  assert.ok(tables.length >= 2, "the run's live progress entry and display(stats)");
  assert.ok(
    all.some((d) => d["application/vnd.vegalite.v5+json"] && d["image/svg+xml"]),
    "display(chart) as one multi-mime bundle",
  );
});

test("interrupting the pipelab kernel cancels the run it awaits, and the kernel lives on", { skip: !jupyterFound && missing }, async () => {
  // The Python that runs `jupyter` has jupyter_client; read it from the command's first line.
  const jupyterBin = spawnSync("sh", ["-c", "command -v jupyter"], { encoding: "utf8" }).stdout.trim();
  const python = readFileSync(jupyterBin, "utf8")
    .split("\n")[0]
    .replace(/^#!\s*/, "")
    .split(" ")[0];
  const result = await new Promise((resolve) => {
    const child = spawn(python, [join(__dirname, "fixtures", "interrupt_kernel.py"), NOTEBOOKS], { env, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d) => (stdout += d));
    child.stderr.on("data", (d) => (stderr += d));
    child.on("exit", (code) => resolve({ code, stdout, stderr }));
  });
  const line = result.stdout.trim().split("\n").at(-1);
  assert.ok(line?.startsWith("{"), `no report from the kernel: ${result.stderr.slice(-2000)}`);
  const { alive, cell, report } = JSON.parse(line);
  assert.equal(alive, true, "the kernel survives the interrupt");
  assert.match(cell, /cancelled: interrupted/);
  assert.doesNotMatch(cell, /^\s+at /m, "no stack from the kernel's or pipelab's internals");
  assert.deepEqual(JSON.parse(report), { status: "cancelled", error: "AbortError", cause: "interrupted", threads: 0 });
});
