"use strict";
// pipelab as a new user meets it: `npm pack` of a fresh copy of this repository (its tracked
// files only, so dist/ must come from the pack itself), a new project that installs the tarball
// with plain `npm install` from the registry (no overrides, no flags that change what is
// installed), then, in that project: a CommonJS and an ESM script, a TypeScript file checked
// under --strict with skipLibCheck false by the newest TypeScript and whatever @types/node npm
// picked, and the kernel installed into a prefix and a notebook executed there. Anything on
// stderr is a failure. One install is shared by every case.
const { test, before, after } = require("node:test");
const assert = require("node:assert/strict");
const { execFileSync, spawn, spawnSync } = require("node:child_process");
const fs = require("node:fs");
const os = require("node:os");
const path = require("node:path");

const repo = path.join(__dirname, "..");
const npm = process.platform === "win32" ? "npm.cmd" : "npm";
const jupyterFound = spawnSync("jupyter", ["nbconvert", "--version"]).status === 0;
const noJupyter = !jupyterFound && process.env.CI !== "true" && "Jupyter (jupyter nbconvert) is not installed";

let work;
let project;
let tarball;
let packed;

/** Runs a command to its end (killed after 2 minutes: a process that does not exit by itself fails); resolves { code, stdout, stderr }. */
function run(command, args, options = {}) {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: project, stdio: ["ignore", "pipe", "pipe"], timeout: 120_000, ...options });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d) => (stdout += d));
    child.stderr.on("data", (d) => (stderr += d));
    child.on("error", reject);
    child.on("exit", (code) => resolve({ code, stdout, stderr }));
  });
}

/** A run that must succeed with nothing on stderr; resolves its stdout. */
async function clean(command, args, options) {
  const result = await run(command, args, options);
  assert.equal(result.stderr, "", `${command} ${args.join(" ")} wrote to stderr`);
  assert.equal(result.code, 0, `${command} ${args.join(" ")} exited ${result.code}\n${result.stdout.slice(-2000)}`);
  return result.stdout;
}

/** The repository as a fresh clone has it: tracked files only, no dist/, its node_modules linked for the build. */
function freshCopy() {
  const copy = path.join(work, "clone");
  const tracked = execFileSync("git", ["ls-files", "-z"], { cwd: repo, encoding: "utf8" }).split("\0").filter(Boolean);
  for (const file of tracked) {
    const [from, to] = [path.join(repo, file), path.join(copy, file)];
    fs.mkdirSync(path.dirname(to), { recursive: true });
    if (fs.lstatSync(from).isSymbolicLink()) fs.symlinkSync(fs.readlinkSync(from), to);
    else fs.copyFileSync(from, to);
  }
  fs.symlinkSync(path.join(repo, "node_modules"), path.join(copy, "node_modules"), "dir");
  return copy;
}

const CJS = `
const before = new Set(Object.keys(require.cache));
const { range } = require("pipelab");
const heavy = Object.keys(require.cache).filter((k) => !before.has(k) && !k.includes("/pipelab/dist/") && !/node_modules\\/csv-(parse|stringify)\\//.test(k));
console.log(JSON.stringify({ loaded: heavy }));
`;

/** The body both scripts share: every way out of a pipeline a new user tries first. */
const PIPELINE = `
(async () => {
  const p = range(300)
    .map((x, ctx) => ({ id: x, score: x * ctx.factor }), { mode: "worker", workers: 2, context: { factor: 3 }, name: "score" })
    .map(async (row) => ({ ...row, label: "row " + row.id }), { workers: 8, name: "label" });
  const df = await p.toDataFrame();
  const file = await p.toCSV("out.csv");
  const png = await p.stats().chart("throughput").toPNG();
  console.log(JSON.stringify({
    shape: df.shape, sum: df.column("score").sum(), rows: file.rows,
    csv: readFileSync("out.csv", "utf8").split("\\n").slice(0, 2),
    png: png.subarray(1, 4).toString(), stages: p.stats().stages.map((s) => s.name),
  }));
})();
`;

const TS = `
import { from, range, type Pipeline, type RunStats } from "pipelab";

declare const urls: string[];
declare function fetchPage(url: string): Promise<{ url: string; ok: boolean }>;

export async function main(): Promise<void> {
  const p = from(urls).map(fetchPage, { workers: 16, retries: 2, retryDelay: 200, timeout: 10_000, onError: "collect" });
  const pages = await p.toArray();
  const { failures } = p.stats();
  await from(failures.map((f) => f.item)).map(fetchPage).toArray();
  const scaled: Pipeline<number> = range(10).map((x, ctx) => x * ctx.k, { mode: "worker", workers: 2, context: { k: 2 } });
  const stats: RunStats = await scaled.run();
  const df = await scaled.toDataFrame();
  const png: Buffer = await stats.chart("throughput").toPNG();
  console.log(pages.length, df.shape, png.length);
}
`;

