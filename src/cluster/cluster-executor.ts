/**
 * ClusterExecutor: cluster mode. The stage publishes itself in Redis (its
 * function, context and operation) under a queue name of its own run, sends
 * its items to that BullMQ queue in batches, and hears the answers through
 * BullMQ's queue events. `pipelab worker` processes on any machine serve it.
 *
 * Exactly once: a worker that dies mid-job leaves a stalled job that BullMQ
 * gives to another worker; answers are matched to batches by job id, and a
 * batch answered once is never answered again.
 */
import { randomBytes } from "node:crypto";
import { Queue, QueueEvents } from "bullmq";
import { ErrorCode, PipelabFault } from "../errors";
import type IORedis from "ioredis";
import type { JobData, JobResult } from "./job";
import { connect, connectionFromUrl, refusalsKey, servingKey, STAGES_KEY, stageKey } from "./redis";
import { publishStage } from "./stage-signature";
import type { ResolvedStageOptions } from "../options";
import type { StageCounters } from "../stats/stage-counters";
import { DEFERRED, type Executor, type ExecutorTask, type ResultSink, STOP_GRACE_MS } from "../executors/executor";
import { deliverAnswers } from "../executors/batch-answers";
import type { StageWire } from "../executors/wire";

/** The most items per job; fast items fill it, so a Redis round trip carries many. */
const MAX_BATCH = 500;
/** Items per job before the function's time is known. */
const FIRST_BATCH = 32;
/** Work per job aimed at (ms): slow items go in small jobs, so they spread over the workers. */
const JOB_TARGET_MS = 20;
/** Items in flight when the stage's maxsize is 0 (unbounded). */
const UNBOUNDED_IN_FLIGHT = 10_000;
const REFUSAL_POLL_MS = 200;

export class ClusterExecutor implements Executor {
  readonly timesItems = true;
  private sink!: ResultSink;
  private client: IORedis | undefined;
  private queue: Queue<JobData> | undefined;
  private events: QueueEvents | undefined;
  readonly queueName = `pipelab-${randomBytes(6).toString("hex")}`;
  /** Batches sent and not yet answered, by job id. */
  private readonly pending = new Map<string, ExecutorTask[]>();
  private open: ExecutorTask[] = [];
  private toAdd: Array<{ name: string; data: JobData; opts: { jobId: string; removeOnComplete: boolean; removeOnFail: boolean } }> = [];
  private adding: Promise<void> | undefined;
  private nextJob = 0;
  private inFlight = 0;
  private readonly limit: number;
  private readonly abandoned = new Set<ExecutorTask>();
  /** Items per job, sized from the function's measured time per item. */
  private batchSize = FIRST_BATCH;
  private perItemMs: number | undefined;
  private refusalWatch: NodeJS.Timeout | undefined;

  constructor(
    private readonly wire: StageWire,
    private readonly options: ResolvedStageOptions,
    private readonly counters: StageCounters,
  ) {
    this.limit = options.maxsize === 0 ? UNBOUNDED_IN_FLIGHT : Math.max(1, options.maxsize);
  }

  async start(sink: ResultSink): Promise<void> {
    this.sink = sink;
    const url = this.options.connection!;
    this.client = await connect(url);
    const connection = connectionFromUrl(url);
    this.queue = new Queue<JobData>(this.queueName, { connection });
    this.events = new QueueEvents(this.queueName, { connection });
    this.queue.on("error", (error) => this.sink.failStage(error));
    this.events.on("error", (error) => this.sink.failStage(error));
    this.events.on("completed", ({ jobId, returnvalue }) => this.answer(jobId, returnvalue as unknown));
    this.events.on("failed", ({ jobId, failedReason }) => this.lost(jobId, failedReason));
    // Events are read from "now": listen before the first job can finish.
    await this.events.waitUntilReady();
    await this.client.set(stageKey(this.queueName), JSON.stringify(publishStage(this.queueName, this.wire, this.options.secret)));
    await this.client.sadd(STAGES_KEY, this.queueName);
    // A worker that will not run this stage (bad signature, code outside its --modules) says so here.
    this.refusalWatch = setInterval(() => void this.checkRefusals(), REFUSAL_POLL_MS);
    this.refusalWatch.unref();
  }

  private async checkRefusals(): Promise<void> {
    const refusal = await this.client?.lindex(refusalsKey(this.queueName), 0).catch(() => null);
    if (!refusal) return;
    clearInterval(this.refusalWatch);
    this.sink.failStage(new PipelabFault(ErrorCode.Refused, `a cluster worker refused the stage: ${refusal}`));
  }

  hasRoom(): boolean {
    return this.inFlight < this.limit;
  }

  acquire(): void {}

