"use strict";
// The emitted .d.ts files must serve tslab: TypeScript 5.0, Node10 resolution
// (which ignores package.json "exports"), CommonJS. test/types/inference.ts
// checks that item types flow through every stage.
const { test } = require("node:test");
const assert = require("node:assert/strict");
const path = require("node:path");

function typeErrors(ts) {
  const root = path.join(__dirname, "..");
  const program = ts.createProgram([path.join(__dirname, "types", "inference.ts")], {
    strict: true,
    noEmit: true,
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.CommonJS,
    moduleResolution: ts.ModuleResolutionKind.NodeJs,
    lib: ["lib.es2022.d.ts"],
    types: ["node"],
    typeRoots: [path.join(root, "node_modules", "@types")],
    baseUrl: root,
    paths: { pipelab: ["./dist/index.d.ts"] },
  });
  // danfojs-node 1.2.0's own declarations do not check cleanly (they need esModuleInterop and
  // @types they do not depend on); only a cell's own diagnostics reach a notebook user.
  const ours = (d) => !d.file || !d.file.fileName.includes("node_modules/danfojs-node/");
  return ts.getPreEmitDiagnostics(program).filter(ours).map((d) => {
    const where = d.file ? `${path.relative(root, d.file.fileName)}:${d.file.getLineAndCharacterOfPosition(d.start).line + 1}` : "";
    return `${where} ${ts.flattenDiagnosticMessageText(d.messageText, "\n")}`;
  });
}

test("dist/*.d.ts type-check a notebook-style file with TypeScript 5.0 and Node10 resolution", () => {
  const ts = require("typescript-5.0");
  assert.equal(ts.versionMajorMinor, "5.0");
  assert.deepEqual(typeErrors(ts), []);
});

test("the same file type-checks with the TypeScript that builds pipelab", () => {
  assert.deepEqual(typeErrors(require("typescript")), []);
});
