/**
 * Sink: where `into()` sends a run's results (a file, a DataFrame, an array,
 * a function), made by `sink.*`. Like a Pipeline it only describes: each run
 * opens a SinkWriter of its own, so one sink value can serve many runs. The
 * single-sink methods (toArray, toCSV, toJSONL, toDataFrame) drive the same
 * writers.
 */

/** @internal One run's end of a sink. */
export interface SinkWriter<Out> {
  /**
   * Takes one item; returns a promise when the next item must wait for it (the disk, an async
   * function), so the run's buffers bound memory. Throws or rejects for an item it cannot take.
   */
  push(item: unknown): void | PromiseLike<void>;
  /** True once the sink takes no more items (sink.array's limit): later items pass it by. */
  readonly full?: boolean;
  /** The run succeeded: do what can still fail (write a file's last rows and close it, build a DataFrame). */
  end(): void | Promise<void>;
  /** After end(): make the result visible (move a file into place) and give it. */
  commit(): Out | Promise<Out>;
  /** The run failed or was cancelled, or another sink failed: let go (a file's temporary copy is removed, or kept with `partial`). */
  abandon(): Promise<void>;
}

/** @internal How a sink opens for a run. */
export interface SinkSpec<Out> {
  /** `"csv"`, `"array"`, ...: the factory's name, for messages. */
  kind: string;
  /** A file sink's target as given: two sinks of one into() may not write the same file. */
  path?: string;
  open(): SinkWriter<Out>;
}

/**
 * A sink for `into()`: takes items of type `In` and gives an `Out` when the run ends.
 * Made by `sink.csv()`, `sink.jsonl()`, `sink.dataFrame()`, `sink.parquet()`, `sink.arrow()`,
 * `sink.arrowTable()`, `sink.polars()`, `sink.array()`, `sink.count()`,
 * `sink.each()` and `sink.reduce()`.
 * @example const { n } = await p.into({ n: sink.count() })
 */
export class Sink<In, Out> {
  /** Types only, never set: the items the sink takes and what into() gives for it. */
  declare readonly types?: { take: (item: In) => void; result: Out };

  /** @internal Use the `sink.*` factories. */
  constructor(private readonly spec: SinkSpec<Out>) {}

  /** @internal */
  static specOf<Out>(sink: Sink<never, Out>): SinkSpec<Out> {
    return sink.spec;
  }

  /** `sink.csv("out.csv")`, for messages and the console. */
  toString(): string {
    return `sink.${this.spec.kind}(${this.spec.path === undefined ? "" : JSON.stringify(this.spec.path)})`;
  }
}

/** What `into(sinks)` resolves to: for each key, its sink's result. */
export type SinkResults<S> = { [K in keyof S]: S[K] extends Sink<never, infer Out> ? Out : never };
