/**
 * Consecutive sync-mode stages fused into one call on the main thread: an
 * item goes through every stage before the next item starts, with no buffer
 * and no runner between the stages. Each stage keeps its function, context,
 * hooks and ctx (one InProcessExecutor each) and its own row in the
 * statistics, counted here; a failure names the stage it happened in.
 */
import type { Operation, ResolvedModuleFunction, ResolvedStageOptions, StageFunction } from "../options";
import type { StageCounters } from "../stats/stage-counters";
import { isThenable } from "../thenable";
import { type Executor, type ExecutorTask, FILTERED, FusedStageFailure } from "./executor";
import { InProcessExecutor } from "./in-process";
import { shape } from "./operation-shape";

export interface InProcessLink {
  name: string;
  operation: Operation;
  fn: StageFunction | ResolvedModuleFunction;
  options: ResolvedStageOptions;
  counters: StageCounters;
}

/** Every this-many calls of a stage one is timed, and counts for all of them (as CallClock samples). */
const SAMPLE = 16;

export class InProcessChainExecutor implements Executor {
  /** Each stage's time goes to its own row, sampled here. */
  readonly timesItems = true;
  private readonly stages: InProcessExecutor[];
  private readonly expands: boolean;

  constructor(
    private readonly links: InProcessLink[],
    signal: AbortSignal,
  ) {
    this.stages = links.map((link) => new InProcessExecutor(link.fn, link.options, signal));
    this.expands = links.some((link) => link.operation === "flatMap");
  }

  async start(): Promise<void> {
    for (const stage of this.stages) await stage.start();
  }

  hasRoom(): boolean {
    return this.stages[0]!.hasRoom();
  }

  acquire(task: ExecutorTask): void {
    this.stages[0]!.acquire(task);
  }

  release(task: ExecutorTask): void {
    this.stages[0]!.release(task);
  }

  flush(): void {}

  /** The item through every stage: the value that came out, FILTERED, or (with a flatMap) what came out. */
  call(task: ExecutorTask): unknown {
    if (!this.expands) return this.one(0, task.envelope.value, task.slot);
    const out: unknown[] = [];
    const done = this.pass(0, task.envelope.value, task.slot, out);
    return isThenable(done) ? done.then(() => out) : out;
  }

  /**
   * Without a flatMap an item comes out once or not at all: a loop over the stages, no array, a
   * promise only when a stage returned one. Returns the value that came out, or FILTERED.
   */
  private one(from: number, value: unknown, slot: number): unknown {
    let item = value;
    for (let at = from; at < this.links.length; at++) {
      const link = this.links[at]!;
      const result = this.invoke(at, item, slot);
      const began = this.began;
      if (isThenable(result)) {
        const input = item;
        // Promise.resolve: a home-made thenable's then() need not return anything to chain on.
        return Promise.resolve(result).then(
          (resolved) => {
            const next = this.counted(link, input, resolved, 0);
            return next === FILTERED ? FILTERED : this.one(at + 1, next, slot);
          },
          (error: unknown) => this.failed(link, error),
        );
      }
      item = this.counted(link, item, result, began);
      if (item === FILTERED) return FILTERED;
    }
    return item;
  }

  /** What a map, filter or each stage passes on (or FILTERED), counted in its row. */
  private counted(link: InProcessLink, item: unknown, result: unknown, began: number): unknown {
    const counters = link.counters;
    if (began > 0) this.time(counters, began);
    if (link.operation === "map") {
      counters.itemsOut++;
      return result;
    }
    if ((link.operation === "filter" && result) || link.operation === "tap") {
      counters.itemsOut++;
      return item;
    }
    counters.filtered++;
    return FILTERED;
  }

  /** A sampled call's time, for all SAMPLE calls it stands for; its latency, as one. */
  private time(counters: StageCounters, began: number): void {
    const ms = performance.now() - began;
    counters.busyMs += ms * SAMPLE;
    counters.latency.record(Math.max(1, Math.round(ms * 1e6)));
  }

  /** When the last invoke() began, or 0 when it was not one of the timed samples. */
  private began = 0;

  /** Calls stage `at` on `item`, counted in its row; a throw fails the item at that stage. */
  private invoke(at: number, item: unknown, slot: number): unknown {
    const link = this.links[at]!;
    // Items reach each stage one at a time, so the count so far is this item's ctx.index there.
    const index = link.counters.itemsIn++;
    this.began = index % SAMPLE === 0 ? performance.now() : 0;
    try {
      return this.stages[at]!.callWith(item, slot, index);
    } catch (error) {
      return this.failed(link, error);
    }
  }

  /** `item` through stage `at` and the ones after it, into `out`; a promise only when a stage returned one. */
  private pass(at: number, item: unknown, slot: number, out: unknown[]): unknown {
    if (at === this.links.length) {
      out.push(item);
      return undefined;
    }
    const link = this.links[at]!;
    const result = this.invoke(at, item, slot);
    const began = this.began;
    if (isThenable(result)) {
      return Promise.resolve(result).then(
        (value) => this.after(at, item, value, slot, out, 0),
        (error: unknown) => this.failed(link, error),
      );
    }
    return this.after(at, item, result, slot, out, began);
  }

  private after(at: number, item: unknown, result: unknown, slot: number, out: unknown[], began: number): unknown {
    const link = this.links[at]!;
    const counters = link.counters;
    if (began > 0) this.time(counters, began);
    switch (link.operation) {
      case "map":
        counters.itemsOut++;
        return this.pass(at + 1, result, slot, out);
      case "tap":
        counters.itemsOut++;
        return this.pass(at + 1, item, slot, out);
      case "filter":
        if (!result) {
          counters.filtered++;
          return undefined;
        }
        counters.itemsOut++;
        return this.pass(at + 1, item, slot, out);
      case "each":
        counters.filtered++;
        return undefined;
      case "flatMap": {
        let children: unknown;
        try {
          children = shape("flatMap", result);
        } catch (error) {
          return this.failed(link, error);
        }
        const each = (list: unknown[]) => {
          counters.expanded++;
          counters.itemsOut += list.length;
          return this.passAll(at + 1, list, 0, slot, out);
        };
        return isThenable(children) ? Promise.resolve(children).then((list) => each(list as unknown[])) : each(children as unknown[]);
      }
    }
  }

  /** A flatMap's children through the rest, one after another (waiting for any that returns a promise). */
  private passAll(at: number, children: unknown[], from: number, slot: number, out: unknown[]): unknown {
    for (let i = from; i < children.length; i++) {
      const done = this.pass(at, children[i], slot, out);
      if (isThenable(done)) return done.then(() => this.passAll(at, children, i + 1, slot, out));
    }
    return undefined;
  }

  private failed(link: InProcessLink, error: unknown): never {
    link.counters.errors++;
    throw new FusedStageFailure(link.name, error instanceof Error ? error : new Error(String(error)));
  }

  async stop(abandon: boolean): Promise<void> {
    // Each stage's onDone, the last stage first; the first failure is reported after all ran.
    let first: unknown;
    for (const stage of [...this.stages].reverse()) await stage.stop(abandon).catch((error: unknown) => (first ??= error));
    if (first !== undefined) throw first;
  }
}
