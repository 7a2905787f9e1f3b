/**
 * What a pipeline is made of: its source and a list of steps, each checked
 * when it was added. The builder makes these; the supervisor runs them.
 */
import type { StageWire } from "./executors/wire";
import type { Source } from "./stages/source";
import type { Operation, ResolvedModuleFunction, ResolvedStageOptions, StageFunction } from "./options";

export interface StageStep {
  readonly type: "stage";
  readonly operation: Operation;
  readonly fn: StageFunction | ResolvedModuleFunction;
  readonly options: ResolvedStageOptions;
  /** The name used when options.name is not given, e.g. `map(parse)`. */
  readonly defaultName: string;
  /** Worker mode: the function, hooks and context encoded for the trip to a thread. */
  readonly wire: Omit<StageWire, "stage"> | undefined;
}

export interface OrderedStep {
  readonly type: "ordered";
}

export interface TakeStep {
  readonly type: "take";
  readonly count: number;
}

export type Step = StageStep | OrderedStep | TakeStep;

/** Where a pipeline's items come from: one source, or several pipelines merged by concat(). */
export interface Plan {
  readonly source: Source;
  readonly steps: readonly Step[];
}
