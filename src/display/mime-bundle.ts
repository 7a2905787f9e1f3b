/**
 * The rich-display protocol: an object that can show itself in a notebook
 * returns a mime bundle (mime type -> data) from `[Symbol.for("Jupyter.display")]()`,
 * the convention Deno's Jupyter kernel uses. pipelab's displayable objects
 * also answer ijavascript's `_toMime()`, and each defines `util.inspect` as
 * its text, so every kernel and a plain `console.log` get the best they can show.
 */
import { inspect } from "node:util";

/** Mime type -> data: text for text types, base64 text for images, a JSON object for JSON types. */
export type MimeBundle = Record<string, string | object>;

/** The method name of the display protocol. A registered symbol, so separate copies of pipelab (and Deno) agree on it. */
export const DISPLAY: unique symbol = Symbol.for("Jupyter.display") as never;

/** Mime type -> display hints for it, Jupyter's `metadata` of display_data: `{ "image/png": { width: 480, height: 300 } }`. */
export type MimeMetadata = Record<string, Record<string, unknown>>;

/**
 * @internal Where a bundle keeps its metadata. The display protocol returns a bare bundle (Deno
 * sends it as the message's `data`), so metadata rides along on the same object under a registered
 * symbol, not enumerable: JSON, `Object.keys`, Deno and any sink that does not look see a plain
 * mime bundle, and a sink that knows reads it with mimeMetadataOf().
 */
export const MIME_METADATA: unique symbol = Symbol.for("pipelab.mimeMetadata") as never;

/** @internal Attaches display metadata to a bundle (see MIME_METADATA) and returns the bundle. */
export function withMimeMetadata<B extends MimeBundle>(bundle: B, metadata: MimeMetadata): B {
  Object.defineProperty(bundle, MIME_METADATA, { value: metadata, enumerable: false, configurable: true });
  return bundle;
}

/** @internal The display metadata a bundle carries, `{}` when it has none: what a sink sends as display_data's `metadata`. */
export function mimeMetadataOf(bundle: MimeBundle): MimeMetadata {
  const metadata = (bundle as { [MIME_METADATA]?: unknown })[MIME_METADATA];
  return typeof metadata === "object" && metadata !== null ? (metadata as MimeMetadata) : {};
}

/** An object that renders itself as a mime bundle. */
export interface Displayable {
  toMimeBundle(): MimeBundle;
}

/** @internal True for anything that implements the display protocol. */
export function hasDisplayProtocol(value: unknown): value is { [DISPLAY](): MimeBundle } {
  return (typeof value === "object" || typeof value === "function") && value !== null && typeof (value as Record<symbol, unknown>)[DISPLAY] === "function";
}

/** @internal The bundle an arbitrary value shows as: its own bundle if it has one, else its `util.inspect` text. */
export function bundleOf(value: unknown): MimeBundle {
  const bundle = hasDisplayProtocol(value) ? value[DISPLAY]() : { "text/plain": inspect(value) };
  if (typeof bundle !== "object" || bundle === null) {
    throw new TypeError(`[Symbol.for("Jupyter.display")]() must return a mime bundle object, got ${inspect(bundle)}`);
  }
  return bundle;
}

/** @internal Gives a class's instances the display protocol and ijavascript's `_toMime`. */
export function installDisplayProtocol(target: { prototype: Displayable }): void {
  const render = function (this: Displayable) {
    return this.toMimeBundle();
  };
  Object.defineProperty(target.prototype, DISPLAY, { value: render, configurable: true });
  Object.defineProperty(target.prototype, "_toMime", { value: render, configurable: true });
}