before(async () => {
  work = fs.mkdtempSync(path.join(os.tmpdir(), "pipelab-user-"));
  project = path.join(work, "my-project");
  fs.mkdirSync(project);
  const copy = freshCopy();
  const pack = await run(npm, ["pack", "--json", "--pack-destination", work], { cwd: copy });
  assert.equal(pack.code, 0, `npm pack failed:\n${pack.stderr.slice(-2000)}`);
  [packed] = JSON.parse(pack.stdout.slice(pack.stdout.indexOf("[")));
  tarball = path.join(work, packed.filename);
  fs.writeFileSync(path.join(project, "package.json"), JSON.stringify({ name: "my-project", version: "1.0.0", private: true }, null, 2));
  // --loglevel=error: npm's warnings (install scripts it did not run) stay out of stderr, so that
  // anything there is an error. What gets installed is what a plain `npm install` installs.
  await clean(npm, ["install", "--no-audit", "--no-fund", "--loglevel=error", tarball, "typescript"]);
});

after(() => work && fs.rmSync(work, { recursive: true, force: true }));

test("npm pack of a fresh clone builds dist/ and ships the bins, nothing of the repository's own", () => {
  const files = packed.files.map((f) => f.path);
  for (const needed of [
    "dist/index.js",
    "dist/index.d.ts",
    "types/danfojs-ambient.d.ts",
    "bin/pipelab.js",
    "kernel/pipelab-kernel.js",
    "package.json",
    "README.md",
  ]) {
    assert.ok(files.includes(needed), `${needed} is in the tarball`);
  }
  const stray = files.filter((f) => /^(test|bench|notebooks|examples|src)\/|\.map$/.test(f));
  assert.deepEqual(stray, [], "no tests, benches, notebooks, sources or source maps");
  const manifest = JSON.parse(fs.readFileSync(path.join(project, "node_modules", "pipelab", "package.json"), "utf8"));
  assert.deepEqual(Object.keys(manifest.bin).sort(), ["pipelab", "pipelab-kernel"]);
  assert.equal(manifest.overrides, undefined, "nothing that only works in the root project");
});

test("the user's project got every dependency from the registry", () => {
  const lock = JSON.parse(fs.readFileSync(path.join(project, "package-lock.json"), "utf8"));
  const offRegistry = Object.entries(lock.packages)
    .filter(([where, entry]) => where !== "" && where !== "node_modules/pipelab" && entry.resolved && !entry.resolved.startsWith("https://registry.npmjs.org/"))
    .map(([where, entry]) => `${where}: ${entry.resolved}`);
  assert.deepEqual(offRegistry, []);
});

test('require("pipelab") loads nothing heavy: BullMQ, ioredis, vega, danfojs, tslab, resvg and piscina wait for first use', async () => {
  fs.writeFileSync(path.join(project, "import-cost.cjs"), CJS);
  const { loaded } = JSON.parse(await clean(process.execPath, ["import-cost.cjs"]));
  assert.deepEqual(loaded, []);
});

test("the stage cache works there: lmdb installs with plain npm install and loads on the first cached run", async () => {
  const script = `
    const { range, cache } = require("pipelab");
    (async () => {
      const before = Object.keys(require.cache).some((k) => k.includes("/lmdb/"));
      const build = () => range(50).map(async (x) => x * 2, { name: "double", cache: { name: "double" } });
      await build().run({ progress: false });
      const again = build();
      await again.run({ progress: false });
      const [info] = await cache.info();
      console.log(JSON.stringify({ before, hits: again.stats().stages[1].cacheHits, entries: info.entries }));
    })();`;
  fs.writeFileSync(path.join(project, "cached.cjs"), script);
  const out = JSON.parse(await clean(process.execPath, ["cached.cjs"]));
  assert.deepEqual(out, { before: false, hits: 50, entries: 50 });
  assert.ok(fs.existsSync(path.join(project, ".pipelab-cache")), "the cache lives under the project's working directory");
});

