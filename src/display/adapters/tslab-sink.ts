/**
 * tslab's kernel. Its private module `tslab/dist/jupyter.js` (always loaded in
 * the kernel) exports `lastWriteDisplayData(content, isUpdate)`, which sends a
 * whole multi-mime bundle. It is private, so it is used behind a feature
 * check; without it the public `tslab.newDisplay()` sends the single best mime
 * type of the bundle.
 */
import { type MimeBundle, mimeMetadataOf } from "../mime-bundle";
import type { DisplaySink } from "./display-sink";

type WriteDisplayData = (content: { data: MimeBundle; metadata: Record<string, unknown>; transient: { display_id: string } }, update: boolean) => void;

interface TslabJupyterModule {
  lastWriteDisplayData: WriteDisplayData | null;
}

interface TslabDisplay {
  html(s: string): void;
  svg(s: string): void;
  png(b: Uint8Array): void;
  markdown(s: string): void;
  text(s: string): void;
}

interface TslabPublic {
  newDisplay(): TslabDisplay;
}

const JUPYTER_MODULE = /[\\/]tslab[\\/]dist[\\/]jupyter\.js$/;

/** Single-mime fallback: the richest type a notebook shows without JavaScript. */
const FALLBACK_ORDER = ["text/html", "image/svg+xml", "image/png", "text/markdown", "text/plain"] as const;

/** The global tslab puts in the kernel: its `require` resolves "tslab" to the kernel's own copy. */
export function findTslab(): { require(id: string): unknown } | undefined {
  const tslab = (globalThis as { __tslab__?: { require?: unknown } }).__tslab__;
  return typeof tslab?.require === "function" ? (tslab as { require(id: string): unknown }) : undefined;
}

/** tslab's loaded jupyter module, if it is there and still has the function pipelab relies on. */
export function findTslabJupyter(): TslabJupyterModule | undefined {
  for (const [file, mod] of Object.entries(require.cache)) {
    if (JUPYTER_MODULE.test(file) && mod && "lastWriteDisplayData" in (mod.exports as object)) {
      return mod.exports as TslabJupyterModule;
    }
  }
  return undefined;
}

export class TslabSink implements DisplaySink {
  readonly kind = "tslab";
  readonly isNotebook = true;
  private readonly fallbackDisplays = new Map<string, TslabDisplay>();

  constructor(
    private readonly jupyter: TslabJupyterModule | undefined,
    private readonly load: () => unknown,
  ) {}

  /** tslab makes a new writer for each cell it executes: the writer names the cell. */
  cell(): unknown {
    return this.jupyter?.lastWriteDisplayData ?? undefined;
  }

  write(bundle: MimeBundle, id: string, update: boolean): void {
    // Read at every call: tslab replaces it for each cell it executes.
    const write = this.jupyter?.lastWriteDisplayData;
    if (typeof write === "function") {
      // The metadata carries a PNG's CSS size, so front ends that show the PNG draw it at the SVG's size.
      write({ data: bundle, metadata: mimeMetadataOf(bundle), transient: { display_id: id } }, update);
      return;
    }
    this.writeOneMime(bundle, id, update);
  }

  private writeOneMime(bundle: MimeBundle, id: string, update: boolean): void {
    let entry = update ? this.fallbackDisplays.get(id) : undefined;
    if (!entry) {
      entry = (this.load() as TslabPublic).newDisplay();
      this.fallbackDisplays.set(id, entry);
    }
    const type = FALLBACK_ORDER.find((t) => typeof bundle[t] === "string");
    const data = type ? (bundle[type] as string) : JSON.stringify(bundle);
    if (type === "text/html") entry.html(data);
    else if (type === "image/svg+xml") entry.svg(data);
    else if (type === "image/png") entry.png(Buffer.from(data, "base64"));
    else if (type === "text/markdown") entry.markdown(data);
    else entry.text(data);
  }
}
