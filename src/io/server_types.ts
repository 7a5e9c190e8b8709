/**
 * What a namespace knows of its server (`nsp.server`), and the types both
 * use: connection middlewares, dynamic namespace matchers, server events.
 *
 * @module
 */

import type { AdapterConstructor, Room } from "./adapter.ts";
import type { BroadcastOperator, RemoteSocket, RoomOperator } from "./broadcast.ts";
import type { EngineServer } from "../engine/server.ts";
import type { RequestInfo } from "../engine/conn.ts";
import type { PacketEncoder } from "../parser/parser.ts";
import type { ServerOptions } from "./server_options.ts";
import type {
  AckResult,
  AllButLast,
  DecorateAcknowledgementsWithTimeoutAndMultipleResponses,
  EventNames,
  EventNamesWithAck,
  EventParams,
  EventsMap,
  ReservedOrUserEventNames,
  ReservedOrUserListener,
} from "./typed_events.ts";

/** A namespace middleware: call `next()` to accept, `next(err)` to refuse. */
export type NamespaceMiddleware<S> = (socket: S, next: (err?: ExtendedError) => void) => void;

/** An error whose `data` reaches the client's `connect_error`. */
export interface ExtendedError extends Error {
  /** Details sent to the client with the error message. */
  data?: unknown;
}

/** Decides whether a dynamic namespace `name` exists. */
export type NamespaceMatcher = (
  name: string,
  auth: Record<string, unknown>,
  next: (err: Error | null, allow: boolean) => void,
) => void;

/** Events of the server itself (the rest go to the main namespace). */
export interface ServerReservedEvents<S, N> {
  /** A socket connected to the main namespace. */
  connection: (socket: S) => void;
  /** Alias of `connection`. */
  connect: (socket: S) => void;
  /** A namespace was created (by `io.of(name)` or a dynamic parent), the main one aside. */
  new_namespace: (namespace: N) => void;
}

/**
 * The server as its namespaces see it (`nsp.server`): the `ServerCore`
 * members, with the same event maps. `ServerCore` implements it; `Sock` and
 * `Nsp` are its socket and namespace types (the interface is generic over
 * them so that this file needs nothing from theirs).
 */
export interface NamespaceServer<
  ListenEvents extends EventsMap,
  EmitEvents extends EventsMap,
  ServerSideEvents extends EventsMap,
  SocketData,
  Sock,
  Nsp,
> {
  /** The Engine.IO server underneath. */
  readonly engine: EngineServer;
  /** The main namespace `/`. */
  readonly sockets: Nsp;
  /** The options in force. */
  readonly opts: Readonly<ServerOptions>;
  /** The encoder of every packet sent (the `parser` option's). */
  readonly encoder: PacketEncoder;
  /** The namespaces by name. */
  readonly _nsps: ReadonlyMap<string, Nsp>;
  /** Answers one request (polling, WebSocket upgrade). */
  handleRequest(request: Request, info?: RequestInfo): Promise<Response>;
  /** Closes every connection, the adapters, then what serves the server. */
  close(callback?: (err?: Error) => void): Promise<void>;
  /** The adapter class in use. */
  adapter(): AdapterConstructor;
  /** Sets the adapter class. */
  adapter(adapter: AdapterConstructor): this;
  /** Milliseconds an engine connection may stay without joining a namespace. */
  connectTimeout(): number;
  /** Sets `connectTimeout`. */
  connectTimeout(ms: number): this;
  /** Where the protocol is served. */
  path(): string;
  /** The namespace `name`, or a parent of dynamic namespaces. */
  of(
    name: string | RegExp | NamespaceMatcher,
    fn?: (socket: Sock) => void,
  ): Nsp;
  /** Listens to `connection`/`connect` (main namespace) or `new_namespace`. */
  on<Ev extends ReservedOrUserEventNames<ServerReservedEvents<Sock, Nsp>, ServerSideEvents>>(
    ev: Ev,
    listener: ReservedOrUserListener<ServerReservedEvents<Sock, Nsp>, ServerSideEvents, Ev>,
  ): this;
  /** Like `on`, once. */
  once<Ev extends ReservedOrUserEventNames<ServerReservedEvents<Sock, Nsp>, ServerSideEvents>>(
    ev: Ev,
    listener: ReservedOrUserListener<ServerReservedEvents<Sock, Nsp>, ServerSideEvents, Ev>,
  ): this;
  /** Removes a listener. */
  off(ev: string, listener?: (...args: never[]) => void): this;
  /** Registers a middleware on the main namespace. */
  use(
    fn: NamespaceMiddleware<Sock>,
  ): this;
  /** Targets a room (or rooms). */
  to(
    room: Room | Room[],
  ): RoomOperator<EmitEvents, SocketData>;
  /** Alias of `to`. */
  in(
    room: Room | Room[],
  ): RoomOperator<EmitEvents, SocketData>;
  /** Excludes a room (or rooms). */
  except(
    room: Room | Room[],
  ): RoomOperator<EmitEvents, SocketData>;
  /** Emits to every socket of the main namespace. */
  emit<Ev extends EventNames<EmitEvents>>(ev: Ev, ...args: EventParams<EmitEvents, Ev>): boolean;
  /** Emits and resolves with every client's answer. */
  emitWithAck<Ev extends EventNamesWithAck<EmitEvents>>(
    ev: Ev,
    ...args: AllButLast<EventParams<EmitEvents, Ev>>
  ): Promise<AckResult<EmitEvents, Ev>[]>;
  /** Sends a `message` event to every socket. */
  send(...args: unknown[]): this;
  /** Alias of `send`. */
  write(...args: unknown[]): this;
  /** Sets whether to compress. */
  compress(
    compress: boolean,
  ): RoomOperator<EmitEvents, SocketData>;
  /** Drops the message for clients that are not ready. */
  readonly volatile: RoomOperator<EmitEvents, SocketData>;
  /** Only this node. */
  readonly local: RoomOperator<EmitEvents, SocketData>;
  /** Waits `timeout` ms for every client's ack. */
  timeout(
    timeout: number,
  ): BroadcastOperator<
    DecorateAcknowledgementsWithTimeoutAndMultipleResponses<EmitEvents>,
    SocketData,
    EmitEvents
  >;
  /** The ids of the main namespace's sockets. */
  allSockets(): Promise<Set<string>>;
  /** The sockets of the main namespace. */
  fetchSockets(): Promise<RemoteSocket<EmitEvents, SocketData>[]>;
  /** Makes every socket join `room`. */
  socketsJoin(room: Room | Room[]): void;
  /** Makes every socket leave `room`. */
  socketsLeave(room: Room | Room[]): void;
  /** Disconnects every socket. */
  disconnectSockets(close?: boolean): void;
  /** Emits to the other servers of a cluster. */
  serverSideEmit<Ev extends EventNames<ServerSideEvents>>(
    ev: Ev,
    ...args: EventParams<ServerSideEvents, Ev>
  ): boolean;
  /** Emits to the other servers and resolves with their answers. */
  serverSideEmitWithAck<Ev extends EventNamesWithAck<ServerSideEvents>>(
    ev: Ev,
    ...args: AllButLast<EventParams<ServerSideEvents, Ev>>
  ): Promise<AckResult<ServerSideEvents, Ev>[]>;
}
