/**
 * The Cloudflare Workers binding: a Durable Object holds the connections
 * (long-polling, and WebSockets accepted with the hibernation API), and a
 * Worker (plain `fetch` or Hono) forwards the Socket.IO requests to it
 * (`workers_forward.ts`).
 *
 * What a connection needs to come back after the object was evicted (its
 * engine session id, its handshake, and each Socket.IO socket's id, rooms
 * and `data`) is kept as its WebSocket's attachment; the next event rebuilds
 * it (see `_workers_state.ts`).
 *
 * @module
 */

import type { RequestInfo } from "../engine/conn.ts";
import type { EngineSession, SessionHost } from "../engine/session.ts";
import { WorkersConn } from "./_workers_conn.ts";
import { dropRecord, restoreConnections, saveRecords, type WorkersHost } from "./_workers_state.ts";
import type {
  WorkersObjectState,
  WorkersWebSocket,
  WorkersWebSocketPairConstructor,
} from "./_workers_types.ts";

export type { WorkersHost, WorkersNamespace, WorkersSocket } from "./_workers_state.ts";
export {
  DEFAULT_OBJECT_NAME,
  forwardToObject,
  type ObjectNamer,
  workersFetch,
  type WorkersFetchOptions,
} from "./workers_forward.ts";
export type {
  WorkersObjectNamespace,
  WorkersObjectState,
  WorkersObjectStub,
  WorkersStorage,
  WorkersWebSocket,
} from "./_workers_types.ts";

/** Close codes a server may not send (they only report what happened). */
const CLOSE_CODES_NOT_SENDABLE = new Set([1005, 1006, 1015]);

/** An Engine.IO ping, and the pong that answers it. */
const PING = "2";
const PONG = "3";

/**
 * webio in a Durable Object: its `fetch`, the hibernation API's WebSocket
 * handlers, the alarm that sends the heartbeat, and the restore of the
 * connections after an eviction. A Durable Object class forwards its
 * handlers to it (or use {@linkcode socketIoObject}).
 *
 * WebSocket sessions have no timer in the object (a pending timer keeps a
 * Durable Object from hibernating; their `Conn` says `pingedByRuntime`):
 * the object's alarm sends every client a ping each `pingInterval`, pongs
 * are taken here without waking the Socket.IO layer, and a client silent
 * for `pingInterval + pingTimeout` is closed with reason `"ping timeout"`.
 * Long-polling sessions keep the engine's own heartbeat (their held
 * requests keep the object awake anyway) until they upgrade.
 *
 * The server must have `connectionStateRecovery` on: restored sockets come
 * back through it, with their ids, rooms and `data`.
 *
 * @example
 * ```ts ignore
 * export class IoObject {
 *   #binding: WorkersBinding;
 *   constructor(ctx: DurableObjectState) {
 *     const io = new Server({ connectionStateRecovery: {} });
 *     io.on("connection", (socket) => socket.on("ping", (ack) => ack("pong")));
 *     this.#binding = new WorkersBinding(io, ctx);
 *   }
 *   fetch(request: Request) { return this.#binding.fetch(request); }
 *   webSocketMessage(ws: WebSocket, message: string | ArrayBuffer) { return this.#binding.webSocketMessage(ws, message); }
 *   webSocketClose(ws: WebSocket, code: number, reason: string) { return this.#binding.webSocketClose(ws, code, reason); }
 *   webSocketError(ws: WebSocket, error: unknown) { return this.#binding.webSocketError(ws, error); }
 *   alarm() { return this.#binding.alarm(); }
 * }
 * ```
 */
export class WorkersBinding {
  /** The server it serves. */
  readonly host: WorkersHost;
  #state: WorkersObjectState;
  #conns = new Map<WorkersWebSocket, WorkersConn>();
  #byHandler = new Map<unknown, WorkersConn>();
  #sessionHost: SessionHost<EngineSession>;
  #saveScheduled = false;
  #restoring: Promise<void> | undefined;
  #restored = false;
  /** Pongs of WebSockets not restored yet (a pong does not wake the Socket.IO layer). */
  #seen = new WeakMap<WorkersWebSocket, number>();
  #alarmAt = 0;
  #pingInterval: number;
  #pingTimeout: number;

