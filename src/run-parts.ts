/**
 * The parts of one run, built from its plan: the source pump, a runner per
 * step (ordered(), take, batch, drop, distinct, a stage), and one runner for
 * each group of worker stages that run fused. Each part has the counters of
 * its row in the statistics; a fused group's stages keep a row each.
 */
import { BoundedBuffer } from "./buffer";
import { Doorbell } from "./doorbell";
import type { Envelope } from "./envelope";
import type { Executor } from "./executors/executor";
import { InProcessExecutor } from "./executors/in-process";
import { DEFAULT_MAXSIZE } from "./options";
import type { RunControl } from "./run-control";
import { pathToFileURL } from "node:url";
import { encodeContext } from "./executors/function-source";
import { StageCache } from "./cache/stage-cache";
import { type FusedStage, fusedRunner } from "./stages/fused-stages";
import { BatchStage } from "./stages/batch";
import { distinctFilter } from "./stages/distinct";
import { DropStage } from "./stages/drop";
import { Source, type ThreadReadable } from "./stages/source";
import { ReorderStage } from "./stages/reorder";
import { type SourceGate, SourcePump } from "./stages/source-pump";
import { StageRunner } from "./stages/stage-runner";
import { TakeStage } from "./stages/take";
import type { StageStats } from "./stats/snapshot";
import { newCounters, type StageCounters } from "./stats/stage-counters";
import { arrivesUnordered, fusable, fusedGroups, orderWindow, type Plan, type StageStep, type Step, uniqueNames } from "./steps";

export interface Part {
  stats: Pick<StageStats, "name" | "mode" | "workers" | "fused" | "readableInThreads" | "rate">;
  counters: StageCounters;
  run(): Promise<void>;
}

export class RunParts {
  private readonly names: string[];
  private readonly counters: StageCounters[];
  /** An ordered() step needs place markers from every stage before it. */
  private readonly keepPlaces: boolean[];
  /**
   * ordered() stages, built first: the stages upstream of one watch its progress. Under a batch's
   * index, the ordered() that puts its input back in order (see sortInput).
   */
  private readonly reorders = new Map<number, ReorderStage>();
  /** A batch's input in source order, by the batch's index. */
  private readonly sortedInputs = new Map<number, BoundedBuffer<Envelope>>();
  readonly parts: Part[] = [];

  /**
   * @param buffers the source's output buffer, then each step's
   * @param controls the source's, then each step's
   */
  constructor(
    private readonly plan: Plan,
    private readonly buffers: BoundedBuffer<Envelope>[],
    private readonly controls: RunControl[],
  ) {
    const { steps } = plan;
    this.names = uniqueNames(steps);
    this.counters = controls.map(() => newCounters());
    this.keepPlaces = steps.map((_, i) => steps.slice(i + 1).some((s) => s.type === "ordered"));
    steps.forEach((step, i) => {
      if (step.type === "ordered") {
        this.reorders.set(i, new ReorderStage(buffers[i]!, buffers[i + 1]!, controls[i + 1]!, this.counters[i + 1]!, this.keepPlaces[i]!));
      } else if (step.type === "batch" && this.keepPlaces[i] && arrivesUnordered(steps, i)) {
        this.sortInput(i);
      }
    });
    const groups = fusedGroups(steps);
    const threaded = this.readInThreads(groups[0]);
    if (threaded) {
      this.addRangeSource(threaded.readable, threaded.group);
      this.addFused(threaded.group, 0, threaded.reader);
    } else {
      this.addSource();
    }
    let i = threaded ? threaded.group.length : 0;
    for (const group of threaded ? groups.slice(1) : groups) {
      if (group.length > 1) this.addFused(group as StageStep[], i);
      else this.addStep(i);
      i += group.length;
    }
  }

