#!/usr/bin/env node
// The `pipelab` command (`pipelab worker ...`); the code is in src/cluster/cli.ts.
require("../dist/cluster/cli.js")
  .main(process.argv.slice(2))
  .then((code) => (process.exitCode = code));
