/**
 * The in-memory adapter's store for connection-state recovery: the sessions
 * of sockets that disconnected, and the packets broadcast since, kept for
 * `maxDisconnectionDuration` and within a cap on their count and bytes.
 *
 * @module
 */

/** `connectionStateRecovery`: the official options, and webio's caps. */
export interface RecoveryOptions {
  /** Milliseconds a disconnected session (and the packets it misses) is kept; default 120000. */
  maxDisconnectionDuration?: number;
  /** Whether a recovered socket skips the namespace's middlewares; default true. */
  skipMiddlewares?: boolean;
  /**
   * **webio only.** Most packets kept per namespace for replay; the oldest
   * go first (a client whose offset is gone gets a new session). Default 10000.
   */
  maxStoredPackets?: number;
  /**
   * **webio only.** Most bytes of encoded packets kept per namespace for
   * replay (string frames count their length); default 1e7.
   */
  maxStoredBytes?: number;
}

/** A disconnected socket's state, as the adapter keeps it (official `Session`). */
export interface SessionToPersist {
  /** The socket id. */
  sid: string;
  /** The private session id the client presents to recover. */
  pid: string;
  /** The socket's rooms (its own id included). */
  rooms: string[];
  /** The socket's `data`. */
  // deno-lint-ignore no-explicit-any
  data: any;
}

/** A session found again, with the packets it missed (their data arrays, offset last). */
export interface Session extends SessionToPersist {
  /** The arguments of every event the socket missed, oldest first. */
  missedPackets: unknown[][];
}

/** Who a kept packet went to: rooms (all when empty) less `except`, or one socket's id. */
type Target = { rooms: Set<string>; except?: Set<string> } | string;

/**
 * A kept packet: its data array, or a socket's own text event as it was
 * encoded (one string kept instead of the array, its offset and its
 * elements: less for the garbage collector on the hottest path); `decode`
 * gives its data back on the rare restore.
 */
type Kept = unknown[] | string;

interface Stored {
  session: SessionToPersist;
  disconnectedAt: number;
}

/** Defaults of `connectionStateRecovery`. */
export const RECOVERY_DEFAULTS: Required<RecoveryOptions> = Object.freeze({
  maxDisconnectionDuration: 2 * 60 * 1000,
  skipMiddlewares: true,
  maxStoredPackets: 10_000,
  maxStoredBytes: 1e7,
});

/**
 * Sessions and packets of one namespace. Offsets are decimal sequence
 * numbers; expired entries are dropped as new ones come, with no timer.
 *
 * @example
 * ```ts
 * import { SessionStore } from "./_session_store.ts";
 *
 * const store = new SessionStore({ maxDisconnectionDuration: 60_000 });
 * const data: unknown[] = ["news", 1];
 * data.push(store.nextOffset());
 * store.keep(data, { rooms: new Set() }, 10);
 * store.persist({ sid: "s", pid: "p", rooms: ["s"], data: {} });
 * store.restore("p", "0"); // { sid: "s", ..., missedPackets: [] }
 * ```
 */
export class SessionStore {
  readonly #maxAge: number;
  readonly #maxPackets: number;
  readonly #maxBytes: number;
  #sessions: Map<string, Stored> = new Map();
  // The kept packets: a ring of parallel arrays (no object per packet, the
  // store runs once per event), grown by doubling up to `maxStoredPackets`.
  // Packet `seq` sits at `seq % capacity`; kept are `#first` .. `#seq - 1`.
  #data: (Kept | undefined)[] = [];
  #targets: (Target | undefined)[] = [];
  #sizes: Float64Array = new Float64Array(0);
  #times: Float64Array = new Float64Array(0);
  #first = 0;
  #bytes = 0;
  #seq = 0;

  readonly #decode: (text: string) => unknown[];

  /**
   * A store with the given limits (defaults for the missing ones); `decode`
   * turns a kept text event back into its data.
   */
  constructor(options: RecoveryOptions, decode: (text: string) => unknown[] = JSON.parse) {
    this.#decode = decode;
    this.#maxAge = options.maxDisconnectionDuration ?? RECOVERY_DEFAULTS.maxDisconnectionDuration;
    this.#maxPackets = options.maxStoredPackets ?? RECOVERY_DEFAULTS.maxStoredPackets;
    this.#maxBytes = options.maxStoredBytes ?? RECOVERY_DEFAULTS.maxStoredBytes;
  }

