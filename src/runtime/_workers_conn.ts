/**
 * The `Conn` of a Durable Object's hibernatable WebSocket, and the record of
 * its connection that it keeps as the socket's attachment.
 *
 * @module
 */

import type { Conn, ConnHandler } from "../engine/conn.ts";
import type { WorkersWebSocket } from "./_workers_types.ts";

/** What a restored socket needs: one Socket.IO socket of a connection. */
export interface SocketRecord {
  /** The namespace name. */
  nsp: string;
  /** The socket id. */
  id: string;
  /** The private session id the client holds (with `connectionStateRecovery`). */
  pid: string;
  /** Its rooms, its own id left out. */
  rooms: string[];
  /** Its `data`. */
  data: unknown;
  /** The `auth` of its CONNECT. */
  auth: Record<string, unknown>;
}

/** What a restored connection needs: its engine session and its sockets. */
export interface ConnRecord {
  /** The record's format. */
  v: 1;
  /** The engine session id. */
  sid: string;
  /** The handshake URL. */
  url: string;
  /** The handshake headers. */
  headers: [string, string][];
  /** The client's address, or `""`. */
  address: string;
  /** Its Socket.IO sockets. */
  sockets: SocketRecord[];
}

/**
 * What the attachment holds when the record (otherwise the attachment
 * itself, as JSON) was too big for it: the record is kept in storage.
 */
export interface StoredMark {
  /** The record's format. */
  v: 1;
  /** The engine session id; the record is in storage under `storageKey(sid)`. */
  sid: string;
  /** Always true. */
  stored: true;
}

/**
 * The storage key of a record too big for an attachment.
 *
 * @example
 * ```ts ignore
 * await state.storage.put(storageKey(record.sid), JSON.stringify(record));
 * ```
 */
export function storageKey(sid: string): string {
  return `webio:conn:${sid}`;
}

/** First characters of a CONNECT frame: engine message `4`, Socket.IO CONNECT `0`. */
const CONNECT_PREFIX = "40";

/**
 * A hibernatable WebSocket as the engine's `Conn`. Workers has no
 * `bufferedAmount` on a server socket and no drain event: sends never
 * report backpressure. While `muted` (a restore after hibernation replays
 * the handshake the client had already) frames are dropped.
 *
 * @example
 * ```ts ignore
 * const conn = new WorkersConn(ws, transport);
 * transport.onOpen(conn);
 * ```
 */
export class WorkersConn implements Conn {
  /** The socket. */
  readonly ws: WorkersWebSocket;
  /** Where the socket's events go (the engine's WebSocket transport). */
  handler: ConnHandler;
  /** Drop outgoing frames (while a restore replays the handshake). */
  muted = false;
  /**
   * The binding keeps every such connection's heartbeat (pings from the
   * object's alarm, pongs taken here): the engine sets no timer for it (a
   * pending timer would keep the object from hibernating).
   */
  readonly pingedByRuntime = true;
  /**
   * A polling client's WebSocket, until its upgrade completes: the engine
   * still pings that client over polling, and a ping here would break the probe.
   */
  probing = false;
  /** When a frame last came from the client (`Date.now()`). */
  lastSeen: number = Date.now();
  /** The engine session id, once known. */
  sid: string | undefined;
  /** The JSON of the record last written, to write only changes. */
  written = "";
  /** The JSON of the record's fixed part (version, session id, handshake), once built. */
  fixedJson = "";
  /** Whether the last record went to storage rather than the attachment. */
  inStorage = false;
  /** The private session id of each connected namespace, read from the CONNECT answers. */
  readonly pids: Map<string, string> = new Map();
  #closed = false;

  /** The `Conn` of `ws`, whose events go to `handler`. */
  constructor(ws: WorkersWebSocket, handler: ConnHandler) {
    this.ws = ws;
    this.handler = handler;
  }

  /** Always 0: Workers does not tell. */
  get bufferedAmount(): number {
    return 0;
  }

  /** Whether the socket was closed (by either side). */
  get closed(): boolean {
    return this.#closed;
  }

  /** Sends one frame (never reports backpressure). */
  send(data: string | Uint8Array): boolean {
    if (typeof data === "string" && data.startsWith(CONNECT_PREFIX)) this.#readPid(data);
    if (this.muted || this.#closed) return true;
    try {
      this.ws.send(data);
    } catch { /* closing: the close event follows */ }
    return true;
  }

  /** Closes the socket. */
  close(code?: number, reason?: string): void {
    if (this.#closed) return;
    this.#closed = true;
    try {
      this.ws.close(code ?? 1000, reason);
    } catch { /* already closed */ }
  }

  /** The socket closed: tells the engine once. */
  onClose(code: number, reason: string): void {
    this.#closed = true;
    this.handler.onClose(code, reason);
  }

  /** Keeps the `pid` of a CONNECT answer (`40{"sid":..,"pid":..}` or `40/nsp,{...}`). */
  #readPid(frame: string): void {
    const comma = frame.charCodeAt(2) === 47 /* "/" */ ? frame.indexOf(",") : -1;
    const nsp = comma === -1 ? "/" : frame.slice(2, comma);
    try {
      const data = JSON.parse(comma === -1 ? frame.slice(2) : frame.slice(comma + 1));
      if (typeof data?.pid === "string") this.pids.set(nsp, data.pid);
    } catch { /* not a CONNECT answer with data */ }
  }
}
