/**
 * The Engine.IO v4 server: routes requests, performs handshakes, keeps the
 * session table and answers protocol errors as the official server does.
 *
 * @module
 */

import { Emitter } from "../_emitter.ts";
import type { RequestInfo } from "../runtime/conn.ts";
import { applyCors } from "./cors.ts";
import { serializeCookie } from "./_cookie.ts";
import {
  ENGINE_ERROR_MESSAGES,
  type EngineConnectionError,
  EngineErrorCode,
  errorResponse,
} from "./errors.ts";
import {
  type EngineOptions,
  type ResolvedEngineOptions,
  resolveEngineOptions,
  type TransportName,
} from "./options.ts";
import { type PollingSettings, PollingTransport } from "./polling.ts";
import { EngineSession, type SessionHost } from "./session.ts";
import type { Transport } from "./transport.ts";
import { WebSocketTransport } from "./websocket.ts";

/** Public events of the Engine.IO server. */
export interface EngineEvents {
  /** A client completed its handshake. */
  connection: (session: EngineSession) => void;
  /** A request was refused with a protocol error. */
  connection_error: (error: EngineConnectionError) => void;
  /** Edit the headers of the handshake response. */
  initial_headers: (headers: Headers, request: Request) => void;
  /** Edit the headers of every polling response (handshake included). */
  headers: (headers: Headers, request: Request) => void;
}

/**
 * An Engine.IO v4 server on `Request`/`Response`/`WebSocket`.
 *
 * @example
 * ```ts ignore
 * import { EngineServer } from "./server.ts";
 * import { denoRequestInfo } from "../runtime/deno.ts";
 * const engine = new EngineServer({ path: "/engine.io/" });
 * engine.on("connection", (session) => {
 *   session.on("message", (data) => session.send(data));
 * });
 * Deno.serve((req, info) => engine.handleRequest(req, denoRequestInfo(info)));
 * ```
 */
export class EngineServer extends Emitter<EngineEvents> {
  /** The options in force, defaults applied. */
  readonly opts: ResolvedEngineOptions;
  /** Open sessions by id. */
  readonly clients: Map<string, EngineSession> = new Map();
  #sessionHost: SessionHost;
  #pollingSettings: PollingSettings;
  #closed = false;

