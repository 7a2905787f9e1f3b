"use strict";
// Failures reach the consumer: with the original message, the stage's name and the
// failing item's index; promptly; and never hang (pypeln #110, #119).
const { describe, test } = require("node:test");
const assert = require("node:assert/strict");
const { from, range, StageError, TimeoutError, AbortError, ErrorCode } = require("../dist");
const { MODES, sleep } = require("./helpers");

for (const mode of MODES) {
  describe(`errors in ${mode} mode`, () => {
    test("an exception in fn names the stage and the item, with the original error as cause", async () => {
      const p = range(10).map(
        (x) => {
          if (x === 4) throw new RangeError("bad value 4");
          return x;
        },
        { mode, name: "parse" },
      );
      const error = await p.toArray().then(
        () => assert.fail("no error"),
        (e) => e,
      );
      assert.ok(error instanceof StageError);
      assert.equal(error.stage, "parse");
      assert.equal(error.index, 4);
      assert.match(error.message, /Stage "parse" failed on item 4: bad value 4/);
      assert.equal(error.cause.name, "RangeError");
      assert.equal(error.cause.message, "bad value 4");
      assert.match(error.cause.stack, /bad value 4/);
    });

    test("an exception in onStart reaches the consumer", async () => {
      const p = range(5).map((x) => x, {
        mode: mode === "sync" ? "async" : mode,
        workers: 2,
        onStart: () => {
          throw new Error("no connection");
        },
      });
      await assert.rejects(
        p.toArray(),
        (e) => e instanceof StageError && /onStart failed in worker \d: no connection/.test(e.message) && e.cause.message === "no connection",
      );
    });

    test("an exception in onDone reaches the consumer", async () => {
      const p = range(5).map((x) => x, {
        mode,
        onDone: () => {
          throw new Error("flush failed");
        },
      });
      await assert.rejects(p.toArray(), (e) => e instanceof StageError && /onDone failed in worker 0: flush failed/.test(e.message));
    });

    test("an exception in the source reaches the consumer after the items before it", async () => {
      const seen = [];
      const source = function* () {
        yield 1;
        yield 2;
        yield 3;
        throw new Error("disk gone");
      };
      const consume = async () => {
        for await (const x of from(source).map((x) => x, { mode })) seen.push(x);
      };
      await assert.rejects(consume(), (e) => e instanceof StageError && e.stage === "source" && /disk gone/.test(e.message));
      assert.ok(seen.length <= 3);
    });

    test("a flatMap that returns a non-iterable is an error naming the item", async () => {
      await assert.rejects(
        from([1])
          .flatMap(() => 5, { mode })
          .toArray(),
        /item 0: a flatMap function must return an iterable/,
      );
    });
  });
}

describe("error codes: what failed, matched without reading messages", () => {
  const codeOf = async (pipeline, options) => {
    try {
      await pipeline.toArray(options);
    } catch (error) {
      return error.code;
    }
    assert.fail("the run did not fail");
  };

  test("each kind of failure has its own stable code", async () => {
    const fails = () => {
      throw new Error("boom");
    };
    assert.equal(await codeOf(range(3).map(fails)), "ERR_PIPELAB_STAGE_FAILED");
    assert.equal(await codeOf(range(3).map(fails, { mode: "worker" })), ErrorCode.StageFailed);
    assert.equal(await codeOf(range(3).map(() => sleep(200), { timeout: 20 })), ErrorCode.Timeout);
    assert.equal(await codeOf(range(3).map(() => process.exit(3), { mode: "worker" })), ErrorCode.WorkerDied);
    assert.equal(await codeOf(range(3).map((x) => x, { onStart: fails })), ErrorCode.HookFailed);
    assert.equal(await codeOf(range(3).map((x) => x, { mode: "worker", onStart: fails })), ErrorCode.HookFailed);
    assert.equal(await codeOf(range(3).map(() => () => 1, { mode: "worker" })), ErrorCode.NotCloneable);
    assert.equal(await codeOf(from([{ f: () => 1 }]).map((x) => x, { mode: "worker" })), ErrorCode.NotCloneable);
    assert.equal(
      await codeOf(
        from(function* () {
          yield 1;
          throw new Error("disk gone");
        }),
      ),
      ErrorCode.SourceFailed,
    );
    assert.equal(
      await codeOf(
        range(3).map(() => sleep(200)),
        { signal: AbortSignal.timeout(20) },
      ),
      ErrorCode.Aborted,
    );
  });

  test("a user's error that has a code of its own does not change the stage's code", async () => {
    const error = await range(1)
      .map(() => {
        throw Object.assign(new Error("reset"), { code: "ECONNRESET" });
      })
      .toArray()
      .catch((e) => e);
    assert.equal(error.code, ErrorCode.StageFailed);
    assert.equal(error.cause.code, "ECONNRESET");
  });
});

