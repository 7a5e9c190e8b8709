/**
 * One timer for the per-connection deadlines of a server's sessions and
 * clients (each `EngineServer` has its own queue, so that a deadline fires
 * in its server's context: a Durable Object may not touch another's sockets).
 *
 * A session owns one {@linkcode TimerNode} for its whole life and moves it
 * between deadlines (next ping, pong wait, forced close): no `setTimeout`
 * handle or closure per session or per reschedule. Deadlines of the same
 * delay are kept in one FIFO list, sorted by construction because the clock
 * only moves forward; the queue arms a single runtime timer for the earliest
 * head, and none at all while nothing is scheduled (so no timer outlives the
 * last session).
 *
 * @module
 */

import { logError } from "./error_log.ts";

/** What a {@linkcode TimerNode} calls when its deadline passes. */
export interface TimerOwner {
  /** The deadline passed. */
  onTimer(): void;
}

/** A deadline that can be moved or cancelled in constant time. */
export class TimerNode {
  /** When it fires, in `performance.now()` milliseconds. */
  deadline = 0;
  /** @internal */
  prev: TimerNode | undefined;
  /** @internal */
  next: TimerNode | undefined;
  /** @internal The list it waits in, if scheduled. */
  list: TimerList | undefined;
  /** @internal Taken off its list to fire in the current run. */
  due = false;
  /** Told when the deadline passes. */
  readonly owner: TimerOwner;

  /** A node whose deadline calls `owner.onTimer()` (no closure per node). */
  constructor(owner: TimerOwner) {
    this.owner = owner;
  }

  /** Whether it is scheduled. */
  get scheduled(): boolean {
    return this.list !== undefined;
  }
}

/** @internal The nodes of one delay, earliest first. */
interface TimerList {
  readonly delay: number;
  head: TimerNode | undefined;
  tail: TimerNode | undefined;
}

/** How early a node may fire: never (a runtime timer that fires early re-arms). */
const EARLY_MS = 0;

/**
 * Deadlines on one runtime timer.
 *
 * @example
 * ```ts
 * import { TimerNode, TimerQueue } from "./timers.ts";
 * const timers = new TimerQueue();
 * const node = new TimerNode({ onTimer: () => console.log("ping") });
 * timers.schedule(node, 25_000);
 * timers.cancel(node);
 * ```
 */
export class TimerQueue {
  #lists = new Map<number, TimerList>();
  #handle: ReturnType<typeof setTimeout> | undefined;
  #armedAt = Infinity;
  #running = false;

  /** The queue's clock, in milliseconds. */
  now(): number {
    return performance.now();
  }

  /** (Re)schedules `node` to fire `delay` milliseconds from now. */
  schedule(node: TimerNode, delay: number): void {
    this.#unlink(node);
    delay = Math.max(0, Math.ceil(delay));
    let list = this.#lists.get(delay);
    if (list === undefined) {
      list = { delay, head: undefined, tail: undefined };
      this.#lists.set(delay, list);
    }
    node.deadline = this.now() + delay;
    node.list = list;
    node.prev = list.tail;
    if (list.tail) list.tail.next = node;
    else list.head = node;
    list.tail = node;
    if (!this.#running && node.deadline < this.#armedAt) this.#arm(node.deadline);
  }

  /** Unschedules `node` (nothing happens when it is not scheduled). */
  cancel(node: TimerNode): void {
    this.#unlink(node);
    // The runtime timer stays armed; it re-arms or stops when it fires.
    if (this.#lists.size === 0) this.#disarm();
  }

  #unlink(node: TimerNode): void {
    node.due = false;
    const list = node.list;
    if (list === undefined) return;
    if (node.prev) node.prev.next = node.next;
    else list.head = node.next;
    if (node.next) node.next.prev = node.prev;
    else list.tail = node.prev;
    node.prev = node.next = node.list = undefined;
    if (list.head === undefined) this.#lists.delete(list.delay);
  }

  #arm(deadline: number): void {
    if (this.#handle !== undefined) clearTimeout(this.#handle);
    this.#armedAt = deadline;
    this.#handle = setTimeout(() => this.#run(), Math.max(0, deadline - this.now()));
  }

  #disarm(): void {
    if (this.#handle !== undefined) clearTimeout(this.#handle);
    this.#handle = undefined;
    this.#armedAt = Infinity;
  }

  /** Fires every node that is due, then arms for the earliest one left. */
  #run(): void {
    this.#handle = undefined;
    this.#armedAt = Infinity;
    this.#running = true;
    try {
      const due = this.now() + EARLY_MS;
      const fired: TimerNode[] = [];
      for (const list of this.#lists.values()) {
        let node = list.head;
        while (node !== undefined && node.deadline <= due) {
          const next = node.next;
          this.#unlink(node);
          node.due = true;
          fired.push(node);
          node = next;
        }
      }
      for (const node of fired) {
        // A callback before it may have moved or cancelled it.
        if (!node.due) continue;
        node.due = false;
        try {
          node.owner.onTimer();
        } catch (err) {
          logError(this, "the timer queue", "webio: timer callback threw:", err);
        }
      }
    } finally {
      this.#running = false;
    }
    let earliest = Infinity;
    for (const list of this.#lists.values()) {
      if (list.head !== undefined && list.head.deadline < earliest) earliest = list.head.deadline;
    }
    if (earliest !== Infinity) this.#arm(earliest);
  }
}

/**
 * The queue of per-connection deadlines (heartbeats, connect timeouts) of
 * sessions and clients made without a server's own queue.
 */
export const sharedTimers: TimerQueue = new TimerQueue();
