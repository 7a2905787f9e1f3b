/**
 * ResultStore: the cache's directory, an LMDB environment (the `lmdb` package: memory-mapped
 * reads of well under a µs, writes batched and committed off the main thread, safe for several
 * processes at once, prebuilt binaries and no install script). Loaded on the first cached run;
 * one per directory per process, kept open (an open environment keeps no process alive).
 *
 * Each cached stage has a table of its own, `e:<stage id>` (item key → [result], in structured
 * clone encoding, so results come back as a worker thread would have sent them), and, with
 * `maxBytes`, `u:<stage id>` (item key → when it was last used). A table per stage keeps keys short
 * (a lookup costs ~0.5 µs where a shared table with the id in every key cost ~0.9 µs) and makes
 * counting and clearing a stage cheap. `stages` keeps each stage's name and latest run.
 */
import { mkdirSync } from "node:fs";

/** The part of an LMDB database this file uses (lmdb's own types stay out of pipelab's declarations). */
interface Table {
  get(key: string): unknown;
  put(key: string, value: unknown): Promise<boolean>;
  remove(key: string): Promise<boolean>;
  getKeys(): Iterable<string>;
  getRange(): Iterable<{ key: string; value: unknown }>;
  getStats(): { entryCount: number; treeBranchPageCount: number; treeLeafPageCount: number; overflowPages: number; pageSize: number };
  drop(): Promise<void>;
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

/** Named tables an environment can hold: two per cached stage, and the stages' records. */
const MAX_TABLES = 2000;
const stores = new Map<string, ResultStore>();

export class ResultStore {
  private readonly env: Environment;
  private readonly stages: Table;
  private readonly tables = new Map<string, Table>();

  private constructor(readonly dir: string) {
    try {
      mkdirSync(dir, { recursive: true });
      const { open } = require("lmdb") as { open(options: object): Environment };
      this.env = open({ path: dir, maxDbs: MAX_TABLES });
    } catch (error) {
      throw new Error(`cache: cannot open the cache directory "${dir}": ${(error as Error).message}`, { cause: error });
    }
    this.stages = this.env.openDB("stages", {});
  }

  /**
   * The store of `dir`, opened on first use.
   * @example ResultStore.at("/work/.pipelab-cache").get(stageId, key)
   */
  static at(dir: string): ResultStore {
    let store = stores.get(dir);
    if (!store) {
      store = new ResultStore(dir);
      stores.set(dir, store);
    }
    return store;
  }

  private table(name: string): Table {
    let table = this.tables.get(name);
    if (!table) {
      table = this.env.openDB(name, { structuredClone: true });
      this.tables.set(name, table);
    }
    return table;
  }

  /** The stage's entries, to look up and store results in (one handle per run: looking the table up per item would cost as much as the lookup). */
  entriesOf(stageId: string, lru: boolean): StageEntries {
    return new StageEntries(this.table(`e:${stageId}`), lru ? this.table(`u:${stageId}`) : undefined);
  }

  /** Resolves when every write so far is committed (visible to other processes, safe from a crash of this one). */
  async committed(): Promise<void> {
    await Promise.all([this.env.committed, this.stages.committed, ...[...this.tables.values()].map((table) => table.committed)]);
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

  /** The stage's entries and the bytes its table takes on disk (whole pages). */
  size(stageId: string): { entries: number; bytes: number } {
    const stats = this.table(`e:${stageId}`).getStats();
    return { entries: stats.entryCount, bytes: (stats.treeBranchPageCount + stats.treeLeafPageCount + stats.overflowPages) * stats.pageSize };
  }

  /**
   * Removes the stage's least recently used entries until its table takes at most `maxBytes`
   * (a table takes whole pages of 4 KiB: a bound under one page leaves it empty). How many went.
   */
  async evict(stageId: string, maxBytes: number): Promise<number> {
    const entries = this.table(`e:${stageId}`);
    const used = this.table(`u:${stageId}`);
    let removed = 0;
    // Pages free up as entries go, not in proportion: a few rounds, each by the average entry.
    for (let round = 0; round < 8; round++) {
      const { entries: count, bytes } = this.size(stageId);
      if (bytes <= maxBytes || count === 0) break;
      const excess = Math.max(1, Math.ceil((count * (bytes - maxBytes)) / bytes));
      const byAge = [...entries.getKeys()].map((key) => ({ key, at: (used.get(key) as number | undefined) ?? 0 })).sort((a, b) => a.at - b.at);
      for (const { key } of byAge.slice(0, excess)) {
        void entries.remove(key);
        void used.remove(key);
      }
      removed += Math.min(excess, byAge.length);
      await this.committed();
    }
    return removed;
  }

  /** Removes a stage's entries and record. */
  async clear(stageId: string): Promise<void> {
    await Promise.all([this.table(`e:${stageId}`).drop(), this.table(`u:${stageId}`).drop()]);
    this.tables.delete(`e:${stageId}`);
    this.tables.delete(`u:${stageId}`);
    void this.stages.remove(stageId);
    await this.committed();
  }

  /** Removes every stage's entries and records. */
  async clearAll(): Promise<void> {
    for (const [id] of this.records()) await this.clear(id);
    await this.stages.clearAsync();
  }
}

/** One stage's table of results. */
export class StageEntries {
  constructor(
    private readonly entries: Table,
    /** With maxBytes: when each entry was last used. */
    private readonly used: Table | undefined,
  ) {}

  /** The stored result of `key`, as `[result]`, or undefined. */
  get(key: string): [unknown] | undefined {
    const found = this.entries.get(key) as [unknown] | undefined;
    if (found && this.used) void this.used.put(key, Date.now());
    return found;
  }

  /** Stores a result; committed within the next event-loop turns (see ResultStore.committed). */
  put(key: string, result: unknown): void {
    void this.entries.put(key, [result]);
    if (this.used) void this.used.put(key, Date.now());
  }
}
