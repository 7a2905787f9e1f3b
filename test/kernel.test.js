"use strict";
// The pipelab kernel: the kernelspec installer, the last-expression hook, and cancelling runs on SIGINT inside a kernel.
const { test, describe, afterEach } = require("node:test");
const assert = require("node:assert/strict");
const { existsSync, mkdtempSync, readFileSync, rmSync } = require("node:fs");
const { join } = require("node:path");
const { tmpdir } = require("node:os");
const { range } = require("../dist");
const { setDisplaySink } = require("../dist/display/display");
const { main } = require("../dist/kernel/cli");
const { userDataDir } = require("../dist/kernel/kernelspec");
const { richLastExpression } = require("../dist/kernel/launch");
const { runChild } = require("./helpers");

afterEach(() => setDisplaySink(undefined));

describe("pipelab-kernel install", () => {
  test("--prefix writes a kernel.json that starts this Node with the launcher; uninstall removes it", (t) => {
    const prefix = mkdtempSync(join(tmpdir(), "pipelab-kernel-"));
    t.after(() => rmSync(prefix, { recursive: true, force: true }));
    const out = [];
    assert.equal(
      main(["install", "--prefix", prefix], (line) => out.push(line)),
      0,
    );
    const file = join(prefix, "share", "jupyter", "kernels", "pipelab", "kernel.json");
    const spec = JSON.parse(readFileSync(file, "utf8"));
    assert.equal(spec.display_name, "TypeScript (pipelab)");
    assert.equal(spec.language, "typescript");
    assert.equal(spec.argv[0], process.execPath);
    assert.ok(existsSync(spec.argv[1]), `the launcher exists: ${spec.argv[1]}`);
    assert.equal(spec.argv[2], "{connection_file}");
    assert.match(out.join("\n"), /Installed the "TypeScript \(pipelab\)" kernel/);
    assert.equal(
      main(["uninstall", "--prefix", prefix], () => {}),
      0,
    );
    assert.equal(existsSync(file), false);
  });

  test("after --prefix it says how Jupyter finds the kernel there, and never names this repository's folders", (t) => {
    const prefix = mkdtempSync(join(tmpdir(), "pipelab-kernel-"));
    t.after(() => rmSync(prefix, { recursive: true, force: true }));
    const said = (env) => {
      const out = [];
      assert.equal(
        main(["install", "--prefix", prefix], (line) => out.push(line), env),
        0,
      );
      return out.join("\n");
    };
    const dataDir = join(prefix, "share", "jupyter");
    assert.match(said({}), new RegExp(`only when it runs from the environment at .*or with JUPYTER_PATH set, for example: export JUPYTER_PATH=${dataDir}`));
    assert.match(said({ JUPYTER_PATH: `/elsewhere:${dataDir}` }), /Jupyter finds it: JUPYTER_PATH includes/);
    assert.match(said({ VIRTUAL_ENV: prefix }), /when it runs from the environment at .* \(the one active now\)/);
    assert.doesNotMatch(said({}), /notebooks\//);
  });

  test("--help explains --user, --prefix and JUPYTER_PATH, and shows a first cell", () => {
    const out = [];
    assert.equal(
      main(["--help"], (line) => out.push(line)),
      0,
    );
    assert.match(out.join("\n"), /--prefix[\s\S]*JUPYTER_PATH=<dir>\/share\/jupyter/);
    assert.match(out.join("\n"), /import \{ range \} from "pipelab"/);
  });

  test("the per-user directory is Jupyter's data dir", () => {
    assert.equal(userDataDir({ JUPYTER_DATA_DIR: "/x/jd" }, "linux"), "/x/jd");
    assert.equal(userDataDir({ XDG_DATA_HOME: "/x/data" }, "linux"), "/x/data/jupyter");
    assert.match(userDataDir({}, "darwin"), /Library[\\/]Jupyter$/);
    assert.equal(userDataDir({ APPDATA: "C:\\u" }, "win32"), join("C:\\u", "jupyter"));
  });

  test("wrong usage prints the usage and exits 2", () => {
    for (const argv of [[], ["instal"], ["install", "--user", "--prefix", "/tmp/x"], ["install", "--bogus"], ["install", "extra"]]) {
      const out = [];
      assert.equal(
        main(argv, (line) => out.push(line)),
        2,
        argv.join(" "),
      );
      assert.match(out.join("\n"), /usage: pipelab-kernel <install\|uninstall>/);
    }
  });
});

describe("the last expression of a cell", () => {
  function hooked() {
    const logged = [];
    const shown = [];
    setDisplaySink({ kind: "fake", isNotebook: true, write: (bundle) => shown.push(bundle) });
    return { logged, shown, log: richLastExpression((...args) => logged.push(args)) };
  }

  test("a value with the display protocol is shown as its bundle; other values are logged as before", async () => {
    const { logged, shown, log } = hooked();
    const stats = await range(0, 5)
      .map((x) => x, { name: "step" })
      .run({ progress: false });
    log(stats);
    log(42);
    log("two", "args");
    assert.equal(shown.length, 1);
    assert.match(shown[0]["text/html"], />step</);
    assert.deepEqual(logged, [[42], ["two", "args"]]);
  });

  test("a DataFrame shows as a preview", () => {
    const { shown, log } = hooked();
    const { DataFrame } = require("danfojs");
    log(new DataFrame([{ a: 1 }, { a: 2 }]));
    assert.match(shown[0]["text/html"], /2 rows x 1 columns/);
  });

  test("an apache-arrow Table and a nodejs-polars DataFrame show as previews", async () => {
    const { shown, log } = hooked();
    const { from } = require("../dist");
    log(await from([{ a: 1 }, { a: 2 }]).toArrowTable());
    log(await from([{ a: 1 }, { a: 2 }, { a: 3 }]).toPolars());
    assert.match(shown[0]["text/plain"], /^Arrow Table: 2 rows x 1 columns/);
    assert.match(shown[1]["text/plain"], /^polars DataFrame: 3 rows x 1 columns/);
  });

  test("a display method that throws is reported and the value is logged as text", (t) => {
    const { logged, shown, log } = hooked();
    const errors = [];
    t.mock.method(console, "error", (...args) => errors.push(args));
    const odd = {
      [Symbol.for("Jupyter.display")]() {
        throw new Error("no bundle today");
      },
    };
    log(odd);
    assert.equal(shown.length, 0);
    assert.deepEqual(logged, [[odd]]);
    assert.match(String(errors[0][1]), /no bundle today/);
  });
});

describe("interrupting the kernel", () => {
  const longRun = `
    let seen = 0;
    const run = pipelab.range(0, 1e9).map(async (x) => { await new Promise((r) => setTimeout(r, 1)); return x; }, { workers: 4 })
      .map((x) => x, { mode: "worker", workers: 1 })
      .each(() => { if (++seen === 50) { console.log("listeners", process.listenerCount("SIGINT")); process.kill(process.pid, "SIGINT"); } });`;

  test("inside tslab, SIGINT cancels the runs in progress and removes its listener", async () => {
    const result = await runChild(`
      globalThis.__tslab__ = { require };
      ${longRun}
      run.run({ progress: false }).then(
        () => console.log("finished?"),
        (error) => console.log("rejected", error.name, String(error.cause), run.stats().status, "listeners", process.listenerCount("SIGINT")),
      );`);
    assert.equal(result.timedOut, false, result.stderr);
    assert.match(result.stdout, /listeners 1\nrejected AbortError interrupted cancelled listeners 0\n/);
    assert.equal(result.code, 0, "the process exits by itself once the run is cancelled");
  });

  test("a run started inside tslab's breakOnSigint cell still leaves SIGINT handled (the kernel survives)", async () => {
    // tslab runs a cell's synchronous part in vm.runInThisContext({ breakOnSigint: true }), which takes
    // the SIGINT listeners away and puts the default action back when it ends.
    const result = await runChild(`
      globalThis.__tslab__ = { require };
      process.on("SIGINT", () => console.log("tslab interrupts the cell"));
      ${longRun}
      globalThis.startRun = () => run.run({ progress: false }).then(
        () => console.log("finished?"),
        (error) => console.log("rejected", error.name, run.stats().status),
      );
      require("node:vm").runInThisContext("startRun()", { breakOnSigint: true });`);
    assert.equal(result.timedOut, false, result.stderr);
    assert.match(result.stdout, /tslab interrupts the cell\nrejected AbortError cancelled\n/);
    assert.equal(result.code, 0);
  });

  test("in plain Node, pipelab adds no SIGINT listener: Ctrl-C keeps its meaning", async () => {
    const result = await runChild(`${longRun}\n run.run({ progress: false });`);
    assert.equal(result.timedOut, false);
    assert.match(result.stdout, /listeners 0/);
    assert.equal(result.code, null, "killed by the signal, as any Node program");
  });
});
