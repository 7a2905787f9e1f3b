"use strict";
// One run, several outputs: p.into({ key: sink.x(...) }) feeds every result to every sink.
const { test, describe, before, after } = require("node:test");
const assert = require("node:assert/strict");
const { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } = require("node:fs");
const { join } = require("node:path");
const { tmpdir } = require("node:os");
const { from, range, sink, SinkError, StageError, ErrorCode } = require("../dist");
const { runChild } = require("./helpers");

let dir;
before(() => (dir = mkdtempSync(join(tmpdir(), "pipelab-into-"))));
after(() => rmSync(dir, { recursive: true, force: true }));
const file = (name) => join(dir, name);
/** Temporary files must never remain. */
const leftovers = () => readdirSync(dir).filter((f) => f.endsWith(".tmp"));
const quiet = { progress: false };
const tick = () => new Promise((resolve) => setImmediate(resolve));

const orders = (n) => range(0, n).map((i) => ({ id: i, score: i % 10 }), { name: "order" });

describe("into(): every sink from one run", () => {
  test("each kind of sink gets every item and resolves to its result, under its key", async () => {
    const seen = [];
    const result = await orders(2500).into(
      {
        df: sink.dataFrame({ columns: ["score", "id"] }),
        file: sink.csv(file("all.csv"), { delimiter: ";" }),
        lines: sink.jsonl(file("all.jsonl")),
        n: sink.count(),
        all: sink.array(),
        sample: sink.array({ limit: 3 }),
        log: sink.each((row, index) => seen.push([row.id, index])),
        total: sink.reduce((sum, row) => sum + row.score, 0),
        best: sink.reduce((a, b) => (b.id > a.id ? b : a)),
      },
      quiet,
    );
    assert.deepEqual(Object.keys(result), ["df", "file", "lines", "n", "all", "sample", "log", "total", "best"], "the keys in the order given");
    assert.deepEqual(result.df.shape, [2500, 2]);
    assert.deepEqual(result.df.columns, ["score", "id"]);
    assert.deepEqual(result.df.values[7], [7, 7]);
    assert.deepEqual(result.file, { path: file("all.csv"), rows: 2500 });
    const csv = readFileSync(file("all.csv"), "utf8").split("\n");
    assert.deepEqual(csv.slice(0, 3), ["id;score", "0;0", "1;1"]);
    assert.equal(csv.length, 2502);
    assert.deepEqual(result.lines, { path: file("all.jsonl"), rows: 2500 });
    assert.equal(readFileSync(file("all.jsonl"), "utf8").split("\n")[2], '{"id":2,"score":2}');
    assert.equal(result.n, 2500);
    assert.deepEqual(
      result.all.map((r) => r.id),
      Array.from({ length: 2500 }, (_, i) => i),
    );
    assert.deepEqual(result.sample, [
      { id: 0, score: 0 },
      { id: 1, score: 1 },
      { id: 2, score: 2 },
    ]);
    assert.equal(result.log, undefined);
    assert.deepEqual(seen.slice(0, 2), [
      [0, 0],
      [1, 1],
    ]);
    assert.equal(seen.length, 2500);
    assert.equal(result.total, 4.5 * 2500);
    assert.deepEqual(result.best, { id: 2499, score: 9 });
    assert.deepEqual(leftovers(), []);
  });

  test("each stage function runs once per item, not once per sink", async () => {
    let calls = 0;
    const p = range(0, 300).map(
      async (x) => {
        calls++;
        await tick();
        return { x };
      },
      { workers: 4 },
    );
    const { a, b, c } = await p.into({ a: sink.count(), b: sink.array(), c: sink.csv(file("once.csv")) }, quiet);
    assert.equal(calls, 300);
    assert.equal(a, 300);
    assert.equal(b.length, 300);
    assert.equal(c.rows, 300);
  });

  test("sink.each awaits an async function item by item, in order", async () => {
    const order = [];
    let running = 0;
    let most = 0;
    await range(0, 50)
      .map((x) => x, { workers: 4, mode: "async" })
      .into(
        {
          each: sink.each(async (x) => {
            most = Math.max(most, ++running);
            await new Promise((resolve) => setTimeout(resolve, x % 3));
            order.push(x);
            running--;
          }),
        },
        quiet,
      );
    assert.equal(most, 1, "one call at a time");
    assert.deepEqual(
      order,
      Array.from({ length: 50 }, (_, i) => i),
    );
  });

  test("sink.reduce: an async function is awaited before the next item; without initial the first item starts", async () => {
    const { total, product, concat } = await range(1, 7).into(
      {
        total: sink.reduce(async (sum, x) => {
          await tick();
          return sum + x;
        }, 100),
        product: sink.reduce(async (acc, x) => acc * x),
        concat: sink.reduce((acc, x, index) => `${acc}${x}@${index} `, ""),
      },
      quiet,
    );
    assert.equal(total, 121);
    assert.equal(product, 720);
    assert.equal(concat, "1@0 2@1 3@2 4@3 5@4 6@5 ");
  });

  test("sink.array({ limit }) keeps the first items and the run still feeds the other sinks", async () => {
    const p = range(0, 1000);
    const { first, none, n } = await p.into({ first: sink.array({ limit: 10 }), none: sink.array({ limit: 0 }), n: sink.count() }, quiet);
    assert.deepEqual(
      first,
      Array.from({ length: 10 }, (_, i) => i),
    );
    assert.deepEqual(none, []);
    assert.equal(n, 1000);
    const row = p.stats().stages.find((s) => s.name === "into.first");
    assert.deepEqual([row.itemsIn, row.itemsOut, row.filtered], [1000, 10, 990], "the items past the limit pass it by");
  });

  test("take(n) before into() ends an endless run", async () => {
    const { a, n } = await range(0, Infinity)
      .map((x) => x * 2)
      .take(5)
      .into({ a: sink.array(), n: sink.count() }, quiet);
    assert.deepEqual(a, [0, 2, 4, 6, 8]);
    assert.equal(n, 5);
  });

  test("a sink value serves many runs, each with its own result", async () => {
    const sinks = { all: sink.array(), n: sink.count() };
    const one = await range(0, 3).into(sinks, quiet);
    const two = await range(0, 2).into(sinks, quiet);
    assert.deepEqual(one, { all: [0, 1, 2], n: 3 });
    assert.deepEqual(two, { all: [0, 1], n: 2 });
  });

  test("backpressure: a slow sink keeps the source from running ahead (bounded by the buffers)", async () => {
    const N = 5000;
    let pulled = 0;
    let taken = 0;
    let lead = 0;
    const source = function* () {
      for (let i = 0; i < N; i++) {
        pulled++;
        yield i;
      }
    };
    const { n } = await from(source)
      .map((x) => x, { maxsize: 10 })
      .into(
        {
          slow: sink.each(async () => {
            await tick();
            taken++;
            lead = Math.max(lead, pulled - taken);
          }),
          n: sink.count(),
        },
        quiet,
      );
    assert.equal(n, N);
    assert.equal(taken, N);
    // The source's buffer (1000), the stage's (10) and its one item in the making, and a little slack;
    // without backpressure the source would be read to its end while the sink had taken a few items.
    assert.ok(lead <= 1000 + 10 + 1 + 16, `the source ran ${lead} items ahead of the slow sink`);
  });
});