describe("errors that must not hang or vanish", () => {
  test("one failing item of 100 with 8 async workers rejects (pypeln #119)", async () => {
    const p = range(100).map(
      async (x) => {
        await sleep(1);
        if (x === 37) throw new Error("item 37 broke");
        return x;
      },
      { workers: 8 },
    );
    await assert.rejects(p.toArray(), /failed on item 37: item 37 broke/);
  });

  test("a worker raising while its input is throttled by maxsize 4 rejects (pypeln #110)", async () => {
    const p = range(200)
      .map(
        (x) => {
          if (x === 50) throw new Error("worker raised");
          return x;
        },
        { mode: "worker", workers: 2, maxsize: 4 },
      )
      .map(
        async (x) => {
          await new Promise((resolve) => setTimeout(resolve, 1));
          return x;
        },
        { maxsize: 4 },
      );
    await assert.rejects(p.toArray(), /failed on item 50: worker raised/);
  });

  test("an error in a later stage stops the earlier ones", async () => {
    let calls = 0;
    const p = range(0, Infinity)
      .map((x) => (calls++, x))
      .map((x) => {
        if (x === 5) throw new Error("stop here");
        return x;
      });
    await assert.rejects(p.toArray(), /stop here/);
    const after = calls;
    await sleep(30);
    assert.equal(calls, after, "no calls after the run failed");
  });

  test("an item slower than timeout fails the run with a TimeoutError naming stage and item, and aborts ctx.signal", async () => {
    let signal;
    const p = from([5, 500]).map(
      (ms, ctx) => {
        signal = ctx.signal;
        return sleep(ms).then(() => ms);
      },
      { timeout: 100, name: "slow" },
    );
    const error = await p.toArray().then(
      () => assert.fail("no error"),
      (e) => e,
    );
    assert.ok(error instanceof TimeoutError);
    assert.equal(error.stage, "slow");
    assert.equal(error.index, 1);
    assert.match(error.message, /Stage "slow" timed out on item 1: no result after 100 ms/);
    assert.equal(signal.aborted, true);
  });

  test("a synchronous function that overruns timeout fails when it returns", async () => {
    const p = from([1]).map(
      (x) => {
        Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 60);
        return x;
      },
      { mode: "sync", timeout: 20 },
    );
    await assert.rejects(p.toArray(), TimeoutError);
  });

  test("a worker stuck in an endless loop is stopped by timeout", async () => {
    const p = from([1, 2]).map(
      (x) => {
        if (x === 2) for (;;);
        return x;
      },
      { mode: "worker", timeout: 200 },
    );
    await assert.rejects(p.toArray(), (e) => e instanceof TimeoutError && e.index === 1);
  });

  test("an AbortSignal cancels the run promptly with an AbortError", async () => {
    const controller = new AbortController();
    let aborted = 0;
    const p = range(100).map(
      async (x, ctx) => {
        await new Promise((resolve) => {
          const timer = setTimeout(resolve, 5000);
          ctx.signal.addEventListener("abort", () => (aborted++, clearTimeout(timer), resolve()));
        });
        return x;
      },
      { workers: 4 },
    );
    setTimeout(() => controller.abort(new Error("user stop")), 50);
    const started = Date.now();
    const error = await p.toArray({ signal: controller.signal }).then(
      () => assert.fail("no error"),
      (e) => e,
    );
    assert.ok(error instanceof AbortError);
    assert.equal(error.name, "AbortError");
    assert.equal(error.cause.message, "user stop");
    assert.ok(Date.now() - started < 1000);
    assert.equal(aborted, 4, "every in-flight item saw ctx.signal abort");
  });

  test("an already aborted signal rejects without running anything", async () => {
    let calls = 0;
    await assert.rejects(
      range(3)
        .map(() => calls++)
        .toArray({ signal: AbortSignal.abort() }),
      AbortError,
    );
    assert.equal(calls, 0);
  });
});

