"use strict";
module.exports = (x) => x + 1;
