/**
 * The Deno binding: a handler and an upgrader for an application's own
 * `Deno.serve` (`Deno.upgradeWebSocket`), and `serveDeno`, a listener that
 * reads its connections itself (what `new Server(port)` runs on Deno).
 *
 * @module
 */

import {
  type Conn,
  type ConnHandler,
  type RequestInfo,
  SEND_HIGH_WATER_MARK as HIGH_WATER_MARK,
} from "../engine/conn.ts";
import type { RequestHandlerHost, ServeHandle, ServeOptions } from "./handler.ts";
import { consoleLogger, debugChannel } from "../_internal/log.ts";
import { ConnReader } from "./_deno_socket.ts";
import { type HttpConnection, serveHttpConnection } from "./_deno_http.ts";

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
 * Milliseconds `shutdown()` waits for busy connections before it cuts them:
 * `io.close()` on Deno finishes within about this long.
 */
export const SHUTDOWN_GRACE_MS = 1000;
/** How often connections are checked for a request head that is late. */
const HEAD_SWEEP_MS = 1000;
/** Milliseconds before a listener that cannot accept warns again. */
const WARNING_INTERVAL_MS = 60_000;
/** Longest pause between two tries to accept while the process lacks descriptors. */
const MAX_ACCEPT_BACKOFF_MS = 1000;

/**
 * Serves `host` on a port with `Deno.listen`, reading HTTP/1.1 and
 * WebSocket frames itself: a WebSocket message over the host's
 * `maxMessageBytes` is refused (1009) at its frame header, where
 * `Deno.upgradeWebSocket` would first buffer it whole.
 *
 * When the process runs out of file descriptors, it keeps its clients,
 * warns once and accepts again as soon as descriptors are free (a
 * `Deno.serve` listener stops for good). `shutdown()` closes idle
 * connections at once and cuts busy ones after {@linkcode SHUTDOWN_GRACE_MS}.
 *
 * @throws {Deno.errors.AddrInUse} When the port is taken, with a message
 * naming it (so do the other errors of `Deno.listen`).
 *
 * @example
 * ```ts ignore
 * const handle = serveDeno(io, { port: 3000 });
 * await handle.shutdown();
 * ```
 */
export function serveDeno(host: RequestHandlerHost, options: ServeOptions = {}): ServeHandle {
  const logger = host.logger ?? consoleLogger;
  const debug = debugChannel("webio:listener", logger);
  let listener: Deno.TcpListener;
  try {
    listener = Deno.listen({
      port: options.port ?? 0,
      hostname: options.hostname,
      transport: "tcp",
    });
  } catch (error) {
    throw listenError(error, options.port ?? 0, options.hostname);
  }
  const addr = listener.addr;
  debug?.(`listening on ${addr.hostname}:${addr.port}`);
  const connections = new Set<HttpConnection>();
  let closed = false;
  let wake: (() => void) | undefined;

  const acceptLoop = async () => {
    let backoff = 0;
    let warnedAt = -Infinity;
    while (!closed) {
      let conn: Deno.TcpConn;
      try {
        conn = await listener.accept();
      } catch (error) {
        if (closed) return;
        // One warning per episode: descriptors tend to run short again and again.
        if (Date.now() - warnedAt > WARNING_INTERVAL_MS) {
          warnedAt = Date.now();
          logger.warn(
            `webio: cannot accept connections on port ${addr.port}: ${
              (error as Error).message
            }; connected clients are kept, accepting resumes when possible`,
          );
        }
        backoff = Math.min(backoff === 0 ? 10 : backoff * 2, MAX_ACCEPT_BACKOFF_MS);
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, backoff);
          wake = () => {
            clearTimeout(timer);
            resolve();
          };
        });
        continue;
      }
      backoff = 0;
      try {
        conn.setNoDelay(true);
      } catch { /* already reset */ }
      debug?.(`connection from ${conn.remoteAddr.hostname}:${conn.remoteAddr.port}`);
      const connection = serveHttpConnection(host, conn, new ConnReader(conn));
      connections.add(connection);
      connection.closed.then(() => connections.delete(connection));
    }
  };
  const accepting = acceptLoop();
  // One timer for every connection's head deadline, rather than one per request.
  const sweep = setInterval(() => {
    const now = Date.now();
    for (const connection of connections) {
      const deadline = connection.headDeadline;
      if (deadline !== 0 && now > deadline) connection.destroy();
    }
  }, HEAD_SWEEP_MS);
  options.onListen?.({ port: addr.port, hostname: addr.hostname });

  return {
    port: addr.port,
    hostname: addr.hostname,
    shutdown: async () => {
      if (closed) return;
      closed = true;
      debug?.(`closing port ${addr.port} (${connections.size} connections)`);
      clearInterval(sweep);
      wake?.();
      try {
        listener.close();
      } catch { /* closed */ }
      // The port is free only once the pending accept has failed.
      await accepting;
      for (const connection of connections) {
        if (connection.idle) connection.destroy();
      }
      let timer: ReturnType<typeof setTimeout> | undefined;
      await Promise.race([
        Promise.all([...connections].map((c) => c.closed)),
        new Promise<void>((resolve) => timer = setTimeout(resolve, SHUTDOWN_GRACE_MS)),
      ]);
      clearTimeout(timer);
      for (const connection of connections) connection.destroy();
    },
  };
}

/**
 * `Deno.listen`'s error, of the same class (`Deno.errors.AddrInUse`...) and
 * code, with a message naming the port: Deno's own says only "Address
 * already in use (os error 98)".
 */
function listenError(error: unknown, port: number, hostname: string | undefined): unknown {
  if (!(error instanceof Error)) return error;
  const where = hostname ? `${hostname}:${port}` : `port ${port}`;
  const message = error instanceof Deno.errors.AddrInUse
    ? `Cannot listen on ${where}: the address is already in use`
    : `Cannot listen on ${where}: ${error.message}`;
  let wrapped: Error;
  try {
    wrapped = new (error.constructor as ErrorConstructor)(message, { cause: error });
  } catch {
    wrapped = new Error(message, { cause: error });
  }
  const code = (error as { code?: unknown }).code;
  if (code !== undefined) Object.defineProperty(wrapped, "code", { value: code, enumerable: true });
  return wrapped;
}
