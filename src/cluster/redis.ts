/**
 * The Redis side of cluster mode: connection options from a URL, a reachability
 * check that fails fast instead of retrying forever, and the keys through which
 * a run publishes its stages to `pipelab worker` processes.
 */
import { hostname } from "node:os";
import IORedis, { type RedisOptions } from "ioredis";

/** The set of queue names that workers serve: one per cluster stage of a running run. */
export const STAGES_KEY = "pipelab:stages";
/** The stage description (function, context, operation) for the queue `name`. */
export const stageKey = (name: string) => `pipelab:stage:${name}`;

/** ioredis options from a redis:// or rediss:// URL. */
export function connectionFromUrl(url: string): RedisOptions {
  const parsed = new URL(url);
  const db = parsed.pathname.length > 1 ? Number(parsed.pathname.slice(1)) : 0;
  return {
    host: parsed.hostname || "127.0.0.1",
    port: parsed.port ? Number(parsed.port) : 6379,
    ...(parsed.username ? { username: decodeURIComponent(parsed.username) } : {}),
    ...(parsed.password ? { password: decodeURIComponent(parsed.password) } : {}),
    ...(db ? { db } : {}),
    ...(parsed.protocol === "rediss:" ? { tls: {} } : {}),
    // BullMQ's blocking commands must not time out.
    maxRetriesPerRequest: null,
  };
}

/**
 * A client for pipelab's own keys. It is checked with a PING that gives up
 * after `timeoutMs`: an unreachable Redis is an error naming it, not a hang.
 */
export async function connect(url: string, timeoutMs = 3000): Promise<IORedis> {
  const client = new IORedis({ ...connectionFromUrl(url), lazyConnect: true, connectTimeout: timeoutMs, maxRetriesPerRequest: 1, retryStrategy: () => null });
  client.on("error", () => {});
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      client.connect().then(() => client.ping()),
      new Promise((_, reject) => (timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs))),
    ]);
  } catch (error) {
    client.disconnect();
    throw new Error(`cannot reach Redis at ${url}: ${(error as Error).message}`, { cause: error });
  } finally {
    clearTimeout(timer);
  }
  return client;
}

/** The worker processes serving the queue `name` ("host:pid"); each leaves it once it let go of the queue. */
export const servingKey = (name: string) => `pipelab:serving:${name}`;

/** Refusals of the queue `name` by workers that would not run its stage (a list of messages). */
export const refusalsKey = (name: string) => `pipelab:refusals:${name}`;

/** Who answered a job, for the statistics. */
export const WORKER_ID = { host: hostname(), pid: process.pid };
