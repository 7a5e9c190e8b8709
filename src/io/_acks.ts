/**
 * The acknowledgements a socket waits for: callbacks by packet id, with an
 * optional deadline each.
 *
 * @module
 */

import type { AckFn } from "./adapter.ts";
import { TIMEOUT_MESSAGE } from "./broadcast.ts";

interface PendingAck {
  fn: AckFn;
  /** Set for an ack with a deadline: its callback takes an error first. */
  timer?: ReturnType<typeof setTimeout>;
}

/**
 * Pending acks of one socket. Callbacks run through `call`, so a throwing
 * user callback never breaks the caller.
 *
 * @example
 * ```ts ignore
 * const acks = new PendingAcks((fn, args) => fn(...args));
 * acks.add(0, (err, value) => {}, 5000);
 * acks.settle(0, ["value"]); // the callback gets (null, "value")
 * ```
 */
export class PendingAcks {
  #pending = new Map<number, PendingAck>();
  #call: (fn: AckFn, args: unknown[]) => void;

  constructor(call: (fn: AckFn, args: unknown[]) => void) {
    this.#call = call;
  }

  /**
   * Waits for the ack `id`. With a `timeout`, `fn` gets `(err)` when it runs
   * out, else `(null, ...answer)`; without, `fn` gets the answer as is.
   */
  add(id: number, fn: AckFn, timeout?: number): void {
    if (timeout === undefined) {
      this.#pending.set(id, { fn });
      return;
    }
    const timer = setTimeout(() => {
      this.#pending.delete(id);
      this.#call(fn, [new Error(TIMEOUT_MESSAGE)]);
    }, timeout);
    this.#pending.set(id, { fn, timer });
  }

  // The official `socket.acks` is a Map that adapters write to (a broadcast
  // with acks registers its callback on every socket): the part of Map they use.

  /** Waits for the ack `id` with no deadline (official `socket.acks.set`). */
  set(id: number, fn: AckFn): this {
    this.forget(id);
    this.add(id, fn);
    return this;
  }

  /** The callback waiting for the ack `id`. */
  get(id: number): AckFn | undefined {
    return this.#pending.get(id)?.fn;
  }

  /** Whether the ack `id` is awaited. */
  has(id: number): boolean {
    return this.#pending.has(id);
  }

  /** Forgets the ack `id`; returns whether it was awaited. */
  delete(id: number): boolean {
    const had = this.#pending.has(id);
    this.forget(id);
    return had;
  }

  /** How many acks are awaited. */
  get size(): number {
    return this.#pending.size;
  }

  /** Forgets the ack `id` without calling it. */
  forget(id: number): void {
    const pending = this.#pending.get(id);
    if (!pending) return;
    clearTimeout(pending.timer);
    this.#pending.delete(id);
  }

  /** Answers the ack `id`; returns whether it was pending. */
  settle(id: number, args: unknown[]): boolean {
    const pending = this.#pending.get(id);
    if (!pending) return false;
    this.#pending.delete(id);
    if (pending.timer === undefined) {
      this.#call(pending.fn, args);
    } else {
      clearTimeout(pending.timer);
      this.#call(pending.fn, [null, ...args]);
    }
    return true;
  }

  /**
   * Forgets every pending ack. Those with a deadline fail now with `message`;
   * the others have no error argument to receive and are dropped.
   */
  failAll(message: string): void {
    const pending = [...this.#pending.values()];
    this.#pending.clear();
    for (const { fn, timer } of pending) {
      if (timer === undefined) continue;
      clearTimeout(timer);
      this.#call(fn, [new Error(message)]);
    }
  }
}
