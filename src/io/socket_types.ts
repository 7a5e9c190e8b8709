/**
 * The types around a socket: disconnect reasons, its own events,
 * per-packet middlewares, and what it needs of its namespace and connection.
 *
 * @module
 */

import type { AdapterSocket, NamespaceAdapter, Room, WriteOptions } from "./adapter.ts";
import type { RemoteSocket, RoomOperator } from "./broadcast.ts";
import type { EventNames, EventParams, EventsMap } from "./typed_events.ts";
import type { EngineSession } from "../engine/session.ts";
import type { RawData } from "../engine/packet.ts";
import type { Packet } from "../parser/packet.ts";
import type { PacketEncoder } from "../parser/parser.ts";

/** Why a socket disconnected, with the official reason strings. */
export type DisconnectReason =
  | "transport error"
  | "transport close"
  | "forced close"
  | "ping timeout"
  | "parse error"
  | "server shutting down"
  | "forced server close"
  | "client namespace disconnect"
  | "server namespace disconnect";

/** Events a socket emits by itself. */
export interface SocketReservedEvents {
  /** The socket has left the namespace (its rooms are gone). */
  disconnect: (reason: DisconnectReason, description?: unknown) => void;
  /** The socket is about to leave the namespace (its rooms are still there). */
  disconnecting: (reason: DisconnectReason, description?: unknown) => void;
  /** A packet was refused by a `use()` middleware, or the client misbehaved. */
  error: (err: Error) => void;
}

/**
 * A per-packet middleware, run for each incoming event: `packet` is
 * `[event, ...args]` (the ack callback last, if any) and may be changed in
 * place; `next()` lets it through, `next(err)` refuses it and reports `err`
 * to the socket's `error` listeners. A throw or a rejected promise counts as
 * `next(err)`.
 */
export type PacketMiddleware = (
  packet: unknown[],
  next: (err?: Error) => void,
) => void | Promise<void>;

/**
 * What a socket knows of its namespace: the members the socket itself uses,
 * and those an application reaches through `socket.nsp`. The `Namespace`
 * class implements it; `Sock` is the socket type (the interface is generic
 * over it so that this file needs nothing from the socket's own).
 */
export interface SocketNamespace<EmitEvents extends EventsMap, SocketData, Sock> {
  /** The namespace name, `/` for the main one. */
  readonly name: string;
  /** Its rooms and broadcasts. */
  readonly adapter: NamespaceAdapter;
  /** Its connected sockets by id. */
  readonly sockets: Map<string, Sock>;
  /** Targets a room (or rooms) for a broadcast. */
  to(room: Room | Room[]): RoomOperator<EmitEvents, SocketData>;
  /** Alias of `to`. */
  in(room: Room | Room[]): RoomOperator<EmitEvents, SocketData>;
  /** Leaves a room (or rooms) out of a broadcast. */
  except(room: Room | Room[]): RoomOperator<EmitEvents, SocketData>;
  /** Emits to every socket of the namespace. */
  emit<Ev extends EventNames<EmitEvents>>(ev: Ev, ...args: EventParams<EmitEvents, Ev>): boolean;
  /** The namespace's sockets (on this server, its `Socket` objects). */
  fetchSockets(): Promise<RemoteSocket<EmitEvents, SocketData>[]>;
  /** The next id for an acknowledgement the server asks for. */
  nextAckId(): number;
  /** The id `nextAckId` will give next. */
  peekAckId(): number;
  /** Forgets a socket that has disconnected. */
  remove(socket: AdapterSocket): void;
}

/** What a socket needs of the connection (the engine session's Socket.IO client). */
export interface SocketConnection<Sock> {
  /** The Engine.IO session. */
  readonly conn: EngineSession;
  /** The Engine.IO session id. */
  readonly id: string;
  /** The encoder of a custom parser (the `parser` option); `undefined` for webio's own. */
  readonly customEncoder?: PacketEncoder;
  /** Writes frames already encoded by the Socket.IO codec. */
  writeToEngine(frames: readonly RawData[], opts: WriteOptions): void;
  /** Writes one encoded text frame. */
  writeFrame(frame: string, opts: WriteOptions): void;
  /** Writes encoded frames (a packet and its attachments). */
  writeFrames(frames: readonly RawData[], opts: WriteOptions): void;
  /** Encodes and writes a packet. */
  writePacket(packet: Packet, opts: WriteOptions): void;
  /** Forgets a socket that has disconnected. */
  remove(socket: Sock): void;
  /** Disconnects every socket of the connection, then closes it. */
  disconnectAll(): void;
}