  constructor(options: EngineOptions = {}) {
    super();
    const opts = resolveEngineOptions(options);
    this.opts = opts;
    this.#sessionHost = {
      pingInterval: opts.pingInterval,
      pingTimeout: opts.pingTimeout,
      upgradeTimeout: opts.upgradeTimeout,
      maxBufferedBytes: opts.maxBufferedBytes,
      onSessionClose: (session) => {
        if (this.clients.get(session.id) === session) this.clients.delete(session.id);
      },
    };
    this.#pollingSettings = {
      maxHttpBufferSize: opts.maxHttpBufferSize,
      compressionThreshold: opts.compressionThreshold,
      decorate: (headers, request) => this.#decorate(headers, request),
    };
  }

  /** How many sessions are open. */
  get clientsCount(): number {
    return this.clients.size;
  }

  /** Milliseconds a long poll may be held before the heartbeat releases it. */
  get longestPollMs(): number {
    return this.opts.pingInterval + this.opts.pingTimeout;
  }

  /** Largest WebSocket message accepted, in bytes. */
  get maxMessageBytes(): number {
    return this.opts.maxHttpBufferSize;
  }

  /** Whether a URL path is served by this engine. */
  matches(pathname: string): boolean {
    return pathname.startsWith(this.opts.path) || pathname + "/" === this.opts.path;
  }

  /**
   * Serves one request of the protocol. `info.upgrade` turns a request into
   * a WebSocket; without it only polling is served.
   */
  async handleRequest(request: Request, info: RequestInfo = {}): Promise<Response> {
    const cors = this.opts.cors ? await applyCors(this.opts.cors, request) : undefined;
    if (cors?.preflight) return cors.preflight;
    const corsHeaders = cors?.headers;
    this.#corsCache.set(request, corsHeaders);

    const url = new URL(request.url);
    if (!this.matches(url.pathname)) return new Response("Not found", { status: 404 });
    const query = url.searchParams;
    const transport = query.get("transport") as TransportName | null;
    const sid = query.get("sid");
    const isUpgrade = request.headers.get("upgrade")?.toLowerCase() === "websocket";

    if (transport === null || !this.opts.transports.includes(transport)) {
      return this.#refuse(request, EngineErrorCode.UNKNOWN_TRANSPORT, { transport });
    }
    if (this.#closed) return this.#refuse(request, EngineErrorCode.BAD_REQUEST, {});

    if (sid !== null) {
      const session = this.clients.get(sid);
      if (!session) return this.#refuse(request, EngineErrorCode.UNKNOWN_SID, { sid });
      const current = session.transport.name;
      if (transport === "websocket" && isUpgrade && current === "polling") {
        return this.#upgrade(request, info, session);
      }
      if (transport !== current || isUpgrade) {
        return this.#refuse(request, EngineErrorCode.BAD_REQUEST, {
          name: "TRANSPORT_MISMATCH",
          transport,
          previousTransport: current,
        });
      }
      const polling = session.transport as PollingTransport;
      if (request.method === "GET") return polling.onPoll(request);
      if (request.method === "POST") return polling.onData(request);
      return this.#refuse(request, EngineErrorCode.BAD_REQUEST, { name: "BAD_METHOD" });
    }

    // A new session.
    if (request.method !== "GET") {
      return this.#refuse(request, EngineErrorCode.BAD_HANDSHAKE_METHOD, {
        method: request.method,
      });
    }
    if (transport === "websocket" && (!isUpgrade || !info.upgrade)) {
      return this.#refuse(request, EngineErrorCode.BAD_REQUEST, {
        name: "TRANSPORT_HANDSHAKE_ERROR",
      });
    }
    if (query.get("EIO") !== "4") {
      return this.#refuse(request, EngineErrorCode.UNSUPPORTED_PROTOCOL_VERSION, {
        protocol: query.get("EIO"),
      });
    }
    if (this.opts.allowRequest) {
      let verdict: boolean | string;
      try {
        verdict = await this.opts.allowRequest(request);
      } catch (err) {
        verdict = err instanceof Error ? err.message : false;
      }
      if (verdict !== true) {
        const message = typeof verdict === "string" && verdict
          ? verdict
          : ENGINE_ERROR_MESSAGES[EngineErrorCode.FORBIDDEN];
        return this.#refuse(request, EngineErrorCode.FORBIDDEN, { message }, message);
      }
    }
    return this.#handshake(request, info, transport);
  }

  /** Closes every session and refuses new ones. */
  close(): void {
    this.#closed = true;
    for (const session of [...this.clients.values()]) session.terminate("server shutting down");
    this.clients.clear();
  }

  // CORS headers are computed once per request and reused by every response.
  #corsCache = new WeakMap<Request, Headers | undefined>();

  #decorate(headers: Headers, request: Request): void {
    const cors = this.#corsCache.get(request);
    if (cors) cors.forEach((value, key) => headers.set(key, value));
    this.emitEvent("headers", headers, request);
  }

  #refuse(
    request: Request,
    code: EngineErrorCode,
    context: Record<string, unknown>,
    message: string = ENGINE_ERROR_MESSAGES[code],
  ): Response {
    this.emitEvent("connection_error", { req: request, code, message, context });
    const headers = new Headers();
    const cors = this.#corsCache.get(request);
    if (cors) cors.forEach((value, key) => headers.set(key, value));
    return errorResponse(code, message, headers);
  }

  async #handshake(
    request: Request,
    info: RequestInfo,
    transportName: TransportName,
  ): Promise<Response> {
    let id: string;
    try {
      id = await this.opts.generateId(request);
    } catch {
      return this.#refuse(request, EngineErrorCode.BAD_REQUEST, { name: "ID_GENERATION_ERROR" });
    }
    if (this.clients.has(id)) {
      return this.#refuse(request, EngineErrorCode.BAD_REQUEST, { name: "ID_COLLISION" });
    }
    const upgrades = transportName === "polling" && this.opts.allowUpgrades &&
        this.opts.transports.includes("websocket")
      ? ["websocket"]
      : [];
    const openPacket = JSON.stringify({
      sid: id,
      upgrades,
      pingInterval: this.opts.pingInterval,
      pingTimeout: this.opts.pingTimeout,
      maxPayload: this.opts.maxHttpBufferSize,
    });
    const start = (transport: Transport): EngineSession => {
      const session = new EngineSession(id, transport, this.#sessionHost, {
        request,
        remoteAddress: info.remoteAddress ?? "",
      });
      this.clients.set(id, session);
      session.open(openPacket, this.opts.initialPacket);
      this.emitEvent("connection", session);
      return session;
    };

    if (transportName === "websocket") {
      const ws = new WebSocketTransport(this.opts.maxHttpBufferSize, (t) => {
        if (this.#closed || this.clients.has(id)) t.close();
        else start(t);
      });
      return info.upgrade!(request, ws);
    }

    const polling = new PollingTransport(this.#pollingSettings);
    start(polling);
    // The open packet is queued: the first GET's response carries it.
    const headers = new Headers();
    this.#initialHeaders(headers, request, id);
    return polling.onPoll(request, headers);
  }

  #initialHeaders(headers: Headers, request: Request, sid: string): void {
    const cookie = this.opts.cookie;
    if (cookie) {
      // The session id is the cookie's value, as in the official server.
      headers.append("Set-Cookie", serializeCookie(cookie.name ?? "io", sid, cookie));
    }
    this.emitEvent("initial_headers", headers, request);
  }

  #upgrade(request: Request, info: RequestInfo, session: EngineSession): Response {
    if (!info.upgrade || !this.opts.allowUpgrades || session.upgrading) {
      return this.#refuse(request, EngineErrorCode.BAD_REQUEST, { name: "UPGRADE_REFUSED" });
    }
    const ws = new WebSocketTransport(this.opts.maxHttpBufferSize, (t) => session.beginUpgrade(t));
    return info.upgrade(request, ws);
  }
}
