"use strict";
// The code is as the formatter writes it (prettier, .prettierrc.json): `npm run format` fixes it.
const { test } = require("node:test");
const assert = require("node:assert/strict");
const { spawnSync } = require("node:child_process");
const path = require("node:path");

const root = path.join(__dirname, "..");
const GLOBS = ["src/**/*.ts", "types/*.d.ts", "test/**/*.{js,ts}", "bench/**/*.js", "examples/*.js", "kernel/*.js", "bin/*.js"];

test("every source file is formatted (npm run format)", () => {
  const prettier = require.resolve("prettier/bin/prettier.cjs");
  const out = spawnSync(process.execPath, [prettier, "--list-different", ...GLOBS], { cwd: root, encoding: "utf8" });
  assert.equal(out.stderr, "");
  assert.deepEqual(out.stdout.split("\n").filter(Boolean), [], "files the formatter would change");
});
