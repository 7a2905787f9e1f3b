/**
 * Remarks on a run's stages that are worth knowing but are not errors: a
 * worker stage given more threads than it had items, or than the machine has
 * cores, cannot use them all at once (a hint that `workers` is set too high).
 */
import { availableParallelism } from "node:os";
import type { StageNote, StageStats } from "./snapshot";

/**
 * @param ended whether the run has ended (a stage's item count is final only then)
 * @param cores the cores the process may use
 */
export function stageNotes(stages: readonly StageStats[], ended: boolean, cores = availableParallelism()): StageNote[] {
  const notes: StageNote[] = [];
  for (const s of stages) {
    if (s.mode !== "worker") continue;
    const pastItems = ended && s.workers > s.itemsIn;
    const pastCores = s.workers > cores;
    if (!pastItems && !pastCores) continue;
    const atOnce = Math.max(1, pastItems && pastCores ? Math.min(s.itemsIn, cores) : pastItems ? s.itemsIn : cores);
    const items = pastItems ? ` for ${plural(s.itemsIn, "item")}` : "";
    const on = pastCores ? ` on ${plural(cores, "core")}` : "";
    notes.push({
      stage: s.name,
      note: `${s.workers} threads${items}${on}: at most ${atOnce} can work at once`,
    });
  }
  return notes;
}

const plural = (n: number, word: string) => `${n.toLocaleString("en-US")} ${word}${n === 1 ? "" : "s"}`;
