/**
 * The Engine.IO v4 server: routes requests, performs handshakes, keeps the
 * session table and answers protocol errors as the official server does.
 *
 * @module
 */

import { Emitter } from "../_internal/emitter.ts";
import { TimerQueue } from "../_internal/timers.ts";
import { setErrorLogger } from "../_internal/error_log.ts";
import { debugChannel, type DebugFn, type Logger } from "../_internal/log.ts";
import type { RequestInfo } from "./conn.ts";
import { applyCors } from "./cors.ts";
import { serializeCookie } from "./_cookie.ts";
import { packHeaders } from "./_header_text.ts";
import { type RequestTarget, requestTarget } from "./_request_target.ts";
import {
  ENGINE_ERROR_MESSAGES,
  type EngineConnectionError,
  EngineErrorCode,
  errorResponse,
  upgradeErrorResponse,
} from "./errors.ts";
import {
  type EngineOptions,
  type ResolvedEngineOptions,
  resolveEngineOptions,
  type TransportName,
} from "./options.ts";
import { type InitialHeaders, type PollingSettings, PollingTransport } from "./polling.ts";
import { EngineSession, type SessionHost } from "./session.ts";
import type { Transport } from "./transport.ts";
import { WebSocketTransport } from "./websocket.ts";

/** Public events of the Engine.IO server. */
export interface EngineEvents {
  /** A client completed its handshake. */
  connection: (session: EngineSession) => void;
  /** A request was refused with a protocol error. */
  connection_error: (error: EngineConnectionError) => void;
  /** Edit the headers of a handshake answer (polling, or the WebSocket 101). */
  initial_headers: (headers: Headers, request: Request) => void;
  /** Edit the headers of every successful polling answer and WebSocket 101. */
  headers: (headers: Headers, request: Request) => void;
}

/** Per-request state shared by the answers to one request. */
interface Exchange {
  request: Request;
  info: RequestInfo;
  /** CORS headers (none for upgrade requests: browsers do not apply CORS there). */
  cors: Headers | undefined;
  /** Whether the request asks for a WebSocket upgrade. */
  upgrade: boolean;
  /** The request URL's path and query, read once. */
  url: RequestTarget;
  /** The request URL. */
  href: string;
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
  #sessionHost: SessionHost<EngineSession>;
  /**
   * @internal This server's deadlines (heartbeats, connect timeouts): one
   * queue per server, so that each fires in its server's own context.
   */
  readonly timers: TimerQueue = new TimerQueue();
  #pollingSettings: PollingSettings;
  #closed = false;
  #debug: DebugFn | undefined;
  #warnedNoUpgrader = false;
  // CORS headers are computed once per request and reused by every answer.
  #cors = new WeakMap<Request, Headers>();

