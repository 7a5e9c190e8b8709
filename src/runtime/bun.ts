/**
 * The Bun binding: `Bun.serve` with its `websocket` handlers, `send()`'s
 * backpressure result and the `drain` callback.
 *
 * @module
 */

import type { Conn, ConnHandler, RequestInfo } from "../engine/conn.ts";
import { BunConn, enterCallback, leaveCallback } from "./_bun_conn.ts";
import type { RequestHandlerHost, ServeHandle, ServeOptions } from "./handler.ts";

/**
 * What webio's Bun sockets carry as `ws.data` (Bun's `ServerWebSocket<BunSocketData>`):
 * the engine's handler, and the socket's `Conn` once it is open.
 */
export interface BunSocketData {
  /** The engine's handler of the socket's events. */
  readonly handler: ConnHandler;
  /** The socket's `Conn`, once open. */
  conn?: Conn;
}

/**
 * The part of Bun's `ServerWebSocket<BunSocketData>` used here; Bun's own
 * type is assignable to it.
 */
export interface BunWebSocket {
  /** What `server.upgrade` attached: the engine's handler and its `Conn`. */
  data: BunSocketData;
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

/**
 * The part of Bun's `Server` that `fetch` uses: the `Server<BunSocketData>`
 * that `Bun.serve` hands to `fetch` is assignable to it.
 */
export interface BunServer {
  /** Upgrades a request to a WebSocket whose `data` is `options.data`. */
  upgrade(request: Request, options: { data: BunSocketData; headers?: Headers }): boolean;
  /** The client's address. */
  requestIP?(request: Request): { address: string } | null;
  /** Sets one request's idle timeout in seconds (0: none). */
  timeout?(request: Request, seconds: number): void;
}

/** What `Bun.serve` returns, as `serveBun` uses it. */
interface BunListener extends BunServer {
  /** The port listened on. */
  readonly port: number;
  /** The host name listened on. */
  readonly hostname: string;
  /** Stops the server. */
  stop(closeActive?: boolean): Promise<void> | void;
}

/**
 * The `websocket` object `Bun.serve` needs: Bun's `WebSocketHandler<BunSocketData>`
 * (its handlers take Bun's `ServerWebSocket<BunSocketData>`).
 */
export interface BunWebSocketHandlers {
  /** A socket opened. */
  open(ws: BunWebSocket): void;
  /** A frame arrived. */
  message(ws: BunWebSocket, message: string | Uint8Array): void;
  /** A socket closed. */
  close(ws: BunWebSocket, code: number, reason: string): void;
  /** A socket's send buffer drained after backpressure. */
  drain(ws: BunWebSocket): void;
  /** Largest frame accepted, in bytes. */
  maxPayloadLength: number;
  /** Seconds of silence before Bun closes a socket; 0: never. */
  idleTimeout: number;
  /** Whether Bun pings idle sockets itself. */
  sendPings: boolean;
}

/** What {@linkcode bunHandler} returns: the two halves of `Bun.serve`. */
export interface BunPair {
  /** The `fetch` of `Bun.serve`. */
  fetch(request: Request, server: BunServer): Promise<Response | undefined>;
  /** The `websocket` of `Bun.serve`. */
  websocket: BunWebSocketHandlers;
}

const upgraded = new WeakSet<Response>();
/**
 * What `bunHandler`'s upgrades answer: one shared response, since Bun
 * ignores the answer of an upgraded request and nothing else sees it (a
 * Hono app gets a fresh one per upgrade: its middlewares may edit it).
 */
const UPGRADED = new Response(null);
upgraded.add(UPGRADED);

/**
 * The request facts of a Bun request, with an upgrader on `server.upgrade`.
 * When `timeoutSeconds` is given the request's idle timeout is set to it
 * (0: none), so a long poll outlives whatever `idleTimeout` the
 * `Bun.serve` call was given (Bun's default is 10 seconds).
 *
 * @example
 * ```ts ignore
 * const info = bunRequestInfo(request, server, bunIdleTimeout(engine));
 * ```
 */
export function bunRequestInfo(
  request: Request,
  server: BunServer,
  timeoutSeconds?: number,
): RequestInfo {
  return requestInfo(request, server, timeoutSeconds, true);
}

function requestInfo(
  request: Request,
  server: BunServer,
  timeoutSeconds: number | undefined,
  freshUpgradeResponse: boolean,
): RequestInfo {
  if (timeoutSeconds !== undefined) server.timeout?.(request, timeoutSeconds);
  return new BunRequestInfo(request, server, freshUpgradeResponse);
}

/** A Bun request's facts: one object per request, no closures. */
class BunRequestInfo implements RequestInfo {
  readonly #request: Request;
  readonly #server: BunServer;
  readonly #freshUpgradeResponse: boolean;

