"use strict";
// Charts of a run: Vega-Lite v5 specs, SVG and PNG rendered headlessly, files by extension.
const { test, describe, before } = require("node:test");
const assert = require("node:assert/strict");
const { mkdtempSync, readFileSync, rmSync } = require("node:fs");
const { join } = require("node:path");
const { tmpdir } = require("node:os");
const { range, Chart } = require("../dist");

const KINDS = ["throughput", "queues", "latency", "utilization"];
let stats;

before(async () => {
  stats = await range(0, 400)
    .map(
      async (x) => {
        await new Promise((r) => setTimeout(r, 1));
        return x;
      },
      { name: "fetch-stage", workers: 4 },
    )
    .map((x) => x * 2, { name: "double-stage" })
    .run({ progress: false });
});

describe("stats.chart(kind)", () => {
  for (const kind of KINDS) {
    test(`${kind}: a Vega-Lite v5 spec with its data inline, and an SVG that shows the stage names`, () => {
      const chart = stats.chart(kind);
      assert.ok(chart instanceof Chart);
      assert.equal(chart.spec.$schema, "https://vega.github.io/schema/vega-lite/v5.json");
      assert.ok(chart.spec.data.values.length > 0, "the data travels with the spec");
      const svg = chart.toSVG();
      assert.match(svg, /^<svg[^>]*xmlns="http:\/\/www.w3.org\/2000\/svg"/);
      assert.match(svg, /<\/svg>$/);
      // resvg parses the SVG as strict XML: a malformed document throws here.
      const { Resvg } = require("@resvg/resvg-js");
      assert.ok(new Resvg(svg).width > 0);
      assert.match(svg, />fetch-stage</);
      assert.match(svg, />double-stage</);
    });
  }

  test("the notebook bundle has Vega-Lite v5, SVG, PNG and text, and never text/html", () => {
    const chart = stats.chart("throughput");
    const bundle = chart.toMimeBundle();
    assert.deepEqual(Object.keys(bundle).sort(), ["application/vnd.vegalite.v5+json", "image/png", "image/svg+xml", "text/plain"]);
    assert.equal(Buffer.from(bundle["image/png"], "base64").subarray(1, 4).toString(), "PNG");
    assert.deepEqual(bundle["application/vnd.vegalite.v5+json"], chart.spec);
    assert.equal(bundle["image/svg+xml"], chart.toSVG());
  });

  test("throughput is items per second between samples; queues follow the buffers", () => {
    const rows = stats.chart("throughput").spec.data.values.filter((r) => r.stage === "double-stage");
    // Each interval is two points, its start and its end, at the same rate.
    let totalFromRates = 0;
    for (let i = 0; i < rows.length; i += 2) totalFromRates += rows[i].itemsPerSecond * (rows[i + 1].seconds - rows[i].seconds);
    assert.equal(rows[0].seconds, 0, "the first interval starts with the run");
    assert.ok(Math.abs(totalFromRates - 400) < 1e-6, `rates integrate to the items out (${totalFromRates})`);
    const queues = stats.chart("queues").spec.data.values;
    assert.ok(queues.every((r) => r.items >= 0 && r.items <= r.maxsize));
  });

  test("the synchronous SVG is what vega's own async toSVG() renders", async () => {
    const vega = require("vega");
    const vl = require("vega-lite");
    for (const kind of KINDS) {
      const chart = stats.chart(kind);
      const view = new vega.View(vega.parse(vl.compile(chart.spec).spec), { renderer: "none" });
      assert.equal(chart.toSVG(), await view.toSVG(), kind);
      view.finalize();
    }
  });

  test("an unknown kind is a TypeError listing the kinds", () => {
    assert.throws(() => stats.chart("speed"), {
      name: "TypeError",
      message: /unknown chart 'speed'; choose one of "throughput", "queues", "latency", "utilization"/,
    });
  });
});

describe("chart.save(path)", () => {
  test("the extension picks SVG, PNG or the Vega-Lite spec; anything else is refused", async (t) => {
    const dir = mkdtempSync(join(tmpdir(), "pipelab-chart-"));
    t.after(() => rmSync(dir, { recursive: true, force: true }));
    const chart = stats.chart("utilization");
    await chart.save(join(dir, "u.svg"));
    await chart.save(join(dir, "u.png"));
    await chart.save(join(dir, "u.vl.json"));
    assert.match(readFileSync(join(dir, "u.svg"), "utf8"), /^<svg/);
    assert.deepEqual([...readFileSync(join(dir, "u.png")).subarray(0, 8)], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
    assert.deepEqual(JSON.parse(readFileSync(join(dir, "u.vl.json"), "utf8")), chart.spec);
    await assert.rejects(chart.save(join(dir, "u.jpg")), { name: "TypeError", message: /end the path in \.svg, \.png or \.vl\.json/ });
  });
});