  release(): void {}

  call(task: ExecutorTask): typeof DEFERRED {
    this.open.push(task);
    this.inFlight++;
    if (this.open.length >= Math.min(this.batchSize, this.limit)) this.flush();
    return DEFERRED;
  }

  flush(): void {
    if (this.open.length === 0) return;
    const tasks = this.open;
    this.open = [];
    const jobId = `b${this.nextJob++}`;
    this.pending.set(jobId, tasks);
    this.counters.batches++;
    this.toAdd.push({
      name: "batch",
      data: { values: tasks.map((t) => t.envelope.value), indexes: tasks.map((t) => t.index) },
      opts: { jobId, removeOnComplete: true, removeOnFail: true },
    });
    // Batches gathered in the same turn go to Redis in one bulk add.
    this.adding ??= Promise.resolve().then(() => this.addGathered());
  }

  private async addGathered(): Promise<void> {
    const jobs = this.toAdd;
    this.toAdd = [];
    this.adding = undefined;
    try {
      await this.queue!.addBulk(jobs);
    } catch (error) {
      this.sink.failStage(new Error(`could not send items to Redis: ${(error as Error).message}`, { cause: error }));
    }
  }

  private answer(jobId: string, returnvalue: unknown): void {
    const tasks = this.pending.get(jobId);
    // Answered already (a stalled job that ran twice), or not ours.
    if (!tasks) return;
    this.pending.delete(jobId);
    this.inFlight -= tasks.length;
    let result: JobResult;
    try {
      result = (typeof returnvalue === "string" ? JSON.parse(returnvalue) : returnvalue) as JobResult;
    } catch (error) {
      for (const task of tasks)
        this.sink.fail(task, new PipelabFault(ErrorCode.WorkerDied, `an unreadable answer came back from a worker: ${(error as Error).message}`));
      return;
    }
    const perItemMs = result.busyMs / tasks.length;
    this.perItemMs = this.perItemMs === undefined ? perItemMs : 0.7 * this.perItemMs + 0.3 * perItemMs;
    this.batchSize = Math.max(1, Math.min(MAX_BATCH, this.perItemMs > 0 ? Math.floor(JOB_TARGET_MS / this.perItemMs) : MAX_BATCH));
    this.counters.busyMs += result.busyMs;
    this.counters.latency.record(Math.max(1, Math.round((result.busyMs / tasks.length) * 1e6)));
    this.counters.recordRemote(result.host, result.pid, tasks.length, result.busyMs);
    deliverAnswers(tasks, result.values, result.errors, this.wire.continueOnError, this.abandoned, this.sink);
  }

  /** BullMQ gave up on a job (a worker crashed on it too often). */
  private lost(jobId: string, reason: string): void {
    const tasks = this.pending.get(jobId);
    if (!tasks) return;
    this.pending.delete(jobId);
    this.inFlight -= tasks.length;
    for (const task of tasks)
      if (!this.abandoned.delete(task)) this.sink.fail(task, new PipelabFault(ErrorCode.WorkerDied, `a cluster worker failed on the batch: ${reason}`));
  }

  /** A timed-out item: a remote worker cannot be interrupted, so its answer is dropped when it comes. */
  abandon(task: ExecutorTask): void {
    this.abandoned.add(task);
  }

  async stop(): Promise<void> {
    clearInterval(this.refusalWatch);
    const client = this.client;
    if (!client) return;
    // Workers stop serving the queue once it leaves the set; when they have let go (or a grace
    // period passed, for one that died), the queue's jobs and keys go, done or not.
    await client.srem(STAGES_KEY, this.queueName).catch(() => {});
    await client.del(stageKey(this.queueName)).catch(() => {});
    await this.adding;
    const deadline = performance.now() + STOP_GRACE_MS * 4;
    while (performance.now() < deadline && (await client.scard(servingKey(this.queueName)).catch(() => 0)) > 0) {
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    await this.queue?.obliterate({ force: true }).catch(() => {});
    await this.events?.close();
    await this.queue?.close();
    const left = await keysMatching(client, `bull:${this.queueName}:*`).catch(() => [] as string[]);
    await client.del(servingKey(this.queueName), refusalsKey(this.queueName), ...left).catch(() => {});
    client.disconnect();
  }
}

/** Keys matching `pattern`, by SCAN: KEYS would block a busy Redis. */
async function keysMatching(client: IORedis, pattern: string): Promise<string[]> {
  const found: string[] = [];
  let cursor = "0";
  do {
    const [next, keys] = await client.scan(cursor, "MATCH", pattern, "COUNT", 500);
    found.push(...keys);
    cursor = next;
  } while (cursor !== "0");
  return found;
}