  /** Creates a server; the official defaults fill in what `options` leaves out. */
  constructor(options: EngineOptions = {}) {
    super();
    const opts = resolveEngineOptions(options);
    this.opts = opts;
    setErrorLogger(this, opts.logger);
    this.#debug = debugChannel("webio:engine", opts.logger);
    this.#sessionHost = {
      timers: this.timers,
      pingInterval: opts.pingInterval,
      pingTimeout: opts.pingTimeout,
      upgradeTimeout: opts.upgradeTimeout,
      maxBufferedBytes: opts.maxBufferedBytes,
      onSessionClose: (session) => {
        if (this.clients.get(session.id) === session) this.clients.delete(session.id);
        this.#debug?.(`session ${session.id} closed (${this.clients.size} open)`);
      },
    };
    this.#pollingSettings = {
      maxHttpBufferSize: opts.maxHttpBufferSize,
      compressionThreshold: opts.compressionThreshold,
      baseHeaders: (request) => new Headers(this.#cors.get(request)),
      onHeaders: (headers, request) => this.emitEvent("headers", headers, request),
    };
  }

  /** Where this server logs (the `logger` option, or the console). */
  get logger(): Logger {
    return this.opts.logger;
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
   * a WebSocket; without it only polling is served. `info.signal`, when the
   * runtime has a trustworthy one, tells that a client left a held poll.
   */
  async handleRequest(
    request: Request,
    info: RequestInfo = {},
    /** @internal `request.url`, when the caller read it already (on Bun each read builds it). */
    href: string = request.url,
  ): Promise<Response> {
    const url = requestTarget(href);
    if (!this.matches(url.pathname)) {
      return new Response("Not found", { status: 404 });
    }
    const upgrade = request.headers.get("upgrade")?.toLowerCase() === "websocket";
    if (upgrade && info.upgrade === undefined) this.#warnNoUpgrader();
    let cors: Headers | undefined;
    if (this.opts.cors && !upgrade) {
      const result = await applyCors(this.opts.cors, request);
      if (result?.preflight) return result.preflight;
      cors = result?.headers;
      if (cors) this.#cors.set(request, cors);
    }
    return this.#route({ request, info, cors, upgrade, url, href });
  }

  /**
   * Warns once that WebSocket requests arrive but nothing can upgrade them:
   * `handleRequest` was called without `info.upgrade` (a plain
   * `Deno.serve((req) => io.handleRequest(req))`), so only long-polling works
   * and a WebSocket-only client fails.
   */
  #warnNoUpgrader(): void {
    if (this.#warnedNoUpgrader || !this.opts.transports.includes("websocket")) return;
    this.#warnedNoUpgrader = true;
    this.opts.logger.warn(
      "webio: a WebSocket upgrade request arrived, but the request was passed to " +
        "handleRequest without an upgrader (info.upgrade), so only long-polling is served " +
        "and WebSocket-only clients fail; serve it with denoHandler(io), io.bun(), io.hono(), " +
        'new Server(port) or a node:http server, or pass transports: ["polling"]',
    );
  }

  /** Closes every session and refuses new ones. */
  close(): void {
    this.#debug?.(`closing ${this.clients.size} sessions`);
    this.#closed = true;
    for (const session of [...this.clients.values()]) session.terminate("server shutting down");
    this.clients.clear();
  }

  async #route(ex: Exchange): Promise<Response> {
    const { request } = ex;
    const query = ex.url;
    const transport = query.get("transport") as TransportName | null;
    if (transport === null || !this.opts.transports.includes(transport)) {
      return this.#refuse(ex, EngineErrorCode.UNKNOWN_TRANSPORT, { transport });
    }

    const sid = query.get("sid");
    if (sid) {
      const session = this.clients.get(sid);
      if (!session) return this.#refuse(ex, EngineErrorCode.UNKNOWN_SID, { sid });
      const previousTransport = session.transport.name;
      if (!ex.upgrade && transport !== previousTransport) {
        return this.#refuse(ex, EngineErrorCode.BAD_REQUEST, {
          name: "TRANSPORT_MISMATCH",
          transport,
          previousTransport,
        });
      }
      if (ex.upgrade) return this.#upgrade(ex, session, transport);
      const polling = session.transport as PollingTransport;
      if (request.method === "GET") return polling.onPoll(request, ex.info);
      if (request.method === "POST") return polling.onData(request);
      return new Response(null, { status: 500, headers: new Headers(ex.cors) });
    }

    // A new session.
    if (request.method !== "GET") {
      return this.#refuse(ex, EngineErrorCode.BAD_HANDSHAKE_METHOD, { method: request.method });
    }
    if (transport === "websocket" ? !ex.upgrade || !ex.info.upgrade : ex.upgrade) {
      return this.#refuse(ex, EngineErrorCode.BAD_REQUEST, { name: "TRANSPORT_HANDSHAKE_ERROR" });
    }
    if (this.opts.allowRequest) {
      let verdict: boolean | string;
      try {
        verdict = await this.opts.allowRequest(request);
      } catch (err) {
        verdict = err instanceof Error ? err.message : false;
      }
      if (verdict !== true) {
        const message = typeof verdict === "string" && verdict ? verdict : undefined;
        return this.#refuse(ex, EngineErrorCode.FORBIDDEN, { message });
      }
    }
    if (query.get("EIO") !== "4") {
      // The official server reads anything but "4" as revision 3.
      return this.#refuse(ex, EngineErrorCode.UNSUPPORTED_PROTOCOL_VERSION, { protocol: 3 });
    }
    if (this.#closed) {
      return this.#refuse(ex, EngineErrorCode.BAD_REQUEST, { name: "SERVER_CLOSED" });
    }
    return this.#handshake(ex, transport);
  }

  /**
   * Emits `connection_error` and answers as the official server: JSON with
   * status 400 (403 for code 4) and the CORS headers, or for an upgrade
   * request a plain 400.
   */
  #refuse(
    ex: Exchange,
    code: EngineErrorCode,
    context: Record<string, unknown> & { message?: string },
  ): Response {
    const message = ENGINE_ERROR_MESSAGES[code];
    this.#debug?.(`refused ${ex.request.method} ${ex.url.search}: ${message}`, context);
    this.emitEvent("connection_error", { req: ex.request, code, message, context });
    const text = context.message || message;
    if (ex.upgrade) return upgradeErrorResponse(code, text);
    return errorResponse(code, text, new Headers(ex.cors));
  }

  async #handshake(ex: Exchange, transportName: TransportName): Promise<Response> {
    const { request, info } = ex;
    let id: string;
    try {
      id = await this.opts.generateId(request);
    } catch (error) {
      return this.#refuse(ex, EngineErrorCode.BAD_REQUEST, { name: "ID_GENERATION_ERROR", error });
    }
    if (this.clients.has(id)) {
      return this.#refuse(ex, EngineErrorCode.BAD_REQUEST, { name: "ID_COLLISION" });
    }
    const upgrades = transportName === "polling" && this.opts.allowUpgrades &&
        this.opts.transports.includes("websocket") && info.upgrade !== undefined
      ? ["websocket"]
      : [];
    const openPacket = JSON.stringify({
      sid: id,
      upgrades,
      pingInterval: this.opts.pingInterval,
      pingTimeout: this.opts.pingTimeout,
      maxPayload: this.opts.maxHttpBufferSize,
    });
    // The session keeps the headers as text and builds its `request` only if read: Deno
    // refuses to read the headers of a request once it was upgraded ("Request closed").
    const handshake = {
      url: ex.href,
      method: request.method,
      headerText: packHeaders(request.headers),
    };
    const start = (transport: Transport, remoteAddress: string | undefined): EngineSession => {
      const session = new EngineSession(id, transport, this.#sessionHost, {
        ...handshake,
        remoteAddress,
      });
      setErrorLogger(session, this.opts.logger);
      this.#debug?.(
        `session ${id} opened on ${transport.name} (upgrades: ${upgrades.join(",") || "none"})`,
      );
      this.clients.set(id, session);
      session.open(openPacket, this.opts.initialPacket);
      this.emitEvent("connection", session);
      return session;
    };

    if (transportName === "websocket") {
      const ws = new WebSocketTransport(this.opts.maxHttpBufferSize, (t) => {
        if (this.#closed || this.clients.has(id)) t.close();
        // A socket that knows the client's address is asked only if someone
        // reads it (Bun's lookup by request cost 4 % of a handshake).
        else start(t, t.knowsRemoteAddress ? undefined : info.remoteAddress ?? "");
      });
      // Headers for the 101 only when a listener may add some.
      let headers: Headers | undefined;
      if (this.listenerCount("initial_headers") + this.listenerCount("headers") > 0) {
        headers = new Headers();
        this.emitEvent("initial_headers", headers, request);
        this.emitEvent("headers", headers, request);
      }
      return info.upgrade!(request, ws, headers);
    }

    const polling = new PollingTransport(this.#pollingSettings);
    start(polling, info.remoteAddress ?? "");
    // The open packet is queued: this GET's answer carries it.
    const initial: InitialHeaders = (headers) => {
      const cookie = this.opts.cookie;
      // The session id is the cookie's value, as in the official server.
      if (cookie) headers.append("Set-Cookie", serializeCookie(cookie.name, id, cookie));
      this.emitEvent("initial_headers", headers, request);
    };
    return polling.onPoll(request, info, initial);
  }

  /**
   * A WebSocket upgrade of a polling session. As in the official server, a
   * session that is already upgrading or upgraded gets a WebSocket that is
   * closed at once.
   */
  #upgrade(ex: Exchange, session: EngineSession, transport: TransportName): Response {
    const { request, info } = ex;
    if (transport !== "websocket" || !info.upgrade) {
      return this.#refuse(ex, EngineErrorCode.BAD_REQUEST, { name: "TRANSPORT_HANDSHAKE_ERROR" });
    }
    const refused = session.upgrading || session.upgraded || !this.opts.allowUpgrades;
    this.#debug?.(`session ${session.id} ${refused ? "refused an" : "begins its"} upgrade`);
    const ws = new WebSocketTransport(this.opts.maxHttpBufferSize, (t) => {
      if (refused) t.close();
      else session.beginUpgrade(t);
    });
    const headers = new Headers();
    this.emitEvent("headers", headers, request);
    return info.upgrade(request, ws, headers);
  }
}
