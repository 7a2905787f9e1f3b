/**
 * Deno's Jupyter kernel: `Deno.jupyter.display(bundle, { raw: true })` sends
 * a whole bundle; `display_id` and `update` rewrite an entry in place.
 */
import type { MimeBundle } from "../mime-bundle";
import type { DisplaySink } from "./display-sink";

interface DenoJupyter {
  display(bundle: MimeBundle, options: { raw: boolean; update: boolean; display_id: string }): unknown;
}

/** `Deno.jupyter` when running in Deno's kernel. */
export function findDenoJupyter(): DenoJupyter | undefined {
  const deno = (globalThis as { Deno?: { jupyter?: Partial<DenoJupyter> } }).Deno;
  return typeof deno?.jupyter?.display === "function" ? (deno.jupyter as DenoJupyter) : undefined;
}

export class DenoSink implements DisplaySink {
  readonly kind = "deno";
  readonly isNotebook = true;

  constructor(private readonly jupyter: DenoJupyter) {}

  write(bundle: MimeBundle, id: string, update: boolean): void {
    // Deno answers with a promise; a failed send must not become an unhandled rejection.
    Promise.resolve(this.jupyter.display(bundle, { raw: true, update, display_id: id })).catch((error: unknown) => {
      process.stderr.write(`pipelab: Deno.jupyter.display failed: ${String(error)}\n`);
    });
  }
}
