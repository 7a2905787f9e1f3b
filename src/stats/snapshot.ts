/**
 * A run's statistics as plain data: what the supervisor measures and every
 * view (tables, charts, progress, the public RunStats) reads. A snapshot: it
 * does not change as the run goes on. Imports nothing above stats/.
 */
import type { ItemIndex } from "../errors";
import type { Mode } from "../options";

export type RunStatus = "running" | "done" | "failed" | "cancelled";

/** Milliseconds. */
export interface LatencyStats {
  p50: number;
  p90: number;
  p99: number;
  max: number;
}

export interface QueueStats {
  /** The output buffer's bound (0 = unbounded). */
  maxsize: number;
  /** Most items it held at once. */
  peak: number;
  /** Items it holds now. */
  current: number;
}

/** The steps that are not stages: they pass, skip, group or reorder items, and run no function of the user's on workers. */
export type StepMode = "ordered" | "take" | "batch" | "drop" | "distinct";

/**
 * Whether a row is a stage that works on items (a stage function, or distinct's key function), rather than
 * the source or a step that only moves them on: what the bottleneck and the per-stage charts look at.
 */
export function isWorkingStage(stage: Pick<StageStats, "mode">): boolean {
  const { mode } = stage;
  return mode !== "source" && mode !== "ordered" && mode !== "take" && mode !== "batch" && mode !== "drop";
}

export interface StageStats {
  /**
   * The stage's name (`source` for the source; `ordered`, `take`, `drop`, `batch(size)`, `distinct`
   * for those steps by default; `into.<key>` for a sink of into()).
   */
  name: string;
  /**
   * `sink`: a sink of into(), after the stages: items in are the results it was given, out the
   * ones it took (a sink.array past its limit lets the rest by: filtered), busy its time writing
   * and waiting for its writes; it has no output buffer (queue 0/0).
   */
  mode: Mode | "source" | StepMode | "sink";
  workers: number;
  /**
   * The stages this one runs fused with, in one chain (`"source + distance + nearby"`; the source
   * when threads read the file); they share the same workers.
   */
  fused?: string;
  /** The source: a file that worker threads could read themselves (fromCSV, fromJSONL), were worker stages to follow it. */
  readableInThreads?: boolean;
  /** Items taken from the input. */
  itemsIn: number;
  /** Items written to the output (a flatMap's children one by one; a batch's items, not its arrays). */
  itemsOut: number;
  /** Items a filter rejected, an each stage consumed, drop skipped or distinct found a second time. */
  filtered: number;
  /** flatMap: items whose children were all produced. */
  expanded: number;
  /** Items whose function failed or timed out. */
  errors: number;
  /**
   * Items taken and not yet written, filtered, expanded or failed. Once a run has
   * ended this is what it abandoned. Accounting: itemsIn = itemsOut + filtered +
   * errors + inFlight (map, filter, each and the steps, a batch counting items),
   * itemsIn = expanded + errors + inFlight (flatMap).
   */
  inFlight: number;
  /**
   * Time the stage function ran, summed over workers (ms). Worker mode: measured inside the threads.
   * The source: time in its synchronous work on the main thread (next() and handing items on).
   */
  busyMs: number;
  /** Worker mode: from sending a batch to its results arriving, summed over batches (ms); minus busyMs, the cost of moving data. */
  roundTripMs: number;
  /**
   * busyMs / (workers x wall time), 0..1. The source: its busy time (reading, parsing and casting
   * items on the main thread, not waiting for the disk or for buffer space) over the wall time.
   */
  utilization: number;
  /** Items out per second of wall time. */
  throughput: number;
  /** Time per item (worker mode: per batch, averaged over its items). */
  latency: LatencyStats;
  /** Time with room for work but no input (ms). */
  waitingMs: number;
  /** Time held up because the output buffer was full (ms). */
  blockedMs: number;
  queue: QueueStats;
  /** Worker mode: batches of items sent to threads. A batch step: the arrays it wrote. */
  batches: number;
  /** Calls made again for failed items (option retries). */
  retries: number;
  /** Cluster mode: each worker process that answered, with its items and busy time. */
  remoteWorkers: RemoteWorkerStats[];
  /** A stage with the `rate` option: its calls per second. */
  rate?: number;
  /** A stage with the `rate` option: the part of waitingMs it spent waiting for a call's turn. */
  rateWaitMs?: number;
  /** A stage with the cache option: items answered from the cache (no call, no worker, not busy). */
  cacheHits?: number;
  /** A stage with the cache option: items its function was called for. */
  cacheMisses?: number;
}

export interface RemoteWorkerStats {
  host: string;
  pid: number;
  items: number;
  busyMs: number;
}

/** An item that failed in a stage with onError "collect". `Item`: the stage's input type. */
export interface StageFailure<Item = unknown> {
  stage: string;
  /** The item's position: its index in the source, `3.1` for the second child of item 3 after a flatMap. */
  index: ItemIndex;
  /** The item as the stage received it, to retry it later. */
  item: Item;
  /** The StageError (its cause is what the function threw). */
  error: Error;
}

/** Per stage, at one moment: items out so far and output buffer depth. */
export interface TimelineSample {
  /** Milliseconds since the run started. */
  atMs: number;
  itemsOut: number[];
  queue: number[];
  /** How busy the main thread was since the sample before, 0..1. */
  mainThread?: number;
}

/** How busy the main thread's event loop was over the run (everything on it counts, other work in the process included). */
export interface MainThreadStats {
  /** Busy share of the time, 0..1 (performance.eventLoopUtilization). */
  utilization: number;
  /** Busy time (ms). */
  busyMs: number;
}

/** A remark on a stage that is worth knowing but is not an error (e.g. more threads than items or cores). */
export interface StageNote {
  stage: string;
  note: string;
}

export interface Bottleneck {
  /** The stage (or into() sink) that limits throughput, or "source" / "consumer" / "main thread". */
  stage: string;
  reason: string;
}

/** One flat row per stage, for tables and DataFrames. */
export type StageRow = Omit<StageStats, "latency" | "queue" | "remoteWorkers"> & {
  latencyP50: number;
  latencyP90: number;
  latencyP99: number;
  latencyMax: number;
  queueMaxsize: number;
  queuePeak: number;
  queueCurrent: number;
};

/** One moment of a run, as data. `Failed`: what a failed item can be (see Pipeline). */
export interface RunSnapshot<Failed = unknown> {
  readonly status: RunStatus;
  /** When the run started (ms since the epoch). */
  readonly startedAt: number;
  readonly durationMs: number;
  /** Why the run failed or was cancelled. */
  readonly error: Error | undefined;
  readonly stages: StageStats[];
  readonly bottleneck: Bottleneck | undefined;
  /** How busy the main thread was over the run; undefined before it starts. */
  readonly mainThread: MainThreadStats | undefined;
  /** Remarks on stages that are not errors, such as a worker stage with more threads than items or cores. */
  readonly notes: StageNote[];
  /** Samples from the run's start, every 5 ms at first and coarser as the run grows (at most 300). */
  readonly timeline: TimelineSample[];
  /** Items that failed in stages with onError "collect", stage by stage (each stage keeps up to its maxFailures). */
  readonly failures: StageFailure<Failed>[];
  /** Failed items past the stages' maxFailures: counted, not kept. */
  readonly failuresDropped: number;
}
