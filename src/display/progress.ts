/**
 * Which live progress a run gets: in a notebook, an entry in the cell that
 * updates in place (on unless `progress: false`); in a terminal, a redrawn
 * block on stderr (on by default when stderr is a TTY outside CI).
 */
import type { RunSnapshot } from "../stats/snapshot";
import { currentSink } from "./display";
import { NotebookProgress } from "./notebook-progress";
import { progressByDefault, TerminalProgress } from "./terminal-progress";

export interface LiveProgress {
  /** Draws the final frame and stops updating. */
  stop(): void;
}

/** Starts the right live progress for this environment, or none. */
export function startProgress(snapshot: () => RunSnapshot, requested: boolean | undefined): LiveProgress | undefined {
  if (requested === false) return undefined;
  const sink = currentSink();
  const progress = sink.isNotebook ? new NotebookProgress(snapshot, sink) : (requested ?? progressByDefault()) ? new TerminalProgress(snapshot) : undefined;
  progress?.start();
  return progress;
}
