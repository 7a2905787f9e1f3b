/**
 * What travels through the buffers between stages: an item with its place in
 * the source order.
 *
 * A source item's key is its index. A flatMap child's key extends its parent's
 * key with the child's position, so `ordered()` can put children in their
 * parent's place. When an `ordered()` stage lies downstream, stages also send
 * markers instead of dropping places silently: a HOLE where an item was filtered
 * out (or consumed by `each`), and an END after the last child of a parent.
 */

/** `3` for source item 3; `[3, 0]` for its first flatMap child; `[3, 0, 2]` and so on. */
export type ItemKey = number | readonly number[];

export const enum Kind {
  Value = 0,
  Hole = 1,
  /** Key `[...parent, n]`: parent had n children, all sent. */
  End = 2,
}

export interface Envelope<T = unknown> {
  key: ItemKey;
  kind: Kind;
  value: T;
}

export function valueEnvelope<T>(key: ItemKey, value: T): Envelope<T> {
  return { key, kind: Kind.Value, value };
}

export function markerEnvelope(key: ItemKey, kind: Kind.Hole | Kind.End): Envelope<never> {
  return { key, kind, value: undefined as never };
}

export function childKey(parent: ItemKey, position: number): readonly number[] {
  return typeof parent === "number" ? [parent, position] : [...parent, position];
}

/** The key as people read it: `41`, `3.2`. */
export function formatKey(key: ItemKey): string | number {
  return typeof key === "number" ? key : key.join(".");
}

export function keyPath(key: ItemKey): readonly number[] {
  return typeof key === "number" ? [key] : key;
}

/** The index of the source item a key descends from. */
export function rootOf(key: ItemKey): number {
  return typeof key === "number" ? key : key[0]!;
}
