/**
 * SourceClock: the source's busy time, as the source pump sees it: its
 * stretches of synchronous work (next() and handing items on), without the
 * time it waits for a turn of the event loop, for buffer space or for a
 * promised item. Cheap: the clock is read where a stretch ends, which is where
 * the pump waits anyway (every ~4 ms, or at a full buffer), not per item. A
 * source whose every next() returns a promise (an async generator) would be
 * read twice per item, so while those promises settle fast (within
 * microtasks) only one wait in SAMPLE_EVERY is timed, and the untimed ones are
 * taken out of the busy time at the sampled wait's length.
 */
import type { StageCounters } from "../stats/stage-counters";
import type { SelfTimedIterator } from "./source";

const SAMPLE_EVERY = 16;
/** A wait longer than this went through the event loop (the disk, a timer): every such wait is timed. */
const SLOW_WAIT_MS = 0.05;

export class SourceClock {
  private since = performance.now();
  private ownMs = 0;
  private tick = 0;
  /** Time one wait for a promised item in `every`; the first is always timed. */
  private every = 1;
  /** When the wait being timed began (0: none is). Kept here, not across the pump's await, which would cost per item. */
  private waitFrom = 0;
  /** The source's iterator, if it reports time it works outside next(). */
  private selfTimed: SelfTimedIterator | undefined;

  /** @param counters where the busy time goes (busyMs) */
  constructor(private readonly counters: StageCounters) {}

  /** The source is open: if its iterator reports work done outside next() (SelfTimedIterator), that counts too. */
  watch(iterator: object): void {
    if ("busyOutsideNextMs" in iterator) this.selfTimed = iterator as SelfTimedIterator;
  }

  /** A stretch of work ends (the pump is about to wait); `now` if the caller has read the clock. */
  stop(now = performance.now()): void {
    this.ownMs += now - this.since;
    const outside = this.selfTimed ? Number(this.selfTimed.busyOutsideNextMs) || 0 : 0;
    this.counters.busyMs = Math.max(0, this.ownMs) + outside;
  }

  /** A stretch of work begins. */
  start(now = performance.now()): void {
    this.since = now;
  }

  /** Before awaiting a promised item: times this wait, or while waits are fast one in SAMPLE_EVERY. */
  beforeWait(): void {
    if (++this.tick < this.every) return;
    this.tick = 0;
    this.waitFrom = performance.now();
    this.stop(this.waitFrom);
  }

  /** After awaiting a promised item: a timed wait starts the next stretch. */
  afterWait(): void {
    if (this.waitFrom === 0) return;
    const now = performance.now();
    const ms = now - this.waitFrom;
    this.waitFrom = 0;
    // The untimed waits since the last timed one were counted as work: take out their likely
    // length (a fast wait's, since they were untimed because waits were fast).
    this.ownMs -= Math.min(ms, SLOW_WAIT_MS) * (this.every - 1);
    this.every = ms > SLOW_WAIT_MS ? 1 : SAMPLE_EVERY;
    this.since = now;
  }
}
