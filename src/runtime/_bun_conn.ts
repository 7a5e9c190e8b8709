/**
 * The `Conn` of a Bun WebSocket, with writes gathered per event-loop turn.
 *
 * A frame sent to a socket with its own `ws.send()` costs Bun a write system
 * call when it happens outside that socket's callback: every delivery of a
 * broadcast. Frames are instead queued here and written at the end of the
 * turn (`setImmediate`), all of one socket's frames inside one `ws.cork()`:
 * one system call per socket per turn, however many broadcasts reached it.
 * Replies made while handling a message wait too (measured: echo is faster
 * so, the writes of a whole turn going out together). Two writes go at
 * once: the open callback's (see {@linkcode enterCallback}), so the open
 * packet leaves with the 101 answer, and a new socket's next frame (the
 * namespace CONNECT answer, which the client waits for), so a handshake does
 * not wait for the rest of a busy turn: during a reconnect storm that wait
 * was most of a handshake's time. Order is kept (one queue per socket,
 * flushed before a close), and backpressure counts what waits here plus
 * what Bun holds.
 *
 * @module
 */

import { type Conn, type ConnHandler, SEND_HIGH_WATER_MARK } from "../engine/conn.ts";

/** The part of Bun's `ServerWebSocket` a `Conn` uses. */
export interface BunSocket {
  /** 0 connecting, 1 open, 2 closing, 3 closed. */
  readonly readyState: number;
  /** Bytes sent (> 0), -1 when queued under backpressure, 0 when dropped. */
  send(data: string | Uint8Array, compress?: boolean): number;
  /** Runs `callback` with the socket's writes gathered into one. */
  cork?(callback: () => void): unknown;
  /** Closes the socket. */
  close(code?: number, reason?: string): void;
  /** Bytes queued by Bun for this socket. */
  getBufferedAmount(): number;
  /** The client's address. */
  readonly remoteAddress?: string;
}

/** Sockets with frames waiting for the end of the turn. */
let dirty: BunConn[] = [];
let scheduled = false;
/** The socket whose callback is running (Bun corks it meanwhile). */
let active: BunConn | undefined;

/**
 * Marks the start of a callback of `conn`'s socket: until the matching
 * {@linkcode leaveCallback}, frames to it go out at once, in the write Bun
 * gathers for that callback. Returns what to hand to `leaveCallback`.
 *
 * @example
 * ```ts ignore
 * const previous = enterCallback(conn);
 * try {
 *   conn.handler.onMessage(message);
 * } finally {
 *   leaveCallback(previous);
 * }
 * ```
 */
export function enterCallback(conn: BunConn): BunConn | undefined {
  const previous = active;
  active = conn;
  return previous;
}

/** Ends the callback {@linkcode enterCallback} started. */
export function leaveCallback(previous: BunConn | undefined): void {
  active = previous;
}

function flushAll(): void {
  scheduled = false;
  const list = dirty;
  dirty = [];
  for (let i = 0; i < list.length; i++) list[i].flush();
}

function size(frame: string | Uint8Array): number {
  return typeof frame === "string" ? frame.length : frame.byteLength;
}

/**
 * A socket's `Conn`, which is also the `data` Bun keeps for it: one object
 * per connection for both.
 *
 * @example
 * ```ts ignore
 * server.upgrade(request, { data: new BunConn(handler) });
 * ```
 */
export class BunConn implements Conn {
  /** Where the socket's events go. */
  readonly handler: ConnHandler;
  #ws!: BunSocket;
  /** Frames waiting for the end of the turn. */
  #pending: (string | Uint8Array)[] | undefined;
  #pendingBytes = 0;
  /** What Bun held after the last flush (it only shrinks until the next). */
  #held = 0;
  /** `send` reported backpressure: `onDrain` is owed once it eases. */
  #blocked = false;
  /** No frame was written outside the open callback yet: the next goes at once. */
  #fresh = true;

  /** A `Conn` for the socket whose events go to `handler`. */
  constructor(handler: ConnHandler) {
    this.handler = handler;
  }

  /** The `Conn` of the socket (this object, once the socket opened). */
  get conn(): Conn {
    return this;
  }

  /** Binds the opened socket. */
  attach(ws: BunSocket): this {
    this.#ws = ws;
    return this;
  }

  /** The client's address, as Bun's socket gives it (read only when asked). */
  get remoteAddress(): string | undefined {
    return this.#ws.remoteAddress;
  }

  /** Bytes waiting here or in Bun. */
  get bufferedAmount(): number {
    return this.#ws.getBufferedAmount() + this.#pendingBytes;
  }

  /** Queues a frame for the end of the turn; `false` past the high-water mark. */
  send(data: string | Uint8Array): boolean {
    if (this.#ws.readyState !== 1) return size(data) === 0;
    if (this.#pending === undefined) {
      if (this === active) return this.#sendNow(data);
      if (this.#fresh) {
        this.#fresh = false;
        return this.#sendNow(data);
      }
    }
    if (this.#pending === undefined) {
      this.#pending = [data];
      dirty.push(this);
      if (!scheduled) {
        scheduled = true;
        setImmediate(flushAll);
      }
    } else {
      this.#pending.push(data);
    }
    this.#pendingBytes += size(data);
    if (this.#held + this.#pendingBytes <= SEND_HIGH_WATER_MARK) return true;
    this.#blocked = true;
    return false;
  }

  /** Writes one frame now (Bun's own result decides backpressure). */
  #sendNow(data: string | Uint8Array): boolean {
    const ws = this.#ws;
    const result = ws.send(data);
    if (result > 0) return true; // written to the network
    if (result === -1) {
      // Queued by Bun under backpressure; `drain` follows once it is written.
      this.#held = ws.getBufferedAmount();
      if (this.#held <= SEND_HIGH_WATER_MARK) return true;
      this.#blocked = true;
      return false;
    }
    // 0 bytes: an empty frame, or Bun's backpressureLimit dropped it.
    if (size(data) === 0) return true;
    this.close(1011, "Backpressure limit reached");
    return false;
  }

  /** Writes what waits, then closes. */
  close(code?: number, reason?: string): void {
    this.flush();
    try {
      this.#ws.close(code, reason);
    } catch { /* already closed */ }
  }

  /** The runtime drained its buffer. */
  onDrain(): void {
    this.#held = 0;
    this.#blocked = false;
    this.handler.onDrain();
  }

  /** @internal Writes the waiting frames, corked. */
  flush(): void {
    const frames = this.#pending;
    if (frames === undefined) return;
    this.#pending = undefined;
    this.#pendingBytes = 0;
    const ws = this.#ws;
    if (ws.readyState !== 1) return;
    let queued = false;
    let dropped = false;
    const write = () => {
      for (let i = 0; i < frames.length; i++) {
        const result = ws.send(frames[i]);
        if (result === -1) queued = true;
        // 0 bytes for a frame that is not empty: Bun's backpressureLimit
        // dropped it. Going on would silently lose frames.
        else if (result === 0 && size(frames[i]) > 0) {
          dropped = true;
          return;
        }
      }
    };
    if (frames.length === 1 || ws.cork === undefined) write();
    else ws.cork(write);
    if (dropped) {
      if (ws.readyState === 1) this.close(1011, "Backpressure limit reached");
      return;
    }
    // Queued by Bun under backpressure: its `drain` follows once written.
    this.#held = queued ? ws.getBufferedAmount() : 0;
    if (this.#blocked && this.#held <= SEND_HIGH_WATER_MARK) {
      this.#blocked = false;
      this.handler.onDrain();
    }
  }
}
