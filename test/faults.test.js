"use strict";
// The fault-injection suite: each scenario runs in a child Node process, which must end on its own
// (no worker threads, timers or handles left), report how the run ended, and show that every
// worker that started ran onDone and that no stage function ran after the outcome.
const { test, describe } = require("node:test");
const assert = require("node:assert/strict");
const { mkdtempSync, readFileSync, rmSync, existsSync } = require("node:fs");
const { join } = require("node:path");
const { tmpdir } = require("node:os");
const { runChild } = require("./helpers");

/**
 * Runs `body` in a child. It gets `log` (a file that onStart/onDone append to, from any thread),
 * `hooks` (stage options that log each worker's start and end), and `report(outcome)`.
 */
async function scenario(body) {
  const dir = mkdtempSync(join(tmpdir(), "pipelab-fault-"));
  const log = join(dir, "hooks.log");
  const code = `
    const log = ${JSON.stringify(log)};
    const hooks = {
      context: { log },
      onStart: (ctx) => require("node:fs").appendFileSync(ctx.log, "start " + ctx.worker + "\\n"),
      onDone: (ctx) => require("node:fs").appendFileSync(ctx.log, "done " + ctx.worker + "\\n"),
    };
    let calls = 0;
    const report = (outcome) => {
      const atOutcome = calls;
      // Nothing may run after the outcome: look again a little later.
      setTimeout(() => console.log(JSON.stringify({ ...outcome, callsAfter: calls - atOutcome })), 150);
    };
    ${body}`;
  const result = await runChild(code, 15000);
  const hookLog = existsSync(log) ? readFileSync(log, "utf8") : "";
  rmSync(dir, { recursive: true, force: true });
  assert.equal(result.timedOut, false, `the child did not exit on its own:\n${result.stdout}\n${result.stderr}`);
  const line = result.stdout.trim().split("\n").at(-1);
  assert.ok(line?.startsWith("{"), `no report:\n${result.stdout}\n${result.stderr}`);
  const starts = hookLog.match(/^start \d+$/gm) ?? [];
  const dones = hookLog.match(/^done \d+$/gm) ?? [];
  return { ...JSON.parse(line), code: result.code, starts: starts.length, dones: dones.length };
}

const rejectsWith = `(error) => report({ outcome: "rejected", name: error.name, message: error.message, status: p.stats().status })`;
const resolves = `(out) => report({ outcome: "resolved", count: out.length, status: p.stats().status, errors: p.stats().stages.map((s) => s.errors) })`;

describe("a worker thread that dies", () => {
  for (const [what, kill] of [
    ["calls process.exit", "process.exit(3)"],
    ["throws asynchronously outside the task", 'setTimeout(() => { throw new Error("stray async error"); }); return new Promise(() => {})'],
    ["exceeds its resourceLimits memory cap", "const hog = []; for (;;) hog.push(new Array(1e6).fill(x))"],
  ]) {
    test(`${what}: the run fails naming the stage; no threads remain; onDone ran for every survivor`, async () => {
      const r = await scenario(`
        const p = pipelab.range(0, 40).map((x) => { if (x === 5) { ${kill} } return x; },
          { mode: "worker", workers: 2, name: "fragile", resourceLimits: { maxOldGenerationSizeMb: 32 }, ...hooks });
        p.toArray({ progress: false }).then(${resolves}, ${rejectsWith});`);
      assert.equal(r.outcome, "rejected");
      assert.equal(r.status, "failed");
      assert.match(r.message, /Stage "fragile"/);
      assert.match(r.message, /worker thread \d died/);
      assert.equal(r.code, 0);
      // The dead thread cannot run onDone; the other one did.
      assert.ok(r.dones >= r.starts - 1 && r.dones >= 1, `${r.starts} started, ${r.dones} ran onDone`);
    });

    test(`${what}, with onError: "skip": the thread is replaced and the run goes on`, async () => {
      const r = await scenario(`
        const p = pipelab.range(0, 40).map((x) => { if (x === 5) { ${kill} } return x; },
          { mode: "worker", workers: 2, onError: "skip", resourceLimits: { maxOldGenerationSizeMb: 32 }, ...hooks });
        p.toArray({ progress: false }).then(${resolves}, ${rejectsWith});`);
      assert.equal(r.outcome, "resolved", r.message);
      assert.equal(r.count, 39, "every item but the killer");
      assert.deepEqual(r.errors, [0, 1]);
      // Each death starts a replacement. A thread that died on a batch of several items has its
      // items sent again one by one, so the killer may take a second thread with it: 3 or 4 starts.
      assert.ok(r.starts >= 3 && r.starts <= 4, `${r.starts} threads started`);
      assert.equal(r.dones, 2, "onDone ran in every live thread");
    });
  }
});

