"use strict";
// pipelab's declarations as a user's project meets them: checked with skipLibCheck false, so
// every .d.ts that `import "pipelab"` reaches (danfojs's included) must compile. With
// TypeScript 5.0 and Node10 resolution (how tslab checks a cell, ignoring package.json
// "exports") and with the TypeScript that builds pipelab, both with @types/node 20; the newest
// TypeScript and @types/node are checked in a fresh project by test/user-project.test.js.
// test/types/inference.ts checks that item types flow through every stage; every TypeScript
// snippet of the README must compile under --strict as written.
const { test } = require("node:test");
const assert = require("node:assert/strict");
const fs = require("node:fs");
const os = require("node:os");
const path = require("node:path");

const root = path.join(__dirname, "..");

function typeErrors(ts, files) {
  const program = ts.createProgram(files, {
    strict: true,
    noEmit: true,
    skipLibCheck: false,
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.ESNext,
    moduleResolution: ts.ModuleResolutionKind.NodeJs,
    lib: ["lib.es2022.d.ts"],
    types: ["node"],
    typeRoots: [path.join(root, "node_modules", "@types")],
    baseUrl: root,
    paths: { pipelab: ["./dist/index.d.ts"] },
  });
  return ts.getPreEmitDiagnostics(program).map((d) => {
    const where = d.file ? `${path.basename(d.file.fileName)}:${d.file.getLineAndCharacterOfPosition(d.start).line + 1}` : "";
    return `${where} ${ts.flattenDiagnosticMessageText(d.messageText, "\n")}`;
  });
}

/** The README's ```ts blocks, each as a module of its own, with the user's functions they call declared. */
function readmeSnippets(t) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "pipelab-readme-"));
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  const blocks = [...fs.readFileSync(path.join(root, "README.md"), "utf8").matchAll(/^```ts\n([\s\S]*?)^```$/gm)].map((m) => m[1]);
  assert.ok(blocks.length >= 6, `the README's TypeScript snippets were found (${blocks.length})`);
  const files = [path.join(__dirname, "types", "readme-globals.d.ts")];
  blocks.forEach((code, i) => {
    const file = path.join(dir, `readme-${i + 1}.ts`);
    fs.writeFileSync(file, `${code}\nexport {};\n`);
    files.push(file);
  });
  return files;
}

const checked = (t) => [path.join(__dirname, "types", "inference.ts"), ...readmeSnippets(t)];

test("pipelab's declarations, the inference checks and the README's snippets compile with TypeScript 5.0 and Node10 resolution", (t) => {
  const ts = require("typescript-5.0");
  assert.equal(ts.versionMajorMinor, "5.0");
  assert.deepEqual(typeErrors(ts, checked(t)), []);
});

test("the same with the TypeScript that builds pipelab", (t) => {
  assert.deepEqual(typeErrors(require("typescript"), checked(t)), []);
});

test("apache-arrow's Table and nodejs-polars's DataFrame fit ArrowTableLike and PolarsDataFrameLike, and can be passed as the result's type", () => {
  assert.deepEqual(typeErrors(require("typescript"), [path.join(__dirname, "types", "columnar.ts")]), []);
});

test("a README snippet that misuses the API is reported (the check is real)", () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "pipelab-readme-"));
  try {
    const file = path.join(dir, "bad.ts");
    fs.writeFileSync(file, 'import { from } from "pipelab";\nconst n: number = (await from(["a"]).toArray())[0];\nexport {};\n');
    const errors = typeErrors(require("typescript"), [file]);
    assert.equal(errors.length, 1);
    assert.match(errors[0], /bad\.ts:2 Type 'string' is not assignable to type 'number'/);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
