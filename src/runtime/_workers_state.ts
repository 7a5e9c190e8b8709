/**
 * What survives a Durable Object's eviction: each WebSocket connection's
 * record (engine session id, handshake, and every Socket.IO socket's id,
 * rooms and `data`), written to the socket's attachment (or to storage when
 * too big), and the restore that rebuilds the sessions and sockets from it.
 *
 * The server is seen through {@linkcode WorkersHost}, a structural view of
 * webio's `Server`: this floor does not import the Socket.IO layer.
 *
 * @module
 */

import type { EngineServer } from "../engine/server.ts";
import { EngineSession, type HandshakeInfo, type SessionHost } from "../engine/session.ts";
import { WebSocketTransport } from "../engine/websocket.ts";
import type { RequestHandlerHost } from "./handler.ts";
import {
  type ConnRecord,
  type SocketRecord,
  storageKey,
  type StoredMark,
  WorkersConn,
} from "./_workers_conn.ts";
import type { WorkersObjectState, WorkersWebSocket } from "./_workers_types.ts";

/** A Socket.IO socket, as the binding reads it. */
export interface WorkersSocket {
  /** The socket id. */
  readonly id: string;
  /** Its connection; `id` is the engine session id. */
  readonly client: { readonly id: string };
  /** Its rooms, its own id included. */
  readonly rooms: Set<string>;
  /** Its `data`. */
  readonly data: unknown;
  /** Its handshake; `auth` is what its CONNECT carried. */
  readonly handshake: { readonly auth: Record<string, unknown> };
}

/** A namespace, as the binding reads it. */
export interface WorkersNamespace {
  /** Its name. */
  readonly name: string;
  /** Its connected sockets by id. */
  readonly sockets: ReadonlyMap<string, WorkersSocket>;
  /** Its adapter: a restore hands it the session to give back. */
  readonly adapter: { restoreSession(pid: string, offset: string): unknown };
}

/**
 * What the Workers binding needs of webio's `Server` (a `Server` is one):
 * its requests, its engine, its namespaces, and `connectionStateRecovery`
 * (a restored socket comes back through it, with its id, rooms and `data`).
 */
export interface WorkersHost extends RequestHandlerHost {
  /** The Engine.IO server. */
  readonly engine: EngineServer;
  /** The server's options. */
  readonly opts: { readonly connectionStateRecovery?: unknown };
  /** The namespaces by name. */
  readonly _nsps: ReadonlyMap<string, WorkersNamespace>;
}

/** Largest record written to an attachment (Workers allows 2,048 bytes, serialised). */
const MAX_ATTACHMENT_CHARS = 1800;

/**
 * The sockets of every open WebSocket connection, by conn. `byHandler`
 * finds a conn from its engine transport; each conn learns its session id,
 * and the JSON of its record's fixed part (handshake), here.
 */
function socketsByConn(
  host: WorkersHost,
  byHandler: ReadonlyMap<unknown, WorkersConn>,
): Map<WorkersConn, SocketRecord[]> {
  const bySid = new Map<string, SocketRecord[]>();
  const result = new Map<WorkersConn, SocketRecord[]>();
  for (const session of host.engine.clients.values()) {
    const conn = byHandler.get(session.transport);
    if (conn === undefined || conn.closed || session.readyState !== "open") continue;
    if (conn.sid !== session.id || conn.fixedJson === "") {
      conn.sid = session.id;
      const request = session.request;
      const fixed = { v: 1, sid: session.id, url: request.url, headers: [...request.headers] };
      // `{"v":1,...,"headers":[...]` + `,"address":...,"sockets":[...]}`
      conn.fixedJson = JSON.stringify(fixed).slice(0, -1) + ',"address":' +
        JSON.stringify(session.remoteAddress);
    }
    const sockets: SocketRecord[] = [];
    bySid.set(session.id, sockets);
    result.set(conn, sockets);
  }
  if (bySid.size === 0) return result;
  for (const nsp of host._nsps.values()) {
    for (const socket of nsp.sockets.values()) {
      const sockets = bySid.get(socket.client.id);
      if (sockets === undefined) continue;
      sockets.push({
        nsp: nsp.name,
        id: socket.id,
        pid: "",
        rooms: [...socket.rooms].filter((room) => room !== socket.id),
        data: socket.data,
        auth: socket.handshake.auth,
      });
    }
  }
  for (const [conn, sockets] of result) {
    for (const socket of sockets) socket.pid = conn.pids.get(socket.nsp) ?? "";
  }
  return result;
}

