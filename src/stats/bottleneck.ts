/**
 * Which part of a run limits its throughput, in a sentence.
 *
 * A stage that is busy most of the time with all its workers is the limit.
 * When no stage is busy, the run waits either on its consumer (the last stage
 * is blocked on a full buffer) or on its source (the first stage waits for input).
 */
import type { Bottleneck, StageStats } from "./snapshot";

const pct = (x: number) => `${Math.round(x * 100)}%`;

export function findBottleneck(stages: readonly StageStats[], wallMs: number): Bottleneck | undefined {
  const working = stages.filter((s) => s.mode !== "source" && s.mode !== "ordered" && s.mode !== "take");
  if (working.length === 0 || wallMs <= 0) return undefined;
  const busiest = working.reduce((a, b) => (b.utilization > a.utilization ? b : a));
  if (busiest.utilization >= 0.5) {
    const rate = Math.round(busiest.throughput).toLocaleString("en-US");
    return {
      stage: busiest.name,
      reason: `busy ${pct(busiest.utilization)} of the time with ${busiest.workers} worker${busiest.workers === 1 ? "" : "s"} at ${rate} items/s; more workers or a faster function would speed up the run`,
    };
  }
  const last = stages[stages.length - 1]!;
  if (last.blockedMs / wallMs >= 0.5) {
    return { stage: "consumer", reason: `the last stage waited ${pct(last.blockedMs / wallMs)} of the time for the consumer to take its results` };
  }
  const first = working[0]!;
  if (first.waitingMs / wallMs >= 0.5) {
    return { stage: "source", reason: `the first stage waited ${pct(first.waitingMs / wallMs)} of the time for input` };
  }
  return {
    stage: busiest.name,
    reason: `the busiest stage, at ${pct(busiest.utilization)} of its workers' time; no stage is saturated`,
  };
}
