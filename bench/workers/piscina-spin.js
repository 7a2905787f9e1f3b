"use strict";
const spin = require("./spin");
module.exports = (x) => spin(x);
