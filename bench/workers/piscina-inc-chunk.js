"use strict";
module.exports = (xs) => xs.map((x) => x + 1);
