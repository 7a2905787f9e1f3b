/**
 * A cached stage's identity: what must be the same for an entry written by one run to answer
 * for another. The function's source (or, with `cache.name`, that name instead), its context,
 * its onStart's source and the operation; and the format of the entries, so that a pipelab
 * that stores them differently starts afresh instead of reading old ones wrongly.
 */
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import type { Hook, Operation, ResolvedModuleFunction, StageFunction } from "../options";
import { canonicalText } from "./cache-key";

/** Bump when the key's text or the stored values change shape. */
export const CACHE_FORMAT = 1;

export interface StageIdentity {
  operation: Operation;
  fn: StageFunction | ResolvedModuleFunction;
  context: Record<string, unknown>;
  onStart: Hook | undefined;
  /** The option `cache.name`, which stands for the function. */
  name: string | undefined;
}

/**
 * The stage's cache id: 16 hex digits of a SHA-256 over its identity.
 * @example stageCacheId({ operation: "map", fn: (x) => x * 2, context: {}, onStart: undefined, name: undefined })
 */
export function stageCacheId(stage: StageIdentity): string {
  const parts = [
    `pipelab-cache-${CACHE_FORMAT}`,
    stage.operation,
    stage.name !== undefined ? `name ${stage.name}` : `function ${functionText(stage.fn)}`,
    `context ${canonicalText(stage.context, "source")}`,
    `onStart ${stage.onStart ? Function.prototype.toString.call(stage.onStart) : "none"}`,
  ];
  return createHash("sha256").update(parts.join("\0")).digest("hex").slice(0, 16);
}

/** The source of an inline function; for a module's, where it is and the module file's text. */
function functionText(fn: StageFunction | ResolvedModuleFunction): string {
  if (typeof fn === "function") return Function.prototype.toString.call(fn);
  let text = "";
  try {
    if (fn.module.startsWith("file:")) text = readFileSync(fileURLToPath(fn.module), "utf8");
  } catch {
    // An unreadable module fails when the stage loads it; its key is its name alone until then.
  }
  return `${fn.module}#${fn.export}\n${text}`;
}
