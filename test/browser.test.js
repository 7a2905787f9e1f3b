"use strict";
// Drives a real front end: Debian's classic Jupyter Notebook (6.4) on 127.0.0.1 with a random port
// and token, in Debian's Chromium through puppeteer-core. Every notebook in notebooks/ is run from a
// temporary copy, and what the page shows is checked: no error output, charts drawn at a real size,
// each run's statistics table shown once; a scratch notebook checks the live table and Kernel >
// Interrupt. Screenshots go to a temporary folder named in the output. Skipped loudly without
// Chromium or Jupyter Notebook, and failing under CI=true.
const { test, before, after } = require("node:test");
const assert = require("node:assert/strict");
const { spawnSync } = require("node:child_process");
const { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } = require("node:fs");
const { join, resolve } = require("node:path");
const { tmpdir } = require("node:os");
const { main: kernelCli } = require("../dist/kernel/cli");
const { jupyterEnv, startNotebookServer, trust, sleep, within } = require("./browser/server");
const { openNotebook, closeNotebook, waitIdle, readCells, cellNow, screenshot } = require("./browser/page");
const { STACK_LINE, firstLine, where, quote, errorOutputs, chartProblems, tableProblems } = require("./browser/checks");

const ROOT = resolve(__dirname, "..");
const NOTEBOOKS = join(ROOT, "notebooks");
const CHROMIUM = process.env.PIPELAB_CHROMIUM || "/usr/bin/chromium";
const notebooks = readdirSync(NOTEBOOKS)
  .filter((f) => f.endsWith(".ipynb"))
  .sort();

const missingParts = [];
if (!existsSync(CHROMIUM)) missingParts.push(`Chromium (${CHROMIUM}; Debian's chromium package)`);
const notebookProbe = spawnSync("jupyter", ["notebook", "--version"], { encoding: "utf8" });
if (notebookProbe.status !== 0) missingParts.push("Jupyter Notebook (`jupyter notebook`; Debian's jupyter-notebook package)");
let puppeteer;
try {
  puppeteer = require("puppeteer-core");
} catch {
  missingParts.push("puppeteer-core (npm install)");
}
const missing = missingParts.length === 0 ? "" : `${missingParts.join(" and ")} not found: the browser tests did NOT run.`;
if (missing && process.env.CI !== "true") {
  process.stderr.write(`\n${"!".repeat(100)}\n!! ${missing}\n${"!".repeat(100)}\n\n`);
}
const skip = missing || false;

// The scratch notebook: a run of about 3 s with live progress, a long run to interrupt, and a cell after it.
const LIVE = "browser-live-and-interrupt.ipynb";
const LIVE_CELLS = [
  `import { range } from "pipelab";`,
  `await range(30).map(async (x: number) => { await new Promise((r) => setTimeout(r, 100)); return x; }, { workers: 1, name: "slow" }).run()`,
  `await range(600).map(async (x: number) => { await new Promise((r) => setTimeout(r, 100)); return x; }, { workers: 1, name: "long" }).run()`,
  `1 + 1`,
];

let work;
let shots;
let server;
let browser;

function notebookJson(sources) {
  return {
    nbformat: 4,
    nbformat_minor: 5,
    metadata: {
      kernelspec: { name: "pipelab", display_name: "TypeScript (pipelab)", language: "typescript" },
      language_info: { name: "typescript" },
    },
    cells: sources.map((source, i) => ({ cell_type: "code", id: `c${i}`, execution_count: null, metadata: {}, outputs: [], source })),
  };
}

before(async () => {
  if (missing) return;
  work = mkdtempSync(join(tmpdir(), "pipelab-browser-"));
  // Also when this process is ended before the after hook runs.
  process.on("exit", () => rmSync(work, { recursive: true, force: true }));
  shots = mkdtempSync(join(tmpdir(), "pipelab-browser-screenshots-"));
  assert.equal(
    kernelCli(["install", "--prefix", work], () => {}),
    0,
  );
  // The notebooks are opened from a copy (nothing is saved into the repository), while their kernels
  // run in notebooks/ itself, as in test/notebooks.test.js: node_modules/pipelab there links this
  // repository and its dependencies are found above it, as in a user's project. (From a copy elsewhere
  // with only pipelab linked, TypeScript cannot name danfojs's types: TS2742 on `const df = ...`.)
  const dir = join(work, "notebooks");
  mkdirSync(dir);
  for (const entry of readdirSync(NOTEBOOKS, { withFileTypes: true })) {
    if (entry.isFile()) copyFileSync(join(NOTEBOOKS, entry.name), join(dir, entry.name));
  }
  writeFileSync(join(dir, LIVE), JSON.stringify(notebookJson(LIVE_CELLS), null, 1));
  trust(
    [...notebooks, LIVE].map((name) => join(dir, name)),
    jupyterEnv(work),
  );
  server = await startNotebookServer({ dir, kernelDir: NOTEBOOKS, work });
  browser = await puppeteer.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ["--no-sandbox", "--disable-dev-shm-usage"],
    timeout: 30_000,
  });
});

