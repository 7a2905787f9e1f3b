/** Whether a value is a promise or promise-like (what `await` would wait for). */
export function isThenable(value: unknown): value is PromiseLike<any> {
  return value !== null && typeof value === "object" && typeof (value as PromiseLike<unknown>).then === "function";
}
