/**
 * Where rich output goes: the notebook kernel pipelab runs in, or stdout.
 * One adapter per kernel; everything else in display/ talks to this interface.
 */
import type { MimeBundle } from "../mime-bundle";

export interface DisplaySink {
  /** "tslab", "deno" or "text" (plain Node): which adapter this is. */
  readonly kind: string;
  /** True when output lands in a notebook cell, where live displays update in place. */
  readonly isNotebook: boolean;
  /** Shows `bundle` as a new display entry named `id`, or replaces the entry `id` when `update` is true. */
  write(bundle: MimeBundle, id: string, update: boolean): void;
  /** A token for the cell now running: equal for two calls in the same cell. Undefined where unknown. */
  cell?(): unknown;
}
