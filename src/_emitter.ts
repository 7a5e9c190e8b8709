/**
 * A small typed event emitter for public events only. Internal layers talk
 * through narrow handler interfaces; this exists so users can write
 * `io.engine.on("connection_error", ...)` as they do with the official server.
 *
 * @module
 */

// deno-lint-ignore no-explicit-any
type AnyFn = (...args: any[]) => unknown;

import type { EventsMap } from "./typed_events.ts";

/**
 * Typed event emitter with `on`, `once`, `off` and a protected `emit`.
 * Listener errors are reported to `onListenerError` rather than thrown into
 * the caller, so a user's bug never breaks a protocol loop.
 *
 * @example
 * ```ts
 * import { Emitter } from "./_emitter.ts";
 * class Clock extends Emitter<{ tick: (n: number) => void }> {
 *   fire() { this.emitEvent("tick", 1); }
 * }
 * const c = new Clock();
 * c.on("tick", (n) => console.log(n));
 * c.fire();
 * ```
 */
export class Emitter<Events extends EventsMap> {
  #listeners: Map<keyof Events, AnyFn[]> | undefined;

  /** Adds a listener for `event`. */
  on<E extends keyof Events & string>(event: E, listener: Events[E]): this {
    this.#listeners ??= new Map();
    const list = this.#listeners.get(event);
    if (list) list.push(listener);
    else this.#listeners.set(event, [listener]);
    this.listenersChanged();
    return this;
  }

  /** Alias of `on`, as in Node's EventEmitter. */
  addListener<E extends keyof Events & string>(event: E, listener: Events[E]): this {
    return this.on(event, listener);
  }

  /** Adds a listener that runs at most once. */
  once<E extends keyof Events & string>(event: E, listener: Events[E]): this {
    const wrapper = ((...args: unknown[]) => {
      this.off(event, wrapper as Events[E]);
      (listener as AnyFn)(...args);
    }) as AnyFn & { listener?: unknown };
    wrapper.listener = listener;
    return this.on(event, wrapper as Events[E]);
  }

  /** Removes one listener, or every listener of `event` when none is given. */
  off<E extends keyof Events & string>(event: E, listener?: Events[E]): this {
    const list = this.#listeners?.get(event);
    if (!list) return this;
    if (!listener) {
      this.#listeners!.delete(event);
      this.listenersChanged();
      return this;
    }
    const i = list.findIndex((l) =>
      l === listener || (l as { listener?: unknown }).listener === listener
    );
    if (i !== -1) list.splice(i, 1);
    if (list.length === 0) this.#listeners!.delete(event);
    this.listenersChanged();
    return this;
  }

  /** Alias of `off`. */
  removeListener<E extends keyof Events & string>(event: E, listener?: Events[E]): this {
    return this.off(event, listener);
  }

  /** Removes every listener of `event`, or of every event. */
  removeAllListeners<E extends keyof Events & string>(event?: E): this {
    if (event === undefined) this.#listeners = undefined;
    else this.#listeners?.delete(event);
    this.listenersChanged();
    return this;
  }

  /** The listeners registered for `event` (a copy). */
  listeners<E extends keyof Events & string>(event: E): Events[E][] {
    return (this.#listeners?.get(event)?.slice() ?? []) as Events[E][];
  }

  /** How many listeners `event` has. */
  listenerCount<E extends keyof Events & string>(event: E): number {
    return this.#listeners?.get(event)?.length ?? 0;
  }

  /**
   * Calls every listener of `event`; returns whether there was any.
   * A throwing listener is passed to {@linkcode Emitter.onListenerError}.
   */
  protected emitEvent<E extends keyof Events & string>(
    event: E,
    ...args: Parameters<Events[E]>
  ): boolean {
    const list = this.#listeners?.get(event);
    if (!list || list.length === 0) return false;
    for (const listener of list.length === 1 ? list : list.slice()) {
      try {
        const result = (listener as AnyFn).apply(this, args) as unknown;
        // An async listener's rejection must not become an unhandled rejection.
        if (result instanceof Promise) result.catch((err) => this.onListenerError(err, event));
      } catch (err) {
        this.onListenerError(err, event);
      }
    }
    return true;
  }

  /**
   * Calls every listener of `event` with `args` from index `start` on,
   * without copying them for the common small counts; returns whether there
   * was any. Errors go to {@linkcode Emitter.onListenerError}.
   */
  protected emitArgs(event: string, args: readonly unknown[], start: number): boolean {
    const list = this.#listeners?.get(event as keyof Events);
    if (!list || list.length === 0) return false;
    const count = args.length - start;
    for (const listener of list.length === 1 ? list : list.slice()) {
      try {
        let result: unknown;
        if (count === 0) result = listener.call(this);
        else if (count === 1) result = listener.call(this, args[start]);
        else if (count === 2) result = listener.call(this, args[start], args[start + 1]);
        else if (count === 3) {
          result = listener.call(this, args[start], args[start + 1], args[start + 2]);
        } else result = listener.apply(this, args.slice(start));
        if (result instanceof Promise) result.catch((err) => this.onListenerError(err, event));
      } catch (err) {
        this.onListenerError(err, event);
      }
    }
    return true;
  }

  /**
   * Called after listeners were added or removed, so a subclass can cache
   * whether an event is listened to and skip building its arguments.
   */
  protected listenersChanged(): void {}

  /** Where listener errors go; logs by default. */
  protected onListenerError(err: unknown, event: string): void {
    console.error(`webio: listener for "${event}" threw:`, err);
  }
}
