/**
 * Feeding a run to its sinks: one sink for toArray, toCSV, toJSONL and
 * toDataFrame, any number for into(). Every item reaches every sink before
 * the next item is taken, and a sink's write that returns a promise holds the
 * next item back, so the slowest sink sets the pace and the run's buffers
 * bound memory; while no sink returns a promise, no promise is made. When the
 * run ends well every sink finishes, and only then does any file move into
 * place; when anything fails, every sink lets go (no file looks complete) and
 * the first error is the one that reaches the caller.
 */
import type { Run } from "../supervisor";
import type { SinkSpec, SinkWriter } from "./sink";
import { SinkMeter } from "./sink-meter";

/** Runs `run` into one writer; its errors reach the caller as they are (`toCSV(): row 3 ...`). */
export async function feedOne<Out>(run: Run<unknown>, writer: SinkWriter<Out>): Promise<Out> {
  try {
    await run.drain((item) => writer.push(item));
    await writer.end();
    return await writer.commit();
  } catch (error) {
    await writer.abandon();
    throw error;
  }
}

/**
 * Runs `run` into several sinks, each with its row in the run's statistics; a sink's error
 * is a SinkError naming its key.
 * @param sinks by the keys of into()'s argument, checked already
 */
export async function feedSinks(run: Run<unknown>, sinks: [key: string, spec: SinkSpec<unknown>][]): Promise<Record<string, unknown>> {
  const meters: SinkMeter[] = [];
  try {
    for (const [key, spec] of sinks) meters.push(new SinkMeter(key, spec.open()));
    run.showSinks(meters);
    await run.drain(meters.length === 1 ? (item) => meters[0]!.take(item) : (item) => takeAll(meters, item));
    await allOf(meters.map((meter) => meter.end()));
    const results: unknown[] = [];
    await allOf(meters.map((meter, i) => meter.commit().then((result) => void (results[i] = result))));
    return Object.fromEntries(meters.map((meter, i) => [meter.key, results[i]]));
  } catch (error) {
    await run.return().catch(() => {});
    await Promise.all(meters.map((meter) => meter.abandon().catch(() => {})));
    throw error;
  }
}

/** Hands `item` to every sink; a promise only when some sink's write waits. */
function takeAll(meters: SinkMeter[], item: unknown): PromiseLike<void> | undefined {
  let waits: PromiseLike<void>[] | undefined;
  try {
    for (const meter of meters) {
      const wait = meter.take(item);
      if (wait) (waits ??= []).push(wait);
    }
  } catch (error) {
    // A sink failed: the writes already under way finish before the sinks let go of their files.
    if (!waits) throw error;
    return allOf(waits).then(
      () => Promise.reject(error),
      () => Promise.reject(error),
    );
  }
  if (!waits) return undefined;
  return waits.length === 1 ? waits[0] : allOf(waits);
}

/** Settles when all of `waits` have; rejects with the first rejection in time (Promise.all would not wait for the rest). */
function allOf(waits: PromiseLike<void>[]): Promise<void> {
  return new Promise((resolve, reject) => {
    let left = waits.length;
    let failed = false;
    let failure: unknown;
    const settle = () => {
      if (--left > 0) return;
      if (failed) reject(failure);
      else resolve();
    };
    if (left === 0) resolve();
    for (const wait of waits) {
      wait.then(settle, (error: unknown) => {
        if (!failed) [failed, failure] = [true, error];
        settle();
      });
    }
  });
}
