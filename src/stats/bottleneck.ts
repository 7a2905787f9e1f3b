/**
 * Which part of a run limits its throughput, in a sentence with the fix.
 *
 * The part busy the largest share of the time is the limit when that share is
 * at least half: a stage (of its workers' time) or the source (its own work on
 * the main thread: reading, parsing, casting). Otherwise the run waits on its
 * consumer (the last stage is blocked on a full buffer), or on the main thread
 * (its event loop busy nearly all the time: the source, sync stages, async
 * stages' functions, moving items to and from threads and the consumer all run
 * there; the source or a sync stage holding a third of it is named, else the
 * main thread itself), or on its source (the first stage waits for input).
 *
 * The sinks of into() count as parts too: a sink's busy time is its writing
 * and its waiting for its writes, and the slowest sink sets the pace of a
 * run, so a sink busy half the time or more is named; when the last stage
 * waits on its consumer, the busiest sink is the consumer named.
 */
import { type Bottleneck, isWorkingStage, type MainThreadStats, type StageStats } from "./snapshot";

/** A part busy this share of the time is saturated: it limits the run. */
const SATURATED = 0.5;
/** A main thread busy this share of the time has no room left for anything. */
const MAIN_THREAD_FULL = 0.9;
/** The share of the main thread's busy time a part must hold to be named as the one holding it. */
const HOLDS_MAIN_THREAD = 1 / 3;
/**
 * A run shorter than this names no bottleneck: its shares are of a few timer ticks and a garbage
 * collection, and "move CPU-heavy work to worker mode" for 100 trivial items in 3 ms is noise.
 */
export const MIN_BOTTLENECK_MS = 50;

const pct = (x: number) => `${Math.round(x * 100)}%`;

export function findBottleneck(stages: readonly StageStats[], wallMs: number, mainThread?: MainThreadStats): Bottleneck | undefined {
  const working = stages.filter(isWorkingStage);
  if (working.length === 0 || wallMs < MIN_BOTTLENECK_MS) return undefined;
  const sinks = working.filter((s) => s.mode === "sink");
  const steps = stages.filter((s) => s.mode !== "sink");
  const source = stages.find((s) => s.mode === "source");
  const busiest = working.reduce((a, b) => (b.utilization > a.utilization ? b : a));
  const load = mainThread?.utilization ?? 0;

  // A stage held back by its own `rate` sets the pace, however idle its workers look.
  const limited = working
    .filter((s) => s.rateWaitMs !== undefined)
    .reduce<StageStats | undefined>((a, b) => (!a || b.rateWaitMs! > a.rateWaitMs! ? b : a), undefined);
  if (limited && limited.rateWaitMs! / wallMs >= SATURATED) {
    return {
      stage: limited.name,
      reason: `its rate (${limited.rate} calls/s) held it back ${pct(Math.min(1, limited.rateWaitMs! / wallMs))} of the time; a higher rate, if what it calls allows one, would speed up the run`,
    };
  }
  // Fused stages share their workers: together they may fill them while each alone looks idle.
  const group = busiestGroup(stages);
  if (group && group.share >= SATURATED && group.share > busiest.utilization) return groupBottleneck(group);
  // The source's busy time is all main-thread time, so it competes with the stages on the same scale.
  if (source && source.utilization >= SATURATED && source.utilization > busiest.utilization) return sourceBottleneck(source, working, load);
  if (busiest.utilization >= SATURATED && busiest.mode === "sink") {
    return {
      stage: busiest.name,
      reason: `a sink busy ${sinkBusy(busiest)}; the slowest sink sets the pace of the run: a faster sink (or one that writes in batches) would speed it up`,
    };
  }
  if (busiest.utilization >= SATURATED) {
    const rate = Math.round(busiest.throughput).toLocaleString("en-US");
    return {
      stage: busiest.name,
      reason: `busy ${pct(busiest.utilization)} of the time with ${busiest.workers} worker${busiest.workers === 1 ? "" : "s"} at ${rate} items/s; more workers or a faster function would speed up the run`,
    };
  }
  const last = steps[steps.length - 1]!;
  if (last.blockedMs / wallMs >= SATURATED) {
    const waited = `the last stage waited ${pct(last.blockedMs / wallMs)} of the time`;
    if (sinks.length === 0) return { stage: "consumer", reason: `${waited} for the consumer to take its results` };
    const slowest = sinks.reduce((a, b) => (b.utilization > a.utilization ? b : a));
    return { stage: slowest.name, reason: `${waited} for the sinks to take its results; the busiest sink, ${slowest.name}, was busy ${sinkBusy(slowest)}` };
  }
  if (mainThread && load >= MAIN_THREAD_FULL) {
    // Measured main-thread time: the source's and sync stages' (async stages' busy time includes their waits).
    const onMain = [...(source ? [source] : []), ...working.filter((s) => s.mode === "sync")];
    const holder = onMain.reduce<StageStats | undefined>((a, b) => (a === undefined || b.busyMs > a.busyMs ? b : a), undefined);
    if (holder && holder.busyMs >= HOLDS_MAIN_THREAD * mainThread.busyMs) {
      if (holder === source) return sourceBottleneck(source, working, load);
      return {
        stage: holder.name,
        reason: `a sync stage busy ${pct(holder.utilization)} of the time on the main thread, which was ${pct(load)} busy; worker mode would run it in threads`,
      };
    }
    const inProcess = working.filter((s) => s.mode === "async" || s.mode === "sync" || s.mode === "sink");
    const measured = [...(source ? [source] : []), ...inProcess]
      .map((s) => `${s.name} ${pct(s.busyMs / wallMs)}${s.mode === "async" || s.mode === "sink" ? " with its waits" : ""}`)
      .join(", ");
    const fix = working.some((s) => s.mode === "worker")
      ? "send fewer or smaller items across to the threads (filter or shrink them there), and move other CPU-heavy work to worker mode"
      : "move CPU-heavy work to worker mode";
    return {
      stage: "main thread",
      reason:
        `the main thread was ${pct(load)} busy with no stage saturated (${measured}); the rest is moving items between stages and to and from ` +
        `worker threads, a stream source's callbacks, and the consumer: ${fix}`,
    };
  }
  const first = working.find((s) => s.mode !== "sink") ?? working[0]!;
  if (first.waitingMs / wallMs >= SATURATED) {
    const own = source && source.busyMs > 0 ? `; the source was busy ${pct(source.utilization)} of the time, waiting for its data the rest` : "";
    return { stage: "source", reason: `the first stage waited ${pct(first.waitingMs / wallMs)} of the time for input${own}` };
  }
  return {
    stage: busiest.name,
    reason: `the busiest stage, at ${pct(busiest.utilization)} of its workers' time; no stage is saturated`,
  };
}

