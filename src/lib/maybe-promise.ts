/**
 * A value now, or a promise of it. The reads every request makes (a sub-user by name) answer at once
 * when the store can (SQLite outside a transaction runs a statement synchronously), and each `await`
 * between the socket and the reply would otherwise cost a turn of the microtask queue.
 */
export type MaybePromise<T> = T | Promise<T>;

/** `f` applied to `value`: at once when the value is here, when it arrives otherwise. */
export function then<T, U>(value: MaybePromise<T>, f: (v: T) => MaybePromise<U>): MaybePromise<U> {
  return value instanceof Promise ? value.then(f) : f(value);
}

/** Whether the value is still on its way. */
export function isPromise<T>(value: MaybePromise<T>): value is Promise<T> {
  return value instanceof Promise;
}
