/**
 * Hands a batch's answers (from a worker thread or a cluster worker) to the
 * stage: each item's result or error, skipping items the stage gave up on.
 */
import { type ExecutorTask, FILTERED, FusedStageFailure, type ResultSink } from "./executor";
import { errorFromWire, type WireError } from "./wire";

/**
 * @param dropped fused stages: positions of items filtered out on the way
 */
export function deliverAnswers(
  tasks: ExecutorTask[],
  values: unknown[],
  errors: Array<[number, WireError]> | undefined,
  carryOn: boolean,
  abandoned: Set<ExecutorTask>,
  sink: ResultSink,
  dropped?: number[],
): void {
  if (dropped) {
    values = values.slice();
    for (const at of dropped) values[at] = FILTERED;
  }
  if (!errors && abandoned.size === 0) {
    for (let i = 0; i < tasks.length; i++) sink.complete(tasks[i]!, values[i]);
    return;
  }
  // Unless the stage carries on, a batch stops at its first error: the items after it were not run.
  const failed = new Map(errors);
  const answered = carryOn || !errors ? tasks.length : errors[0]![0] + 1;
  for (let i = 0; i < answered; i++) {
    const task = tasks[i]!;
    if (abandoned.delete(task)) continue;
    const error = failed.get(i);
    if (error) sink.fail(task, error.stage === undefined ? errorFromWire(error) : new FusedStageFailure(error.stage, errorFromWire(error), error.where));
    else sink.complete(task, values[i]);
  }
}
