/**
 * Vega-Lite v5 specs of a run, built from one statistics snapshot with the
 * data inline (so a saved notebook or .vl.json file is self-contained).
 */
import type { RunSnapshot, StageStats } from "../stats/snapshot";

export type ChartKind = "throughput" | "queues" | "latency" | "utilization";

/** @internal */
export const CHART_KINDS: readonly ChartKind[] = ["throughput", "queues", "latency", "utilization"];

const SCHEMA = "https://vega.github.io/schema/vega-lite/v5.json";
const WIDTH = 480;
const HEIGHT = 220;

type Row = Record<string, string | number>;

/** Stage names in pipeline order, so colours and rows keep the order of the pipeline. */
const stageOrder = (stages: StageStats[]) => stages.map((s) => s.name);
const isStage = (s: StageStats) => s.mode !== "source" && s.mode !== "ordered" && s.mode !== "take";

/** Items per second per stage between consecutive timeline samples. */
function throughputRows(stats: RunSnapshot): Row[] {
  const rows: Row[] = [];
  // The run starts with nothing out: the first rate is from the start to the first sample.
  const samples = [{ atMs: 0, itemsOut: stats.stages.map(() => 0) }, ...stats.timeline];
  for (let i = 1; i < samples.length; i++) {
    const [before, after] = [samples[i - 1]!, samples[i]!];
    const seconds = (after.atMs - before.atMs) / 1000;
    if (seconds <= 0) continue;
    stats.stages.forEach((stage, s) => {
      const itemsPerSecond = ((after.itemsOut[s] ?? 0) - (before.itemsOut[s] ?? 0)) / seconds;
      // The rate holds over the whole interval: a point at each end draws it as a flat step.
      rows.push({ seconds: before.atMs / 1000, stage: stage.name, itemsPerSecond });
      rows.push({ seconds: after.atMs / 1000, stage: stage.name, itemsPerSecond });
    });
  }
  return rows;
}

function queueRows(stats: RunSnapshot): Row[] {
  return stats.timeline.flatMap((sample) =>
    stats.stages.map((stage, s) => ({ seconds: sample.atMs / 1000, stage: stage.name, items: sample.queue[s] ?? 0, maxsize: stage.queue.maxsize })),
  );
}

function latencyRows(stats: RunSnapshot): Row[] {
  return stats.stages
    .filter(isStage)
    .flatMap((stage) =>
      (["p50", "p90", "p99", "max"] as const)
        .map((percentile) => ({ stage: stage.name, percentile, ms: stage.latency[percentile] }))
        .filter((row) => row.ms > 0),
    );
}

function utilizationRows(stats: RunSnapshot): Row[] {
  return stats.stages.filter(isStage).map((stage) => ({
    stage: stage.name,
    utilization: stage.utilization,
    role: stage.name === stats.bottleneck?.stage ? "bottleneck" : "stage",
  }));
}

function overTime(title: string, values: Row[], field: string, axisTitle: string, order: string[], interpolate: string): object {
  return {
    $schema: SCHEMA,
    title,
    width: WIDTH,
    height: HEIGHT,
    data: { values },
    mark: { type: "line", interpolate },
    encoding: {
      x: { field: "seconds", type: "quantitative", title: "seconds since start" },
      y: { field, type: "quantitative", title: axisTitle },
      color: { field: "stage", type: "nominal", sort: order, title: "stage" },
    },
  };
}

/** @internal The Vega-Lite spec of one chart of a run. */
export function chartSpec(kind: ChartKind, stats: RunSnapshot): object {
  const order = stageOrder(stats.stages);
  switch (kind) {
    case "throughput":
      return overTime("Throughput per stage", throughputRows(stats), "itemsPerSecond", "items/s", order, "linear");
    case "queues":
      return overTime("Output buffer occupancy per stage", queueRows(stats), "items", "items waiting", order, "step-after");
    case "latency":
      return {
        $schema: SCHEMA,
        title: "Latency per item, by stage",
        width: WIDTH,
        height: { step: 28 },
        data: { values: latencyRows(stats) },
        mark: { type: "point", filled: true, size: 70 },
        encoding: {
          x: { field: "ms", type: "quantitative", scale: { type: "log" }, title: "ms per item (log scale)" },
          y: { field: "stage", type: "nominal", sort: order, title: null },
          color: { field: "percentile", type: "nominal", sort: ["p50", "p90", "p99", "max"], title: "percentile" },
        },
      };
    case "utilization":
      return {
        $schema: SCHEMA,
        title: "Utilization per stage (busy time / workers x wall time)",
        width: WIDTH,
        height: { step: 28 },
        data: { values: utilizationRows(stats) },
        mark: "bar",
        encoding: {
          x: { field: "utilization", type: "quantitative", scale: { domain: [0, 1] }, axis: { format: "%" }, title: "utilization" },
          y: { field: "stage", type: "nominal", sort: order, title: null },
          color: {
            field: "role",
            type: "nominal",
            scale: { domain: ["stage", "bottleneck"], range: ["#4c78a8", "#e45756"] },
            title: null,
          },
        },
      };
  }
}
