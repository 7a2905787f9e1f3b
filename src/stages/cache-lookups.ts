/**
 * CacheLookups: a cached stage's questions to its cache, asked of the item at the head of its
 * input. The runner asks twice for the same item (may it go while every worker is busy, or before
 * its `rate` turn? then, taking it, is it a hit?), so the answer is kept until the item is taken.
 */
import type { BoundedBuffer } from "../buffer";
import { EMPTY } from "../buffer";
import type { CacheProbe, StageCache } from "../cache/stage-cache";
import { type Envelope, Kind } from "../envelope";

export class CacheLookups {
  private last: { envelope: Envelope; probe: CacheProbe | Error } | undefined;

  constructor(
    private readonly cache: StageCache,
    private readonly input: BoundedBuffer<Envelope>,
    /** The position in the stage's input the next item taken will have (its ctx.index). */
    private readonly nextIndex: () => number,
  ) {}

  /** Whether the next item of the input has its result in the cache (it needs no worker and no rate turn). */
  nextIsHit(): boolean {
    const next = this.input.peek();
    if (next === EMPTY || next.kind !== Kind.Value) return false;
    const probe = this.probe(next, this.nextIndex());
    return !(probe instanceof Error) && probe.hit;
  }

  /** The cache's answer for an item being taken: a hit, a miss with the key to store under, or why it cannot be a key. */
  take(envelope: Envelope, index: number): CacheProbe | Error {
    const probe = this.probe(envelope, index);
    this.last = undefined;
    return probe;
  }

  private probe(envelope: Envelope, index: number): CacheProbe | Error {
    if (this.last?.envelope === envelope) return this.last.probe;
    let probe: CacheProbe | Error;
    try {
      probe = this.cache.look(envelope.value, index);
    } catch (error) {
      probe = error as Error;
    }
    this.last = { envelope, probe };
    return probe;
  }
}
