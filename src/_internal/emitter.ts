/**
 * A small typed event emitter for public events only. Internal layers talk
 * through narrow handler interfaces; this exists so users can write
 * `io.engine.on("connection_error", ...)` as they do with the official server.
 *
 * @module
 */

// deno-lint-ignore no-explicit-any
type AnyFn = (...args: any[]) => unknown;

import { logError } from "./error_log.ts";

/** Whether `l` is `listener` or the `once` wrapper of it. */
function matches(l: AnyFn, listener: unknown): boolean {
  return l === listener || (l as { listener?: unknown }).listener === listener;
}

/** A map of event names to listener signatures. */
// deno-lint-ignore no-explicit-any
export type EventsMap = Record<string, any>;

/**
 * Typed event emitter with `on`, `once`, `off` and a protected `emit`.
 * Listener errors are reported to `onListenerError` rather than thrown into
 * the caller, so a user's bug never breaks a protocol loop.
 *
 * @example
 * ```ts
 * import { Emitter } from "./emitter.ts";
 * class Clock extends Emitter<{ tick: (n: number) => void }> {
 *   fire() { this.emitEvent("tick", 1); }
 * }
 * const c = new Clock();
 * c.on("tick", (n) => console.log(n));
 * c.fire();
 * ```
 */
export class Emitter<Events extends EventsMap> {
  /**
   * Listeners by event: one function, or an array of two or more. A
   * prototype-less object, not a Map: a socket with a handful of events
   * takes a few dozen bytes instead of about a kilobyte (JavaScriptCore).
   */
  #listeners: Record<string, AnyFn | AnyFn[]> | undefined;

  /** Adds a listener for `event`. */
  on<E extends keyof Events & string>(event: E, listener: Events[E]): this {
    const all = this.#listeners ??= Object.create(null) as Record<string, AnyFn | AnyFn[]>;
    const entry = all[event];
    if (entry === undefined) all[event] = listener;
    else if (typeof entry === "function") all[event] = [entry, listener];
    else entry.push(listener);
    this.listenersChanged();
    return this;
  }

  /** Alias of `on`, as in Node's EventEmitter. */
  addListener<E extends keyof Events & string>(event: E, listener: Events[E]): this {
    return this.on(event, listener);
  }

  /** Adds a listener before the others of `event`, as Node's `prependListener`. */
  prependListener<E extends keyof Events & string>(event: E, listener: Events[E]): this {
    const all = this.#listeners ??= Object.create(null) as Record<string, AnyFn | AnyFn[]>;
    const entry = all[event];
    if (entry === undefined) all[event] = listener;
    else if (typeof entry === "function") all[event] = [listener, entry];
    else entry.unshift(listener);
    this.listenersChanged();
    return this;
  }

  /** Adds a listener that runs at most once. */
  once<E extends keyof Events & string>(event: E, listener: Events[E]): this {
    return this.on(event, this.#onceWrapper(event, listener));
  }

  /** A listener that removes itself, then calls `listener`; `off(listener)` finds it. */
  #onceWrapper<E extends keyof Events & string>(event: E, listener: Events[E]): Events[E] {
    const wrapper = ((...args: unknown[]) => {
      this.off(event, wrapper as Events[E]);
      return (listener as AnyFn).apply(this, args);
    }) as AnyFn & { listener?: unknown };
    wrapper.listener = listener;
    return wrapper as Events[E];
  }

  /** Adds a listener that runs at most once, before the others of `event`. */
  prependOnceListener<E extends keyof Events & string>(event: E, listener: Events[E]): this {
    return this.prependListener(event, this.#onceWrapper(event, listener));
  }

  /** Removes one listener, or every listener of `event` when none is given. */
  off<E extends keyof Events & string>(event: E, listener?: Events[E]): this {
    const all = this.#listeners;
    const entry = all?.[event];
    if (entry === undefined) return this;
    if (!listener) {
      delete all![event];
    } else if (typeof entry === "function") {
      if (matches(entry, listener)) delete all![event];
    } else {
      const i = entry.findIndex((l) => matches(l, listener));
      if (i !== -1) entry.splice(i, 1);
      if (entry.length === 1) all![event] = entry[0];
    }
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
    else if (this.#listeners) delete this.#listeners[event];
    this.listenersChanged();
    return this;
  }

  /** The listeners registered for `event` (a copy). */
  listeners<E extends keyof Events & string>(event: E): Events[E][] {
    const entry = this.#listeners?.[event];
    if (entry === undefined) return [];
    return (typeof entry === "function" ? [entry] : entry.slice()) as Events[E][];
  }

  /** How many listeners `event` has. */
  listenerCount<E extends keyof Events & string>(event: E): number {
    const entry = this.#listeners?.[event];
    return entry === undefined ? 0 : typeof entry === "function" ? 1 : entry.length;
  }

  /**
   * Calls every listener of `event`; returns whether there was any.
   * A throwing listener is passed to {@linkcode Emitter.onListenerError}.
   * Listeners added meanwhile wait for the next emit, as in Node.
   */
  protected emitEvent<E extends keyof Events & string>(
    event: E,
    ...args: Parameters<Events[E]>
  ): boolean {
    const entry = this.#listeners?.[event];
    if (entry === undefined) return false;
    if (typeof entry === "function") {
      this.#callWith(entry, event, args, 0);
      return true;
    }
    for (const listener of entry.slice()) this.#callWith(listener, event, args, 0);
    return true;
  }

  /**
   * Calls every listener of `event` with `args` from index `start` on,
   * without copying them for the common small counts; returns whether there
   * was any. Errors go to {@linkcode Emitter.onListenerError}.
   */
  protected emitArgs(event: string, args: readonly unknown[], start: number): boolean {
    const entry = this.#listeners?.[event];
    if (entry === undefined) return false;
    if (typeof entry === "function") {
      this.#callWith(entry, event, args, start);
      return true;
    }
    for (const listener of entry.slice()) this.#callWith(listener, event, args, start);
    return true;
  }

  /** Calls `listener` with `args` from `start` on; errors go to `onListenerError`. */
  #callWith(listener: AnyFn, event: string, args: readonly unknown[], start: number): void {
    const count = args.length - start;
    let result: unknown;
    try {
      if (count === 0) result = listener.call(this);
      else if (count === 1) result = listener.call(this, args[start]);
      else if (count === 2) result = listener.call(this, args[start], args[start + 1]);
      else if (count === 3) {
        result = listener.call(this, args[start], args[start + 1], args[start + 2]);
      } else result = listener.apply(this, start === 0 ? args as unknown[] : args.slice(start));
    } catch (err) {
      this.onListenerError(err, event);
      return;
    }
    // An async listener's rejection must not become an unhandled rejection.
    if (result instanceof Promise) result.catch((err) => this.onListenerError(err, event));
  }

  /**
   * Called after listeners were added or removed, so a subclass can cache
   * whether an event is listened to and skip building its arguments.
   */
  protected listenersChanged(): void {}

  /** Where listener errors go; logs by default, a few a minute (see `_internal/error_log.ts`). */
  protected onListenerError(err: unknown, event: string): void {
    logError(this, `the ${this.constructor.name}`, `webio: listener for "${event}" threw:`, err);
  }
}