  /**
   * Binds `host` (webio's `Server`) to the Durable Object whose state is
   * `state`. The connections its WebSockets held in a previous life of the
   * object come back on the first event that needs them.
   *
   * @throws {TypeError} When the server does not have `connectionStateRecovery` on.
   */
  constructor(host: WorkersHost, state: WorkersObjectState) {
    if (!host.opts.connectionStateRecovery) {
      throw new TypeError(
        "Cannot bind the server to a Durable Object: connectionStateRecovery must be on " +
          "(new Server({ connectionStateRecovery: {} })), as hibernated sockets come back through it",
      );
    }
    this.host = host;
    this.#state = state;
    const engine = host.engine;
    this.#pingInterval = engine.opts.pingInterval;
    this.#pingTimeout = engine.opts.pingTimeout;
    this.#sessionHost = {
      timers: engine.timers,
      pingInterval: engine.opts.pingInterval,
      pingTimeout: engine.opts.pingTimeout,
      upgradeTimeout: engine.opts.upgradeTimeout,
      maxBufferedBytes: engine.opts.maxBufferedBytes,
      onSessionClose: (session) => {
        if (engine.clients.get(session.id) === session) engine.clients.delete(session.id);
      },
    };
  }

  /** How many WebSocket connections the object holds in memory. */
  get webSocketCount(): number {
    return this.#conns.size;
  }

  /**
   * Brings back the connections of a previous life of the object (once;
   * later calls return the same promise). Every handler calls it before an
   * event that reaches the Socket.IO layer; an alarm and pongs do without.
   */
  restore(): Promise<void> {
    if (this.#restored) return Promise.resolve();
    return this.#restoring ??= this.#state.blockConcurrencyWhile(async () => {
      const conns = {
        has: (ws: WorkersWebSocket) => this.#conns.has(ws),
        add: (conn: WorkersConn) => this.#add(conn),
      };
      try {
        await restoreConnections(this.host, this.#state, this.#sessionHost, conns);
      } catch (error) {
        this.#logError(error);
      }
      this.#restored = true;
      this.#scheduleSave();
    });
  }

  /** Answers a request forwarded by the Worker (polling, or a WebSocket upgrade). */
  async fetch(request: Request): Promise<Response> {
    if (!this.#restored) await this.restore();
    const info: RequestInfo = {
      remoteAddress: request.headers.get("cf-connecting-ip") ?? undefined,
      upgrade: (req, handler, headers) => this.#upgrade(req, handler, headers),
    };
    const response = await this.host.handleRequest(request, info);
    this.#scheduleSave();
    return response;
  }

  /** The hibernation API's `webSocketMessage`: a frame from a client. */
  async webSocketMessage(ws: WorkersWebSocket, message: string | ArrayBuffer): Promise<void> {
    let conn = this.#conns.get(ws);
    if (message === PONG) {
      // The heartbeat is kept here: a pong wakes nothing above.
      if (conn === undefined) this.#seen.set(ws, Date.now());
      else conn.lastSeen = Date.now();
      return;
    }
    if (conn === undefined) {
      await this.restore();
      conn = this.#conns.get(ws);
      if (conn === undefined) {
        ws.close(1011, "Session lost");
        return;
      }
    }
    conn.lastSeen = Date.now();
    conn.handler.onMessage(typeof message === "string" ? message : new Uint8Array(message));
    this.#scheduleSave();
  }

  /** The hibernation API's `webSocketClose`: a client closed its WebSocket. */
  async webSocketClose(ws: WorkersWebSocket, code: number, reason: string): Promise<void> {
    try {
      // Completes the closing handshake (older compatibility dates do not on their own).
      ws.close(CLOSE_CODES_NOT_SENDABLE.has(code) ? 1000 : code, reason);
    } catch { /* already closed */ }
    if (!this.#conns.has(ws)) await this.restore();
    this.#closed(ws, code, reason);
  }

  /** The hibernation API's `webSocketError`: a WebSocket failed. */
  async webSocketError(ws: WorkersWebSocket, _error: unknown): Promise<void> {
    if (!this.#conns.has(ws)) await this.restore();
    this.#closed(ws, 1006, "");
  }

  /**
   * The object's alarm: pings every WebSocket client (without restoring
   * anything), closes those silent for `pingInterval + pingTimeout` with
   * reason `"ping timeout"`, and sets the next alarm while clients remain.
   */
  async alarm(): Promise<void> {
    this.#alarmAt = 0;
    const now = Date.now();
    const deadline = this.#pingInterval + this.#pingTimeout;
    const silent: WorkersWebSocket[] = [];
    const sockets = this.#state.getWebSockets();
    for (const ws of sockets) {
      const conn = this.#conns.get(ws);
      if (conn?.probing === true) {
        // A polling client's WebSocket: pinged here only once the upgrade is done.
        if (this.host.engine.clients.get(conn.sid ?? "")?.upgraded !== true) continue;
        conn.probing = false;
      }
      let seen = conn?.lastSeen ?? this.#seen.get(ws);
      if (seen === undefined) this.#seen.set(ws, seen = now); // woken: counted from now
      if (now - seen > deadline) {
        silent.push(ws);
        continue;
      }
      try {
        ws.send(PING);
      } catch { /* closing */ }
    }
    if (silent.length > 0) {
      await this.restore();
      for (const ws of silent) {
        const conn = this.#conns.get(ws);
        const session = conn && this.host.engine.clients.get(conn.sid ?? "");
        if (session !== undefined) session.terminate("ping timeout");
        else ws.close(1000, "Ping timeout");
        this.#closed(ws, 1000, "ping timeout");
      }
    }
    if (sockets.length > silent.length) await this.#setAlarm();
  }

  /** Writes what changed in the connections' records now (it is otherwise done after each event). */
  save(): number {
    this.#saveScheduled = false;
    return saveRecords(this.host, this.#state, this.#byHandler, (error) => this.#logError(error));
  }

  #closed(ws: WorkersWebSocket, code: number, reason: string): void {
    const conn = this.#conns.get(ws);
    if (conn === undefined) return;
    this.#conns.delete(ws);
    this.#byHandler.delete(conn.handler);
    dropRecord(this.#state, conn);
    conn.onClose(code, reason);
    this.#scheduleSave();
  }

  #add(conn: WorkersConn): void {
    this.#conns.set(conn.ws, conn);
    this.#byHandler.set(conn.handler, conn);
    this.#armAlarm().catch((error) => this.#logError(error));
  }

  /**
   * Sets the alarm for the next ping round, unless one is set already (by
   * this life of the object or, in storage, by a previous one: replacing it
   * with a later one would leave clients unpinged past their timeout).
   */
  async #armAlarm(): Promise<void> {
    if (this.#alarmAt !== 0) return;
    this.#alarmAt = -1; // being set
    try {
      const existing = await this.#state.storage.getAlarm();
      if (existing !== null && existing > Date.now()) {
        this.#alarmAt = existing;
        return;
      }
      await this.#setAlarm();
    } catch (error) {
      this.#alarmAt = 0; // the next connection tries again
      throw error;
    }
  }

  /** Sets the alarm for `pingInterval` from now. */
  async #setAlarm(): Promise<void> {
    this.#alarmAt = Date.now() + this.#pingInterval;
    await this.#state.storage.setAlarm(this.#alarmAt);
  }

  #upgrade(
    request: Request,
    handler: WorkersConn["handler"],
    headers?: Headers,
  ): Response {
    const Pair = (globalThis as unknown as { WebSocketPair: WorkersWebSocketPairConstructor })
      .WebSocketPair;
    const pair = new Pair();
    const server = pair[1];
    this.#state.acceptWebSocket(server);
    const conn = new WorkersConn(server, handler);
    // A polling session's upgrade: its sid is in the URL.
    const sid = new URL(request.url).searchParams.get("sid");
    if (sid !== null) {
      conn.sid = sid;
      conn.probing = true;
    }
    this.#add(conn);
    // Open once the 101 is on its way; frames sent before it are queued by Workers.
    queueMicrotask(() => {
      conn.handler.onOpen(conn);
      this.#scheduleSave();
    });
    return new Response(null, { status: 101, webSocket: pair[0], headers } as ResponseInit);
  }

  /** Writes the changed records at the end of the turn (handlers may change rooms after an event). */
  #scheduleSave(): void {
    if (this.#saveScheduled) return;
    this.#saveScheduled = true;
    setTimeout(() => {
      if (this.#saveScheduled) this.save();
    }, 0);
  }

  #logError(error: unknown): void {
    this.host.logger?.error("webio: cannot keep a connection's state for hibernation:", error);
  }
}

