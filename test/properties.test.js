"use strict";
// Property tests (fast-check): random pipelines against a plain sequential evaluation, and random
// option values that must give a TypeError or RangeError naming the option, never a crash or a hang.
const { test } = require("node:test");
const assert = require("node:assert/strict");
const fc = require("fast-check");
const { from } = require("../dist");

// Stage functions are self-contained (no captured variables) so every mode, worker threads included, can run them.
const FUNCTIONS = {
  map: [(x) => x * 3 + 1, (x) => x - 2],
  filter: [(x) => x % 2 === 0, (x) => x % 3 !== 0],
  flatMap: [(x) => [x, x + 1], (x) => (x % 4 === 0 ? [] : [x])],
};
/** The async version waits a little, by item, so items finish out of order. */
const slowly = (fn) => async (x) => {
  await new Promise((resolve) => setTimeout(resolve, Math.abs(x) % 3));
  return fn(x);
};

const stageArb = fc.record({
  op: fc.constantFrom("map", "filter", "flatMap"),
  fn: fc.constantFrom(0, 1),
  // Worker stages cost a thread start each: less often.
  mode: fc.constantFrom("sync", "async", "async", "async", "worker"),
  workers: fc.integer({ min: 1, max: 3 }),
  maxsize: fc.integer({ min: 0, max: 4 }),
  ordered: fc.boolean(),
});

function sequential(input, stages) {
  let items = input;
  for (const { op, fn } of stages) {
    const f = FUNCTIONS[op][fn];
    if (op === "map") items = items.map(f);
    else if (op === "filter") items = items.filter(f);
    else items = items.flatMap(f);
  }
  return items;
}

test("random pipelines give what a sequential evaluation gives (in order when every stage is ordered)", async () => {
  await fc.assert(
    fc.asyncProperty(
      fc.array(fc.integer({ min: -50, max: 50 }), { maxLength: 30 }),
      fc.array(stageArb, { minLength: 1, maxLength: 4 }),
      async (input, stages) => {
        let p = from(input);
        for (const s of stages) {
          const f = FUNCTIONS[s.op][s.fn];
          const fn = s.mode === "async" ? slowly(f) : f;
          p = p[s.op](fn, { mode: s.mode, workers: s.workers, maxsize: s.maxsize, ordered: s.ordered });
        }
        const out = await p.toArray({ progress: false });
        const expected = sequential(input, stages);
        if (stages.every((s) => s.ordered)) assert.deepEqual(out, expected);
        else
          assert.deepEqual(
            [...out].sort((a, b) => a - b),
            [...expected].sort((a, b) => a - b),
          );
      },
    ),
    { numRuns: 40 },
  );
});

const OPTION_KEYS = [
  "mode",
  "workers",
  "maxsize",
  "ordered",
  "timeout",
  "onError",
  "retries",
  "retryDelay",
  "maxFailures",
  "onStart",
  "onDone",
  "context",
  "name",
  "transfer",
  "resourceLimits",
];

test("random option values are accepted, or refused with a TypeError/RangeError naming the option", async () => {
  await fc.assert(
    fc.asyncProperty(fc.constantFrom(...OPTION_KEYS), fc.anything({ withBigInt: true, withNullPrototype: true }), async (key, value) => {
      let p;
      try {
        p = from([1, 2, 3]).map((x) => x, { [key]: value });
      } catch (error) {
        assert.ok(error instanceof TypeError || error instanceof RangeError, `${key}: ${error}`);
        assert.ok(error.message.includes(`"${key}"`) || error.message.includes("resource limit"), `${key}: ${error.message}`);
        return;
      }
      // Accepted: the run ends (it may fail, e.g. an onStart that throws, but it must not crash or hang).
      await p.toArray({ progress: false }).catch((error) => assert.ok(error instanceof Error));
    }),
    { numRuns: 300 },
  );
});
