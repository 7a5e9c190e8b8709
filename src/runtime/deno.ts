/**
 * The Deno binding: `Deno.serve` and `Deno.upgradeWebSocket`.
 *
 * @module
 */

import {
  type Conn,
  type ConnHandler,
  type RequestInfo,
  SEND_HIGH_WATER_MARK as HIGH_WATER_MARK,
} from "./conn.ts";
import type { RequestHandlerHost, ServeHandle, ServeOptions } from "./handler.ts";

/** How often a backpressured socket's buffer is checked (Deno has no drain event). */
const DRAIN_CHECK_MS = 5;

class DenoConn implements Conn {
  #socket: WebSocket;
  #handler: ConnHandler;
  #waiting = false;
  /**
   * An upper bound of the socket's `bufferedAmount`: its last reading plus
   * the most bytes sent since (a UTF-16 unit is at most 3 UTF-8 bytes). The
   * reading is a call into the runtime, so it is only taken when the bound
   * passes the high-water mark.
   */
  #bound = 0;

  constructor(socket: WebSocket, handler: ConnHandler) {
    this.#socket = socket;
    this.#handler = handler;
  }

  get bufferedAmount(): number {
    return this.#socket.bufferedAmount;
  }

  send(data: string | Uint8Array): boolean {
    // Only called once open; a closing socket ignores sends.
    const socket = this.#socket;
    socket.send(data as string | Uint8Array<ArrayBuffer>);
    this.#bound += typeof data === "string" ? data.length * 3 : data.byteLength;
    if (this.#bound <= HIGH_WATER_MARK) return true;
    const buffered = this.#bound = socket.bufferedAmount;
    if (buffered <= HIGH_WATER_MARK) return true;
    if (!this.#waiting) this.#waitForDrain();
    return false;
  }

  close(code?: number, reason?: string): void {
    try {
      this.#socket.close(code, reason);
    } catch { /* already closing */ }
  }

  /** The socket's events (an error is followed by a close). */
  handleEvent(event: Event): void {
    switch (event.type) {
      case "message": {
        const data = (event as MessageEvent).data;
        this.#handler.onMessage(
          typeof data === "string" ? data : new Uint8Array(data as ArrayBuffer),
        );
        return;
      }
      case "open":
        this.#handler.onOpen(this);
        return;
      case "close":
        this.#handler.onClose((event as CloseEvent).code, (event as CloseEvent).reason);
    }
  }

  #waitForDrain(): void {
    this.#waiting = true;
    const check = () => {
      if (this.#socket.readyState !== WebSocket.OPEN) {
        this.#waiting = false;
      } else if ((this.#bound = this.#socket.bufferedAmount) <= HIGH_WATER_MARK / 2) {
        this.#waiting = false;
        this.#handler.onDrain();
      } else {
        setTimeout(check, DRAIN_CHECK_MS);
      }
    };
    setTimeout(check, DRAIN_CHECK_MS);
  }
}

/**
 * An `Upgrader` on `Deno.upgradeWebSocket`: the socket's events go to
 * `handler`, `headers` are added to the 101 answer.
 *
 * @example
 * ```ts ignore
 * const response = denoUpgrade(request, handler);
 * ```
 */
export function denoUpgrade(
  request: Request,
  handler: ConnHandler,
  headers?: Headers,
): Response {
  // No idle timeout: the engine's heartbeat decides when a client is gone,
  // and Deno would otherwise reset a timer on every message.
  const { socket, response } = Deno.upgradeWebSocket(request, { idleTimeout: 0 });
  headers?.forEach((value, name) => response.headers.append(name, value));
  socket.binaryType = "arraybuffer";
  // The conn listens to the socket's events itself: no closure per event and socket.
  const conn = new DenoConn(socket, handler);
  socket.addEventListener("open", conn);
  socket.addEventListener("message", conn);
  socket.addEventListener("close", conn);
  return response;
}

/**
 * The request facts of a `Deno.serve` request.
 *
 * @example
 * ```ts ignore
 * Deno.serve((req, info) => engine.handleRequest(req, denoRequestInfo(info)));
 * ```
 */
export function denoRequestInfo(info?: Deno.ServeHandlerInfo): RequestInfo {
  const addr = info?.remoteAddr as Deno.NetAddr | undefined;
  return { remoteAddress: addr?.hostname, upgrade: denoUpgrade };
}

/**
 * A `Deno.serve` handler for `host` (an engine or a Socket.IO server).
 *
 * @example
 * ```ts ignore
 * Deno.serve({ port: 3000 }, denoHandler(io));
 * ```
 */
export function denoHandler(
  host: RequestHandlerHost,
): (request: Request, info: Deno.ServeHandlerInfo) => Promise<Response> {
  return (request, info) => host.handleRequest(request, denoRequestInfo(info));
}

/**
 * Starts `Deno.serve` for `host`.
 *
 * @example
 * ```ts ignore
 * const handle = serveDeno(io, { port: 3000 });
 * await handle.shutdown();
 * ```
 */
export function serveDeno(host: RequestHandlerHost, options: ServeOptions = {}): ServeHandle {
  const server = Deno.serve({
    port: options.port ?? 0,
    hostname: options.hostname,
    onListen: (addr) => options.onListen?.({ port: addr.port, hostname: addr.hostname }),
  }, denoHandler(host));
  return {
    port: server.addr.port,
    hostname: server.addr.hostname,
    shutdown: () => server.shutdown(),
  };
}