  /**
   * A file source that worker threads can read themselves, followed by worker stages that can run
   * fused: the threads read it, range by range, as the first of the fused stages. Not before an
   * ordered() step, whose window counts source items (ranges here, not rows).
   */
  private readInThreads(first: Step[] | undefined): { readable: ThreadReadable; group: StageStep[]; reader: FusedStage } | undefined {
    const readable = this.plan.source.readInThreads;
    if (!readable || !first || !first.every(fusable) || this.plan.steps.some((step) => step.type === "ordered")) return undefined;
    const group = first as StageStep[];
    // Behind the file reader in the threads, the first stage could not number its rows for ctx.index.
    if (group[0]!.readsIndex) return undefined;
    const lead = group[0]!;
    const wire = {
      operation: "flatMap" as const,
      fn: { kind: "module" as const, module: pathToFileURL(readable.reader.module).href, export: readable.reader.export },
      onStart: undefined,
      onDone: undefined,
      context: encodeContext(readable.reader.context, "the file source's context") as Record<string, unknown>,
      transfer: false,
      continueOnError: lead.wire!.continueOnError,
    };
    return { readable, group, reader: { operation: "flatMap", options: lead.options, wire } };
  }

  /** The source's row, when threads read the file: the pump hands out byte ranges, the threads count rows. */
  private addRangeSource(readable: ThreadReadable, group: StageStep[]): void {
    const workers = group[0]!.options.workers;
    const ranges = new Source(() => ({
      async *[Symbol.asyncIterator]() {
        yield* await readable.ranges(workers);
      },
    }));
    // The ranges are the pump's items; the row shown counts the file's rows, from the threads.
    const pump = new SourcePump(ranges, this.buffers[0]!, this.controls[0]!, newCounters(), undefined);
    this.parts.push({ stats: { name: "source", mode: "source", workers }, counters: this.counters[0]!, run: () => pump.run() });
  }

  private addSource(): void {
    const { source, steps } = this.plan;
    const lastReorder = [...this.reorders.keys()].pop();
    let gate: SourceGate | undefined;
    if (lastReorder !== undefined) {
      const reorder = this.reorders.get(lastReorder)!;
      const window = orderWindow(steps.slice(0, lastReorder + 1));
      const bell = new Doorbell();
      reorder.onProgress(() => bell.ring());
      gate = { limit: () => reorder.released + window, bell };
    }
    const pump = new SourcePump(source, this.buffers[0]!, this.controls[0]!, this.counters[0]!, gate);
    const readableInThreads = source.readInThreads ? { readableInThreads: true } : {};
    this.parts.push({ stats: { name: "source", mode: "source", workers: 1, ...readableInThreads }, counters: this.counters[0]!, run: () => pump.run() });
  }

  private addStep(at: number): void {
    const step = this.plan.steps[at]!;
    const input = this.buffers[at]!;
    const output = this.buffers[at + 1]!;
    const control = this.controls[at + 1]!;
    const counters = this.counters[at + 1]!;
    const name = this.names[at]!;
    let runner: { run(): Promise<void> };
    if (step.type === "ordered") {
      runner = this.reorders.get(at)!;
    } else if (step.type === "take") {
      runner = new TakeStage(step.count, input, output, control, counters, this.keepPlaces[at]!);
    } else if (step.type === "drop") {
      runner = new DropStage(step.count, input, output, control, counters, this.keepPlaces[at]!);
    } else if (step.type === "batch") {
      const sorted = this.sortedInputs.get(at);
      const batch = new BatchStage(step.size, step.ms, sorted ?? input, output, control, counters, this.keepPlaces[at]!);
      const reorder = sorted && this.reorders.get(at)!;
      runner = reorder ? { run: () => Promise.all([reorder.run(), batch.run()]).then(() => {}) } : batch;
    } else if (step.type === "distinct") {
      // A fresh predicate per run: every run starts with no keys seen.
      const definition = { name, operation: "filter" as const, options: step.options, keepPlaces: this.keepPlaces[at]! };
      const executor = new InProcessExecutor(distinctFilter(step.key, step.maxKeys), step.options, control.signal);
      runner = new StageRunner(definition, input, output, executor, control, counters);
    } else {
      const { cache, context, onStart } = step.options;
      const definition = {
        name,
        operation: step.operation,
        options: step.options,
        keepPlaces: this.keepPlaces[at]!,
        order: this.orderFor(step, at),
        cache: cache && new StageCache(cache, { operation: step.operation, fn: step.fn, context, onStart, name: cache.name }, name),
      };
      runner = new StageRunner(definition, input, output, executorFor(step, name, control, counters), control, counters);
    }
    const mode = step.type === "stage" ? step.options.mode : step.type;
    const workers = step.type === "stage" ? step.options.workers : 1;
    const rate = step.type === "stage" && step.options.rate !== undefined ? { rate: step.options.rate } : {};
    this.parts.push({ stats: { name, mode, workers, ...rate }, counters, run: () => runner.run() });
  }