for (const [kind, file, code] of [
  ["CommonJS", "use.cjs", `const { range } = require("pipelab");\nconst { readFileSync } = require("node:fs");\n${PIPELINE}`],
  ["ESM", "use.mjs", `import { range } from "pipelab";\nimport { readFileSync } from "node:fs";\n${PIPELINE}`],
]) {
  test(`a ${kind} script: worker stage with context, async stage, toDataFrame, toCSV, a PNG chart; it exits by itself`, async () => {
    fs.writeFileSync(path.join(project, file), code);
    const out = JSON.parse(await clean(process.execPath, [file]));
    assert.deepEqual(out.shape, [300, 3]);
    assert.equal(out.sum, (3 * 299 * 300) / 2);
    assert.equal(out.rows, 300);
    assert.deepEqual(out.csv, ["id,score,label", "0,0,row 0"]);
    assert.equal(out.png, "PNG");
    assert.deepEqual(out.stages, ["source", "score", "label"]);
  });
}

test("a TypeScript file type-checks under --strict, skipLibCheck false, with the newest TypeScript and the @types/node npm chose", async () => {
  fs.writeFileSync(path.join(project, "use.ts"), TS);
  const tsconfig = {
    compilerOptions: { strict: true, skipLibCheck: false, noEmit: true, module: "nodenext", moduleResolution: "nodenext", target: "es2022" },
    files: ["use.ts"],
  };
  fs.writeFileSync(path.join(project, "tsconfig.json"), JSON.stringify(tsconfig));
  const tsc = path.join(project, "node_modules", "typescript", "bin", "tsc");
  const result = await run(process.execPath, [tsc, "-p", "."]);
  assert.equal(result.stdout + result.stderr, "", "no diagnostics");
  assert.equal(result.code, 0);
});

test("npx pipelab-kernel --help says where the kernel goes and how Jupyter finds a --prefix", async () => {
  const help = await clean(npm, ["exec", "--", "pipelab-kernel", "--help"]);
  assert.match(help, /--prefix/);
  assert.match(help, /JUPYTER_PATH/);
  assert.doesNotMatch(help, /notebooks\//, "no folder that exists only in pipelab's repository");
});

test("the kernel installed from the project into a prefix runs a notebook there", { skip: noJupyter }, async () => {
  assert.ok(jupyterFound, "Jupyter is required under CI=true");
  const prefix = path.join(work, "env");
  const said = await clean(npm, ["exec", "--", "pipelab-kernel", "install", "--prefix", prefix]);
  assert.match(said, new RegExp(`JUPYTER_PATH=${path.join(prefix, "share", "jupyter").replace(/[/\\]/g, "[/\\\\]")}`));
  assert.doesNotMatch(said, /notebooks\//);
  const cell = (source) => ({ cell_type: "code", execution_count: null, metadata: {}, outputs: [], source });
  const notebook = {
    nbformat: 4,
    nbformat_minor: 5,
    metadata: { kernelspec: { name: "pipelab", display_name: "TypeScript (pipelab)", language: "typescript" } },
    cells: [
      cell('import { range } from "pipelab";'),
      cell(
        'const squares = await range(5).map((x, ctx) => x * x * ctx.k, { mode: "worker", workers: 2, context: { k: 2 } }).toArray();\nconsole.log(squares.join(","));',
      ),
      cell('const stats = await range(100).map(async (x) => x + 1, { workers: 4, name: "plus one" }).run();\nstats'),
    ],
  };
  fs.writeFileSync(path.join(project, "first.ipynb"), JSON.stringify(notebook));
  const env = { ...process.env, JUPYTER_PATH: path.join(prefix, "share", "jupyter"), JUPYTER_PLATFORM_DIRS: "1" };
  const result = await run(
    "jupyter",
    ["nbconvert", "--execute", "--to", "notebook", "--ExecutePreprocessor.timeout=60", "--output", "first-run.ipynb", "first.ipynb"],
    { env },
  );
  assert.equal(result.code, 0, result.stderr.slice(-3000));
  const outputs = JSON.parse(fs.readFileSync(path.join(project, "first-run.ipynb"), "utf8")).cells.flatMap((c) => c.outputs);
  const problems = outputs.filter((o) => o.output_type === "error" || (o.output_type === "stream" && o.name === "stderr"));
  assert.deepEqual(problems, []);
  const text = (v) => (Array.isArray(v) ? v.join("") : (v ?? ""));
  assert.ok(
    outputs.some((o) => o.output_type === "stream" && text(o.text).includes("0,2,8,18,32")),
    "the worker stage ran in the user's kernel",
  );
  assert.ok(
    outputs.some((o) => text(o.data?.["text/html"]).includes("plus one")),
    "the run's statistics table",
  );
});
