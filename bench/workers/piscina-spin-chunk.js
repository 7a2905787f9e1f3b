"use strict";
const spin = require("./spin");
module.exports = (xs) => xs.map((x) => spin(x));
