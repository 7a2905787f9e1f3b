/**
 * The statistics of one run, as handed to people: plain data, a snapshot.
 */
import type { Mode } from "../options";

export type RunStatus = "running" | "done" | "failed" | "cancelled";

export interface StageStats {
  /** The stage's name (`source` for the source, `ordered`, `take` for those steps). */
  name: string;
  mode: Mode | "source" | "ordered" | "take";
  workers: number;
  itemsIn: number;
  itemsOut: number;
  errors: number;
  /** Worker mode: how many batches of items were sent to threads (0 in other modes). */
  batches: number;
}

export interface RunStats {
  status: RunStatus;
  /** When the run started (ms since the epoch). */
  startedAt: number;
  durationMs: number;
  /** Why the run failed or was cancelled. */
  error: Error | undefined;
  stages: StageStats[];
}
