"use strict";
const { parentPort } = require("node:worker_threads");
parentPort.on("message", (x) => parentPort.postMessage(x + 1));
