#!/usr/bin/env node
// The `pipelab-kernel` command; the code is in src/kernel/cli.ts.
process.exitCode = require("../dist/kernel/cli.js").main(process.argv.slice(2));
