/**
 * Supervisor: turns a plan into a run. It is the only part that knows the
 * whole graph: it creates the buffers, starts the source pump and the stages,
 * owns every stop signal, lets the first error win, and tears everything down
 * before the consumer hears how the run ended.
 */
import { setMaxListeners } from "node:events";
import { BoundedBuffer, EMPTY } from "./buffer";
import { type LiveProgress, startProgress } from "./display/progress";
import { type Envelope, type ItemKey, Kind } from "./envelope";
import { AbortError } from "./errors";
import { cancelOnInterrupt } from "./kernel/interrupt";
import { DEFAULT_MAXSIZE } from "./options";
import type { RunControl } from "./run-control";
import type { RunOptions } from "./run-options";
import { type Part, RunParts } from "./run-parts";
import { findBottleneck } from "./stats/bottleneck";
import { MainThreadLoad } from "./stats/main-thread";
import { stageNotes } from "./stats/notes";
import type { RunSnapshot, RunStatus } from "./stats/snapshot";
import { stageStats } from "./stats/stage-counters";
import { Timeline } from "./stats/timeline";
import { outputBound, type Plan } from "./steps";

/**
 * One run of a pipeline, consumed as an async iterator. Starts on the first
 * `next()`; `return()` (a `break` out of `for await`) cancels it and resolves
 * once everything has stopped.
 */
export class Run<T> implements AsyncIterableIterator<T> {
  private status: RunStatus = "running";
  private error: Error | undefined;
  private startedAt = 0;
  private endedAt = 0;
  private launched = false;
  private ended = false;
  private readonly controllers: AbortController[] = [];
  private readonly buffers: BoundedBuffer<Envelope>[] = [];
  private readonly parts: Part[] = [];
  /** into()'s sinks: a row each after the stages' (they have no output buffer). */
  private readonly sinks: Pick<Part, "stats" | "counters">[] = [];
  /** With sinks, the run ends when they have taken its last result: drain() calls this then. */
  private consumerDone: (() => void) | undefined;
  private settled: Promise<void> = Promise.resolve();
  private cancelledByConsumer = false;
  private timeline: Timeline | undefined;
  private mainThread: MainThreadLoad | undefined;
  private progress: LiveProgress | undefined;
  private stopWatchingInterrupts = () => {};
  private readonly onUserAbort = () => this.fail(new AbortError(this.options.signal?.reason));

  /** @param options checked already (resolveRunOptions) */
  constructor(
    private readonly plan: Plan,
    private readonly options: RunOptions = {},
  ) {}

  [Symbol.asyncIterator](): this {
    return this;
  }

  async next(): Promise<IteratorResult<T, undefined>> {
    if (!this.launched) this.launch();
    if (this.ended) return { done: true, value: undefined };
    const last = this.buffers[this.buffers.length - 1]!;
    for (;;) {
      const envelope = last.shift();
      if (envelope !== EMPTY) {
        if (envelope.kind === Kind.Value) return { done: false, value: envelope.value as T };
        continue;
      }
      if (last.finished) break;
      await last.whenReadable();
    }
    await this.conclude();
    return { done: true, value: undefined };
  }

  /**
   * Hands every result to `onItem` as it arrives, without a promise per item,
   * and resolves when the run has ended and torn down. If `onItem` returns a
   * promise (a file writer that must wait for the disk), the next result waits
   * for it, so the run's buffers bound memory. If `onItem` throws or rejects
   * (a sink that cannot take a result), the run fails with that error, or,
   * given `failure`, with the error it makes of it (naming the item by its
   * key): every stage stops, and the error is rethrown once they have.
   */
  async drain(onItem: (value: T, key: ItemKey) => void | PromiseLike<void>, failure?: (error: unknown, key: ItemKey) => Error): Promise<void> {
    if (!this.launched) this.launch();
    const last = this.buffers[this.buffers.length - 1]!;
    let key: ItemKey = 0;
    try {
      for (;;) {
        let envelope;
        while ((envelope = last.shift()) !== EMPTY) {
          if (envelope.kind !== Kind.Value) continue;
          key = envelope.key;
          const wait = onItem(envelope.value as T, key);
          if (wait) await wait;
        }
        if (last.finished) break;
        await last.whenReadable();
      }
    } catch (error) {
      this.consumerDone?.();
      const failed = failure ? failure(error, key) : error instanceof Error ? error : new Error(String(error), { cause: error });
      // The stages may all have finished already (the results were waiting in the last buffer): the run still failed.
      if (this.status === "done") [this.status, this.error] = ["failed", failed];
      else this.fail(failed);
      await this.return().catch(() => {});
      throw this.error ?? failed;
    }
    this.consumerDone?.();
    await this.conclude();
  }

  /**
   * into(): the sinks' rows, measured by the sinks themselves, shown after the stages' rows.
   * The run then lasts until the sinks have taken its last result (a slow sink's last writes
   * count in its time, its throughput and its status). Before the run starts, which drain() does.
   */
  showSinks(sinks: Pick<Part, "stats" | "counters">[]): void {
    this.sinks.push(...sinks);
  }