describe("worker-mode boundaries", () => {
  test("a captured outer variable gives an error that names it and says to use context", async () => {
    const factor = 3;
    const p = range(3).map((x) => x * factor, { mode: "worker" });
    await assert.rejects(
      p.toArray(),
      (e) => /factor is not defined/.test(e.message) && /context: \{ factor \}/.test(e.message) && /ctx\.factor/.test(e.message),
    );
  });

  test("an item that cannot be sent to a worker is an error naming the stage, not a silent drop", async () => {
    class Point {
      norm() {
        return 1;
      }
    }
    for (const [item, pattern] of [
      [{ f: () => 1 }, /item\.f is a function/],
      [Symbol("s"), /item is a symbol/],
      [new Point(), /instance of Point/],
    ]) {
      await assert.rejects(
        from([1, item])
          .map((x) => x, { mode: "worker", name: "send" })
          .toArray(),
        (e) => e.stage === "send" && e.index === 1 && pattern.test(e.message),
      );
    }
  });

  test("a result that cannot be sent back is an error naming the stage", async () => {
    await assert.rejects(
      range(2)
        .map(() => ({ cb() {} }), { mode: "worker", name: "back" })
        .toArray(),
      /Stage "back" failed on item 0: result\.cb is a function/,
    );
  });

  test("Date, Map, typed arrays and nested plain data cross intact", async () => {
    const item = { when: new Date(0), tags: new Map([["a", 1]]), bytes: new Uint8Array([1, 2]), nested: [{ ok: true }] };
    const [out] = await from([item])
      .map((x) => x, { mode: "worker" })
      .toArray();
    assert.deepEqual(out, item);
  });
});

describe("odd callers", () => {
  test("every kind of thenable a stage returns is awaited, in every mode", async () => {
    // The check skips reading `.then` off plain objects without one; these must still be awaited.
    const kinds = (x) => {
      class Later {
        then(resolve) {
          resolve(x * 10);
        }
      }
      const bare = Object.create(null);
      bare.then = (resolve) => resolve(x * 10);
      return [new Later(), bare, { then: (resolve) => resolve(x * 10) }, Promise.resolve(x * 10)][x % 4];
    };
    for (const mode of ["sync", "async", "worker"]) {
      const out = await range(8)
        .map(kinds, { mode, workers: 2 })
        .map((v) => v + 1, { mode })
        .toArray();
      assert.deepEqual(out, [1, 11, 21, 31, 41, 51, 61, 71], mode);
      const pairs = await range(3)
        .flatMap((x) => ({ then: (resolve) => resolve([x, x]) }), { mode })
        .map((v) => v * 2, { mode })
        .toArray();
      assert.deepEqual(pairs, [0, 0, 2, 2, 4, 4], mode);
    }
  });

  test("a home-made thenable that calls back twice cannot corrupt another item", async () => {
    const out = await range(20000)
      .map(
        (x) => ({
          then(resolve) {
            resolve(x);
            if (x % 1000 === 0) queueMicrotask(() => resolve(-1));
          },
        }),
        { workers: 4 },
      )
      .toArray();
    assert.equal(out.length, 20000);
    assert.ok(out.every((v, i) => v === i));
  });
});