after(async () => {
  const problems = [];
  if (browser) {
    const child = browser.process();
    await within(browser.close(), 10_000).catch((error) => problems.push(`closing Chromium: ${error.message}`));
    if (child && child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
  }
  if (server) {
    const leftovers = await server.stop();
    if (leftovers.length > 0) problems.push(`kernels left behind by the server, killed: ${leftovers.join("; ")}`);
  }
  if (work) rmSync(work, { recursive: true, force: true });
  if (problems.length > 0) process.stderr.write(`browser.test.js cleanup: ${problems.join("\n")}\n`);
});

test("Chromium and Jupyter Notebook are available (required under CI=true)", { skip: missing && process.env.CI !== "true" ? missing : false }, () => {
  assert.equal(missing, "", missing);
});

for (const name of notebooks) {
  test(`${name} in the classic Notebook in Chromium`, { skip, timeout: 90_000 }, async (t) => {
    const started = Date.now();
    const opened = await openNotebook(browser, server, name);
    let cells;
    try {
      await opened.page.evaluate(() => window.Jupyter.notebook.execute_all_cells());
      await waitIdle(opened, 60_000, "Run All");
      cells = await readCells(opened);
      const path = join(shots, `${name.replace(/\.ipynb$/, "")}.png`);
      await screenshot(opened, path);
      t.diagnostic(`screenshot: ${path} (${((Date.now() - started) / 1000).toFixed(1)} s with the kernel start)`);
      if (opened.pageErrors.length > 0) t.diagnostic(`page errors: ${opened.pageErrors.join(" | ")}`);
      for (const cell of cells) {
        for (const out of cell.outputs.filter((o) => o.overflow > 0))
          t.diagnostic(`${where(name, cell)}: an output is ${out.overflow} px wider than its area and scrolls sideways`);
      }
    } finally {
      await closeNotebook(opened);
    }
    await t.test("no error output", () => {
      const problems = errorOutputs(name, cells);
      assert.deepEqual(problems, [], problems.join("\n"));
    });
    await t.test("every chart is shown as an image or SVG larger than 100x100 px", () => {
      const problems = chartProblems(name, cells);
      assert.deepEqual(problems, [], problems.join("\n"));
    });
    await t.test("each run's statistics table is shown once in its cell, in its final state", () => {
      const problems = tableProblems(name, cells);
      assert.deepEqual(problems, [], problems.join("\n"));
    });
  });
}

test("live table and Kernel > Interrupt in the classic Notebook in Chromium", { skip, timeout: 90_000 }, async (t) => {
  const opened = await openNotebook(browser, server, LIVE);
  const { page } = opened;
  const runCell = (i) => page.evaluate((index) => window.Jupyter.notebook.execute_cells([index]), i);
  try {
    await runCell(0);
    await waitIdle(opened, 30_000, `cell 0 (${firstLine(LIVE_CELLS[0])})`);

    // The 3-second run: sample the cell every 100 ms while it runs.
    await runCell(1);
    const samples = [];
    const deadline = Date.now() + 20_000;
    for (;;) {
      const now = await cellNow(page, 1);
      samples.push(now);
      if (!now.running) break;
      if (Date.now() > deadline) throw new Error(`${LIVE} cell 1 (${firstLine(LIVE_CELLS[1])}) still runs after 20 s; it shows: ${quote(now.text)}`);
      await sleep(100);
    }
    await waitIdle(opened, 10_000, "cell 1");
    const afterRun = await cellNow(page, 1);

    // The long run, interrupted through the Kernel menu 1.5 s in, once its live table shows the run
    // going (a busy machine may take a while to compile the cell): the interrupt meets the run.
    await runCell(2);
    const runStarted = Date.now();
    let beforeInterrupt;
    do {
      await sleep(100);
      beforeInterrupt = await cellNow(page, 2);
    } while (
      Date.now() - runStarted < 15_000 &&
      (Date.now() - runStarted < 1500 || !beforeInterrupt.tables.some((table) => /^pipelab run: running\b/.test(table)))
    );
    await page.click("#kernellink");
    await page.waitForSelector("#int_kernel > a", { visible: true, timeout: 5000 });
    await page.click("#int_kernel > a");
    const interruptedAt = Date.now();
    await waitIdle(opened, 20_000, "the interrupted cell 2");
    const interruptMs = Date.now() - interruptedAt;
    const interrupted = await cellNow(page, 2);

    // At a person's pace: the cell is run once the interrupted one shows it has ended.
    await sleep(500);
    await runCell(3);
    await waitIdle(opened, 20_000, `cell 3 (${firstLine(LIVE_CELLS[3])}) after the interrupt`);
    const next = await readCells(opened);

    const path = join(shots, `${LIVE.replace(/\.ipynb$/, "")}.png`);
    await screenshot(opened, path);
    t.diagnostic(`screenshot: ${path}`);
    if (opened.pageErrors.length > 0) t.diagnostic(`page errors: ${opened.pageErrors.join(" | ")}`);

    await t.test("a 3-second run's table updates in place while it runs, then shows once, done", () => {
      // While the run goes: the samples where its table reads "running" (the result may arrive just before the cell ends).
      const during = samples.filter((s) => s.running && s.tables.some((table) => /^pipelab run: running\b/.test(table)));
      const maxTables = Math.max(0, ...during.map((s) => s.tables.length));
      const maxAreas = Math.max(0, ...during.map((s) => s.areas));
      const texts = samples.map((s) => s.tables.join("\n---\n")).filter(Boolean);
      const changes = texts.filter((text, i) => i > 0 && text !== texts[i - 1]).length;
      const runningTexts = new Set(during.flatMap((s) => s.tables).filter((table) => /^pipelab run: running\b/.test(table)));
      const ran = samples.filter((s) => s.running).length;
      const cell = `${LIVE} cell 1 (${firstLine(LIVE_CELLS[1])})`;
      assert.ok(ran >= 10, `${cell} ended after ${ran} samples of 100 ms: it should take about 3 s`);
      assert.ok(
        maxTables <= 1 && maxAreas <= 1,
        `${cell}: while it runs the cell holds up to ${maxTables} statistics tables in ${maxAreas} output areas: updates must replace the entry, not add one`,
      );
      assert.ok(
        runningTexts.size >= 2 && changes >= 2,
        `${cell}: the table changed ${changes} times while the run went (${runningTexts.size} distinct "running" states in ${ran} samples); last seen: ${quote(texts.at(-1) ?? "(no table)")}`,
      );
      assert.equal(afterRun.tables.length, 1, `${cell} shows ${afterRun.tables.length} statistics tables after the run: ${quote(afterRun.text)}`);
      assert.match(afterRun.tables[0], /^pipelab run: done\b/, `${cell}: the final table: ${quote(afterRun.tables[0])}`);
    });

    await t.test("Kernel > Interrupt ends the long run as cancelled, without a stack", () => {
      const cell = `${LIVE} cell 2 (${firstLine(LIVE_CELLS[2])})`;
      assert.ok(beforeInterrupt.running, `${cell} had ended before the interrupt: ${quote(beforeInterrupt.text)}`);
      assert.ok(
        beforeInterrupt.tables.some((table) => /^pipelab run: running\b/.test(table)),
        `${cell} showed no running table 15 s after it started: ${quote(beforeInterrupt.text)}`,
      );
      t.diagnostic(`the interrupted cell ended ${interruptMs} ms after Kernel > Interrupt`);
      assert.match(interrupted.text, /cancelled/, `${cell} after Kernel > Interrupt: ${quote(interrupted.text)}`);
      assert.doesNotMatch(interrupted.text, STACK_LINE, `${cell} shows a stack: ${quote(interrupted.text)}`);
      assert.doesNotMatch(interrupted.text, /Interrupted asynchronously/, `${cell} shows tslab's interrupt message: ${quote(interrupted.text)}`);
    });

    await t.test("the next cell runs after the interrupt", () => {
      const cell = next[3];
      const text = cell.outputs.map((o) => o.text).join("\n");
      assert.equal(typeof cell.prompt, "number", `${where(LIVE, cell)} did not run (prompt ${JSON.stringify(cell.prompt)}): ${quote(text)}`);
      assert.equal(text.trim(), "2", `${where(LIVE, cell)} shows ${quote(text)}`);
    });
  } finally {
    await closeNotebook(opened);
  }
});

// The checks above pass only if they can fail: fed what a broken page shows, each reports it.
test("the page checks report an error, a chart shown as text, a doubled table and one left running", () => {
  const table = "pipelab run: done in 3.02 s\nstage\tmode\tin\nslow\tasync ×1\t30\t30\t0\t0\t10";
  const cell = (source, outputs, prompt = 1) => ({ index: 1, type: "code", source, prompt, outputs });
  const out = (kind, text, more = {}) => ({ kind, text, tables: [], images: [], overflow: 0, ...more });
  const broken = [
    cell("throw new Error()", [out("output_subarea output_error", "Error: boom\n    at x (y.js:1:1)")]),
    cell("a.chart('x')", [out("output_subarea output_text output_result", "VegaLite {}")]),
    cell("await p.run()", [out("output_subarea output_html", table, { tables: [table] }), out("output_subarea output_html", table, { tables: [table] })]),
    cell("await q.run()", [out("output_subarea output_html", "", { tables: [table.replace("done in 3.02 s", "running for 1.0 s")] })]),
    cell("1 + 1", [], null),
  ];
  assert.equal(errorOutputs("x.ipynb", broken).length, 2);
  assert.match(chartProblems("x.ipynb", broken).join("\n"), /asks for 1 chart\(s\) and shows 0/);
  assert.match(tableProblems("x.ipynb", broken).join("\n"), /one run's table 2 times/);
  assert.match(tableProblems("x.ipynb", broken).join("\n"), /still reads "running"/);
  const fine = [cell("p.chart('x')", [out("output_subarea output_svg", "", { images: [{ tag: "svg", width: 400, height: 200 }] })])];
  assert.deepEqual([...errorOutputs("x.ipynb", fine), ...chartProblems("x.ipynb", fine), ...tableProblems("x.ipynb", fine)], []);
});
