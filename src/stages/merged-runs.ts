/**
 * MergedRuns: the source behind concat(). Runs several pipelines at once and
 * yields their items as they arrive. Its return() cancels every run still
 * going and resolves when they have all torn down.
 */
/** A run as concat() reads it: an iterator that stops its run on return(). */
type RunIterator = AsyncIterator<unknown> & { return(): Promise<IteratorResult<unknown>> };

type Step = { index: number; result: IteratorResult<unknown> };

export class MergedRuns implements AsyncIterableIterator<unknown> {
  private readonly pending = new Map<number, Promise<Step>>();
  private readonly active: Set<number>;

  constructor(private readonly runs: readonly RunIterator[]) {
    this.active = new Set(runs.keys());
  }

  [Symbol.asyncIterator](): this {
    return this;
  }

  async next(): Promise<IteratorResult<unknown>> {
    while (this.active.size > 0) {
      for (const index of this.active) {
        if (!this.pending.has(index)) {
          this.pending.set(
            index,
            this.runs[index]!.next().then((result) => ({ index, result })),
          );
        }
      }
      const { index, result } = await Promise.race(this.pending.values());
      this.pending.delete(index);
      if (result.done) this.active.delete(index);
      else return result;
    }
    return { done: true, value: undefined };
  }

  async return(): Promise<IteratorResult<unknown>> {
    this.active.clear();
    // Pending next() calls settle when their runs stop; their outcome no longer matters.
    for (const step of this.pending.values()) step.catch(() => {});
    // Every run must stop before this resolves; then the first teardown error (an onDone) is reported.
    const outcomes = await Promise.allSettled(this.runs.map((run) => run.return()));
    const failed = outcomes.find((o): o is PromiseRejectedResult => o.status === "rejected");
    if (failed) throw failed.reason;
    return { done: true, value: undefined };
  }
}