/**
 * Writes the record of every connection whose state changed since it was
 * last written: its JSON to its attachment, or to storage when too big (the
 * attachment then says so). Every connection's record is built after each
 * event (any event may change any socket's rooms or `data`); only changed
 * ones are written. Returns how many were written.
 *
 * @example
 * ```ts ignore
 * setTimeout(() => saveRecords(io, state, conns, console.error), 0); // after an event
 * ```
 */
export function saveRecords(
  host: WorkersHost,
  state: WorkersObjectState,
  byHandler: ReadonlyMap<unknown, WorkersConn>,
  onError: (error: unknown) => void,
): number {
  let written = 0;
  for (const [conn, sockets] of socketsByConn(host, byHandler)) {
    const sid = conn.sid!;
    let json: string;
    try {
      json = conn.fixedJson + ',"sockets":' + JSON.stringify(sockets) + "}";
    } catch (error) {
      onError(error); // socket.data that JSON cannot hold
      continue;
    }
    if (json === conn.written) continue;
    try {
      if (json.length <= MAX_ATTACHMENT_CHARS) {
        conn.ws.serializeAttachment(json);
        if (conn.inStorage) state.storage.delete(storageKey(sid)).catch(onError);
        conn.inStorage = false;
      } else {
        state.storage.put(storageKey(sid), json).catch(onError);
        const mark: StoredMark = { v: 1, sid, stored: true };
        conn.ws.serializeAttachment(mark);
        conn.inStorage = true;
      }
      conn.written = json;
      written++;
    } catch (error) {
      onError(error);
    }
  }
  return written;
}

/**
 * Forgets the stored record of a connection that closed.
 *
 * @example
 * ```ts ignore
 * dropRecord(state, conn);
 * ```
 */
export function dropRecord(state: WorkersObjectState, conn: WorkersConn): void {
  if (conn.inStorage && conn.sid !== undefined) {
    state.storage.delete(storageKey(conn.sid)).catch(() => {});
    conn.inStorage = false;
  }
}

/** The record a socket's attachment (or storage) holds, or undefined. */
async function readRecord(
  state: WorkersObjectState,
  ws: WorkersWebSocket,
): Promise<ConnRecord | undefined> {
  let value: unknown;
  try {
    value = ws.deserializeAttachment();
    if (typeof value === "string") value = JSON.parse(value);
  } catch {
    return undefined;
  }
  const mark = value as Partial<StoredMark> | null;
  if (mark?.v !== 1 || typeof mark.sid !== "string") return undefined;
  if (mark.stored === true) {
    const json = await state.storage.get(storageKey(mark.sid));
    if (typeof json !== "string") return undefined;
    return JSON.parse(json) as ConnRecord;
  }
  return value as ConnRecord;
}

/**
 * Opens session `id` on `transport` as the engine's handshake would, but
 * without sending the open packet (the client has it), and tells the engine's
 * `connection` listeners (the Socket.IO server makes its client there).
 *
 * @example
 * ```ts ignore
 * const transport = new WebSocketTransport(1e6, (t) => openSession(io, host, sid, t, handshake));
 * transport.onOpen(conn);
 * ```
 */
export function openSession(
  host: WorkersHost,
  sessionHost: SessionHost<EngineSession>,
  id: string,
  transport: WebSocketTransport,
  handshake: HandshakeInfo,
): EngineSession {
  const engine = host.engine;
  const session = new EngineSession(id, transport, sessionHost, handshake);
  session.readyState = "open";
  engine.clients.set(id, session);
  for (const listener of engine.listeners("connection")) {
    try {
      listener(session);
    } catch (error) {
      engine.logger.error("webio: a connection listener threw:", error);
    }
  }
  return session;
}

/** Sessions' restores waiting for their namespace's adapter, by pid. */
const pending = new WeakMap<object, Map<string, SocketRecord>>();

