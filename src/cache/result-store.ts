/**
 * ResultStore: the cache's directory, an LMDB environment (the `lmdb` package: memory-mapped
 * reads of a few µs, writes batched and committed off the main thread, safe for several
 * processes at once, prebuilt binaries and no install script). Loaded on the first cached run;
 * one per directory per process, kept open (an open environment keeps no process alive).
 *
 * Three tables: `entries` (stage id + item → [result], structured-clone encoding, so results come
 * back as a worker thread would have sent them), `stages` (each stage's name and latest run) and
 * `used` (when an entry was last used, written only for stages with `maxBytes`).
 */
import { mkdirSync } from "node:fs";
import { stageRange } from "./cache-key";

/** The part of an LMDB database this file uses (lmdb's own types stay out of pipelab's declarations). */
interface Table {
  get(key: string): unknown;
  put(key: string, value: unknown): Promise<boolean>;
  remove(key: string): Promise<boolean>;
  getKeys(range: { start: string; end: string }): Iterable<string>;
  getRange(range?: object): Iterable<{ key: string; value: unknown }>;
  getBinaryFast(key: string): Uint8Array | undefined;
  clearAsync(): Promise<void>;
  committed: Promise<boolean>;
}
interface Environment extends Table {
  openDB(name: string, options: object): Table;
}

/** What the `stages` table keeps for a stage. */
export interface StageRecord {
  /** The stage's name in its pipeline, e.g. `map(fetchPage)`. */
  stage: string;
  /** Its `cache.name`, when it has one. */
  name?: string;
  lastRun?: { hits: number; misses: number; at: number };
}

const stores = new Map<string, ResultStore>();

export class ResultStore {
  private readonly entries: Table;
  private readonly stages: Table;
  private readonly used: Table;

  private constructor(readonly dir: string) {
    let env: Environment;
    try {
      mkdirSync(dir, { recursive: true });
      const { open } = require("lmdb") as { open(options: object): Environment };
      env = open({ path: dir, structuredClone: true });
    } catch (error) {
      throw new Error(`cache: cannot open the cache directory "${dir}": ${(error as Error).message}`, { cause: error });
    }
    this.entries = env.openDB("entries", { structuredClone: true });
    this.stages = env.openDB("stages", {});
    this.used = env.openDB("used", {});
  }

  /**
   * The store of `dir`, opened on first use.
   * @example ResultStore.at("/work/.pipelab-cache").get(key)
   */
  static at(dir: string): ResultStore {
    let store = stores.get(dir);
    if (!store) {
      store = new ResultStore(dir);
      stores.set(dir, store);
    }
    return store;
  }

  /** The stored result of `key`, as `[result]`, or undefined. */
  get(key: string): [unknown] | undefined {
    return this.entries.get(key) as [unknown] | undefined;
  }

  /** Stores a result; committed within the next event-loop turns (see `committed`). */
  put(key: string, result: unknown): void {
    void this.entries.put(key, [result]);
  }

  /** Notes that `key` was used now (least recently used entries go first under maxBytes). */
  touch(key: string): void {
    void this.used.put(key, Date.now());
  }

  /** Resolves when every write so far is committed (visible to other processes, safe from a crash of this one). */
  async committed(): Promise<void> {
    await Promise.all([this.entries.committed, this.stages.committed, this.used.committed]);
  }

  record(stageId: string): StageRecord | undefined {
    return this.stages.get(stageId) as StageRecord | undefined;
  }

  setRecord(stageId: string, record: StageRecord): void {
    void this.stages.put(stageId, record);
  }

  /** Every stage with a record: [id, record]. */
  records(): Array<[string, StageRecord]> {
    return [...this.stages.getRange()].map(({ key, value }) => [key, value as StageRecord]);
  }

  /** The stage's entries and the bytes they take (keys and values). */
  size(stageId: string): { entries: number; bytes: number } {
    let entries = 0;
    let bytes = 0;
    for (const key of this.entries.getKeys(stageRange(stageId))) {
      entries++;
      bytes += Buffer.byteLength(key) + (this.entries.getBinaryFast(key)?.length ?? 0);
    }
    return { entries, bytes };
  }

  /** Removes the stage's least recently used entries until they take at most `maxBytes`; how many went. */
  async evict(stageId: string, maxBytes: number): Promise<number> {
    const sizes: Array<{ key: string; bytes: number; used: number }> = [];
    let total = 0;
    for (const key of this.entries.getKeys(stageRange(stageId))) {
      const bytes = Buffer.byteLength(key) + (this.entries.getBinaryFast(key)?.length ?? 0);
      total += bytes;
      sizes.push({ key, bytes, used: (this.used.get(key) as number | undefined) ?? 0 });
    }
    if (total <= maxBytes) return 0;
    sizes.sort((a, b) => a.used - b.used);
    let removed = 0;
    for (const { key, bytes } of sizes) {
      if (total <= maxBytes) break;
      void this.entries.remove(key);
      void this.used.remove(key);
      total -= bytes;
      removed++;
    }
    await this.committed();
    return removed;
  }

  /** Removes every stage's entries and records, those of runs that never finished included. */
  async clearAll(): Promise<void> {
    await Promise.all([this.entries.clearAsync(), this.stages.clearAsync(), this.used.clearAsync()]);
  }

  /** Removes a stage's entries and record. */
  async clear(stageId: string): Promise<void> {
    for (const key of this.entries.getKeys(stageRange(stageId))) {
      void this.entries.remove(key);
      void this.used.remove(key);
    }
    void this.stages.remove(stageId);
    await this.committed();
  }
}
