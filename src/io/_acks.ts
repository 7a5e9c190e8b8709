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