  /** The offset the next kept packet gets; append it to its data before encoding. */
  nextOffset(): string {
    return String(this.#seq);
  }

  /**
   * Keeps a packet whose data ends with `nextOffset()` (or its encoded text,
   * for `decode`); `bytes` is its encoded size.
   */
  keep(data: Kept, target: Target, bytes: number): void {
    if (this.#maxPackets === 0) {
      this.#first = ++this.#seq; // nothing kept: no offset can be found again
      return;
    }
    const now = Date.now();
    if (this.#seq - this.#first === this.#data.length) {
      if (this.#data.length < this.#maxPackets) this.#grow();
      else this.#dropOldest();
    }
    const slot = this.#seq % this.#data.length;
    this.#data[slot] = data;
    this.#targets[slot] = target;
    this.#sizes[slot] = bytes;
    this.#times[slot] = now;
    this.#seq++;
    this.#bytes += bytes;
    this.#prune(now);
  }

  /** Keeps a disconnected socket's session. */
  persist(session: SessionToPersist): void {
    const now = Date.now();
    this.#sessions.delete(session.pid); // insertion order stays disconnection order
    this.#sessions.set(session.pid, { session, disconnectedAt: now });
    this.#prune(now);
  }

  /**
   * The session `pid` with the packets sent to it after `offset`, or null
   * (unknown or expired pid, offset unknown or no longer kept). A session is
   * given back once: it is forgotten here.
   */
  restore(pid: string, offset: string): Session | null {
    const now = Date.now();
    this.#prune(now);
    const stored = this.#sessions.get(pid);
    if (stored === undefined) return null;
    const index = this.#indexOf(offset);
    if (index === -1) return null;
    this.#sessions.delete(pid);
    const { session } = stored;
    const missedPackets: unknown[][] = [];
    const capacity = this.#data.length;
    for (let seq = index + 1; seq < this.#seq; seq++) {
      const slot = seq % capacity;
      if (!reaches(this.#targets[slot]!, session.rooms)) continue;
      const kept = this.#data[slot]!;
      missedPackets.push(typeof kept === "string" ? this.#decode(kept) : kept);
    }
    return { ...session, missedPackets };
  }

  /** The sequence number of the kept packet with offset `offset`, or -1. */
  #indexOf(offset: string): number {
    if (!/^(0|[1-9][0-9]{0,15})$/.test(offset)) return -1;
    const seq = Number(offset);
    return seq >= this.#first && seq < this.#seq ? seq : -1;
  }

  /** Doubles the ring (up to `maxStoredPackets`), keeping each packet at `seq % capacity`. */
  #grow(): void {
    const old = this.#data.length;
    const capacity = Math.min(this.#maxPackets, Math.max(64, old * 2));
    const data: (Kept | undefined)[] = new Array(capacity);
    const targets: (Target | undefined)[] = new Array(capacity);
    const sizes = new Float64Array(capacity);
    const times = new Float64Array(capacity);
    for (let seq = this.#first; seq < this.#seq; seq++) {
      const from = seq % old;
      const to = seq % capacity;
      data[to] = this.#data[from];
      targets[to] = this.#targets[from];
      sizes[to] = this.#sizes[from];
      times[to] = this.#times[from];
    }
    this.#data = data;
    this.#targets = targets;
    this.#sizes = sizes;
    this.#times = times;
  }

  #dropOldest(): void {
    const slot = this.#first % this.#data.length;
    this.#bytes -= this.#sizes[slot];
    this.#data[slot] = undefined;
    this.#targets[slot] = undefined;
    this.#first++;
  }

  /** Drops what is too old, then the oldest packets while over a cap. */
  #prune(now: number): void {
    const threshold = now - this.#maxAge;
    // Called per kept packet: no iterator unless there are sessions.
    if (this.#sessions.size > 0) {
      for (const [pid, stored] of this.#sessions) {
        if (stored.disconnectedAt >= threshold) break;
        this.#sessions.delete(pid);
      }
    }
    while (this.#first < this.#seq) {
      const slot = this.#first % this.#data.length;
      if (this.#times[slot] >= threshold && this.#bytes <= this.#maxBytes) break;
      this.#dropOldest();
    }
  }
}

/** Whether a packet sent to `target` reached a socket in `rooms`. */
function reaches(target: Target, rooms: readonly string[]): boolean {
  // A socket's own event: its own room is the socket id, among its rooms.
  if (typeof target === "string") return rooms.includes(target);
  const included = target.rooms.size === 0 || rooms.some((room) => target.rooms.has(room));
  const except = target.except;
  return included && (except === undefined || rooms.every((room) => !except.has(room)));
}
