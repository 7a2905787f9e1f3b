/**
 * Which live progress a run gets: in a notebook, an entry in the cell that
 * updates in place, for runs that last over a second (from the start with
 * `progress: true`; never with `progress: false`); in a terminal, a redrawn
 * block on stderr (on by default when stderr is a TTY outside CI).
 */
import type { RunSnapshot } from "../stats/snapshot";
import { currentSink } from "./display";
import { LIVE_AFTER_MS, NotebookProgress } from "./notebook-progress";
import { progressByDefault, TerminalProgress } from "./terminal-progress";

export interface LiveProgress {
  /** Draws the final frame and stops updating. */
  stop(): void;
}

/** Starts the right live progress for this environment, or none. */
export function startProgress(snapshot: () => RunSnapshot, requested: boolean | undefined): LiveProgress | undefined {
  if (requested === false) return undefined;
  const sink = currentSink();
  const progress = sink.isNotebook
    ? new NotebookProgress(snapshot, sink, requested === true ? 0 : LIVE_AFTER_MS)
    : (requested ?? progressByDefault())
      ? new TerminalProgress(snapshot)
      : undefined;
  progress?.start();
  return progress;
}