/**
 * Makes `nsp.adapter.restoreSession` give back the sessions being restored
 * (by pid) before asking the adapter itself: the in-memory adapter lost
 * them with the object.
 */
function pendingRestores(nsp: WorkersNamespace): Map<string, SocketRecord> {
  const adapter = nsp.adapter;
  let map = pending.get(adapter);
  if (map !== undefined) return map;
  const restores = map = new Map();
  pending.set(adapter, map);
  const own = adapter.restoreSession.bind(adapter);
  adapter.restoreSession = (pid, offset) => {
    const socket = restores.get(pid);
    if (socket === undefined) return own(pid, offset);
    restores.delete(pid);
    return { sid: socket.id, pid, rooms: socket.rooms, data: socket.data, missedPackets: [] };
  };
  return map;
}

/** Turns a client's packet for `nsp` into its engine frame. */
function frame(type: number, nsp: string, data?: unknown): string {
  const prefix = nsp === "/" ? "" : nsp + ",";
  return `4${type}${prefix}${data === undefined ? "" : JSON.stringify(data)}`;
}

/** Lets pending microtasks and timers run (a namespace connects asynchronously). */
function settle(): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, 0));
}

/** How many turns a restore waits for its sockets before giving up on them. */
const RESTORE_TURNS = 50;

/**
 * Rebuilds the engine sessions and Socket.IO sockets of the hibernated
 * WebSockets of `state`, with what their records hold: the same session
 * and socket ids, rooms and `data`. Nothing is sent to the clients (they
 * never left). The namespaces' `connection` handlers run again, with
 * `socket.recovered` true. A socket that cannot come back (its namespace
 * is gone) gets a DISCONNECT; a WebSocket without a record is closed.
 * Returns how many connections came back.
 *
 * @example
 * ```ts ignore
 * await state.blockConcurrencyWhile(() => restoreConnections(io, state, sessionHost, conns));
 * ```
 */
export async function restoreConnections(
  host: WorkersHost,
  state: WorkersObjectState,
  sessionHost: SessionHost<EngineSession>,
  conns: { has(ws: WorkersWebSocket): boolean; add(conn: WorkersConn): void },
): Promise<number> {
  const engine = host.engine;
  const restored: [WorkersConn, ConnRecord][] = [];
  for (const ws of state.getWebSockets()) {
    if (conns.has(ws)) continue;
    const record = await readRecord(state, ws).catch(() => undefined);
    if (record === undefined) {
      try {
        ws.close(1011, "Session lost");
      } catch { /* closed */ }
      continue;
    }
    const transport = new WebSocketTransport(engine.opts.maxHttpBufferSize, (t) => {
      openSession(host, sessionHost, record.sid, t, {
        url: record.url,
        method: "GET",
        headers: new Headers(record.headers),
        remoteAddress: record.address,
      });
    });
    const conn = new WorkersConn(ws, transport);
    conn.muted = true;
    conn.sid = record.sid;
    conns.add(conn);
    transport.onOpen(conn);
    for (const socket of record.sockets) {
      if (socket.pid !== "") conn.pids.set(socket.nsp, socket.pid);
      const nsp = host._nsps.get(socket.nsp);
      const pid = socket.pid || `webio-restore-${socket.id}`;
      if (nsp !== undefined) pendingRestores(nsp).set(pid, socket);
      transport.onMessage(frame(0, socket.nsp, { ...socket.auth, pid, offset: "-1" }));
    }
    restored.push([conn, record]);
  }
  // Namespaces connect asynchronously: wait for every socket (or give up).
  const missing = () =>
    restored.flatMap(([conn, record]) =>
      record.sockets.filter((s) => !host._nsps.get(s.nsp)?.sockets.has(s.id)).map((s) =>
        [conn, s] as const
      )
    );
  for (let turn = 0; turn < RESTORE_TURNS && missing().length > 0; turn++) await settle();
  for (const [conn] of restored) conn.muted = false;
  for (const [conn, socket] of missing()) {
    const nsp = host._nsps.get(socket.nsp);
    if (nsp !== undefined) pending.get(nsp.adapter)?.clear();
    conn.send(frame(1, socket.nsp)); // the client learns its socket is gone
  }
  return restored.length;
}