describe("into(): failures leave no file that looks complete", () => {
  test("a sink that throws stops the run; the error names its key; the other sink's file is not left", async () => {
    let calls = 0;
    const p = range(0, 100_000).map((x) => (calls++, { id: x }));
    const error = await p
      .into(
        {
          file: sink.csv(file("beside-throw.csv")),
          bad: sink.each((row) => {
            if (row.id === 500) throw new Error("boom");
          }),
        },
        quiet,
      )
      .then(
        () => assert.fail("into() resolved"),
        (e) => e,
      );
    assert.ok(error instanceof SinkError);
    assert.equal(error.message, 'into(): sink "bad" failed: boom');
    assert.equal(error.sink, "bad");
    assert.equal(error.code, ErrorCode.SinkFailed);
    assert.equal(error.cause.message, "boom");
    assert.equal(existsSync(file("beside-throw.csv")), false);
    assert.deepEqual(leftovers(), []);
    assert.ok(calls < 100_000, `the run stopped (${calls} items made)`);
    const stats = p.stats();
    assert.equal(stats.status, "failed");
    assert.equal(stats.error, error);
    assert.equal(stats.stages.find((s) => s.name === "into.bad").errors, 1);
  });

  test("a sink that rejects, and a CSV row its file cannot take, name their keys", async () => {
    await assert.rejects(
      range(0, 50).into(
        {
          lines: sink.jsonl(file("beside-reject.jsonl")),
          remote: sink.each(async (x) => {
            await tick();
            if (x === 20) throw new Error("upload refused");
          }),
        },
        quiet,
      ),
      { name: "SinkError", message: 'into(): sink "remote" failed: upload refused' },
    );
    assert.equal(existsSync(file("beside-reject.jsonl")), false);
    const rows = [{ a: 1 }, { a: 2 }, { a: 3, b: 4 }];
    await assert.rejects(from(rows).into({ lines: sink.jsonl(file("beside-csv.jsonl")), file: sink.csv(file("strict.csv")) }, quiet), (e) => {
      assert.equal(e.sink, "file");
      assert.match(e.message, /^into\(\): sink "file" failed: sink\.csv\(\): row 2 has the column "b", which the header \(a\)/);
      assert.equal(e.cause.name, "TypeError");
      return true;
    });
    assert.equal(existsSync(file("strict.csv")), false);
    assert.equal(existsSync(file("beside-csv.jsonl")), false);
    assert.deepEqual(leftovers(), []);
  });

  test("partial: true keeps the rows that reached the file when another sink fails", async () => {
    await assert.rejects(
      range(0, 5000)
        .map(async (x) => {
          await tick();
          return { x };
        })
        .into(
          {
            kept: sink.csv(file("kept-partial.csv"), { partial: true }),
            bad: sink.each(({ x }) => {
              if (x === 3000) throw new Error("stop here");
            }),
          },
          quiet,
        ),
      /sink "bad" failed: stop here/,
    );
    const lines = readFileSync(file("kept-partial.csv"), "utf8").split("\n");
    assert.equal(lines[0], "x");
    assert.equal(lines.at(-1), "", "ends with a whole row");
    assert.deepEqual(
      lines.slice(1, -1).map(Number),
      Array.from({ length: 3001 }, (_, i) => i),
      "the rows up to the one the other sink failed on",
    );
    assert.deepEqual(leftovers(), []);
  });

  test("a sink that fails when the run ends: the files of the others are not moved into place", async () => {
    writeFileSync(file("existing.csv"), "old contents\n");
    await assert.rejects(
      from([]).into({ file: sink.csv(file("existing.csv")), lines: sink.jsonl(file("end.jsonl")), sum: sink.reduce((a, b) => a + b) }, quiet),
      {
        name: "SinkError",
        message: /^into\(\): sink "sum" failed: sink\.reduce\(\): the run gave no items and there is no initial value/,
      },
    );
    assert.equal(readFileSync(file("existing.csv"), "utf8"), "old contents\n", "an existing file is not replaced");
    assert.equal(existsSync(file("end.jsonl")), false);
    assert.deepEqual(leftovers(), []);
  });

  test("a failing stage rejects with its StageError and leaves no file", async () => {
    const p = range(0, 5000).map((x) => {
      if (x === 3000) throw new Error(`item ${x} is bad`);
      return { x };
    });
    await assert.rejects(p.into({ file: sink.csv(file("stage-failed.csv")), lines: sink.jsonl(file("stage-failed.jsonl")), n: sink.count() }, quiet), (e) => {
      assert.ok(e instanceof StageError, `${e}`);
      assert.match(e.message, /item 3000 is bad/);
      return true;
    });
    assert.equal(existsSync(file("stage-failed.csv")), false);
    assert.equal(existsSync(file("stage-failed.jsonl")), false);
    assert.deepEqual(leftovers(), []);
    assert.equal(p.stats().status, "failed");
  });

  test("a cancelled run (AbortSignal) leaves no file", async () => {
    const controller = new AbortController();
    const p = range(0, 1e6).map(async (x) => {
      if (x === 100) controller.abort();
      return { x };
    });
    await assert.rejects(p.into({ file: sink.csv(file("cancelled.csv")), df: sink.dataFrame() }, { signal: controller.signal, progress: false }), {
      name: "AbortError",
    });
    assert.equal(existsSync(file("cancelled.csv")), false);
    assert.deepEqual(leftovers(), []);
    assert.equal(p.stats().status, "cancelled");
  });

  test("a Node process exits by itself after into(), with worker threads and a failing sink", async () => {
    const result = await runChild(`
      const { range, sink } = pipelab;
      const p = range(0, 2000).map((x) => ({ x: x * 2 }), { mode: "worker", workers: 2 });
      (async () => {
        const ok = await p.into({ n: sink.count(), file: sink.csv(${JSON.stringify(file("child.csv"))}) }, { progress: false });
        const failed = await p.into({ bad: sink.each(async () => { throw new Error("no"); }) }, { progress: false }).catch((e) => e.message);
        console.log(ok.n, ok.file.rows, failed);
      })();`);
    assert.equal(result.timedOut, false, `did not exit within 8 s; stdout: ${result.stdout} stderr: ${result.stderr}`);
    assert.equal(result.code, 0, result.stderr);
    assert.equal(result.stdout.trim(), '2000 2000 into(): sink "bad" failed: no');
  });
});

