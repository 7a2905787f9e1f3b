/**
 * What travels through BullMQ: a job is a batch of items of one stage, and its
 * return value the batch's answers. Both go through Redis as JSON, so cluster
 * items and results must be JSON data (a Date arrives as its ISO string).
 */
import type { WireError } from "../executors/wire";

export interface JobData {
  values: unknown[];
  /** Each item's position in the stage's input (`ctx.index`). */
  indexes?: number[];
}

export interface JobResult {
  /** An answer per item; undefined where the item failed. */
  values: unknown[];
  /** [position in the batch, error] for items that failed. */
  errors?: Array<[number, WireError]>;
  /** Time the function took for the batch, in the worker (ms). */
  busyMs: number;
  host: string;
  pid: number;
}
