/**
 * NotebookProgress: a run's live statistics in the cell that started it. A run
 * that ends within LIVE_AFTER_MS shows no live entry (its statistics are one
 * expression away, and a short cell should print only its result); a longer
 * one gets its entry at LIVE_AFTER_MS, rewritten in place
 * (update_display_data) at most four times a second and once more at the end,
 * so the state a saved notebook keeps is the final one: done, failed or
 * cancelled. `progress: true` asks for the entry from the start.
 *
 * A run is shown once per cell: the kernel does not show a cell's last
 * expression when it is the statistics of a run whose entry is in that cell
 * already (see `shownLiveInThisCell`).
 */
import { randomUUID } from "node:crypto";
import type { RunSnapshot } from "../stats/snapshot";
import type { DisplaySink } from "./adapters/display-sink";
import { statsBundle } from "./stats-bundle";

const UPDATE_MS = 250;
/** Runs shorter than this show no live entry unless asked to. */
export const LIVE_AFTER_MS = 1000;

/** Runs with a live entry (by start time) and the cell it is in, the latest few. */
const liveEntries = new Map<number, unknown>();
const REMEMBERED_RUNS = 50;

export class NotebookProgress {
  private readonly id = randomUUID();
  private timer: NodeJS.Timeout | undefined;
  private shown = false;
  private broken = false;

  constructor(
    private readonly snapshot: () => RunSnapshot,
    private readonly sink: DisplaySink,
    private readonly delayMs: number,
  ) {}

  start(): void {
    if (this.delayMs <= 0) this.begin();
    else this.timer = setTimeout(() => this.begin(), this.delayMs);
    // Progress must never keep a process alive.
    this.timer?.unref();
  }

  /** The final frame, if the entry was shown. */
  stop(): void {
    clearTimeout(this.timer);
    clearInterval(this.timer);
    this.timer = undefined;
    if (this.shown) this.write(true);
  }

  private begin(): void {
    this.write(false);
    if (this.broken) return;
    this.shown = true;
    const snapshot = this.snapshot();
    liveEntries.set(snapshot.startedAt, this.sink.cell?.());
    if (liveEntries.size > REMEMBERED_RUNS) liveEntries.delete(liveEntries.keys().next().value!);
    this.timer = setInterval(() => this.write(true), UPDATE_MS);
    this.timer.unref();
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

/**
 * Whether `value` is the statistics of a run whose live entry is in the cell
 * now running, so showing it again would show the run twice.
 */
export function shownLiveInThisCell(value: unknown, sink: DisplaySink): boolean {
  const { startedAt, stages } = (value ?? {}) as { startedAt?: unknown; stages?: unknown };
  if (typeof startedAt !== "number" || !Array.isArray(stages) || !liveEntries.has(startedAt)) return false;
  const cell = sink.cell?.();
  return cell !== undefined && liveEntries.get(startedAt) === cell;
}
