/**
 * RunStats: the public face of a run's statistics (a RunSnapshot) with its
 * views: a text table, the notebook bundle, charts and a DataFrame. It sits
 * above stats/ (the data), display/ (the views) and sinks/ (the DataFrame),
 * so that none of those needs to know it.
 */
import { inspect } from "node:util";
import type { DataFrame } from "danfojs";
import { Chart } from "./display/chart";
import type { ChartKind } from "./display/chart-specs";
import { type Displayable, installDisplayProtocol, type MimeBundle } from "./display/mime-bundle";
import { statsBundle } from "./display/stats-bundle";
import { formatStatsTable } from "./display/stats-table";
import { TableBuilder } from "./sinks/table-builder";
import { tableToDataFrame } from "./sinks/dataframe-sink";
import type { RunSnapshot, StageRow } from "./stats/snapshot";

/** The snapshot's fields, each documented on RunSnapshot (merged with the class below, which copies them once). */
export interface RunStats<Failed = unknown> extends RunSnapshot<Failed> {}

/**
 * What a run did, stage by stage. `await p.run()` and `p.stats()` give one; `console.log` prints
 * it as a table, and as a cell's last expression it shows as an HTML table.
 * `Failed`: what a failed item can be (see Pipeline).
 */
export class RunStats<Failed = unknown> implements Displayable {
  private constructor(snapshot: RunSnapshot<Failed>) {
    Object.assign(this, snapshot);
  }

  /** @internal Made by pipelab from a run's snapshot; users get one from `run()` or `stats()`. */
  static of<Failed>(snapshot: RunSnapshot<Failed>): RunStats<Failed> {
    return new RunStats(snapshot);
  }

  /**
   * One plain object per stage.
   * @example console.table((await p.run()).toRows())
   */
  toRows(): StageRow[] {
    return this.stages.map(({ latency, queue, remoteWorkers: _remote, ...rest }) => ({
      ...rest,
      latencyP50: latency.p50,
      latencyP90: latency.p90,
      latencyP99: latency.p99,
      latencyMax: latency.max,
      queueMaxsize: queue.maxsize,
      queuePeak: queue.peak,
      queueCurrent: queue.current,
    }));
  }

  /**
   * The rows of toRows() as a danfojs DataFrame (danfojs is loaded on first use).
   * @example (await p.run()).toDataFrame().sortValues("busyMs", { ascending: false }).print()
   */
  toDataFrame(): DataFrame {
    const builder = new TableBuilder("stats.toDataFrame()");
    for (const row of this.toRows()) builder.add(row);
    return tableToDataFrame(builder);
  }

  /**
   * A chart of this run: `"throughput"` (items/s per stage over time), `"queues"`
   * (buffer occupancy over time), `"latency"` (per-item latency percentiles per
   * stage) or `"utilization"` (busy share per stage, the bottleneck in red).
   * @example stats.chart("throughput")                       // last expression of a cell: shows the chart
   * @example await stats.chart("queues").save("queues.png")  // plain Node
   */
  chart(kind: ChartKind): Chart {
    return new Chart(kind, this);
  }

  /** A table for terminals. */
  toString(): string {
    return formatStatsTable(this);
  }

  /** The notebook view: an HTML table (inline styles, no scripts) and the text table. */
  toMimeBundle(): MimeBundle {
    return statsBundle(this);
  }

  [inspect.custom](): string {
    return this.toString();
  }
}
installDisplayProtocol(RunStats);
