"use strict";
// The house keeps its shape: no import cycle in src/ (type-only imports and lazy require()s
// count), imports point down the floors below, and no file grows past ~300 lines without saying
// why at its top. Read from the sources themselves, so a change that breaks the layout fails here.
const { test } = require("node:test");
const assert = require("node:assert/strict");
const fs = require("node:fs");
const path = require("node:path");

const SRC = path.join(__dirname, "..", "src");

/**
 * The floors, lowest first: a file may import files of its own floor (its own folder, or, for
 * the base files, each other) and of floors below, never above. A folder is one floor.
 */
const FLOORS = [
  ["thenable.ts", "envelope.ts", "buffer.ts", "doorbell.ts", "fair-share.ts", "errors.ts", "options.ts", "run-control.ts"],
  ["run-options.ts", "stage-function.ts"],
  ["stats/"],
  ["executors/"],
  ["cluster/"],
  ["cache/"],
  ["stages/"],
  ["steps.ts"],
  ["run-parts.ts"],
  ["display/"],
  ["kernel/"],
  ["supervisor.ts"],
  ["sinks/"],
  ["run-stats.ts"],
  ["pipeline.ts"],
  ["sources/"],
  ["index.ts"],
];

function sourceFiles(dir = SRC) {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(full);
    return entry.name.endsWith(".ts") ? [path.relative(SRC, full).split(path.sep).join("/")] : [];
  });
}

/** The files of src/ that `file` imports: `import`/`export ... from`, `import type`, `require()` and `import()` of relative paths. */
function importsOf(file) {
  const text = fs.readFileSync(path.join(SRC, file), "utf8");
  const specs = [...text.matchAll(/(?:\bfrom\s+|\brequire\(\s*|\bimport\(\s*)"(\.{1,2}\/[^"]+)"/g)].map((m) => m[1]);
  return specs.map((spec) => {
    const target = path.posix.normalize(path.posix.join(path.posix.dirname(file), spec));
    for (const candidate of [`${target}.ts`, `${target}/index.ts`]) if (fs.existsSync(path.join(SRC, candidate))) return candidate;
    throw new Error(`${file} imports ${spec}, which is not a file of src/`);
  });
}

const floorOf = (file) => {
  const top = file.includes("/") ? `${file.split("/")[0]}/` : file;
  const floor = FLOORS.findIndex((names) => names.includes(top));
  assert.notEqual(floor, -1, `${file} stands on no floor: add it to FLOORS in test/layout.test.js`);
  return floor;
};

const files = sourceFiles();
const graph = new Map(files.map((file) => [file, importsOf(file)]));

test("src/ has no import cycle, type-only imports and lazy require()s included", () => {
  const state = new Map();
  const cycles = [];
  const visit = (file, trail) => {
    state.set(file, "open");
    for (const next of graph.get(file)) {
      if (state.get(next) === "open") cycles.push([...trail.slice(trail.indexOf(next)), next].join(" -> "));
      else if (!state.has(next)) visit(next, [...trail, next]);
    }
    state.set(file, "done");
  };
  for (const file of files) if (!state.has(file)) visit(file, [file]);
  assert.deepEqual(cycles, []);
});

test("imports point down: no file imports one on a floor above its own", () => {
  const upward = [];
  for (const [file, targets] of graph) {
    for (const target of targets) if (floorOf(target) > floorOf(file)) upward.push(`${file} -> ${target}`);
  }
  assert.deepEqual(upward, []);
});

test("no file is over about 300 lines without a reason at its top", () => {
  const long = files.filter((file) => {
    const text = fs.readFileSync(path.join(SRC, file), "utf8");
    return text.split("\n").length > 320 && !/^\/\*\*[\s\S]*?Longer than 300 lines because[\s\S]*?\*\//.test(text);
  });
  assert.deepEqual(long, []);
});