describe("into(): statistics", () => {
  test("a row per sink after the stages; the busiest sink is named as the bottleneck", async () => {
    const p = range(0, 200).map((x) => ({ x }), { name: "wrap" });
    const stats = await p
      .into(
        {
          n: sink.count(),
          slow: sink.each(() => new Promise((resolve) => setTimeout(resolve, 1))),
        },
        quiet,
      )
      .then(() => p.stats());
    assert.deepEqual(
      stats.stages.map((s) => [s.name, s.mode]),
      [
        ["source", "source"],
        ["wrap", "async"],
        ["into.n", "sink"],
        ["into.slow", "sink"],
      ],
    );
    assert.equal(stats.status, "done");
    const slow = stats.stages[3];
    assert.deepEqual([slow.itemsIn, slow.itemsOut, slow.errors, slow.inFlight], [200, 200, 0, 0]);
    assert.ok(slow.busyMs >= 200, `busy ${slow.busyMs} ms waiting on 200 timers of 1 ms`);
    assert.ok(stats.durationMs >= slow.busyMs * 0.9, "the run lasts until the sinks have taken its last result");
    assert.equal(stats.bottleneck.stage, "into.slow");
    assert.match(stats.bottleneck.reason, /the slowest sink sets the pace of the run/);
    assert.match(stats.toString(), /into\.slow\s+sink\s+1\s+200\s+200\s.*\s-$/m);
    assert.match(stats.toMimeBundle()["text/html"], />into\.slow</);
    const charted = (kind) => new Set(stats.chart(kind).spec.data.values.map((row) => row.stage));
    assert.deepEqual([...charted("queues")], ["source", "wrap"], "a sink has no output buffer to chart");
    assert.ok(charted("utilization").has("into.slow"));
    assert.ok(charted("throughput").has("into.slow"));
    assert.equal(stats.timeline.at(-1).itemsOut.length, 4, "the timeline samples the sinks too");
    assert.deepEqual(stats.toRows().at(-1).name, "into.slow");
  });

  test("toArray, toCSV and the other single-sink methods show no sink row, as before", async () => {
    const p = range(0, 10).map((x) => ({ x }));
    await p.toArray(quiet);
    assert.deepEqual(
      p.stats().stages.map((s) => s.mode),
      ["source", "async"],
    );
    await p.toCSV(file("plain.csv"), quiet);
    assert.equal(p.stats().stages.length, 2);
  });
});

