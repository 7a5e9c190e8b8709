/**
 * WebSocket over the raw socket of a `node:http` `upgrade` event, as Deno
 * and Bun both provide it: the handshake answer, a {@linkcode Conn} with
 * the socket's own backpressure (`write` returning false, `drain`), and the
 * frames read by {@linkcode FrameReader}.
 *
 * @module
 */

import { type Conn, type ConnHandler, SEND_HIGH_WATER_MARK } from "../engine/conn.ts";
import {
  acceptKey,
  CLOSE_CODE,
  encodeClose,
  encodeFrame,
  FrameReader,
  isValidKey,
  OPCODE,
} from "./_ws_frames.ts";

/** The part of a `net.Socket` (a `stream.Duplex`) used here. */
export interface NodeSocketLike {
  write(data: Uint8Array | string): boolean;
  end(callback?: () => void): unknown;
  destroy(): unknown;
  on(event: "data", listener: (chunk: Uint8Array) => void): unknown;
  on(event: "drain" | "close" | "end", listener: () => void): unknown;
  on(event: "error", listener: (error: unknown) => void): unknown;
  setNoDelay?(noDelay?: boolean): unknown;
  setTimeout?(ms: number): unknown;
  /** Bytes queued for writing. */
  readonly writableLength: number;
  readonly writable: boolean;
  readonly destroyed?: boolean;
  readonly bytesWritten?: number;
  readonly remoteAddress?: string;
  readonly encrypted?: boolean;
}

/** Milliseconds to wait for the peer's close frame before dropping the socket. */
const CLOSE_TIMEOUT_MS = 5000;
const encoder = new TextEncoder();

class NodeConn implements Conn {
  #socket: NodeSocketLike;
  #closing = false;
  #gone = false;
  #backpressured = false;
  #closeTimer: ReturnType<typeof setTimeout> | undefined;

  constructor(socket: NodeSocketLike) {
    this.#socket = socket;
  }

  get bufferedAmount(): number {
    return this.#socket.writableLength;
  }

  /** Whether a close frame was sent (nothing more is). */
  get closing(): boolean {
    return this.#closing;
  }

  send(data: string | Uint8Array): boolean {
    if (this.#closing) return true;
    const binary = typeof data !== "string";
    const payload = binary ? data : encoder.encode(data);
    this.#socket.write(encodeFrame(binary ? OPCODE.BINARY : OPCODE.TEXT, payload));
    if (this.#socket.writableLength <= SEND_HIGH_WATER_MARK) return true;
    this.#backpressured = true; // the socket emits "drain" once it has written all
    return false;
  }

  /** Whether `send` reported backpressure since the last call. */
  takeBackpressure(): boolean {
    const was = this.#backpressured;
    this.#backpressured = false;
    return was;
  }

  /** Sends a frame even while backpressured (a pong). */
  control(frame: Uint8Array): void {
    if (!this.#closing) this.#socket.write(frame);
  }

  close(code: number = CLOSE_CODE.NORMAL, reason = ""): void {
    if (this.#closing) return;
    this.#closing = true;
    if (this.#gone) return;
    this.#socket.write(encodeClose(code, reason));
    // The peer answers with its own close frame and ends the TCP connection;
    // a peer that does not gets dropped.
    this.#closeTimer = setTimeout(() => this.#socket.destroy(), CLOSE_TIMEOUT_MS);
  }

  /** The socket has closed. */
  dispose(): void {
    this.#closing = true;
    this.#gone = true;
    clearTimeout(this.#closeTimer);
  }
}

/**
 * Completes a WebSocket handshake on `socket` (whose request is `request`,
 * with `head` the bytes already read past its headers) and reports the
 * socket's events to `handler`. Returns false, without touching the socket,
 * when the request is no valid WebSocket handshake.
 *
 * @example
 * ```ts ignore
 * if (!upgradeNodeSocket(request, socket, head, handler, 1e6)) refuse(socket);
 * ```
 */
export function upgradeNodeSocket(
  request: Request,
  socket: NodeSocketLike,
  head: Uint8Array,
  handler: ConnHandler,
  maxMessageBytes: number,
  headers?: Headers,
): boolean {
  const key = request.headers.get("sec-websocket-key");
  if (
    request.method !== "GET" || request.headers.get("sec-websocket-version") !== "13" ||
    !isValidKey(key)
  ) return false;

  socket.setNoDelay?.(true);
  socket.setTimeout?.(0);
  const conn = new NodeConn(socket);
  let open = false;
  let ended = false;
  /** Reports the end once, to an opened handler only. */
  const finish = (code: number, reason: string) => {
    if (ended) return;
    ended = true;
    if (open) handler.onClose(code, reason);
  };
  const reader = new FrameReader(maxMessageBytes, {
    message: (data) => {
      if (!conn.closing) handler.onMessage(data);
    },
    ping: (payload) => conn.control(encodeFrame(OPCODE.PONG, payload)),
    close: (code, reason) => {
      // Answer the peer's close (unless it answers ours), then end.
      conn.close(code === CLOSE_CODE.NO_STATUS ? CLOSE_CODE.NORMAL : code);
      socket.end();
      finish(code, reason);
    },
    fail: (code, reason) => {
      conn.close(code, reason);
      socket.end();
      finish(code, reason);
    },
  });
  // Bytes may arrive before the handshake is answered: keep them until then.
  const early: Uint8Array[] = [head];
  socket.on("data", (chunk) => open ? reader.push(chunk) : early.push(chunk));
  socket.on("error", () => {}); // "close" follows
  socket.on("end", () => socket.end());
  socket.on("close", () => {
    conn.dispose();
    finish(CLOSE_CODE.ABNORMAL, "");
  });
  socket.on("drain", () => {
    if (conn.takeBackpressure() && !ended) handler.onDrain();
  });

  const accept = acceptKey(key.trim());
  // The answer goes out once the caller has taken the 101 (a microtask later).
  queueMicrotask(() => {
    if (ended || socket.destroyed) return;
    let answer = "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n" +
      `Connection: Upgrade\r\nSec-WebSocket-Accept: ${accept}\r\n`;
    headers?.forEach((value, name) => {
      answer += `${name}: ${value}\r\n`;
    });
    socket.write(answer + "\r\n");
    open = true;
    handler.onOpen(conn);
    for (const chunk of early.splice(0)) reader.push(chunk);
  });
  return true;
}
