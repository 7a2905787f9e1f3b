/**
 * StageCounters: what one part of a run (the source, a stage, ordered(),
 * take) records while it runs. Only that part writes them; the supervisor
 * reads them into snapshots. Kept cheap: counters per item, clock readings
 * per wait or per batch, and latency for a sample of synchronous items.
 */
import { createHistogram, type RecordableHistogram } from "node:perf_hooks";
import type { QueueStats, RemoteWorkerStats, StageFailure, StageStats } from "./snapshot";

export class StageCounters {
  /** Items taken from the input (place markers excluded). */
  itemsIn = 0;
  /** Items written to the output buffer. */
  itemsOut = 0;
  /** Items a filter rejected, or an each stage consumed. */
  filtered = 0;
  /** flatMap: items whose children have all been produced. */
  expanded = 0;
  /** Items whose function call failed (or timed out). */
  errors = 0;
  /** Items taken and not yet written, rejected, expanded or failed. */
  inFlight = 0;
  /** Time the stage function ran, summed over workers (ms). */
  busyMs = 0;
  /** Worker mode: time from sending a batch to its results arriving, summed over batches (ms). */
  roundTripMs = 0;
  /** Time with room for more work but no input (ms); with `rate`, also the waits for a call's turn. */
  waitingMs = 0;
  /** With `rate`: the part of waitingMs spent waiting for a call's turn, not for input. */
  rateWaitMs = 0;
  /** Time with results that could not be written because the output buffer was full (ms). */
  blockedMs = 0;
  /** Worker mode: batches of items sent to threads. */
  batches = 0;
  /** Calls made again for items that failed (option retries). */
  retries = 0;
  /** A stage with the cache option: its items answered from the cache, and those its function was called for. */
  cached = false;
  cacheHits = 0;
  cacheMisses = 0;
  /** onError "collect": the failed items kept, up to the stage's maxFailures. */
  readonly failures: StageFailure[] = [];
  /** onError "collect": failed items past maxFailures, counted but not kept. */
  failuresDropped = 0;
  /** Time per item, in nanoseconds. */
  readonly latency: RecordableHistogram = createHistogram();

  /** Cluster mode: items and busy time per remote worker process ("host:pid"). */
  readonly remote = new Map<string, RemoteWorkerStats>();

  recordRemote(host: string, pid: number, items: number, busyMs: number): void {
    const key = `${host}:${pid}`;
    const entry = this.remote.get(key) ?? { host, pid, items: 0, busyMs: 0 };
    entry.items += items;
    entry.busyMs += busyMs;
    this.remote.set(key, entry);
  }

  /** Keeps a failed item, or only counts it once `max` are kept. */
  recordFailure(failure: StageFailure, max: number): void {
    if (this.failures.length < max) this.failures.push(failure);
    else this.failuresDropped++;
  }

  /** Records one item's duration (ms), counting it `weight` times in busy time (sampled items stand for others). */
  recordItem(ms: number, weight = 1): void {
    this.busyMs += ms * weight;
    this.latency.record(Math.max(1, Math.round(ms * 1e6)));
  }
}

export function newCounters(): StageCounters {
  return new StageCounters();
}

/** The figures of one part of a run at one moment. */
export function stageStats(
  info: { name: string; mode: StageStats["mode"]; workers: number; rate?: number },
  c: StageCounters,
  queue: QueueStats,
  wallMs: number,
): StageStats {
  const q = (p: number) => (c.latency.count === 0 ? 0 : c.latency.percentile(p) / 1e6);
  return {
    ...info,
    itemsIn: c.itemsIn,
    itemsOut: c.itemsOut,
    filtered: c.filtered,
    expanded: c.expanded,
    errors: c.errors,
    inFlight: c.inFlight,
    busyMs: c.busyMs,
    roundTripMs: c.roundTripMs,
    utilization: wallMs > 0 ? Math.min(1, c.busyMs / (info.workers * wallMs)) : 0,
    throughput: wallMs > 0 ? (c.itemsOut / wallMs) * 1000 : 0,
    latency: { p50: q(50), p90: q(90), p99: q(99), max: c.latency.count === 0 ? 0 : c.latency.max / 1e6 },
    waitingMs: c.waitingMs,
    blockedMs: c.blockedMs,
    queue,
    batches: c.batches,
    retries: c.retries,
    remoteWorkers: [...c.remote.values()].map((w) => ({ ...w })),
    ...(c.cached ? { cacheHits: c.cacheHits, cacheMisses: c.cacheMisses } : {}),
    ...(c.rateWaitMs > 0 ? { rateWaitMs: c.rateWaitMs } : {}),
  };
}
