/**
 * The live progress view of a run as lines of text: a header, then one line
 * per stage with its count, rate, utilization (the source's: its own work on
 * the main thread) and how full its buffer is.
 * Pure: a snapshot in, strings out, so it is tested without a terminal.
 */
import type { RunSnapshot } from "../stats/snapshot";
import { mainThreadText } from "./stats-table";

const BAR_WIDTH = 10;

/** A bar of how full a buffer is: `[####------]`; `[    ∞    ]` for an unbounded one. */
export function fillBar(current: number, maxsize: number): string {
  if (maxsize === 0) return `[${"∞".padStart(BAR_WIDTH / 2 + 1).padEnd(BAR_WIDTH)}]`;
  const filled = Math.min(BAR_WIDTH, Math.round((current / maxsize) * BAR_WIDTH));
  return `[${"#".repeat(filled)}${"-".repeat(BAR_WIDTH - filled)}]`;
}

export function progressLines(stats: RunSnapshot): string[] {
  const seconds = (stats.durationMs / 1000).toFixed(1);
  const head = `pipelab ${stats.status} ${seconds} s${mainThreadText(stats)}${stats.bottleneck && stats.status !== "running" ? ` - bottleneck: ${stats.bottleneck.stage}` : ""}`;
  const nameWidth = Math.max(...stats.stages.map((s) => s.name.length));
  const lines = stats.stages.map((s) => {
    const count = s.itemsOut.toLocaleString("en-US").padStart(11);
    const rate = `${Math.round(s.throughput).toLocaleString("en-US")}/s`.padStart(11);
    const busy = `${Math.round(s.utilization * 100)}%`.padStart(4) + " ";
    // A sink of into() has no output buffer.
    const queue = s.mode === "sink" ? "" : `${fillBar(s.queue.current, s.queue.maxsize)} ${s.queue.current}/${s.queue.maxsize || "∞"}`;
    const errors = s.errors > 0 ? `  ${s.errors} errors` : "";
    const hits = s.cacheHits !== undefined ? `  ${s.cacheHits.toLocaleString("en-US")} cache hits` : "";
    return `  ${s.name.padEnd(nameWidth)} ${count} ${rate} ${busy}${queue}${errors}${hits}`.trimEnd();
  });
  return [head, ...lines];
}
