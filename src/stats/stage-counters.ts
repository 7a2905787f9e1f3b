/**
 * What a stage counts while it runs. The supervisor snapshots these into a
 * run's statistics; nothing else reads them.
 */
export interface StageCounters {
  /** Items taken from the input buffer (markers excluded). */
  itemsIn: number;
  /** Items written to the output buffer (markers excluded). */
  itemsOut: number;
  /** Items whose function call failed. */
  errors: number;
  /** Worker mode: messages of items sent to threads (each a batch). */
  batches: number;
}

export function newCounters(): StageCounters {
  return { itemsIn: 0, itemsOut: 0, errors: 0, batches: 0 };
}
