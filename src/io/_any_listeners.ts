/**
 * The catch-all listener lists of a socket (`onAny`, `onAnyOutgoing`).
 *
 * @module
 */

/** A catch-all listener: the event name, then its arguments. */
// deno-lint-ignore no-explicit-any
export type AnyEventListener = (event: string, ...args: any[]) => void;

/** An ordered list of catch-all listeners. */
export class AnyListeners {
  #list: AnyEventListener[] = [];

  /** Whether there is none (the hot path checks this first). */
  get empty(): boolean {
    return this.#list.length === 0;
  }

  /** Appends a listener. */
  add(listener: AnyEventListener): void {
    this.#list.push(listener);
  }

  /** Prepends a listener. */
  prepend(listener: AnyEventListener): void {
    this.#list.unshift(listener);
  }

  /** Removes one listener, or all. */
  remove(listener?: AnyEventListener): void {
    if (!listener) this.#list = [];
    else this.#list = this.#list.filter((l) => l !== listener);
  }

  /** A copy of the list. */
  all(): AnyEventListener[] {
    return this.#list.slice();
  }

  /** Calls each listener with `args` (`[event, ...rest]`); errors go to `onError`. */
  call(self: unknown, args: unknown[], onError: (err: unknown) => void): void {
    for (const listener of this.#list.slice()) {
      try {
        const result = (listener as (...a: unknown[]) => unknown).apply(self, args);
        if (result instanceof Promise) result.catch(onError);
      } catch (err) {
        onError(err);
      }
    }
  }
}
