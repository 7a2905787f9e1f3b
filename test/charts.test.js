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

// Issue 15, "charts read at a glance": snapshots made by hand, so the shapes that hid stages are exact.
describe("charts read at a glance", () => {
  const vega = require("vega");
  const vl = require("vega-lite");
  const { mimeMetadataOf } = require("../dist/display/mime-bundle");

  function stageStats(name, i) {
    return {
      name,
      mode: i === 0 ? "source" : "async",
      workers: 2,
      itemsIn: 800,
      itemsOut: 800,
      filtered: 0,
      expanded: 0,
      errors: 0,
      inFlight: 0,
      busyMs: 1000,
      roundTripMs: 0,
      utilization: 0.2 * i,
      throughput: 380,
      latency: { p50: 5 + i, p90: 6 + i, p99: 8 + i, max: 9 + i },
      waitingMs: 0,
      blockedMs: 0,
      queue: { maxsize: 1000, peak: 800, current: 0 },
      batches: 0,
      retries: 0,
      remoteWorkers: [],
    };
  }

  /**
   * A run as the notebook's showed it, sampled every 100 ms from 0.1 s: the source puts out all
   * 800 items in the first 0.1 s (8,000 items/s), then every stage does 38 items per 0.1 s
   * (380 items/s), all at exactly the same rate. `samples`: how long it ran, in 0.1 s.
   */
  function burstSnapshot(names, samples = 20) {
    const timeline = [];
    for (let k = 1; k <= samples; k++) {
      timeline.push({
        atMs: k * 100,
        itemsOut: names.map((_, i) => (i === 0 ? 800 : Math.min(800, 38 * k + (k % 2) * 4))),
        queue: names.map((_, i) => (i === 0 ? 800 - 38 * k : k % 3)),
      });
    }
    return {
      status: "done",
      startedAt: Date.now(),
      durationMs: samples * 100,
      error: undefined,
      stages: names.map(stageStats),
      bottleneck: { stage: names[1], reason: "busy" },
      timeline,
      failures: [],
      failuresDropped: 0,
    };
  }

  /** The chart as vega draws it: each stage's line, its points in chart coordinates, and the height of the panel it is drawn in. */
  function drawnLines(spec) {
    const view = new vega.View(vega.parse(vl.compile(spec).spec), { renderer: "none" });
    view.run();
    const lines = [];
    const walk = (item, x, y, height) => {
      for (const mark of item.items ?? []) {
        if (mark.marktype === "line" && mark.items.length > 0) {
          lines.push({
            stage: mark.items[0].datum.stage,
            stroke: mark.items[0].stroke,
            panel: { bottom: y + height, height },
            points: mark.items.map((p) => [x + p.x, y + p.y]),
          });
        }
        if (mark.marktype === "group") for (const group of mark.items) walk(group, x + (group.x ?? 0), y + (group.y ?? 0), group.height ?? height);
      }
    };
    walk({ items: [view.scenegraph().root] }, 0, 0, 0);
    const xDomain = view.scale("x").domain();
    view.finalize();
    return { lines, xDomain };
  }

  const hue = (hex) => {
    const [r, g, b] = [1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16) / 255);
    const max = Math.max(r, g, b);
    const d = max - Math.min(r, g, b);
    const h = max === r ? ((g - b) / d) % 6 : max === g ? (b - r) / d + 2 : (r - g) / d + 4;
    return (h * 60 + 360) % 360;
  };
  const hueDistance = (a, b) => Math.min(Math.abs(hue(a) - hue(b)), 360 - Math.abs(hue(a) - hue(b)));

  test("throughput: a source's start-up burst does not squash the stages; each stage's line reaches at least half its panel", () => {
    const { lines } = drawnLines(new Chart("throughput", burstSnapshot(["source", "lookup", "score"])).spec);
    assert.deepEqual(lines.map((l) => l.stage).sort(), ["lookup", "score", "source"]);
    for (const line of lines) {
      // y grows downwards: the line's highest point is its smallest y; its panel's zero is at the panel's bottom.
      const top = Math.min(...line.points.map(([, y]) => y));
      const reach = (line.panel.bottom - top) / line.panel.height;
      assert.ok(reach >= 0.5, `${line.stage} reaches ${(reach * 100).toFixed(0)}% of its panel`);
    }
  });

  test("throughput: two stages with the same rates are both visible, and neighbouring stages have far-apart hues", () => {
    const names = ["source", "lookup", "score", "enrich", "store"];
    const { lines } = drawnLines(new Chart("throughput", burstSnapshot(names)).spec);
    const [lookup, score] = ["lookup", "score"].map((name) => lines.find((l) => l.stage === name));
    assert.notDeepEqual(lookup.points, score.points, "score is not drawn exactly over lookup");
    const colors = names.map((name) => lines.find((l) => l.stage === name).stroke);
    for (let i = 1; i < colors.length; i++) {
      const distance = hueDistance(colors[i - 1], colors[i]);
      assert.ok(distance >= 60, `${names[i - 1]} (${colors[i - 1]}) and ${names[i]} (${colors[i]}) are ${distance.toFixed(0)}° apart in hue`);
    }
  });

  test("throughput and queues: the x axis starts at the run's start, whenever the first sample was taken", () => {
    // A 0.3 s run sampled at 0.1, 0.2 and 0.3 s: an axis fitted to the data would start at 0.1 s.
    for (const kind of ["throughput", "queues"]) {
      const { xDomain } = drawnLines(new Chart(kind, burstSnapshot(["source", "lookup", "score"], 3)).spec);
      assert.equal(xDomain[0], 0, `${kind} starts at ${xDomain[0]} s`);
      assert.ok(xDomain[1] >= 0.3, kind);
    }
  });

  test("every chart fits a notebook 760 px wide, legend included, even with long stage names", () => {
    const names = ["source", "look-up-the-customer-record-in-the-crm", "score-with-the-fraud-model-v2", "enrich", "store-into-the-warehouse-table"];
    for (const kind of KINDS) {
      const width = Number(/^<svg[^>]*\swidth="([\d.]+)"/.exec(new Chart(kind, burstSnapshot(names)).toSVG())[1]);
      assert.ok(width <= 760, `${kind} is ${width} px wide`);
    }
  });

  test("the PNG (twice the pixels) carries the chart's CSS size as its display metadata", () => {
    const chart = new Chart("queues", burstSnapshot(["source", "lookup", "score"]));
    const bundle = chart.toMimeBundle();
    const [, width, height] = /^<svg[^>]*\swidth="(\d+)" height="(\d+)"/.exec(bundle["image/svg+xml"]).map(Number);
    assert.deepEqual(mimeMetadataOf(bundle), { "image/png": { width, height } });
    const png = Buffer.from(bundle["image/png"], "base64");
    assert.deepEqual([png.readUInt32BE(16), png.readUInt32BE(20)], [2 * width, 2 * height], "the PNG's pixels (IHDR)");
    // The metadata does not show up as a mime type: the bundle is still four representations and JSON of them.
    assert.deepEqual(Object.keys(JSON.parse(JSON.stringify(bundle))).sort(), ["application/vnd.vegalite.v5+json", "image/png", "image/svg+xml", "text/plain"]);
  });

  test("a short run (~200 ms) is sampled often enough to draw: at least 20 samples and 20 throughput steps", async () => {
    const short = await range(0, 40)
      .map(
        async (x) => {
          await new Promise((r) => setTimeout(r, 5));
          return x;
        },
        { name: "sleepy", workers: 1 },
      )
      .run({ progress: false });
    assert.ok(short.timeline.length >= 20, `${short.timeline.length} samples in ${short.durationMs.toFixed(0)} ms`);
    const steps = short.chart("throughput").spec.data.values.filter((r) => r.stage === "sleepy").length / 2;
    assert.ok(steps >= 20, `${steps} throughput steps`);
    const queueTimes = new Set(short.chart("queues").spec.data.values.map((r) => r.seconds));
    assert.ok(queueTimes.size >= 20, `${queueTimes.size} queue points`);
  });
});
