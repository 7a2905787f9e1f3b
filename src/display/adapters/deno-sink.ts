/**
 * Deno's Jupyter kernel: `Deno.jupyter.display(bundle, { raw: true })` sends
 * a whole bundle; `display_id` and `update` rewrite an entry in place. It
 * sends no metadata, so a bundle that carries some (a chart's PNG size) goes
 * through `Deno.jupyter.broadcast` as a whole display_data message.
 */
import { type MimeBundle, mimeMetadataOf } from "../mime-bundle";
import type { DisplaySink } from "./display-sink";

interface DenoJupyter {
  display(bundle: MimeBundle, options: { raw: boolean; update: boolean; display_id: string }): unknown;
  broadcast?(type: string, content: Record<string, unknown>): unknown;
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
    const metadata = mimeMetadataOf(bundle);
    const sent =
      Object.keys(metadata).length > 0 && typeof this.jupyter.broadcast === "function"
        ? this.jupyter.broadcast(update ? "update_display_data" : "display_data", { data: bundle, metadata, transient: { display_id: id } })
        : this.jupyter.display(bundle, { raw: true, update, display_id: id });
    // Deno answers with a promise; a failed send must not become an unhandled rejection.
    Promise.resolve(sent).catch((error: unknown) => {
      process.stderr.write(`pipelab: Deno.jupyter.display failed: ${String(error)}\n`);
    });
  }
}
