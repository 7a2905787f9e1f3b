"use strict";
// The mending of tslab's compiled cells, on its own (test/kernel-cells.test.js runs it in a kernel).
const { test } = require("node:test");
const assert = require("node:assert/strict");
const { rewriteCell } = require("../dist/kernel/cell-rewrite");
const { loadTslabParts } = require("../dist/kernel/tslab-parts");

const { ts } = loadTslabParts();
const earlier = new Set(["severity", "limit"]);
const rewrite = (js) => rewriteCell(ts, js, (name) => earlier.has(name));

test("a shorthand property naming an earlier cell's variable reads it from exports", () => {
  assert.equal(rewrite("const o = { context: { severity, other } };").js, "const o = { context: { severity: exports.severity, other } };");
  assert.equal(rewrite("({ severity = 1 } = {});").js, "({ severity: exports.severity = 1 } = {});", "destructuring assignment with a default");
});

test("a name declared around the shorthand is left alone: parameters, blocks, catch, for, var, the cell's own", () => {
  for (const js of [
    "const f = (severity) => ({ severity });",
    "function g({ severity }) { return { severity }; }",
    "{ const severity = 1; use({ severity }); }",
    "try {} catch (severity) { use({ severity }); }",
    "for (const severity of xs) use({ severity });",
    "function h() { if (x) { var severity = 2; } return { severity }; }",
    "const severity = 4;\nuse({ severity });",
    "const k = function severity() { return { severity }; };",
  ]) {
    assert.equal(rewrite(js).js, js, js);
  }
  assert.equal(rewrite("function f(x) { return { limit }; }").js, "function f(x) { return { limit: exports.limit }; }");
});

test("an await or for await outside any function asks for the async wrapper; one inside a function does not", () => {
  assert.equal(rewrite("for await (const r of exports.gen()) console.log(r);").topLevelAwait, true);
  assert.equal(rewrite("exports.tsLastExpr = await (async () => 1)();").topLevelAwait, true);
  assert.equal(rewrite("const xs = [await a, 2];").topLevelAwait, true);
  assert.equal(rewrite("async function f() { await a; for await (const r of b) {} }").topLevelAwait, false);
  assert.equal(rewrite("const f = async () => await a;").topLevelAwait, false);
});
