/**
 * The WebSocket transport: one packet per frame over a runtime `Conn`.
 *
 * @module
 */

import { decodeFrame, type RawData } from "./packet.ts";
import type { Transport, TransportHost } from "./transport.ts";
import type { Conn, ConnHandler } from "./conn.ts";

/** WebSocket close code for a message over the size limit (RFC 6455). */
export const CLOSE_TOO_BIG = 1009;

/**
 * WebSocket transport of one session. It is also the `ConnHandler` the
 * runtime binding reports socket events to.
 *
 * @example
 * ```ts ignore
 * const ws = new WebSocketTransport(1e6, (t) => startSession(t));
 * return upgrade(request, ws);
 * ```
 */
export class WebSocketTransport implements Transport, ConnHandler {
  /** The transport name. */
  get name(): "websocket" {
    return "websocket";
  }
  #conn: Conn | undefined;
  #host: TransportHost | undefined;
  #maxMessageSize: number;
  #onOpen: (transport: WebSocketTransport) => void;
  #backpressured = false;
  #closed = false;

  /**
   * A transport refusing frames over `maxMessageSize` bytes; `onOpen` runs
   * when the socket opens.
   */
  constructor(maxMessageSize: number, onOpen: (transport: WebSocketTransport) => void) {
    this.#maxMessageSize = maxMessageSize;
    this.#onOpen = onOpen;
  }

  /** Writable while open and the runtime is not applying backpressure. */
  get writable(): boolean {
    return this.#conn !== undefined && !this.#backpressured && !this.#closed;
  }

  /** Bytes the runtime still holds for this socket. */
  get bufferedAmount(): number {
    return this.#conn?.bufferedAmount ?? 0;
  }

  /** The client's address, when the runtime's socket knows it. */
  get remoteAddress(): string | undefined {
    return this.#conn?.remoteAddress;
  }

  /** Whether the runtime keeps this socket's heartbeat (see `Conn.pingedByRuntime`). */
  get pingedByRuntime(): boolean {
    return this.#conn?.pingedByRuntime === true;
  }

  /** Whether the socket can tell the client's address (without asking for it). */
  get knowsRemoteAddress(): boolean {
    return this.#conn !== undefined && "remoteAddress" in this.#conn;
  }

  /** Attaches the session. */
  setHost(host: TransportHost): void {
    this.#host = host;
  }

  /**
   * Sends each encoded packet as one frame. When the runtime reports
   * backpressure `writable` turns false until it drains; the session then
   * stops sending and keeps what is left in its own byte-counted queue.
   */
  send(frames: readonly RawData[]): void {
    for (let i = 0; i < frames.length; i++) this.sendFrame(frames[i]);
  }

  /** Sends one encoded packet as one frame (see `send`). */
  sendFrame(frame: RawData): void {
    const conn = this.#conn;
    if (conn !== undefined && !conn.send(frame)) this.#backpressured = true;
  }

  /** Closes the socket. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    try {
      this.#conn?.close(1000);
    } catch { /* already closed */ }
  }

  /** Closes the socket without reporting to the session. */
  discard(): void {
    this.#host = undefined;
    this.close();
  }

  /** @internal The socket opened. */
  onOpen(conn: Conn): void {
    this.#conn = conn;
    if (this.#closed) {
      conn.close(1000);
      return;
    }
    const onOpen = this.#onOpen;
    // What the opener holds (the handshake's request and scope) must not
    // live as long as the socket.
    this.#onOpen = opened;
    onOpen(this);
  }

  /** @internal A frame arrived. */
  onMessage(data: string | Uint8Array): void {
    if (this.#closed) return;
    if (byteLength(data, this.#maxMessageSize) > this.#maxMessageSize) {
      this.#closed = true;
      this.#conn?.close(CLOSE_TOO_BIG, ""); // an empty reason, as the official server
      this.#host?.onTransportClose("transport error", "message too big");
      return;
    }
    // Messages, the common case, skip the packet object.
    if (typeof data !== "string") {
      this.#host?.onMessage(data);
      return;
    }
    if (data.charCodeAt(0) === 52 /* "4" */) {
      this.#host?.onMessage(data.slice(1));
      return;
    }
    const packet = decodeFrame(data);
    if (packet === undefined) {
      this.#host?.onTransportClose("parse error");
      this.close();
      return;
    }
    this.#host?.onPacket(packet);
  }

  /** @internal The socket closed. */
  onClose(_code: number, _reason: string): void {
    this.#closed = true;
    this.#conn = undefined;
    this.#host?.onTransportClose("transport close");
  }

  /** @internal The runtime's buffer drained. */
  onDrain(): void {
    this.#backpressured = false;
    this.#host?.onDrain();
  }
}

const encoder = new TextEncoder();

function opened(): void {}

/** UTF-8 size of a frame; exact only when it could be near `limit`. */
function byteLength(data: string | Uint8Array, limit: number): number {
  if (typeof data !== "string") return data.byteLength;
  // A UTF-16 unit is 1 to 3 UTF-8 bytes: encode only when in doubt.
  if (data.length > limit || data.length * 3 <= limit) return data.length;
  return encoder.encode(data).byteLength;
}
