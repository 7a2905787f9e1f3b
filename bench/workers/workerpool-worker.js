"use strict";
const workerpool = require("workerpool");
const spin = require("./spin");
workerpool.worker({ inc: (x) => x + 1, spin: (x) => spin(x) });
