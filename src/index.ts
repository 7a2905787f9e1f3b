export { Pipeline, from, range, concat } from "./pipeline";
export type { StageFn, Expansion } from "./pipeline";
export type { Mode, ModuleFunction, StageContext, StageOptions, StartValues } from "./options";
export type { SourceInput } from "./io/source";
export type { RunOptions } from "./supervisor";
export { RunStats } from "./stats/run-stats";
export type { Bottleneck, LatencyStats, QueueStats, RunStatus, StageRow, StageStats, TimelineSample } from "./stats/run-stats";
export { StageError, TimeoutError, AbortError } from "./errors";
export type { ItemIndex } from "./errors";
