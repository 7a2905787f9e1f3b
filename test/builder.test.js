"use strict";
// Bad input fails when the pipeline is built, with the option's name in the message.
const { test } = require("node:test");
const assert = require("node:assert/strict");
const { from, range, concat } = require("../dist");

const id = (x) => x;

test("a source that is not iterable is a TypeError at from()", () => {
  for (const bad of [42, null, undefined, { a: 1 }]) assert.throws(() => from(bad), { name: "TypeError", message: /from\(\): expected an iterable/ });
});

test("a stage function that is neither a function nor a module spec is a TypeError", () => {
  for (const op of ["map", "flatMap", "filter", "each"]) {
    assert.throws(() => range(1)[op]("x => x"), { name: "TypeError", message: new RegExp(`${op}\\(\\): expected a function or \\{ module, export \\}`) });
  }
});

test("each option is checked and named", () => {
  const cases = [
    [{ workers: 0 }, RangeError, /"workers" must be an integer from 1 to 10000, got number 0/],
    [{ workers: 1e9 }, RangeError, /"workers" must be an integer from 1 to 10000/],
    [{ timeout: 2 ** 31 }, RangeError, /"timeout" must be a positive number of milliseconds up to 2147483647/],
    [{ workers: 2.5 }, RangeError, /"workers"/],
    [{ workers: "4" }, RangeError, /"workers"/],
    [{ maxsize: -1 }, RangeError, /"maxsize" must be a non-negative integer/],
    [{ timeout: -5 }, RangeError, /"timeout" must be a positive number/],
    [{ timeout: 0 }, RangeError, /"timeout"/],
    [{ mode: "cluster" }, TypeError, /cluster mode needs option "connection", a Redis URL/],
    [{ connection: "redis://x" }, TypeError, /option "connection" applies to mode: "cluster"/],
    [{ mode: "cluster", connection: "redis://x", secret: "short" }, TypeError, /option "secret" must be a string of at least 16 characters/],
    [{ mode: "thread" }, TypeError, /"mode" must be one of "sync", "async", "worker", "cluster", got "thread"/],
    [{ ordered: "yes" }, TypeError, /"ordered" must be a boolean/],
    [{ onStart: 1 }, TypeError, /"onStart" must be a function/],
    [{ onDone: "x" }, TypeError, /"onDone" must be a function/],
    [{ context: 5 }, TypeError, /"context" must be an object/],
    [{ context: { worker: 1 } }, TypeError, /"context" must not have a key "worker"/],
    [{ name: "" }, TypeError, /"name" must be a non-empty string/],
    [{ worker: 4 }, TypeError, /unknown option "worker"/],
  ];
  for (const [options, type, message] of cases) {
    assert.throws(
      () => range(3).map(id, options),
      (e) => e instanceof type && message.test(e.message),
      JSON.stringify(options),
    );
  }
  assert.throws(() => range(3).map(id, 5), TypeError);
  assert.throws(() => range(3).take(-1), RangeError);
  assert.throws(() => range(3).take(1.5), RangeError);
  assert.throws(() => concat(range(1), [1, 2]), /concat\(\): argument 2 is not a pipeline/);
});

test("run options are checked like stage options: a typo or a wrong type is a TypeError naming it", async () => {
  assert.throws(() => range(1).iterate({ signal: {} }), /iterate\(\): option "signal" must be an AbortSignal, got an object/);
  assert.throws(() => range(1).iterate(5), /iterate\(\): options must be an object, got number 5/);
  const rejected = [
    [(p) => p.toArray(1), /toArray\(\): options must be an object, got number 1/],
    [(p) => p.toArray(null), /toArray\(\): options must be an object, got null/],
    [(p) => p.run("x"), /run\(\): options must be an object, got "x"/],
    // Before, a misspelt signal ran to the end and never cancelled; a misspelt progress was ignored.
    [(p) => p.toArray({ sginal: AbortSignal.timeout(10) }), /toArray\(\): unknown option "sginal" \(known: signal, progress\)/],
    [(p) => p.toArray({ progres: false }), /toArray\(\): unknown option "progres"/],
    [(p) => p.run({ progress: "no" }), /run\(\): option "progress" must be a boolean, got "no"/],
    [(p) => p.toCSV("never.csv", { signal: "stop" }), /toCSV\(\): option "signal" must be an AbortSignal, got "stop"/],
    [(p) => p.toDataFrame({ progress: 1 }), /toDataFrame\(\): option "progress" must be a boolean/],
  ];
  for (const [call, message] of rejected) await assert.rejects(call(range(1)), { name: "TypeError", message });
});

test("stage names default to the operation and function name, deduplicated", async () => {
  function parse(x) {
    return x;
  }
  const stats = await range(2)
    .map(parse)
    .map(parse)
    .filter(Boolean)
    .each(() => {}, { name: "sink" })
    .run();
  assert.deepEqual(
    stats.stages.map((s) => s.name),
    ["source", "map(parse)", "map(parse) #2", "filter(Boolean)", "sink"],
  );
});
