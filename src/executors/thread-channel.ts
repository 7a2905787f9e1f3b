/**
 * ThreadChannel: one worker thread as the main thread sees it: its port, the
 * batches sent to it and not yet answered, the batch being gathered, and
 * whether it is ready, alive, done or to be killed.
 */
import type { MessagePort } from "node:worker_threads";
import type { ExecutorTask } from "./executor";
import { errorFromWire, type ServeResult, type ToWorker, type Transferable } from "./wire";

export interface DoneReply {
  started: boolean;
  error?: Error;
}

/** One thread as this side sees it. */
export class ThreadChannel {
  /** Batches sent and not yet answered, oldest first, with when they were sent. */
  readonly sent: Array<{ tasks: ExecutorTask[]; sentAt: number }> = [];
  /** The batch being gathered. */
  open: ExecutorTask[] = [];
  /** Items in `sent` and `open`. */
  load = 0;
  alive = true;
  readonly done: Promise<DoneReply>;
  /** Settles when the thread has started (or failed to, or died): never rejects. */
  readonly ready: Promise<void>;
  /** The thread answered "ready" (or will never start). */
  isReady = false;
  settleReady!: () => void;
  private settleDone!: (reply: DoneReply) => void;

  /** Aborting it makes piscina terminate the thread (the way to stop one stuck in an item). */
  readonly kill = new AbortController();

  constructor(
    readonly index: number,
    readonly port: MessagePort,
  ) {
    this.done = new Promise((resolve) => (this.settleDone = resolve));
    this.ready = new Promise((resolve) => {
      this.settleReady = () => {
        this.isReady = true;
        resolve();
      };
    });
  }

  send(message: ToWorker, transfer?: Transferable[]): void {
    this.port.postMessage(message, transfer);
  }

  /** The serve task ended after "done": onDone ran (or the thread never started). */
  ended(result: ServeResult): void {
    this.alive = false;
    this.settleDone({ started: result.started, error: result.error && errorFromWire(result.error) });
  }

  /** The thread is gone; returns the tasks it held. */
  lost(): ExecutorTask[] {
    this.alive = false;
    this.settleReady();
    this.settleDone({ started: false });
    const held = [...this.sent.flatMap((batch) => batch.tasks), ...this.open];
    this.sent.length = 0;
    this.open = [];
    this.load = 0;
    return held;
  }
}
