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
import type { SinkWriter } from "./sink";

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
