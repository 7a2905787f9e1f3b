/**
 * The trust boundary of cluster mode. A run publishes each stage definition
 * (function source, context, module specs, queue name) as a JSON payload
 * with an HMAC-SHA256 of it under a secret the notebook and the workers
 * share. A worker checks the HMAC before it compiles or loads anything, so
 * whoever can write to Redis cannot make workers run code of their choosing.
 */
import { createHmac, timingSafeEqual } from "node:crypto";
import type { StageWire } from "../executors/wire";

export const SECRET_ENV = "PIPELAB_CLUSTER_SECRET";

/** What a run stores under stageKey(queue). */
export interface PublishedStage {
  /** JSON of { queue, stage }: signed as these exact bytes. */
  payload: string;
  /** Hex HMAC-SHA256 of payload, or null when the run has no secret (module functions only). */
  signature: string | null;
}

export function publishStage(queue: string, stage: StageWire, secret: string | undefined): PublishedStage {
  const payload = JSON.stringify({ queue, stage });
  return { payload, signature: secret ? hmac(secret, payload) : null };
}

export type Verdict = { ok: true; stage: StageWire; signed: boolean } | { ok: false; reason: string };

/**
 * Checks a published stage for queue `queue`. Signed stages need the same
 * secret; unsigned ones are accepted only when `allowUnsigned` (the worker then
 * runs module functions from its own allow-listed directory, nothing else).
 */
export function verifyStage(queue: string, published: PublishedStage, secret: string | undefined): Verdict {
  const { payload, signature } = published;
  if (signature) {
    if (!secret) return { ok: false, reason: `the stage is signed, but this worker has no secret (set ${SECRET_ENV} or --secret-file)` };
    const expected = Buffer.from(hmac(secret, payload), "hex");
    const given = Buffer.from(signature, "hex");
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
      return { ok: false, reason: "the signature did not match: the stage was altered after it was signed, or this worker has another secret" };
    }
  }
  const parsed = JSON.parse(payload) as { queue: string; stage: StageWire };
  // A valid definition copied under another queue name is a replay, not this stage.
  if (parsed.queue !== queue) return { ok: false, reason: `the stage was published for queue ${parsed.queue}, not ${queue}` };
  return { ok: true, stage: parsed.stage, signed: signature !== null };
}

function hmac(secret: string, payload: string): string {
  return createHmac("sha256", secret).update(payload).digest("hex");
}
