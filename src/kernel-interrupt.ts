/**
 * In a notebook kernel, interrupting a cell (SIGINT) stops synchronous code
 * only: a run the cell was awaiting would go on in the background, holding
 * its threads. Runs in progress register here and are cancelled on SIGINT.
 * The listener exists only inside tslab and only while a run is in
 * progress: in plain Node, Ctrl-C keeps its usual meaning.
 */
import { findTslab } from "./display/sinks/tslab-sink";

const cancels = new Set<() => void>();

function onInterrupt(): void {
  for (const cancel of [...cancels]) cancel();
}

/**
 * Calls `cancel` if the kernel is interrupted before the returned function is
 * called. Does nothing outside a notebook kernel.
 */
export function cancelOnInterrupt(cancel: () => void): () => void {
  if (!findTslab()) return () => {};
  cancels.add(cancel);
  if (cancels.size === 1) process.on("SIGINT", onInterrupt);
  return () => {
    if (cancels.delete(cancel) && cancels.size === 0) process.off("SIGINT", onInterrupt);
  };
}