describe("into(): bad input throws at once, before a run starts", () => {
  const p = range(0, 3);
  const cases = [
    [() => p.into(), TypeError, /^into\(\): sinks must be an object of named sinks, e\.g\. .*; got undefined$/],
    [() => p.into(5), TypeError, /^into\(\): sinks must be an object of named sinks, .*got number 5$/],
    [() => p.into([sink.count()]), TypeError, /got an array$/],
    [() => p.into(sink.count()), TypeError, /^into\(\): sinks must be an object of named sinks/],
    [() => p.into({}), TypeError, /^into\(\): sinks is an empty object: give at least one sink/],
    [() => p.into({ n: 5 }), TypeError, /^into\(\): "n" is not a sink made by sink\.\*, got number 5$/],
    [() => p.into({ rows: [] }), TypeError, /^into\(\): "rows" is not a sink made by sink\.\*, got an array$/],
    [() => p.into({ n: sink.count }), TypeError, /^into\(\): "n" is not a sink made by sink\.\*, got function count \(call it: sink\.count\(\.\.\.\)\)$/],
    [
      () => p.into({ a: sink.csv(file("same.csv")), b: sink.jsonl(join(dir, ".", "sub", "..", "same.csv")) }),
      TypeError,
      /^into\(\): "a" and "b" both write the file ".*same\.csv"; give each file sink a path of its own$/,
    ],
    [() => p.into({ n: sink.count() }, { signal: "stop" }), TypeError, /^into\(\): option "signal" must be an AbortSignal, got "stop"$/],
    [() => p.into({ n: sink.count() }, { partial: true }), TypeError, /^into\(\): unknown option "partial" \(known: signal, progress\)$/],
    [() => sink.array({ limit: -1 }), RangeError, /^sink\.array\(\): option "limit" must be a non-negative integer, got number -1$/],
    [() => sink.array({ limit: 1.5 }), RangeError, /^sink\.array\(\): option "limit" must be a non-negative integer, got number 1\.5$/],
    [() => sink.array({ limit: "5" }), TypeError, /^sink\.array\(\): option "limit" must be a non-negative integer, got "5"$/],
    [() => sink.array({ limt: 5 }), TypeError, /^sink\.array\(\): unknown option "limt" \(known: limit\)$/],
    [
      () => sink.csv(file("x.csv"), { signal: AbortSignal.timeout(10) }),
      TypeError,
      /^sink\.csv\(\): unknown option "signal" \(known: partial, columns, delimiter, header\)$/,
    ],
    [() => sink.csv(file("x.csv"), { delimiter: "ab" }), TypeError, /^sink\.csv\(\): option "delimiter" must be one character/],
    [() => sink.csv(""), TypeError, /^sink\.csv\(\): path must be a non-empty string, got ""$/],
    [() => sink.jsonl(file("x.jsonl"), { partial: "yes" }), TypeError, /^sink\.jsonl\(\): option "partial" must be a boolean, got "yes"$/],
    [() => sink.jsonl(), TypeError, /^sink\.jsonl\(\): path must be a non-empty string, got undefined$/],
    [() => sink.dataFrame({ columns: [] }), TypeError, /^sink\.dataFrame\(\): option "columns" must be a non-empty array/],
    [() => sink.dataFrame("id"), TypeError, /^sink\.dataFrame\(\): options must be an object, got "id"$/],
    [() => sink.count({ limit: 5 }), TypeError, /^sink\.count\(\): takes no arguments, got an object \(Object\)$/],
    [() => sink.each("print"), TypeError, /^sink\.each\(\): fn must be a function, got "print"$/],
    [() => sink.each(), TypeError, /^sink\.each\(\): fn must be a function, got undefined$/],
    [() => sink.reduce(null, 0), TypeError, /^sink\.reduce\(\): fn must be a function, got null$/],
  ];
  for (const [call, type, message] of cases) {
    test(`${call.toString().slice(6)} throws a ${type.name}`, () => {
      assert.throws(call, (error) => {
        assert.equal(error.constructor, type, `${error}`);
        assert.match(error.message, message);
        return true;
      });
    });
  }

  test("no run started and no file was opened", () => {
    const fresh = range(0, 3);
    assert.throws(() => fresh.into({ a: sink.csv(file("never.csv")), n: "x" }));
    assert.throws(() => fresh.stats(), /has not run yet/);
    assert.deepEqual(leftovers(), []);
    assert.equal(existsSync(file("never.csv")), false);
  });
});
