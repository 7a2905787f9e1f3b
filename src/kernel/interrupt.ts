/**
 * In a notebook kernel, interrupting a cell (SIGINT) stops synchronous code
 * only: a run the cell was awaiting would go on in the background, holding
 * its threads. Runs in progress register here and are cancelled on SIGINT.
 * The listener exists only inside tslab and only while a run is in
 * progress: in plain Node, Ctrl-C keeps its usual meaning.
 */
import { findTslab } from "../display/adapters/tslab-sink";

const cancels = new Set<() => void>();
let listening = false;

function onInterrupt(): void {
  for (const cancel of [...cancels]) cancel();
}

/**
 * Adds or removes the listener to match the runs in progress. Always called
 * from a microtask: tslab runs a cell's synchronous part in
 * `vm.runInThisContext({ breakOnSigint: true })`, whose watchdog puts back the
 * default SIGINT action when it ends; a listener added inside it would be
 * left without a signal handler, and the next interrupt would kill the kernel.
 */
function settleListener(): void {
  const wanted = cancels.size > 0;
  if (wanted && !listening) process.on("SIGINT", onInterrupt);
  if (!wanted && listening) process.off("SIGINT", onInterrupt);
  listening = wanted;
}

/**
 * Calls `cancel` if the kernel is interrupted before the returned function is
 * called. Does nothing outside a notebook kernel.
 */
export function cancelOnInterrupt(cancel: () => void): () => void {
  if (!findTslab()) return () => {};
  cancels.add(cancel);
  queueMicrotask(settleListener);
  return () => {
    if (cancels.delete(cancel)) queueMicrotask(settleListener);
  };
}
