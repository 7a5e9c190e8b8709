/**
 * The Bun binding: `Bun.serve` with its `websocket` handlers, `send()`'s
 * backpressure result and the `drain` callback.
 *
 * @module
 */

import type { Conn, ConnHandler, RequestInfo } from "./conn.ts";
import type { RequestHandlerHost, ServeHandle, ServeOptions } from "./handler.ts";

/** The part of Bun's `ServerWebSocket` used here. */
export interface BunWebSocket {
  data: { handler: ConnHandler; conn?: Conn };
  send(data: string | Uint8Array, compress?: boolean): number;
  close(code?: number, reason?: string): void;
  getBufferedAmount(): number;
}

/** The part of Bun's `Server` used here. */
export interface BunServer {
  upgrade(request: Request, options: { data: unknown }): boolean;
  requestIP?(request: Request): { address: string } | null;
  timeout?(request: Request, seconds: number): void;
  readonly port: number;
  readonly hostname: string;
  stop(closeActive?: boolean): Promise<void> | void;
}

/** The `websocket` object Bun.serve needs. */
export interface BunWebSocketHandlers {
  open(ws: BunWebSocket): void;
  message(ws: BunWebSocket, message: string | Uint8Array): void;
  close(ws: BunWebSocket, code: number, reason: string): void;
  drain(ws: BunWebSocket): void;
  maxPayloadLength: number;
  idleTimeout: number;
  sendPings: boolean;
}

/** What {@linkcode bunHandler} returns: the two halves of `Bun.serve`. */
export interface BunPair {
  fetch(request: Request, server: BunServer): Promise<Response | undefined>;
  websocket: BunWebSocketHandlers;
}

class BunConn implements Conn {
  #ws: BunWebSocket;
  constructor(ws: BunWebSocket) {
    this.#ws = ws;
  }
  get bufferedAmount(): number {
    return this.#ws.getBufferedAmount();
  }
  send(data: string | Uint8Array): boolean {
    // -1: queued under backpressure (drain follows); 0: dropped (closing).
    return this.#ws.send(data) !== -1;
  }
  close(code?: number, reason?: string): void {
    try {
      this.#ws.close(code, reason);
    } catch { /* already closed */ }
  }
}

const upgraded = new WeakSet<Response>();

/**
 * The request facts of a Bun request, with an upgrader on `server.upgrade`.
 *
 * @example
 * ```ts ignore
 * const info = bunRequestInfo(request, server);
 * ```
 */
export function bunRequestInfo(request: Request, server: BunServer): RequestInfo {
  return {
    remoteAddress: server.requestIP?.(request)?.address,
    upgrade: (req, handler) => {
      if (!server.upgrade(req, { data: { handler } })) {
        return new Response("WebSocket upgrade failed", { status: 400 });
      }
      // Bun ignores the response of an upgraded request; Hono needs one.
      const response = new Response(null);
      upgraded.add(response);
      return response;
    },
  };
}

/** Whether a response stands for a completed Bun upgrade. */
export function isUpgradeResponse(response: Response): boolean {
  return upgraded.has(response);
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
      const conn = new BunConn(ws);
      ws.data.conn = conn;
      ws.data.handler.onOpen(conn);
    },
    message(ws, message) {
      ws.data.handler.onMessage(
        typeof message === "string"
          ? message
          : new Uint8Array(message.buffer, message.byteOffset, message.byteLength),
      );
    },
    close(ws, code, reason) {
      ws.data.handler.onClose(code, reason);
    },
    drain(ws) {
      ws.data.handler.onDrain();
    },
    maxPayloadLength: host.maxMessageBytes ?? 1e6,
    idleTimeout: 0, // the engine's heartbeat decides when a client is gone
    sendPings: false,
  };
}

/** Seconds Bun may keep an idle HTTP request: long polls must outlive it. */
export function bunIdleTimeout(host: RequestHandlerHost): number {
  return Math.min(255, Math.ceil((host.longestPollMs ?? 45000) / 1000) + 10);
}

/**
 * The `fetch` and `websocket` pair for `Bun.serve`.
 *
 * @example
 * ```ts ignore
 * const { fetch, websocket } = bunHandler(io);
 * Bun.serve({ port: 3000, fetch, websocket, idleTimeout: 60 });
 * ```
 */
export function bunHandler(host: RequestHandlerHost): BunPair {
  return {
    async fetch(request, server) {
      const response = await host.handleRequest(request, bunRequestInfo(request, server));
      return isUpgradeResponse(response) ? undefined : response;
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
  }): BunServer;
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
  const server = bun.serve({
    port: options.port ?? 0,
    hostname: options.hostname,
    idleTimeout: bunIdleTimeout(host),
    fetch,
    websocket,
  });
  options.onListen?.({ port: server.port, hostname: server.hostname });
  return {
    port: server.port,
    hostname: server.hostname,
    shutdown: async () => {
      await server.stop(true);
    },
  };
}
