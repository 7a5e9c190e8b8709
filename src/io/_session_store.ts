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

/** Who a kept packet went to. */
/** Who a kept packet went to: rooms (all when empty) less `except`, or one socket. */
type Target = { rooms: Set<string>; except?: Set<string> } | { socket: string };

interface Kept {
  seq: number;
  data: unknown[];
  target: Target;
  bytes: number;
  at: number;
}

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
  #packets: Kept[] = [];
  #head = 0;
  #bytes = 0;
  #seq = 0;

  /** A store with the given limits (defaults for the missing ones). */
  constructor(options: RecoveryOptions) {
    this.#maxAge = options.maxDisconnectionDuration ?? RECOVERY_DEFAULTS.maxDisconnectionDuration;
    this.#maxPackets = options.maxStoredPackets ?? RECOVERY_DEFAULTS.maxStoredPackets;
    this.#maxBytes = options.maxStoredBytes ?? RECOVERY_DEFAULTS.maxStoredBytes;
  }

  /** The offset the next kept packet gets; append it to its data before encoding. */
  nextOffset(): string {
    return String(this.#seq);
  }

  /** Keeps a packet whose data ends with `nextOffset()`; `bytes` is its encoded size. */
  keep(data: unknown[], target: Target, bytes: number): void {
    const now = Date.now();
    this.#packets.push({ seq: this.#seq++, data, target, bytes, at: now });
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
    for (let i = index + 1; i < this.#packets.length; i++) {
      const packet = this.#packets[i];
      if (reaches(packet.target, session.rooms)) missedPackets.push(packet.data);
    }
    return { ...session, missedPackets };
  }

  /** The index of the kept packet with offset `offset`, or -1. */
  #indexOf(offset: string): number {
    if (!/^(0|[1-9][0-9]{0,15})$/.test(offset)) return -1;
    const first = this.#packets[this.#head];
    if (first === undefined) return -1;
    const index = this.#head + (Number(offset) - first.seq);
    return index >= this.#head && index < this.#packets.length ? index : -1;
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
    const packets = this.#packets;
    while (this.#head < packets.length) {
      const packet = packets[this.#head];
      const live = packets.length - this.#head;
      if (packet.at >= threshold && live <= this.#maxPackets && this.#bytes <= this.#maxBytes) {
        break;
      }
      this.#bytes -= packet.bytes;
      packets[this.#head++] = undefined as unknown as Kept;
    }
    if (this.#head > 1024 && this.#head * 2 > packets.length) {
      this.#packets = packets.slice(this.#head);
      this.#head = 0;
    }
  }
}

/** Whether a packet sent to `target` reached a socket in `rooms`. */
function reaches(target: Target, rooms: readonly string[]): boolean {
  // A socket's own event: its own room is the socket id, among its rooms.
  if ("socket" in target) return rooms.includes(target.socket);
  const included = target.rooms.size === 0 || rooms.some((room) => target.rooms.has(room));
  const except = target.except;
  return included && (except === undefined || rooms.every((room) => !except.has(room)));
}
