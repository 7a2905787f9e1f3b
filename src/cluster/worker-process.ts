/**
 * ClusterWorker: what `pipelab worker` runs on each machine. It watches Redis
 * for the cluster stages of running pipelines, serves each with a BullMQ
 * Worker (onStart once per stage, onDone when the stage goes away), runs the
 * stage's function on every batch, and on SIGTERM finishes the batches in hand
 * before it leaves (BullMQ hands unfinished ones to other workers).
 */
import { Worker } from "bullmq";
import type IORedis from "ioredis";
import { runBatch, startStage, type WorkerFn } from "../executors/stage-worker";
import type { StageWire } from "../executors/wire";
import type { JobData, JobResult } from "./job";
import { vetStageFunctions } from "./function-vetting";
import { connect, connectionFromUrl, refusalsKey, servingKey, STAGES_KEY, stageKey, WORKER_ID } from "./redis";
import { type PublishedStage, verifyStage } from "./stage-signature";

const SELF = `${WORKER_ID.host}:${WORKER_ID.pid}`;

export interface ClusterWorkerOptions {
  connection: string;
  /** The secret signed stages are checked with (see stage-signature.ts). */
  secret?: string;
  /** Module functions load only from inside this directory; with no secret, nothing else runs. */
  modulesDir?: string;
  /** Batches run at once per stage. Default: the stage's `workers`. */
  concurrency?: number;
  /** Serve only these queues (default: every pipelab stage that appears). */
  queues?: string[];
  /** How often to look for new and finished stages (ms). Default 250. */
  pollMs?: number;
  log?: (line: string) => void;
}

interface Served {
  worker: Worker<JobData, JobResult>;
  ctx: Record<string, unknown>;
  onDone: WorkerFn | undefined;
  controller: AbortController;
}

export class ClusterWorker {
  private client: IORedis | undefined;
  private readonly served = new Map<string, Served>();
  /** Queues whose stage this worker would not run: not looked at again. */
  private readonly refused = new Set<string>();
  /** How many stages this worker refused, for its exit line. */
  refusals = 0;
  private timer: NodeJS.Timeout | undefined;
  private closing: Promise<void> | undefined;
  private looking = false;

  constructor(private readonly options: ClusterWorkerOptions) {}

  async start(): Promise<void> {
    this.client = await connect(this.options.connection);
    await this.look();
    this.timer = setInterval(() => void this.look(), this.options.pollMs ?? 250);
  }

  /** Starts serving new stages and stops serving stages whose run has ended. */
  private async look(): Promise<void> {
    if (this.looking || this.closing) return;
    this.looking = true;
    try {
      const live = new Set(await this.client!.smembers(STAGES_KEY));
      for (const name of live) {
        if (this.served.has(name) || this.refused.has(name) || (this.options.queues && !this.options.queues.includes(name))) continue;
        const description = await this.client!.get(stageKey(name));
        if (description) await this.admit(name, description);
      }
      for (const name of [...this.served.keys()]) if (!live.has(name)) await this.retire(name);
      for (const name of this.refused) if (!live.has(name)) this.refused.delete(name);
    } catch (error) {
      this.options.log?.(`pipelab worker: ${(error as Error).message}`);
    } finally {
      this.looking = false;
    }
  }

  /** Checks a published stage before anything of it is compiled or loaded, then serves it or refuses it. */
  private async admit(name: string, description: string): Promise<void> {
    let published: PublishedStage;
    try {
      published = JSON.parse(description) as PublishedStage;
    } catch {
      return this.refuse(name, "?", "its definition is not readable");
    }
    const verdict = verifyStage(name, published, this.options.secret);
    if (!verdict.ok) return this.refuse(name, stageNameOf(published), verdict.reason);
    const problem = vetStageFunctions(verdict.stage, verdict.signed, this.options.modulesDir);
    if (problem) return this.refuse(name, verdict.stage.stage, problem);
    await this.serve(name, verdict.stage);
  }

  /** Logs the refusal, counts it, and tells the run (which fails with this message). */
  private async refuse(name: string, stage: string, reason: string): Promise<void> {
    this.refused.add(name);
    this.refusals++;
    const message = `worker ${SELF} refused stage "${stage}" of run ${name}: ${reason}`;
    this.options.log?.(`pipelab worker: ${message}`);
    await this.client!.rpush(refusalsKey(name), message);
  }

  private async serve(name: string, stage: StageWire): Promise<void> {
    const controller = new AbortController();
    const ctx: Record<string, unknown> = { worker: WORKER_ID.pid, index: -1, signal: controller.signal };
    const { fn, onDone } = await startStage(stage, ctx);
    const worker = new Worker<JobData, JobResult>(name, (job) => answerJob(stage, fn, ctx, job.data), {
      connection: connectionFromUrl(this.options.connection),
      concurrency: this.options.concurrency ?? stage.concurrency ?? 1,
      // A worker that dies loses its lock soon, and another takes its job over.
      lockDuration: 4000,
      stalledInterval: 2000,
      maxStalledCount: 5,
    });
    worker.on("error", (error) => this.options.log?.(`pipelab worker: ${name}: ${error.message}`));
    await this.client!.sadd(servingKey(name), SELF);
    this.served.set(name, { worker, ctx, onDone, controller });
    this.options.log?.(`pipelab worker: serving ${stage.stage} (${name})`);
  }

  private async retire(name: string): Promise<void> {
    const served = this.served.get(name)!;
    this.served.delete(name);
    served.controller.abort(new Error("the pipeline run ended"));
    await served.worker.close(true);
    // The run waits for this before it clears the queue's keys.
    await this.client!.srem(servingKey(name), SELF);
    await Promise.resolve(served.onDone?.(served.ctx, served.ctx)).catch((error: Error) =>
      this.options.log?.(`pipelab worker: onDone failed: ${error.message}`),
    );
  }

  /** Finishes the batches in hand, runs onDone for every stage served, and disconnects. */
  close(): Promise<void> {
    this.closing ??= (async () => {
      clearInterval(this.timer);
      for (const name of [...this.served.keys()]) {
        const served = this.served.get(name)!;
        this.served.delete(name);
        await served.worker.close();
        await this.client?.srem(servingKey(name), SELF).catch(() => {});
        await Promise.resolve(served.onDone?.(served.ctx, served.ctx)).catch(() => {});
      }
      this.client?.disconnect();
    })();
    return this.closing;
  }
}

/** Runs a job's batch as a worker thread would (the same loop); results travel as JSON, so undefined becomes null. */
async function answerJob(stage: StageWire, fn: WorkerFn, ctx: Record<string, unknown>, { values, indexes }: JobData): Promise<JobResult> {
  // Jobs may run at once (concurrency > 1): each gets its own view of ctx, where its items' index is set.
  const { results, errors, busyMs } = await runBatch(stage, fn, Object.create(ctx) as Record<string, unknown>, values, { indexes });
  return { values: results.map((result) => (result === undefined ? null : result)), ...(errors ? { errors } : {}), busyMs, ...WORKER_ID };
}

/** The stage's name for a log line, read without trusting the payload. */
function stageNameOf(published: PublishedStage): string {
  try {
    return String((JSON.parse(published.payload) as { stage: { stage: unknown } }).stage.stage);
  } catch {
    return "?";
  }
}