  constructor(request: Request, server: BunServer, freshUpgradeResponse: boolean) {
    this.#request = request;
    this.#server = server;
    this.#freshUpgradeResponse = freshUpgradeResponse;
  }

  /**
   * Read lazily: only a handshake needs it (Bun's lookup cost a polling
   * handshake 6 % of its CPU when made for each of its three requests).
   */
  get remoteAddress(): string | undefined {
    return this.#server.requestIP?.(this.#request)?.address;
  }

  /** Read lazily: only a held long poll needs it. */
  get signal(): AbortSignal {
    return this.#request.signal;
  }

  upgrade(request: Request, handler: ConnHandler, headers?: Headers): Response {
    if (!this.#server.upgrade(request, { data: new BunConn(handler), headers })) {
      return new Response("WebSocket upgrade failed", { status: 400 });
    }
    if (!this.#freshUpgradeResponse) return UPGRADED;
    // Bun ignores the response of an upgraded request; Hono needs one.
    const response = new Response(null);
    upgraded.add(response);
    return response;
  }
}

/**
 * Whether a response stands for a completed Bun upgrade (Bun wants
 * `undefined` back from `fetch` then).
 *
 * @example
 * ```ts ignore
 * const response = await engine.handleRequest(request, bunRequestInfo(request, server));
 * return isUpgradeResponse(response) ? undefined : response;
 * ```
 */
export function isUpgradeResponse(response: Response): boolean {
  return upgraded.has(response);
}

/** Whether a message's `Connection` header lists the `close` option. */
function asksToClose(message: { headers: Headers }): boolean {
  const connection = message.headers.get("connection");
  return connection !== null && /(?:^|,)\s*close\s*(?:,|$)/i.test(connection);
}

/**
 * `response`, saying `Connection: close` when `request` asked for it.
 *
 * Bun closes the connection of a request that carries `Connection: close`
 * once it has answered, but does not say so on the response (Deno and
 * `node:http` do, as RFC 9112 section 9.6 asks). A client whose agent keeps
 * connections alive (Node's since v19) then sends its next request on the
 * closing socket and gets "socket hang up" (node-fetch before 3.3 sends
 * `Connection: close` on every request made without an agent).
 *
 * @example
 * ```ts ignore
 * return withConnectionClose(request, await io.handleRequest(request, info));
 * ```
 */
export function withConnectionClose(request: Request, response: Response): Response {
  if (!asksToClose(request) || asksToClose(response)) return response;
  try {
    response.headers.set("connection", "close");
    return response;
  } catch {
    // Immutable headers (a response from `fetch`): answer with a copy.
    const headers = new Headers(response.headers);
    headers.set("connection", "close");
    return new Response(response.body, {
      status: response.status,
      statusText: response.statusText,
      headers,
    });
  }
}

/**
 * The `websocket` handlers for `Bun.serve`.
 *
 * @example
 * ```ts ignore
 * Bun.serve({ fetch, websocket: bunWebSocketHandlers(io) });
 * ```
 */
export function bunWebSocketHandlers(host: RequestHandlerHost): BunWebSocketHandlers {
  return {
    open(ws) {
      const data = ws.data;
      let conn: BunConn;
      if (data instanceof BunConn) {
        conn = data.attach(ws);
      } else {
        // Data made elsewhere: `{ handler }`.
        conn = new BunConn(data.handler).attach(ws);
        data.conn = conn;
      }
      const previous = enterCallback(conn);
      try {
        conn.handler.onOpen(conn);
      } finally {
        leaveCallback(previous);
      }
    },
    message(ws, message) {
      const data = ws.data;
      const conn = data instanceof BunConn ? data : data.conn as BunConn;
      const frame = typeof message === "string"
        ? message
        : new Uint8Array(message.buffer, message.byteOffset, message.byteLength);
      conn.handler.onMessage(frame);
    },
    close(ws, code, reason) {
      ws.data.handler.onClose(code, reason);
    },
    drain(ws) {
      const data = ws.data;
      if (data instanceof BunConn) data.onDrain();
      else (data.conn as BunConn | undefined)?.onDrain();
    },
    maxPayloadLength: host.maxMessageBytes ?? 1e6,
    // 0 turns Bun's idle timeout off (its default is 120 s): the engine's
    // heartbeat decides when a client is gone.
    idleTimeout: 0,
    sendPings: false,
  };
}

/**
 * Seconds Bun may keep an idle HTTP request: long polls must outlive it.
 * 0 (no timeout) when that would exceed Bun's limit of 255 seconds.
 *
 * @example
 * ```ts ignore
 * Bun.serve({ fetch, websocket, idleTimeout: bunIdleTimeout(engine) });
 * ```
 */
export function bunIdleTimeout(host: RequestHandlerHost): number {
  const seconds = Math.ceil((host.longestPollMs ?? 45000) / 1000) + 10;
  return seconds > 255 ? 0 : seconds;
}

/**
 * The `fetch` and `websocket` pair for `Bun.serve`.
 *
 * @example
 * ```ts ignore
 * const { fetch, websocket } = bunHandler(io);
 * Bun.serve({ port: 3000, fetch, websocket }); // each request gets bunIdleTimeout(io)
 * ```
 */
export function bunHandler(host: RequestHandlerHost): BunPair {
  return {
    async fetch(request, server) {
      const info = requestInfo(request, server, bunIdleTimeout(host), false);
      const response = await host.handleRequest(request, info);
      return isUpgradeResponse(response) ? undefined : withConnectionClose(request, response);
    },
    websocket: bunWebSocketHandlers(host),
  };
}

interface BunGlobal {
  serve(options: {
    port: number;
    hostname?: string;
    idleTimeout: number;
    fetch: BunPair["fetch"];
    websocket: BunWebSocketHandlers;
  }): BunListener;
}

/**
 * Starts `Bun.serve` for `host`.
 *
 * @example
 * ```ts ignore
 * const handle = serveBun(io, { port: 3000 });
 * await handle.shutdown();
 * ```
 */
export function serveBun(host: RequestHandlerHost, options: ServeOptions = {}): ServeHandle {
  const bun = (globalThis as unknown as { Bun: BunGlobal }).Bun;
  const { fetch, websocket } = bunHandler(host);
  let server: BunListener;
  try {
    server = bun.serve({
      port: options.port ?? 0,
      hostname: options.hostname,
      idleTimeout: bunIdleTimeout(host),
      fetch,
      websocket,
    });
  } catch (error) {
    // Bun's message names the port already ("Is port 3000 in use?"); say it as Deno's does.
    if (!(error instanceof Error) || (error as { code?: unknown }).code !== "EADDRINUSE") {
      throw error;
    }
    const where = options.hostname ? `${options.hostname}:${options.port}` : `port ${options.port}`;
    const wrapped = new Error(`Cannot listen on ${where}: the address is already in use`, {
      cause: error,
    });
    Object.defineProperty(wrapped, "code", { value: "EADDRINUSE", enumerable: true });
    throw wrapped;
  }
  options.onListen?.({ port: server.port, hostname: server.hostname });
  return {
    port: server.port,
    hostname: server.hostname,
    shutdown: async () => {
      await server.stop(true);
    },
  };
}
