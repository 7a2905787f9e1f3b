/**
 * StageCache: one cached stage during one run. The runner asks it for an item's result before
 * the item takes a worker (`look`), hands it every result the function produced (`remember`),
 * and closes it when the stage ends, which records the run's hits and misses and waits until
 * every entry is committed. What it stores must come back equal: a result that structured clone
 * would change (a class instance, a function) is refused with the reason.
 */
import { findUncloneable } from "../executors/wire";
import type { ResolvedCacheOptions } from "../options";
import { readsIndex } from "../executors/function-source";
import { entryKey } from "./cache-key";
import { ResultStore, type StageEntries } from "./result-store";
import { type StageIdentity, stageCacheId } from "./stage-identity";

export type CacheProbe = { hit: true; value: unknown } | { hit: false; key: string };

export class StageCache {
  private store: ResultStore | undefined;
  private entries: StageEntries | undefined;
  private id = "";
  /** The function may read ctx.index: its result depends on the item's position too, so the key holds both. */
  private keyedByIndex = false;

  constructor(
    private readonly settings: ResolvedCacheOptions,
    private readonly identity: StageIdentity,
    /** The stage's name in its pipeline, shown by cache.info(). */
    private readonly stage: string,
  ) {}

  /** Opens the store (the stage's identity is read now: a module's file may have changed since the pipeline was built). */
  async open(): Promise<void> {
    this.id = stageCacheId(this.identity);
    this.keyedByIndex = readsIndex(wireOf(this.identity.fn));
    this.store = ResultStore.at(this.settings.dir);
    // Recorded now, so that cache.info() and cache.clear({ name }) find a run that never finishes.
    this.store.setRecord(this.id, { ...this.store.record(this.id), ...this.label() });
    const { maxBytes } = this.settings;
    this.entries = this.store.entriesOf(this.id, maxBytes !== undefined);
    if (maxBytes !== undefined) await this.store.evict(this.id, maxBytes);
  }

  /**
   * The stored result of `item` (the `index`-th of the stage's input), or the key to store it under
   * once the function has answered. Throws a TypeError for an item that cannot be a key.
   */
  look(item: unknown, index: number): CacheProbe {
    const key = this.keyedByIndex ? `${index}@${entryKey(item)}` : entryKey(item);
    const found = this.entries!.get(key);
    return found ? { hit: true, value: found[0] } : { hit: false, key };
  }

  /** Stores `result` under `key`; a TypeError when it would not come back equal. */
  remember(key: string, result: unknown): void {
    const problem = findUncloneable(result, "result");
    if (problem) throw new TypeError(`cache: ${problem}; a cached stage's results must be plain data to be stored`);
    this.entries!.put(key, result);
  }

  private label(): { stage: string; name?: string } {
    return { stage: this.stage, ...(this.settings.name ? { name: this.settings.name } : {}) };
  }

  /** Records the run's figures and waits until everything stored is committed; then applies maxBytes. */
  async close(hits: number, misses: number): Promise<void> {
    const store = this.store;
    if (!store) return;
    store.setRecord(this.id, { ...this.label(), lastRun: { hits, misses, at: Date.now() } });
    await store.committed();
    if (this.settings.maxBytes !== undefined) await store.evict(this.id, this.settings.maxBytes);
  }
}

/** A stage function as readsIndex() reads it. */
function wireOf(fn: StageIdentity["fn"]): Parameters<typeof readsIndex>[0] {
  return typeof fn === "function" ? { kind: "source", source: Function.prototype.toString.call(fn), name: fn.name } : { kind: "module", ...fn };
}
