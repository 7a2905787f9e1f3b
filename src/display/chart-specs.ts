/**
 * Vega-Lite v5 specs of a run, built from one statistics snapshot with the
 * data inline (so a saved notebook or .vl.json file is self-contained).
 */
import { isWorkingStage, type RunSnapshot, type StageStats, type TimelineSample } from "../stats/snapshot";

export type ChartKind = "throughput" | "queues" | "latency" | "utilization";

/** @internal */
export const CHART_KINDS: readonly ChartKind[] = ["throughput", "queues", "latency", "utilization"];

const SCHEMA = "https://vega.github.io/schema/vega-lite/v5.json";
// Every chart, axes and legend included, fits a notebook output 760 px wide (a window ~800 px wide).
const WIDTH = 480;
/** Stage names (axis labels, panel headers) are cut with an ellipsis past this many pixels, so a long name cannot widen a chart. */
const NAME_LIMIT = 130;
/** Throughput intervals drawn at most: on a long run consecutive samples are merged, so a rate is counted over enough items to read. */
const MAX_INTERVALS = 60;

/**
 * One colour per stage, in pipeline order: Vega's tableau10 hues, reordered so that neighbouring
 * stages get far-apart hues (blue, orange, green, purple, teal, red...). tableau10's own order puts
 * orange next to red, so the second and third stage of a pipeline were hard to tell apart, worst
 * of all with red-green colour blindness; blue and orange, first, survive every kind of it.
 */
const STAGE_COLORS: readonly string[] = ["#4c78a8", "#f58518", "#54a24b", "#b279a2", "#72b7b2", "#e45756", "#eeca3b", "#ff9da6", "#9d755d", "#bab0ac"];

type Row = Record<string, string | number>;
type Sample = Pick<TimelineSample, "atMs" | "itemsOut">;

/** Stage names in pipeline order, so colours and rows keep the order of the pipeline. */
const stageOrder = (stages: StageStats[]) => stages.map((s) => s.name);

/**
 * The samples that bound the throughput intervals: each interval lasts at least 1/MAX_INTERVALS
 * of the run, and a last stretch shorter than half the interval before it (the run's final
 * sample, taken when it ends, often comes a moment after a timed one) joins that interval: a
 * rate counted over a sliver of time is a spike that says nothing.
 */
function intervalEnds(all: Sample[]): Sample[] {
  const last = all.at(-1)!;
  const minSpan = last.atMs / MAX_INTERVALS;
  const ends = [all[0]!];
  for (const sample of all) if (sample.atMs - ends.at(-1)!.atMs >= minSpan && sample.atMs > ends.at(-1)!.atMs) ends.push(sample);
  const [before, end] = [ends.at(-2), ends.at(-1)!];
  if (end !== last) {
    if (before && last.atMs - end.atMs < (end.atMs - before.atMs) / 2) ends[ends.length - 1] = last;
    else ends.push(last);
  }
  return ends;
}