  /** The last result was taken: wait for teardown, then report how the run ended. */
  private async conclude(): Promise<void> {
    await this.settled;
    this.ended = true;
    if (this.error) throw this.error;
  }

  /** Stops the run early (a `break`): resolves when every stage has stopped, or rejects with an onDone error. */
  async return(): Promise<IteratorResult<T, undefined>> {
    if (!this.launched) {
      this.launched = this.ended = true;
      this.status = "cancelled";
      return { done: true, value: undefined };
    }
    if (!this.ended) {
      this.ended = true;
      if (this.status === "running") {
        this.cancelledByConsumer = true;
        this.stopAll();
      }
      await this.settled;
      if (this.error) throw this.error;
    }
    return { done: true, value: undefined };
  }

  /** A snapshot of this run's statistics. */
  stats(): RunSnapshot {
    const end = this.endedAt || performance.now();
    const wallMs = this.startedAt ? end - this.startedAt : 0;
    const stages = this.parts.map((part, i) => {
      const buffer = this.buffers[i]!;
      return stageStats(part.stats, part.counters, { maxsize: buffer.maxsize, peak: buffer.peak, current: buffer.size }, wallMs);
    });
    for (const sink of this.sinks) stages.push(stageStats(sink.stats, sink.counters, { maxsize: 0, peak: 0, current: 0 }, wallMs));
    const mainThread = this.mainThread?.read();
    return {
      status: this.status,
      startedAt: performance.timeOrigin + this.startedAt,
      durationMs: wallMs,
      error: this.error,
      stages,
      bottleneck: findBottleneck(stages, wallMs, mainThread),
      mainThread,
      notes: stageNotes(stages, this.status !== "running"),
      timeline: [...(this.timeline?.samples ?? [])],
      failures: this.parts.flatMap((part) => part.counters.failures),
      failuresDropped: this.parts.reduce((sum, part) => sum + part.counters.failuresDropped, 0),
    };
  }

  /** Resolves with the final statistics once the run has ended and torn down. */
  async finished(): Promise<RunSnapshot> {
    await this.settled;
    return this.stats();
  }

  private launch(): void {
    this.launched = true;
    this.startedAt = performance.now();
    this.mainThread = new MainThreadLoad();
    const { signal } = this.options;
    if (signal?.aborted) {
      this.error = new AbortError(signal.reason);
      this.status = "cancelled";
      this.ended = true;
      this.endedAt = performance.now();
      throw this.error;
    }
    signal?.addEventListener("abort", this.onUserAbort, { once: true });
    this.build();
    this.timeline = new Timeline(this.startedAt, () => ({
      itemsOut: [...this.parts, ...this.sinks].map((part) => part.counters.itemsOut),
      queue: [...this.buffers.map((buffer) => buffer.size), ...this.sinks.map(() => 0)],
    }));
    this.timeline.start();
    this.progress = startProgress(() => this.stats(), this.options.progress);
    this.stopWatchingInterrupts = cancelOnInterrupt(() => this.fail(new AbortError("interrupted")));
    const running = this.parts.map((part) => part.run());
    if (this.sinks.length > 0) running.push(new Promise<void>((resolve) => (this.consumerDone = resolve)));
    this.settled = Promise.all(running).then(() => this.settle());
  }

  private settle(): void {
    this.options.signal?.removeEventListener("abort", this.onUserAbort);
    this.stopWatchingInterrupts();
    this.endedAt = performance.now();
    this.mainThread?.stop();
    this.timeline?.stop();
    if (this.status === "running") this.status = this.cancelledByConsumer ? "cancelled" : "done";
    this.progress?.stop();
  }

  private build(): void {
    const { steps } = this.plan;
    this.buffers.push(new BoundedBuffer(DEFAULT_MAXSIZE));
    for (const step of steps) this.buffers.push(new BoundedBuffer(outputBound(step)));
    const controls = Array.from({ length: steps.length + 1 }, (_, position) => this.control(position));
    this.parts.push(...new RunParts(this.plan, this.buffers, controls).parts);
  }

  /** The handle a part gets: its own stop signal, and the way to report. */
  private control(position: number): RunControl {
    const controller = new AbortController();
    // Stage functions get this signal as ctx.signal, and each call in flight may listen to it
    // (timers/promises, fetch): 16 workers are not a leak, so Node's warning past 10 is lifted.
    setMaxListeners(0, controller.signal);
    this.controllers[position] = controller;
    return {
      signal: controller.signal,
      fail: (error) => this.fail(error),
      finishEarly: () => this.stopUpstreamOf(position),
    };
  }

  /** The first error wins; everything stops. */
  private fail(error: Error): void {
    if (this.status !== "running") return;
    this.error = error;
    this.status = error instanceof AbortError ? "cancelled" : "failed";
    this.stopAll();
  }

  private stopAll(): void {
    for (const controller of this.controllers) controller.abort();
    for (const buffer of this.buffers) buffer.abort();
  }

  /** take(n) at `position` has its items: stop the parts before it and the buffers that feed it. */
  private stopUpstreamOf(position: number): void {
    for (let i = 0; i < position; i++) {
      this.controllers[i]!.abort();
      this.buffers[i]!.abort();
    }
  }
}
