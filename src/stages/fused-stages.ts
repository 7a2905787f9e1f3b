/**
 * A run of consecutive stages that run fused (see steps.ts `fusesAfter`): one
 * StageRunner reads the first stage's input and writes the last stage's
 * output; one pool of threads runs every stage on each item
 * (executors/fused-chain.ts), or, for sync stages, one call on the main thread
 * does (executors/in-process-chain.ts). Each stage keeps its own row in the
 * statistics; errors name the stage an item failed in.
 */
import type { BoundedBuffer } from "../buffer";
import type { Envelope } from "../envelope";
import { InProcessChainExecutor } from "../executors/in-process-chain";
import type { StageWire } from "../executors/wire";
import type { Operation, ResolvedModuleFunction, ResolvedStageOptions, StageFunction } from "../options";
import type { RunControl } from "../run-control";
import { newCounters, type StageCounters } from "../stats/stage-counters";
import type { OrderWindow } from "./expansion";
import { StageRunner } from "./stage-runner";

export interface FusedStage {
  operation: Operation;
  options: ResolvedStageOptions;
  /** The function, for sync stages; worker stages send `wire`. */
  fn?: StageFunction | ResolvedModuleFunction;
  wire?: Omit<StageWire, "stage">;
}

export interface FusedPlace {
  input: BoundedBuffer<Envelope>;
  output: BoundedBuffer<Envelope>;
  control: RunControl;
  keepPlaces: boolean;
  /** The ordered() downstream, when a flatMap is among the stages. */
  order: OrderWindow | undefined;
}

/**
 * The runner of fused `stages`, named `names`, counting into `counters` (one per stage).
 * @example fusedRunner([distance, nearby], ["distance", "nearby"], place, [c1, c2]).run()
 */
export function fusedRunner(stages: FusedStage[], names: string[], place: FusedPlace, counters: StageCounters[]): StageRunner {
  // Without a flatMap an item comes out once or not at all: the runner treats the stages as a map
  // whose thread may answer "filtered"; with one, as a flatMap of what came out.
  const operation: Operation = stages.some((s) => s.operation === "flatMap") ? "flatMap" : "map";
  const name = names.join(" + ");
  // The group writes into the last stage's output buffer, so the last stage's bound is the group's:
  // with the first's, a smaller bound than the buffer's, the runner would wait for space the buffer
  // never announces (it has room) and the run would hang.
  const { maxsize, budget } = stages[stages.length - 1]!.options;
  const options = { ...stages[0]!.options, maxsize, budget };
  // The fused run as a whole (taken, written, waiting) has counters of its own; the rows shown are the stages'.
  const whole = newCounters();
  let executor;
  if (options.mode === "sync") {
    const links = stages.map((s, i) => ({ name: names[i]!, operation: s.operation, fn: s.fn!, options: s.options, counters: counters[i]! }));
    executor = new InProcessChainExecutor(links, place.control.signal);
  } else {
    const links = stages.map((s, i): StageWire => ({ ...s.wire!, stage: names[i]! }));
    const wire: StageWire = { ...links[0]!, stage: name, operation, links };
    // Loaded on first use, as run-parts.ts does: piscina is not needed by most pipelines.
    const { WorkerExecutor } = require("../executors/worker") as typeof import("../executors/worker");
    executor = new WorkerExecutor(wire, options, whole, counters);
  }
  const definition = { name, operation, options, keepPlaces: place.keepPlaces, order: place.order };
  return new StageRunner(definition, place.input, place.output, executor, place.control, whole);
}
