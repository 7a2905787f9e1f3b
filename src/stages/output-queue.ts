/**
 * OutputQueue: the tasks of a stage whose outputs wait to be written to its
 * output buffer. Ordered: in input order, the head first. Unordered: any task,
 * as soon as it has outputs. Never writes past the buffer's bound.
 */
import type { BoundedBuffer } from "../buffer";
import { type Envelope, Kind } from "../envelope";
import type { StageCounters } from "../stats/stage-counters";
import type { Task } from "./task";

export class OutputQueue {
  private queue: Task[] = [];
  private head = 0;
  private waitingForSpace = false;
  /** Outputs produced but not yet written, over all tasks. */
  unwritten = 0;

  /**
   * @param onRetired a done task whose outputs are all written left the queue
   * @param onSpace the output buffer had been full and has space again
   */
  constructor(
    private readonly output: BoundedBuffer<Envelope>,
    private readonly ordered: boolean,
    private readonly counters: StageCounters,
    private readonly onRetired: (task: Task) => void,
    private readonly onSpace: () => void,
  ) {}

  enqueue(task: Task): void {
    if (task.enqueue()) this.queue.push(task);
  }

  produce(task: Task, envelope: Envelope): void {
    task.add(envelope);
    this.unwritten++;
  }

  /** Ordered: the task whose outputs are written next (the only one that can become writable). */
  get headTask(): Task | undefined {
    return this.ordered ? this.queue[this.head] : undefined;
  }

  /** Whether this task's outputs would be written now if there were space. */
  isWritable(task: Task): boolean {
    return !this.ordered || this.queue[this.head] === task;
  }

  flush(): void {
    if (this.ordered) this.flushInOrder();
    else this.flushAsCompleted();
  }

  private flushInOrder(): void {
    const { queue } = this;
    while (this.head < queue.length) {
      const task = queue[this.head]!;
      if (!this.write(task) || !task.done) break;
      queue[this.head++] = undefined as never;
      this.onRetired(task);
    }
    // Drop retired slots now and then, not on every drain: emptying an array frees
    // its storage, and the next push allocates it again.
    if (this.head > 1024) {
      if (this.head === queue.length) queue.length = 0;
      else if (this.head * 2 > queue.length) queue.splice(0, this.head);
      else return;
      this.head = 0;
    }
  }

  private flushAsCompleted(): void {
    const { queue } = this;
    let kept = 0;
    for (let i = 0; i < queue.length; i++) {
      const task = queue[i]!;
      if (this.write(task) && task.done) this.onRetired(task);
      else queue[kept++] = task;
    }
    queue.length = kept;
  }

  /** Writes a task's outputs; false when the buffer filled first. */
  private write(task: Task): boolean {
    const { output, counters } = this;
    while (task.unwritten > 0) {
      if (!output.hasSpace) {
        this.awaitSpace();
        return false;
      }
      const envelope = task.takeOutput();
      this.unwritten--;
      if (envelope.kind === Kind.Value) counters.itemsOut++;
      output.push(envelope);
    }
    return true;
  }

  private awaitSpace(): void {
    if (this.waitingForSpace) return;
    this.waitingForSpace = true;
    const blockedAt = performance.now();
    void this.output.whenSpace().then(() => {
      this.waitingForSpace = false;
      this.counters.blockedMs += performance.now() - blockedAt;
      this.onSpace();
    });
  }
}
