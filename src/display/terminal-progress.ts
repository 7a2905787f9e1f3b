/**
 * TerminalProgress: redraws a run's progress block on a TTY at most four
 * times a second, and once more when the run ends. It only reads snapshots.
 */
import type { RunSnapshot } from "../stats/snapshot";
import { progressLines } from "./progress-lines";

const REDRAW_MS = 250;

export interface ProgressSink {
  write(text: string): unknown;
}

export class TerminalProgress {
  private timer: NodeJS.Timeout | undefined;
  private drawn = 0;

  constructor(
    private readonly snapshot: () => RunSnapshot,
    private readonly out: ProgressSink = process.stderr,
  ) {}

  start(): void {
    this.timer = setInterval(() => this.draw(), REDRAW_MS);
    // Progress must never keep a process alive.
    this.timer.unref();
  }

  /** The final frame. */
  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
    this.draw();
  }

  private draw(): void {
    const lines = progressLines(this.snapshot());
    // Move up over the previous frame and clear each line before writing over it.
    const up = this.drawn > 0 ? `\x1b[${this.drawn}F` : "";
    this.out.write(up + lines.map((line) => `\x1b[2K${line}`).join("\n") + "\n");
    this.drawn = lines.length;
  }
}

/** Progress is shown by default only where a person watches: a terminal on stderr, not CI. */
export function progressByDefault(): boolean {
  return Boolean(process.stderr.isTTY) && !process.env.CI;
}
