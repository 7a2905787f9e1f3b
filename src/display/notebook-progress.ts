/**
 * NotebookProgress: a run's live statistics in the cell that started it. The
 * entry is created at once, rewritten in place (update_display_data) at most
 * four times a second, and once more at the end, so the state a saved
 * notebook keeps is the final one: done, failed or cancelled.
 */
import { randomUUID } from "node:crypto";
import type { RunSnapshot } from "../stats/snapshot";
import type { DisplaySink } from "./adapters/display-sink";
import { statsBundle } from "./stats-bundle";

const UPDATE_MS = 250;

export class NotebookProgress {
  private readonly id = randomUUID();
  private timer: NodeJS.Timeout | undefined;
  private broken = false;

  constructor(
    private readonly snapshot: () => RunSnapshot,
    private readonly sink: DisplaySink,
  ) {}

  start(): void {
    this.write(false);
    this.timer = setInterval(() => this.write(true), UPDATE_MS);
    // Progress must never keep a process alive.
    this.timer.unref();
  }

  /** The final frame. */
  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
    this.write(true);
  }

  private write(update: boolean): void {
    if (this.broken) return;
    try {
      this.sink.write(statsBundle(this.snapshot()), this.id, update);
    } catch (error) {
      // A display that cannot be shown must not fail the run; say so once and stop trying.
      this.broken = true;
      clearInterval(this.timer);
      process.stderr.write(`pipelab: live progress stopped: ${error instanceof Error ? error.message : String(error)}\n`);
    }
  }
}
