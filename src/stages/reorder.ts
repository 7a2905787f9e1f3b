/**
 * ReorderStage: `ordered()`. Puts items back in source order after unordered
 * stages, a flatMap's children in their parent's place.
 *
 * Upstream stages send a HOLE for each item they dropped and an END after a
 * parent's last child, so this stage always knows whether the next key is
 * late or will never come. Its cursor walks the key tree: emit a value, skip a
 * hole, descend into an expanded parent, climb back out at its END.
 */
import type { BoundedBuffer } from "../buffer";
import { EMPTY } from "../buffer";
import { type Envelope, Kind, keyPath } from "../envelope";
import type { RunControl } from "../run-control";
import type { StageCounters } from "../stats/stage-counters";

type SlotKey = number | string;

function slotKey(path: readonly number[], length: number): SlotKey {
  return length === 1 ? path[0]! : path.slice(0, length).join(".");
}

/** What stages upstream of an ordered() may watch: how far it has got and how much it holds. */
export interface ReorderProgress {
  /** The lowest source index not yet released in order. */
  readonly released: number;
  /** Items held, waiting for an earlier one. */
  readonly backlog: number;
  /** Called whenever `released` grows or the backlog shrinks. */
  onProgress(listener: () => void): void;
}

export class ReorderStage implements ReorderProgress {
  private readonly waiting = new Map<SlotKey, Envelope>();
  /** Parents some of whose children have arrived (or all, or none: END with 0). */
  private readonly expanded = new Set<SlotKey>();
  private readonly cursor: number[] = [0];
  private readonly listeners: Array<() => void> = [];

  /** @param keepPlaces forward holes and END markers too (another ordered() follows) */
  constructor(
    private readonly input: BoundedBuffer<Envelope>,
    private readonly output: BoundedBuffer<Envelope>,
    private readonly control: RunControl,
    private readonly counters: StageCounters,
    private readonly keepPlaces: boolean,
  ) {}

  get released(): number {
    return this.cursor[0]!;
  }

  get backlog(): number {
    return this.waiting.size;
  }

  onProgress(listener: () => void): void {
    this.listeners.push(listener);
  }

  async run(): Promise<void> {
    const { input, output, control } = this;
    for (;;) {
      if (control.signal.aborted) return;
      this.advance();
      if (!output.hasSpace) {
        await output.whenSpace();
        continue;
      }
      const envelope = input.shift();
      if (envelope === EMPTY) {
        if (input.finished) break;
        await input.whenReadable();
        continue;
      }
      if (envelope.kind === Kind.Value) this.counters.itemsIn++;
      this.store(envelope);
    }
    // Input is complete. What is left has gaps only when a take(n) upstream cut the stream short.
    const rest = [...this.waiting.values()].sort((a, b) => comparePaths(keyPath(a.key), keyPath(b.key)));
    for (const envelope of rest) {
      if (control.signal.aborted) return;
      if (envelope.kind === Kind.Value || this.keepPlaces) await this.emit(envelope);
    }
    if (!control.signal.aborted) output.close();
  }

  private store(envelope: Envelope): void {
    const path = keyPath(envelope.key);
    for (let length = 1; length < path.length; length++) this.expanded.add(slotKey(path, length));
    this.waiting.set(slotKey(path, path.length), envelope);
  }

  /** Emits what is next in order, while the output buffer has space. */
  private advance(): void {
    const { cursor } = this;
    const before = this.waiting.size;
    for (;;) {
      const key = slotKey(cursor, cursor.length);
      const envelope = this.waiting.get(key);
      if (envelope) {
        const emitted = envelope.kind === Kind.Value || this.keepPlaces;
        if (emitted && !this.output.hasSpace) break;
        this.waiting.delete(key);
        if (envelope.kind === Kind.End) {
          cursor.pop();
          this.expanded.delete(slotKey(cursor, cursor.length));
        }
        if (emitted) this.push(envelope);
        cursor[cursor.length - 1]!++;
      } else if (this.expanded.has(key)) {
        cursor.push(0);
      } else {
        break;
      }
    }
    if (this.waiting.size < before) for (const listener of this.listeners) listener();
  }

  private push(envelope: Envelope): void {
    if (envelope.kind === Kind.Value) this.counters.itemsOut++;
    this.output.push(envelope);
  }

  private async emit(envelope: Envelope): Promise<void> {
    await this.output.put(envelope);
    if (envelope.kind === Kind.Value) this.counters.itemsOut++;
  }
}

function comparePaths(a: readonly number[], b: readonly number[]): number {
  for (let i = 0; i < Math.min(a.length, b.length); i++) {
    if (a[i] !== b[i]) return a[i]! - b[i]!;
  }
  return a.length - b.length;
}
