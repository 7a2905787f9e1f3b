/**
 * A run's statistics as an HTML table for notebooks: a row per stage with
 * its mode and workers, counts, throughput, utilization, latency percentiles
 * and buffer fill (those two with a bar under the number), the bottleneck row
 * highlighted. Every number column has a fixed width, so a live table does not
 * shift while it is read. Pure: a snapshot in, a string out.
 */
import type { RunSnapshot, StageStats } from "../stats/snapshot";
import { escapeHtml, type HtmlCell, type HtmlColumn, htmlTable } from "./html";
import { cacheText, mainThreadText } from "./stats-table";

const STATUS_COLOR: Record<RunSnapshot["status"], string> = {
  running: "#1f77b4",
  done: "#2ca02c",
  failed: "#d62728",
  cancelled: "#ff7f0e",
};

const count = (n: number) => n.toLocaleString("en-US");
const ms = (n: number) => (n >= 100 ? n.toFixed(0) : n >= 1 ? n.toFixed(1) : n.toFixed(3));

/**
 * A cell with a bar for a fraction 0..1 along its bottom edge, under its label: a bar at a glance
 * that takes no width of its own (drawn with CSS gradients, so no scripts and no images).
 */
function barCell(fraction: number, color: string, label: string): HtmlCell {
  const percent = Math.round(Math.max(0, Math.min(1, fraction)) * 100);
  const layer = (c: string, width: number) => `linear-gradient(${c},${c}) no-repeat 0 100%/${width}% 4px`;
  return { html: escapeHtml(label), numeric: true, style: `background:${layer(color, percent)},${layer("#e6e6e6", 100)}` };
}

/** "async ×4": the mode and how many items it works on at once, in one narrow column; the source, the steps (take, batch...) and sinks have no workers. */
const modeAndWorkers = (s: StageStats) =>
  s.mode === "sync" || s.mode === "async" || s.mode === "worker" || s.mode === "cluster" ? `${s.mode} ×${s.workers}` : s.mode;

function row(s: StageStats): HtmlCell[] {
  const text = (t: string) => ({ html: escapeHtml(t) });
  const num = (t: string) => ({ html: escapeHtml(t), numeric: true });
  const fill = s.queue.maxsize === 0 ? 0 : s.queue.peak / s.queue.maxsize;
  return [
    // A long name wraps where a reader would break it (into.<key>, map(fn), a + b), not mid-word.
    { html: escapeHtml(s.name).replace(/([.(]|\+ )/g, "<wbr>$1") },
    text(modeAndWorkers(s)),
    num(count(s.itemsIn)),
    num(count(s.itemsOut)),
    num(count(s.filtered)),
    { html: escapeHtml(count(s.errors)), numeric: true, style: s.errors > 0 ? "color:#d62728;font-weight:600" : "" },
    num(count(Math.round(s.throughput))),
    barCell(s.utilization, "#4c78a8", `${Math.round(s.utilization * 100)}%`),
    num(ms(s.latency.p50)),
    num(ms(s.latency.p90)),
    num(ms(s.latency.p99)),
    // A sink of into() has no output buffer.
    s.mode === "sink" ? num("-") : barCell(fill, "#f58518", `${s.queue.peak}/${s.queue.maxsize || "∞"}`),
  ];
}

/** Room for the widest queue label of a run, "1000/1000": it is fixed when the run starts. */
const queueCh = (stages: StageStats[]) => Math.max(5, ...stages.map((s) => (s.queue.maxsize === 0 ? 6 : 2 * String(s.queue.maxsize).length + 1)));

// Widths for the largest plausible values, so a live table keeps its columns still as its counts
// grow: counts up to 99,999,999, rates up to 9,999,999 items/s, latencies up to 99999 ms. Compact
// enough, with the bars under their numbers, to fit a notebook 760 px wide.
const COUNT_CH = 10;
const MS_CH = 5;
const columns = (stages: StageStats[]): HtmlColumn[] => [
  { title: "stage", wrapCh: 12 },
  { title: "mode", tooltip: "mode × workers (items worked on at once)" },
  { title: "in", numeric: true, widthCh: COUNT_CH, tooltip: "items in = out + filtered + errors (a batch counts items, the step after it arrays)" },
  { title: "out", numeric: true, widthCh: COUNT_CH },
  { title: "filtered", numeric: true, widthCh: COUNT_CH, tooltip: "rejected by a filter, consumed by an each stage, skipped by drop or a repeat for distinct" },
  { title: "errors", numeric: true, widthCh: 6 },
  { title: "items/s", numeric: true, widthCh: 9 },
  {
    title: "busy",
    numeric: true,
    widthCh: 4,
    tooltip: "utilization: busy time / (workers × wall time); the source: its own work (reading, parsing, casting) on the main thread",
  },
  { title: "p50 ms", numeric: true, widthCh: MS_CH, tooltip: "latency per item, median" },
  { title: "p90 ms", numeric: true, widthCh: MS_CH, tooltip: "latency per item, 90th percentile" },
  { title: "p99 ms", numeric: true, widthCh: MS_CH, tooltip: "latency per item, 99th percentile" },
  { title: "queue peak/max", numeric: true, widthCh: queueCh(stages), tooltip: "output buffer: most items waiting / capacity" },
];

/** The whole view: a status line, the bottleneck, the error if any, and the table. */
export function statsHtml(stats: RunSnapshot): string {
  const seconds = (stats.durationMs / 1000).toFixed(2);
  const color = STATUS_COLOR[stats.status];
  const lines = [`<b>pipelab run</b>: <span style="color:${color};font-weight:600">${stats.status}</span> in ${seconds} s${mainThreadText(stats)}`];
  if (stats.bottleneck) lines.push(`bottleneck: <b>${escapeHtml(stats.bottleneck.stage)}</b> (${escapeHtml(stats.bottleneck.reason)})`);
  if (stats.error) lines.push(`<span style="color:#d62728">error: ${escapeHtml(stats.error.message)}</span>`);
  const failed = stats.failures.length + stats.failuresDropped;
  if (failed > 0) lines.push(`failed items: ${failed} (${stats.failures.length} kept in <code>stats.failures</code>)`);
  const bottleneck = stats.bottleneck?.stage;
  const table = htmlTable(columns(stats.stages), stats.stages.map(row), (r) =>
    stats.stages[r]!.name === bottleneck ? "background:#fff3cd;font-weight:600" : "",
  );
  const remote = stats.stages
    .filter((stage) => stage.remoteWorkers.length > 0)
    .map(
      (stage) =>
        `<div><b>${escapeHtml(stage.name)}</b> ran on: ${stage.remoteWorkers.map((w) => escapeHtml(`${w.host}:${w.pid} (${count(w.items)} items, busy ${ms(w.busyMs)} ms)`)).join(", ")}</div>`,
    )
    .join("");
  const cached = stats.stages
    .filter((stage) => stage.cacheHits !== undefined)
    .map((stage) => `<div><b>${escapeHtml(stage.name)}</b> ${escapeHtml(cacheText(stage))}</div>`)
    .join("");
  const notes = (stats.notes ?? []).map((n) => `<div>note: <b>${escapeHtml(n.stage)}</b>: ${escapeHtml(n.note)}</div>`).join("");
  return `<div class="pipelab-stats" style="font-family:sans-serif;font-size:13px"><div>${lines.join("<br>")}</div>${table}${remote}${cached}${notes}</div>`;
}