  /**
   * A batch before an ordered() whose items may arrive out of order (an unordered stage before it)
   * first puts them back in source order, with an ordered() of its own and no row: so a batch holds
   * consecutive items, and ordered() after it gives what the pipeline would give were every stage
   * ordered. Stages before it that watch an ordered() (a flatMap's window) watch this one.
   */
  private sortInput(at: number): void {
    const sorted = new BoundedBuffer<Envelope>(DEFAULT_MAXSIZE);
    const control = this.controls[at + 1]!;
    // The supervisor aborts the buffers it made when the run stops; this one is the batch's to abort.
    control.signal.addEventListener("abort", () => sorted.abort(), { once: true });
    this.sortedInputs.set(at, sorted);
    this.reorders.set(at, new ReorderStage(this.buffers[at]!, sorted, control, newCounters(), true));
  }

  /**
   * Consecutive worker stages that run fused: one runner, a row of statistics per stage.
   * @param reader the threads read the source themselves, with this stage before the others (its row is the source's)
   */
  private addFused(group: StageStep[], at: number, reader?: FusedStage): void {
    const last = at + group.length - 1;
    const expanding = group.find((step) => step.operation === "flatMap");
    const place = {
      input: this.buffers[at]!,
      output: this.buffers[last + 1]!,
      control: this.controls[at + 1]!,
      keepPlaces: this.keepPlaces[last]!,
      order: expanding && this.orderFor(expanding, last),
    };
    const stages = group.map((step): FusedStage => ({ operation: step.operation, options: step.options, fn: step.fn, wire: step.wire }));
    const names = this.names.slice(at, last + 1);
    const counters = this.counters.slice(at + 1, last + 2);
    const runner = reader
      ? fusedRunner([reader, ...stages], ["source", ...names], place, [this.counters[0]!, ...counters])
      : fusedRunner(stages, names, place, counters);
    // The rows of fused stages say so: they share their workers (and the bottleneck adds them up).
    const fused = (reader ? ["source", ...names] : names).join(" + ");
    if (reader) this.parts[0]!.stats.fused = fused;
    group.forEach((step, j) => {
      const run = j === 0 ? () => runner.run() : () => Promise.resolve();
      this.parts.push({
        stats: { name: this.names[at + j]!, mode: step.options.mode, workers: step.options.workers, fused },
        counters: this.counters[at + 1 + j]!,
        run,
      });
    });
  }

  /** The ordered() window a flatMap at `at` must respect, if an ordered() follows it. */
  private orderFor(step: StageStep, at: number) {
    const next = step.operation === "flatMap" ? [...this.reorders.keys()].find((i) => i > at) : undefined;
    return next === undefined ? undefined : { progress: this.reorders.get(next)!, limit: orderWindow(this.plan.steps.slice(0, next + 1)) };
  }
}

function executorFor(step: StageStep, name: string, control: RunControl, counters: StageCounters): Executor {
  const { mode } = step.options;
  // Loaded on first use: BullMQ and ioredis (cluster) and piscina (worker) would otherwise
  // make up most of what `require("pipelab")` costs, and most pipelines need neither.
  if (mode === "cluster") {
    const { ClusterExecutor } = require("./cluster/cluster-executor") as typeof import("./cluster/cluster-executor");
    return new ClusterExecutor({ ...step.wire!, stage: name }, step.options, counters);
  }
  if (mode === "worker") {
    const { WorkerExecutor } = require("./executors/worker") as typeof import("./executors/worker");
    return new WorkerExecutor({ ...step.wire!, stage: name }, step.options, counters);
  }
  return new InProcessExecutor(step.fn, step.options, control.signal);
}