/** "80% of the time at 1,200 items/s, writing and waiting for its writes": how busy a sink was. */
function sinkBusy(sink: StageStats): string {
  const rate = Math.round(sink.throughput).toLocaleString("en-US");
  return `${pct(sink.utilization)} of the time at ${rate} items/s, writing and waiting for its writes`;
}

interface FusedGroup {
  members: StageStats[];
  /** The members' busy time together, as a share of their shared workers' time. */
  share: number;
}

/** The fused group whose members together are busy the largest share of their workers' time. */
function busiestGroup(stages: readonly StageStats[]): FusedGroup | undefined {
  const groups = new Map<string, StageStats[]>();
  for (const stage of stages) if (stage.fused) groups.set(stage.fused, [...(groups.get(stage.fused) ?? []), stage]);
  let best: FusedGroup | undefined;
  for (const members of groups.values()) {
    const share = members.reduce((sum, s) => sum + s.utilization, 0);
    if (!best || share > best.share) best = { members, share };
  }
  return best;
}

/** Fused stages fill their workers: name the busiest of them, and the share of each. */
function groupBottleneck({ members, share }: FusedGroup): Bottleneck {
  const top = members.reduce((a, b) => (b.utilization > a.utilization ? b : a));
  const shares = members.map((s) => `${s.name} ${pct(s.utilization)}`).join(", ");
  const workers = members[0]!.workers;
  const onMain = members.some((s) => s.mode === "sync");
  const where = onMain ? "on the main thread" : `in ${workers} worker thread${workers === 1 ? "" : "s"}`;
  const fix = onMain ? "worker mode would run them in threads" : "more workers or faster functions would speed up the run";
  return {
    stage: top.name,
    reason: `${members.map((s) => s.name).join(", ")} run fused ${where}, busy ${pct(Math.min(1, share))} of the time together (${shares}); ${fix}`,
  };
}

/** The source limits the run: its share of the time, and how to take work off the main thread. */
function sourceBottleneck(source: StageStats, working: readonly StageStats[], load: number): Bottleneck {
  const thread = load > 0 ? `, and the main thread was ${pct(load)} busy` : "";
  const first = working.find((s) => s.mode !== "sink");
  const fix = !first
    ? "the run only reads: make the source cheaper (fewer columns, a cheaper format) or give it work to overlap with"
    : first.mode === "worker"
      ? "yield raw lines or records and parse and cast them in a worker-mode stage, or make the source cheaper"
      : source.readableInThreads
        ? "put the next stages in worker mode to parse in the threads, or make the source cheaper"
        : "make the source cheaper (read fewer columns, a cheaper format), or move its parsing into a worker-mode stage (yield raw lines or records)";
  return {
    stage: "source",
    reason: `reading, parsing and casting items kept the source busy ${pct(source.utilization)} of the time on the main thread${thread}; ${fix}`,
  };
}
