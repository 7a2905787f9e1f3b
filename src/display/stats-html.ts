/**
 * A run's statistics as an HTML table for notebooks: a row per stage with
 * counts, throughput, a utilization bar, latency percentiles and buffer fill,
 * the bottleneck row highlighted. Pure: a snapshot in, a string out.
 */
import type { RunSnapshot, StageStats } from "../stats/snapshot";
import { escapeHtml, type HtmlCell, htmlTable } from "./html";

const STATUS_COLOR: Record<RunSnapshot["status"], string> = {
  running: "#1f77b4",
  done: "#2ca02c",
  failed: "#d62728",
  cancelled: "#ff7f0e",
};

const count = (n: number) => n.toLocaleString("en-US");
const ms = (n: number) => (n >= 100 ? n.toFixed(0) : n >= 1 ? n.toFixed(1) : n.toFixed(3));

/** A horizontal bar for a fraction 0..1, drawn with two inline-block spans. */
function bar(fraction: number, color: string, label: string): string {
  const width = 60;
  const filled = Math.round(Math.max(0, Math.min(1, fraction)) * width);
  return (
    `<span style="display:inline-block;width:${width}px;height:8px;background:#eee;vertical-align:middle">` +
    `<span style="display:block;width:${filled}px;height:8px;background:${color}"></span></span> ${escapeHtml(label)}`
  );
}

function row(s: StageStats): HtmlCell[] {
  const text = (t: string) => ({ html: escapeHtml(t) });
  const num = (t: string) => ({ html: escapeHtml(t), numeric: true });
  const isSource = s.mode === "source";
  const fill = s.queue.maxsize === 0 ? 0 : s.queue.peak / s.queue.maxsize;
  return [
    text(s.name),
    text(s.mode),
    num(String(s.workers)),
    num(count(s.itemsIn)),
    num(count(s.itemsOut)),
    num(count(s.filtered)),
    { html: escapeHtml(count(s.errors)), numeric: true, style: s.errors > 0 ? "color:#d62728;font-weight:600" : "" },
    num(count(Math.round(s.throughput))),
    { html: isSource ? "" : bar(s.utilization, "#4c78a8", `${Math.round(s.utilization * 100)}%`) },
    num(ms(s.latency.p50)),
    num(ms(s.latency.p90)),
    num(ms(s.latency.p99)),
    { html: bar(fill, "#f58518", `${s.queue.peak}/${s.queue.maxsize || "∞"}`) },
  ];
}

const HEADERS = ["stage", "mode", "workers", "in", "out", "filtered", "errors", "items/s", "utilization", "p50 ms", "p90 ms", "p99 ms", "queue peak/max"];

/** The whole view: a status line, the bottleneck, the error if any, and the table. */
export function statsHtml(stats: RunSnapshot): string {
  const seconds = (stats.durationMs / 1000).toFixed(2);
  const color = STATUS_COLOR[stats.status];
  const lines = [`<b>pipelab run</b>: <span style="color:${color};font-weight:600">${stats.status}</span> in ${seconds} s`];
  if (stats.bottleneck) lines.push(`bottleneck: <b>${escapeHtml(stats.bottleneck.stage)}</b> (${escapeHtml(stats.bottleneck.reason)})`);
  if (stats.error) lines.push(`<span style="color:#d62728">error: ${escapeHtml(stats.error.message)}</span>`);
  const failed = stats.failures.length + stats.failuresDropped;
  if (failed > 0) lines.push(`failed items: ${failed} (${stats.failures.length} kept in <code>stats.failures</code>)`);
  const bottleneck = stats.bottleneck?.stage;
  const table = htmlTable(HEADERS, stats.stages.map(row), (r) => (stats.stages[r]!.name === bottleneck ? "background:#fff3cd;font-weight:600" : ""));
  const remote = stats.stages
    .filter((stage) => stage.remoteWorkers.length > 0)
    .map(
      (stage) =>
        `<div><b>${escapeHtml(stage.name)}</b> ran on: ${stage.remoteWorkers.map((w) => escapeHtml(`${w.host}:${w.pid} (${count(w.items)} items, busy ${ms(w.busyMs)} ms)`)).join(", ")}</div>`,
    )
    .join("");
  return `<div class="pipelab-stats" style="font-family:sans-serif;font-size:13px"><div>${lines.join("<br>")}</div>${table}${remote}</div>`;
}
