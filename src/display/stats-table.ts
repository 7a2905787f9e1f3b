/**
 * The text table of a run's statistics, for terminals and console.log.
 */
import type { RunSnapshot, StageStats } from "../stats/snapshot";

interface Column {
  title: string;
  value(stage: StageStats): string;
  left?: boolean;
}

const count = (n: number) => n.toLocaleString("en-US");
const ms = (n: number) => (n >= 100 ? n.toFixed(0) : n >= 1 ? n.toFixed(1) : n.toFixed(3));

const COLUMNS: Column[] = [
  { title: "stage", value: (s) => s.name, left: true },
  { title: "mode", value: (s) => s.mode, left: true },
  { title: "workers", value: (s) => String(s.workers) },
  { title: "in", value: (s) => count(s.itemsIn) },
  { title: "out", value: (s) => count(s.itemsOut) },
  // Where the rest went: rejected by a filter, consumed by an each stage, skipped by drop, a repeat for distinct.
  { title: "filtered", value: (s) => count(s.filtered) },
  { title: "errors", value: (s) => count(s.errors) },
  { title: "busy", value: (s) => `${Math.round(s.utilization * 100)}%` },
  { title: "items/s", value: (s) => count(Math.round(s.throughput)) },
  { title: "p50 ms", value: (s) => ms(s.latency.p50) },
  { title: "p99 ms", value: (s) => ms(s.latency.p99) },
  { title: "waiting ms", value: (s) => ms(s.waitingMs) },
  { title: "blocked ms", value: (s) => ms(s.blockedMs) },
  // A sink of into() has no output buffer.
  { title: "queue peak/max", value: (s) => (s.mode === "sink" ? "-" : `${s.queue.peak}/${s.queue.maxsize || "∞"}`) },
];

export function formatStatsTable(stats: RunSnapshot): string {
  const cells = stats.stages.map((stage) => COLUMNS.map((c) => c.value(stage)));
  const widths = COLUMNS.map((c, i) => Math.max(c.title.length, ...cells.map((row) => row[i]!.length)));
  const line = (values: string[]) =>
    values
      .map((v, i) => (COLUMNS[i]!.left ? v.padEnd(widths[i]!) : v.padStart(widths[i]!)))
      .join("  ")
      .trimEnd();
  const seconds = (stats.durationMs / 1000).toFixed(2);
  const header = [`pipelab run: ${stats.status} in ${seconds} s${mainThreadText(stats)}`];
  if (stats.bottleneck) header.push(`bottleneck: ${stats.bottleneck.stage} (${stats.bottleneck.reason})`);
  if (stats.error) header.push(`error: ${stats.error.message}`);
  const failed = stats.failures.length + stats.failuresDropped;
  if (failed > 0) header.push(`failed items: ${failed} (${stats.failures.length} kept in stats.failures)`);
  const remote = stats.stages
    .filter((stage) => stage.remoteWorkers.length > 0)
    .map(
      (stage) => `${stage.name} ran on: ${stage.remoteWorkers.map((w) => `${w.host}:${w.pid} (${count(w.items)} items, busy ${ms(w.busyMs)} ms)`).join(", ")}`,
    );
  const cached = stats.stages.filter((stage) => stage.cacheHits !== undefined).map((stage) => `${stage.name} ${cacheText(stage)}`);
  const notes = (stats.notes ?? []).map((n) => `note: ${n.stage}: ${n.note}`);
  return [...header, line(COLUMNS.map((c) => c.title)), ...cells.map(line), ...remote, ...cached, ...notes].join("\n");
}

/** "cache: 950 hits, 50 misses (95% without a call)" for a stage with the cache option. */
export function cacheText(stage: Pick<StageStats, "cacheHits" | "cacheMisses">): string {
  const hits = stage.cacheHits ?? 0;
  const misses = stage.cacheMisses ?? 0;
  const share = hits + misses > 0 ? ` (${Math.round((hits / (hits + misses)) * 100)}% without a call)` : "";
  return `cache: ${count(hits)} hits, ${count(misses)} misses${share}`;
}

/** ", main thread 96% busy" for a status line: how busy the event loop was over the run (nothing before it starts). */
export function mainThreadText(stats: Pick<RunSnapshot, "mainThread">): string {
  return stats.mainThread ? `, main thread ${Math.round(stats.mainThread.utilization * 100)}% busy` : "";
}
