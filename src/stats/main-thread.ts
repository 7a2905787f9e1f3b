/**
 * MainThreadLoad: how busy the main thread's event loop was over a run
 * (performance.eventLoopUtilization between the run's start and its end).
 * Everything on the main thread counts: the source, sync and async stages,
 * moving items to and from worker threads, the consumer, and other work in the
 * process. Two readings per run (and one per timeline sample): it costs nothing
 * per item.
 */
import { type EventLoopUtilization, performance } from "node:perf_hooks";
import type { MainThreadStats } from "./snapshot";

export class MainThreadLoad {
  private readonly start: EventLoopUtilization = performance.eventLoopUtilization();
  private end: EventLoopUtilization | undefined;

  /** The run has ended: later readings keep its figures. */
  stop(): void {
    this.end ??= performance.eventLoopUtilization(this.start);
  }

  read(): MainThreadStats {
    const load = this.end ?? performance.eventLoopUtilization(this.start);
    return { utilization: load.utilization, busyMs: load.active };
  }
}