/** A Durable Object class made by {@linkcode socketIoObject}. */
export interface SocketIoObjectClass<Env> {
  /** The object of `state`, serving the server `create` returns. */
  new (state: WorkersObjectState, env: Env): SocketIoObject;
}

/** The Durable Object that {@linkcode socketIoObject} defines. */
export interface SocketIoObject {
  /** Its binding (`binding.host` is the server). */
  readonly binding: WorkersBinding;
  /** Answers the requests the Worker forwards. */
  fetch(request: Request): Promise<Response>;
  /** The hibernation API's message handler. */
  webSocketMessage(ws: WorkersWebSocket, message: string | ArrayBuffer): Promise<void>;
  /** The hibernation API's close handler. */
  webSocketClose(ws: WorkersWebSocket, code: number, reason: string): Promise<void>;
  /** The hibernation API's error handler. */
  webSocketError(ws: WorkersWebSocket, error: unknown): Promise<void>;
  /** The alarm handler: the WebSocket clients' heartbeat. */
  alarm(): Promise<void>;
}

/**
 * Defines a Durable Object class that serves the server `create` returns
 * (called once per life of the object: after an eviction, again).
 *
 * @example
 * ```ts ignore
 * export const IoObject = socketIoObject(() => {
 *   const io = new Server({ connectionStateRecovery: {} });
 *   io.on("connection", (socket) => socket.on("join", (room) => socket.join(room)));
 *   return io;
 * });
 * ```
 */
export function socketIoObject<Env = unknown>(
  create: (state: WorkersObjectState, env: Env) => WorkersHost,
): SocketIoObjectClass<Env> {
  return class implements SocketIoObject {
    readonly binding: WorkersBinding;
    constructor(state: WorkersObjectState, env: Env) {
      this.binding = new WorkersBinding(create(state, env), state);
    }
    fetch(request: Request): Promise<Response> {
      return this.binding.fetch(request);
    }
    webSocketMessage(ws: WorkersWebSocket, message: string | ArrayBuffer): Promise<void> {
      return this.binding.webSocketMessage(ws, message);
    }
    webSocketClose(ws: WorkersWebSocket, code: number, reason: string): Promise<void> {
      return this.binding.webSocketClose(ws, code, reason);
    }
    webSocketError(ws: WorkersWebSocket, error: unknown): Promise<void> {
      return this.binding.webSocketError(ws, error);
    }
    alarm(): Promise<void> {
      return this.binding.alarm();
    }
  };
}