/** Items per second per stage over consecutive stretches of the timeline (at most MAX_INTERVALS of them). */
function throughputRows(stats: RunSnapshot): Row[] {
  const rows: Row[] = [];
  // The run starts with nothing out: the first rate is from the start to the first sample.
  const samples = intervalEnds([{ atMs: 0, itemsOut: stats.stages.map(() => 0) }, ...stats.timeline]);
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

/** Output buffers over time: a sink of into() has none, so it has no panel. */
function queueRows(stats: RunSnapshot): Row[] {
  return stats.timeline.flatMap((sample) =>
    stats.stages.flatMap((stage, s) =>
      stage.mode === "sink" ? [] : [{ seconds: sample.atMs / 1000, stage: stage.name, items: sample.queue[s] ?? 0, maxsize: stage.queue.maxsize }],
    ),
  );
}

function latencyRows(stats: RunSnapshot): Row[] {
  return stats.stages
    .filter(isWorkingStage)
    .flatMap((stage) =>
      (["p50", "p90", "p99", "max"] as const)
        .map((percentile) => ({ stage: stage.name, percentile, ms: stage.latency[percentile] }))
        .filter((row) => row.ms > 0),
    );
}

function utilizationRows(stats: RunSnapshot): Row[] {
  return stats.stages.filter(isWorkingStage).map((stage) => ({
    stage: stage.name,
    utilization: stage.utilization,
    role: stage.name === stats.bottleneck?.stage ? "bottleneck" : "stage",
  }));
}

/** Panel height per stage: the whole chart stays about as tall as one chart, whatever the number of stages. */
const panelHeight = (stages: number) => Math.max(40, Math.min(80, Math.round(240 / Math.max(1, stages))));

interface OverTime {
  title: string;
  subtitle: string;
  values: Row[];
  field: string;
  axisTitle: string;
  interpolate: string;
  /** Integer counts: no 0.5 ticks. */
  integers?: boolean;
  /** Drawn in each panel under the line. */
  under?: object[];
}

/**
 * A value over time, one small panel per stage, each with its own y scale: a source's start-up
 * burst or one fast stage cannot squash the others to the bottom, and two stages with the same
 * rate cannot hide one another. The panels share the x axis, which starts at the run's start.
 */
function overTime(chart: OverTime, order: string[]): object {
  const { title, subtitle, values, field, axisTitle, interpolate, integers = false, under = [] } = chart;
  const line = {
    mark: { type: "line", interpolate },
    encoding: {
      x: { field: "seconds", type: "quantitative", title: "seconds since start", scale: { domainMin: 0 } },
      y: {
        field,
        type: "quantitative",
        title: axisTitle,
        axis: { tickCount: 3, titleFontWeight: "normal", ...(integers ? { tickMinStep: 1, format: ",d" } : {}) },
      },
      color: { field: "stage", type: "nominal", scale: { domain: order, range: STAGE_COLORS }, legend: null },
    },
  };
  return {
    $schema: SCHEMA,
    title: { text: title, subtitle },
    data: { values },
    facet: {
      row: {
        field: "stage",
        type: "nominal",
        sort: order,
        title: null,
        header: { labelOrient: "top", labelAnchor: "start", labelAngle: 0, labelFontWeight: "bold", labelLimit: WIDTH, labelPadding: 2 },
      },
    },
    spacing: 6,
    spec: {
      width: WIDTH,
      height: panelHeight(order.length),
      layer: [...under, line],
    },
    resolve: { scale: { y: "independent" } },
  };
}

/** @internal The Vega-Lite spec of one chart of a run. */
export function chartSpec(kind: ChartKind, stats: RunSnapshot): object {
  const order = stageOrder(stats.stages);
  switch (kind) {
    case "throughput":
      return overTime(
        {
          title: "Throughput per stage",
          subtitle: "items/s; one panel per stage, each on its own scale",
          values: throughputRows(stats),
          field: "itemsPerSecond",
          axisTitle: "items/s",
          interpolate: "linear",
        },
        order,
      );
    case "queues":
      return overTime(
        {
          title: "Output buffer occupancy per stage",
          subtitle: "items waiting; one panel per stage, scaled to its capacity (dashed)",
          values: queueRows(stats),
          field: "items",
          axisTitle: "items",
          interpolate: "step-after",
          integers: true,
          // The capacity sets each panel's scale: a full buffer reads as full, an empty one as empty.
          under: [{ mark: { type: "rule", color: "#888", strokeDash: [4, 3] }, encoding: { y: { field: "maxsize", aggregate: "max", type: "quantitative" } } }],
        },
        order,
      );
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
          y: { field: "stage", type: "nominal", sort: order, title: null, axis: { labelLimit: NAME_LIMIT } },
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
          y: { field: "stage", type: "nominal", sort: order, title: null, axis: { labelLimit: NAME_LIMIT } },
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
