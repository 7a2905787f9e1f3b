/**
 * `display(x)`: shows a value richly in whatever notebook kernel pipelab runs
 * in (tslab, Deno) or as text in plain Node. The adapter is chosen once per
 * call from the environment, so the same code works in all three.
 */
import { randomUUID } from "node:crypto";
import { asDisplayable } from "./dataframe-preview";
import { bundleOf, type MimeBundle } from "./mime-bundle";
import { DenoSink, findDenoJupyter } from "./adapters/deno-sink";
import type { DisplaySink } from "./adapters/display-sink";
import { TextSink } from "./adapters/text-sink";
import { findTslab, findTslabJupyter, TslabSink } from "./adapters/tslab-sink";

export interface DisplayOptions {
  /** Names the display entry, so a later call with `update: true` replaces it in place. */
  id?: string;
  /** Replace the entry named `id` instead of adding a new one. */
  update?: boolean;
}

let override: DisplaySink | undefined;

/** @internal The adapter for this environment. */
export function currentSink(): DisplaySink {
  if (override) return override;
  const deno = findDenoJupyter();
  if (deno) return new DenoSink(deno);
  const tslab = findTslab();
  if (tslab) return new TslabSink(findTslabJupyter(), () => tslab.require("tslab"));
  return new TextSink();
}

/** @internal Routes all display output to `sink` (tests, custom frontends); `undefined` restores detection. */
export function setDisplaySink(sink: DisplaySink | undefined): void {
  override = sink;
}

/** @internal The bundle for a value: a DataFrame shows as a preview, a displayable as itself, anything else as text. */
export function toMimeBundle(value: unknown): MimeBundle {
  return bundleOf(asDisplayable(value) ?? value);
}

/**
 * Shows a value in the notebook cell: run statistics as a table, a chart as
 * Vega-Lite with SVG and PNG fallbacks, a DataFrame as a preview of its first
 * rows, anything else as text. In plain Node it prints the text form.
 *
 * @example
 * const stats = await from(urls).map(fetchPage, { workers: 8 }).run();
 * display(stats);
 * display(stats.chart("throughput"));
 * display(stats.chart("queues"), { id: "queues" });       // later: { id: "queues", update: true }
 */
export function display(value: unknown, options: DisplayOptions = {}): void {
  if (typeof options !== "object" || options === null) throw new TypeError('display(): "options" must be an object');
  for (const key of Object.keys(options)) {
    if (key !== "id" && key !== "update") throw new TypeError(`display(): unknown option "${key}" (known: id, update)`);
  }
  const { id, update = false } = options;
  if (id !== undefined && (typeof id !== "string" || id === "")) throw new TypeError('display(): option "id" must be a non-empty string');
  if (typeof update !== "boolean") throw new TypeError('display(): option "update" must be a boolean');
  if (update && id === undefined) throw new TypeError('display(): option "update" needs the "id" of the entry to replace');
  currentSink().write(toMimeBundle(value), id ?? randomUUID(), update);
}