describe("other faults", () => {
  test("a function that never returns is stopped by timeout (async: its ctx.signal aborts)", async () => {
    const r = await scenario(`
      const p = pipelab.range(0, 10).map((x, ctx) => { calls++; return x === 4 ? new Promise((resolve) => ctx.signal.addEventListener("abort", () => resolve(-1))) : x; },
        { workers: 2, timeout: 200, name: "hangs", ...hooks });
      p.toArray({ progress: false }).then(${resolves}, ${rejectsWith});`);
    assert.equal(r.outcome, "rejected");
    assert.equal(r.name, "TimeoutError");
    assert.match(r.message, /Stage "hangs".*item 4/);
    assert.equal(r.callsAfter, 0);
    assert.equal(r.dones, r.starts);
  });

  test("an AbortSignal aborted mid-run rejects at once, without waiting for slow items in flight", async () => {
    const r = await scenario(`
      const controller = new AbortController();
      // Well-behaved slow work: it stops when ctx.signal says the run is over.
      const slow = (ms) => async (x, ctx) => {
        calls++;
        await new Promise((resolve) => {
          const timer = setTimeout(resolve, ms);
          ctx.signal.addEventListener("abort", () => { clearTimeout(timer); resolve(); });
        });
        return x;
      };
      const p = pipelab.range(0, 1000).map(slow(10), { workers: 4, ...hooks }).map(slow(60000), { workers: 2 })
        .map((x) => x, { mode: "worker", workers: 1 });
      setTimeout(() => controller.abort(new Error("user stop")), 100);
      p.toArray({ signal: controller.signal, progress: false }).then(${resolves}, ${rejectsWith});`);
    // The second stage's items take a minute each: the child ends long before, so the abort did not wait for them.
    assert.equal(r.outcome, "rejected");
    assert.equal(r.name, "AbortError");
    assert.equal(r.status, "cancelled");
    assert.equal(r.callsAfter, 0);
    assert.equal(r.dones, r.starts);
  });

  test("a source that throws after 3 items fails the run naming the source", async () => {
    const r = await scenario(`
      function* source() { yield 1; yield 2; yield 3; throw new Error("disk on fire"); }
      const p = pipelab.from(source).map((x) => { calls++; return x; }, { mode: "worker", workers: 2, ...hooks });
      p.toArray({ progress: false }).then(${resolves}, ${rejectsWith});`);
    assert.equal(r.outcome, "rejected");
    assert.match(r.message, /The source failed after 3 items: disk on fire/);
    assert.equal(r.dones, r.starts);
    assert.ok(r.starts >= 1 && r.starts <= 2, `threads start as items need them, up to 2 (${r.starts})`);
  });

  test("an unserializable item or result in worker mode: fails naming the path, or is skipped", async () => {
    const r = await scenario(`
      const p = pipelab.range(0, 10).map((x) => (x === 3 ? { f: () => x } : { x })).map((o) => o, { mode: "worker", name: "clone", ...hooks });
      p.toArray({ progress: false }).then(${resolves}, ${rejectsWith});`);
    assert.equal(r.outcome, "rejected");
    assert.match(r.message, /Stage "clone" failed on item 3: item\.f is a function/);
    assert.equal(r.dones, r.starts);
    const skipped = await scenario(`
      const p = pipelab.range(0, 10).map((x) => (x === 3 ? { f: () => x } : { x })).map((o) => o, { mode: "worker", onError: "skip", ...hooks });
      p.toArray({ progress: false }).then(${resolves}, ${rejectsWith});`);
    assert.equal(skipped.count, 9);
    const result = await scenario(`
      const p = pipelab.range(0, 10).map((x) => (x === 3 ? Symbol("no") : x), { mode: "worker", onError: "collect", ...hooks });
      p.toArray({ progress: false }).then((out) => report({ count: out.length, failed: p.stats().failures.map((f) => f.index) }), ${rejectsWith});`);
    assert.equal(result.count, 9);
    assert.deepEqual(result.failed, [3]);
  });

  test("a consumer that throws inside for await cancels the run; the error is the consumer's", async () => {
    const r = await scenario(`
      const p = pipelab.range(0, 1e6).map((x) => { calls++; return x; }, { workers: 4, ...hooks }).map((x) => x, { mode: "worker", workers: 2, ...hooks });
      (async () => {
        try {
          for await (const x of p) if (x === 100) throw new Error("consumer broke");
        } catch (error) {
          report({ outcome: "rejected", message: error.message, status: p.stats().status });
        }
      })();`);
    assert.equal(r.message, "consumer broke");
    assert.equal(r.status, "cancelled");
    assert.equal(r.callsAfter, 0);
    assert.equal(r.dones, r.starts);
    assert.equal(r.starts, 6);
  });
});
