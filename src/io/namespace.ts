/**
 * A namespace: a channel of its own over the shared connection, with its
 * sockets, middlewares, rooms (through its adapter) and broadcasting.
 *
 * @module
 */

import { Emitter } from "../_internal/emitter.ts";
import { logError } from "../_internal/error_log.ts";
import {
  type AdapterConstructor,
  type AdapterSocket,
  containAdapterCall,
  containRejection,
  makeAdapter,
  type NamespaceAdapter,
  type Room,
  type Session,
} from "./adapter.ts";
import { generateId } from "../_internal/ids.ts";
import { BroadcastOperator, type RemoteSocket, type RoomOperator } from "./broadcast.ts";
import { PacketType } from "../parser/packet.ts";
import type { ExtendedError, NamespaceMiddleware, NamespaceServer } from "./server_types.ts";
import { Socket } from "./socket.ts";
import type { SocketConnection, SocketNamespace } from "./socket_types.ts";
import type {
  AckResult,
  AllButLast,
  AnyListener,
  DecorateAcknowledgementsWithTimeoutAndMultipleResponses,
  DefaultEventsMap,
  EventNames,
  EventNamesWithAck,
  EventParams,
  EventsMap,
  ReservedOrUserEventNames,
  ReservedOrUserListener,
} from "./typed_events.ts";

export type { ExtendedError, NamespaceMiddleware };

/** What a namespace needs of its server. */
export interface NamespaceHost {
  /** Builds the adapter of a namespace. */
  readonly adapterConstructor: AdapterConstructor;
  /** Called when a dynamic child namespace emptied (cleanupEmptyChildNamespaces). */
  readonly cleanupEmptyChildNamespaces: boolean;
  /** Forgets a namespace. */
  removeNamespace(name: string): void;
}

/** Events of a namespace. */
export interface NamespaceReservedEvents<S> {
  /** A socket passed the middlewares and connected. */
  connection: (socket: S) => void;
  /** Alias of `connection`. */
  connect: (socket: S) => void;
}

/** The reserved events of a namespace of these event maps (`connection`, `connect`). */
export type NamespaceEventsOf<L extends EventsMap, E extends EventsMap, S extends EventsMap, D> =
  NamespaceReservedEvents<Socket<L, E, S, D>>;

/**
 * An event a namespace's `on`, `once` and `off` take: one of its reserved
 * events, or an event another server sends with `serverSideEmit` (of `S`).
 */
export type NamespaceEventName<L extends EventsMap, E extends EventsMap, S extends EventsMap, D> =
  ReservedOrUserEventNames<NamespaceEventsOf<L, E, S, D>, S>;

/** The listener of a namespace's event `Ev` (see {@linkcode NamespaceEventName}). */
export type NamespaceListener<
  L extends EventsMap,
  E extends EventsMap,
  S extends EventsMap,
  D,
  Ev extends string,
> = ReservedOrUserListener<NamespaceEventsOf<L, E, S, D>, S, Ev>;

/**
 * A Socket.IO namespace.
 *
 * @example
 * ```ts ignore
 * const admin = io.of("/admin");
 * admin.use((socket, next) => socket.handshake.auth.token === "s3cret" ? next() : next(new Error("unauthorized")));
 * admin.on("connection", (socket) => socket.emit("welcome"));
 * ```
 */
export class Namespace<
  ListenEvents extends EventsMap = DefaultEventsMap,
  EmitEvents extends EventsMap = DefaultEventsMap,
  ServerSideEvents extends EventsMap = DefaultEventsMap,
  // deno-lint-ignore no-explicit-any
  SocketData = any,
> extends Emitter<Record<string, AnyListener>> implements
  SocketNamespace<
    EmitEvents,
    SocketData,
    Socket<ListenEvents, EmitEvents, ServerSideEvents, SocketData>
  > {
  /** The namespace name, e.g. `"/"` or `"/admin"`. */
  readonly name: string;
  /** Connected sockets by id. */
  readonly sockets: Map<string, Socket<ListenEvents, EmitEvents, ServerSideEvents, SocketData>> =
    new Map();
  /** The adapter holding rooms (replaced when `io.adapter(...)` sets a new class). */
  adapter: NamespaceAdapter;
  /** The server, with the same event maps. */
  readonly server: NamespaceServer<
    ListenEvents,
    EmitEvents,
    ServerSideEvents,
    SocketData,
    Socket<ListenEvents, EmitEvents, ServerSideEvents, SocketData>,
    Namespace<ListenEvents, EmitEvents, ServerSideEvents, SocketData>
  >;
  /** @internal Middlewares, in order. */
  middlewares: NamespaceMiddleware<
    Socket<ListenEvents, EmitEvents, ServerSideEvents, SocketData>
  >[] = [];

  #host: NamespaceHost;
  #ackId = 0;

  /**
   * @internal Made by the server (`io.of(name)`), which passes its narrow
   * host interface and itself.
   */
  constructor(
    host: NamespaceHost,
    name: string,
    server: NamespaceServer<
      ListenEvents,
      EmitEvents,
      ServerSideEvents,
      SocketData,
      Socket<ListenEvents, EmitEvents, ServerSideEvents, SocketData>,
      Namespace<ListenEvents, EmitEvents, ServerSideEvents, SocketData>
    >,
  ) {
    super();
    this.#host = host;
    this.name = name;
    this.server = server;
    this.adapter = makeAdapter(host.adapterConstructor, this);
    const adapter = this.adapter;
    containAdapterCall(adapter, "init()", () => adapter.init());
  }

  /** @internal Replaces the adapter with a new one of the server's current class. */
  initAdapter(): void {
    this.adapter = makeAdapter(this.#host.adapterConstructor, this);
    const adapter = this.adapter;
    containAdapterCall(adapter, "init()", () => adapter.init());
  }

  /** @internal A fresh ack id. */
  nextAckId(): number {
    return this.#ackId++;
  }

  /** @internal The next ack id to be issued. */
  peekAckId(): number {
    return this.#ackId;
  }

  /**
   * @internal The next ack id, for the official adapters, which read and
   * increment it (`nsp._ids++`) for a broadcast with acks.
   */
  get _ids(): number {
    return this.#ackId;
  }

  set _ids(value: number) {
    this.#ackId = value;
  }

  /**
   * @internal An event that another node sent with `serverSideEmit`, for
   * this namespace's listeners (official contract, called by cluster
   * adapters); its last element is the ack callback when one is expected.
   */
  _onServerSideEmit(args: unknown[]): void {
    if (args.length === 0 || typeof args[0] !== "string") return;
    this.emitArgs(args[0], args, 1);
  }

  // -- listeners: the reserved events, and the server-side events of a cluster --

  /**
   * Listens to `connection`/`connect`, or to an event that another server
   * sent with `serverSideEmit` (typed by `ServerSideEvents`).
   */
  override on<
    Ev extends NamespaceEventName<ListenEvents, EmitEvents, ServerSideEvents, SocketData>,
  >(
    ev: Ev,
    listener: NamespaceListener<ListenEvents, EmitEvents, ServerSideEvents, SocketData, Ev>,
  ): this {
    return super.on(ev, listener as AnyListener);
  }

  /** Alias of `on`. */
  override addListener<
    Ev extends NamespaceEventName<ListenEvents, EmitEvents, ServerSideEvents, SocketData>,
  >(
    ev: Ev,
    listener: NamespaceListener<ListenEvents, EmitEvents, ServerSideEvents, SocketData, Ev>,
  ): this {
    return super.on(ev, listener as AnyListener);
  }

  /** Like `on`, once. */
  override once<
    Ev extends NamespaceEventName<ListenEvents, EmitEvents, ServerSideEvents, SocketData>,
  >(
    ev: Ev,
    listener: NamespaceListener<ListenEvents, EmitEvents, ServerSideEvents, SocketData, Ev>,
  ): this {
    return super.once(ev, listener as AnyListener);
  }

  /** Removes a listener, or every listener of `ev`. */
  override off<
    Ev extends NamespaceEventName<ListenEvents, EmitEvents, ServerSideEvents, SocketData>,
  >(
    ev: Ev,
    listener?: NamespaceListener<ListenEvents, EmitEvents, ServerSideEvents, SocketData, Ev>,
  ): this {
    return super.off(ev, listener as AnyListener | undefined);
  }

  /** Alias of `off`. */
  override removeListener<
    Ev extends NamespaceEventName<ListenEvents, EmitEvents, ServerSideEvents, SocketData>,
  >(
    ev: Ev,
    listener?: NamespaceListener<ListenEvents, EmitEvents, ServerSideEvents, SocketData, Ev>,
  ): this {
    return super.off(ev, listener as AnyListener | undefined);
  }

  /** Registers a connection middleware. */
  use(
    fn: NamespaceMiddleware<Socket<ListenEvents, EmitEvents, ServerSideEvents, SocketData>>,
  ): this {
    this.middlewares.push(fn);
    return this;
  }

  // -- broadcasting --

  #op(): BroadcastOperator<EmitEvents, SocketData> {
    return new BroadcastOperator<EmitEvents, SocketData>(this.adapter);
  }

  /** The operator with its acks typed as broadcasts (one answer per client). */
  #broadcast(): RoomOperator<EmitEvents, SocketData> {
    return this.#op() as unknown as RoomOperator<EmitEvents, SocketData>;
  }

  /** Targets a room (or rooms). */
  to(
    room: Room | Room[],
  ): RoomOperator<EmitEvents, SocketData> {
    return this.#broadcast().to(room);
  }

  /** Alias of `to`. */
  in(
    room: Room | Room[],
  ): RoomOperator<EmitEvents, SocketData> {
    return this.#broadcast().in(room);
  }

  /** Excludes a room (or rooms). */
  except(
    room: Room | Room[],
  ): RoomOperator<EmitEvents, SocketData> {
    return this.#broadcast().except(room);
  }

  /** Emits to every socket of the namespace. */
  emit<Ev extends EventNames<EmitEvents>>(ev: Ev, ...args: EventParams<EmitEvents, Ev>): boolean {
    return this.#op().emit(ev, ...args);
  }

  /**
   * Emits to every socket and resolves with their answers, one per client;
   * after `timeout()` (`nsp.timeout(1000).emitWithAck(...)`) it rejects when
   * some are missing at the deadline.
   */
  emitWithAck<Ev extends EventNamesWithAck<EmitEvents>>(
    ev: Ev,
    ...args: AllButLast<EventParams<EmitEvents, Ev>>
  ): Promise<AckResult<EmitEvents, Ev>[]> {
    return (this.#op().emitWithAck as (ev: string, ...a: unknown[]) => Promise<unknown>)(
      ev,
      ...args,
    ) as Promise<AckResult<EmitEvents, Ev>[]>;
  }

  /** Sends a `message` event to every socket. */
  send(...args: unknown[]): this {
    (this.#op().emit as (ev: string, ...a: unknown[]) => boolean)("message", ...args);
    return this;
  }

  /** Alias of `send`. */
  write(...args: unknown[]): this {
    return this.send(...args);
  }

  /** Sets whether to compress. */
  compress(
    compress: boolean,
  ): RoomOperator<EmitEvents, SocketData> {
    return this.#broadcast().compress(compress);
  }

  /** Drops the message for clients that are not ready to receive it. */
  get volatile(): RoomOperator<EmitEvents, SocketData> {
    return this.#broadcast().volatile;
  }

  /** Only this node. */
  get local(): RoomOperator<EmitEvents, SocketData> {
    return this.#broadcast().local;
  }

  /** Waits `timeout` ms for every client's ack. */
  timeout(
    timeout: number,
  ): BroadcastOperator<
    DecorateAcknowledgementsWithTimeoutAndMultipleResponses<EmitEvents>,
    SocketData,
    EmitEvents
  > {
    return this.#op().timeout(timeout) as unknown as BroadcastOperator<
      DecorateAcknowledgementsWithTimeoutAndMultipleResponses<EmitEvents>,
      SocketData,
      EmitEvents
    >;
  }

  /**
   * The ids of the namespace's sockets.
   *
   * @deprecated As officially: use {@linkcode Namespace.fetchSockets}.
   */
  allSockets(): Promise<Set<string>> {
    return this.#op().allSockets();
  }

  /** The sockets of the namespace (on this server, its `Socket` objects). */
  fetchSockets(): Promise<RemoteSocket<EmitEvents, SocketData>[]> {
    return this.#op().fetchSockets();
  }

  /** Makes every socket join `room`. */
  socketsJoin(room: Room | Room[]): void {
    this.#op().socketsJoin(room);
  }

  /** Makes every socket leave `room`. */
  socketsLeave(room: Room | Room[]): void {
    this.#op().socketsLeave(room);
  }

  /** Disconnects every socket. */
  disconnectSockets(close = false): void {
    this.#op().disconnectSockets(close);
  }

  /**
   * Emits to the other servers of a cluster. On one node there are none: an
   * ack callback is answered with an empty list.
   */
  serverSideEmit<Ev extends EventNames<ServerSideEvents>>(
    ev: Ev,
    ...args: EventParams<ServerSideEvents, Ev>
  ): boolean;
  serverSideEmit(ev: string, ...args: unknown[]): boolean {
    if (ev === "connection" || ev === "connect" || ev === "new_namespace") {
      throw new Error(`"${ev}" is a reserved event name`);
    }
    const adapter = this.adapter;
    containRejection(adapter, "serverSideEmit()", adapter.serverSideEmit([ev, ...args]));
    return true;
  }

  /** Emits to the other servers and resolves with their answers (none on one node). */
  serverSideEmitWithAck<Ev extends EventNamesWithAck<ServerSideEvents>>(
    ev: Ev,
    ...args: AllButLast<EventParams<ServerSideEvents, Ev>>
  ): Promise<AckResult<ServerSideEvents, Ev>[]>;
  serverSideEmitWithAck(ev: string, ...args: unknown[]): Promise<unknown[]> {
    return new Promise((resolve, reject) => {
      (this.serverSideEmit as (ev: string, ...a: unknown[]) => boolean)(
        ev,
        ...args,
        (err: Error | null, responses: unknown[]) => err ? reject(err) : resolve(responses),
      );
    });
  }

  // -- connection lifecycle, called by the client --

  /**
   * @internal Runs the middlewares for a new socket; on success the socket
   * connects and `onConnected` gets it, else the client gets CONNECT_ERROR.
   */
  add(
    // deno-lint-ignore no-explicit-any
    client: SocketConnection<Socket<any, any, any, any>>,
    auth: Record<string, unknown>,
    onConnected: (socket: Socket<ListenEvents, EmitEvents, ServerSideEvents, SocketData>) => void,
  ): void {
    const recovery = this.server.opts.connectionStateRecovery;
    if (!recovery) return this.#add(client, auth, onConnected, undefined, undefined);
    const { pid, offset } = auth;
    if (typeof pid !== "string" || typeof offset !== "string") {
      return this.#add(client, auth, onConnected, generateId(), undefined);
    }
    // Connection-state recovery: the adapter may answer later (a cluster).
    let restored: Promise<Session | null> | Session | null = null;
    try {
      restored = this.adapter.restoreSession(pid, offset);
    } catch (err) {
      this.onListenerError(err, "restoreSession");
    }
    const then = (session: Session | null) => {
      // A session whose socket is here again is not given twice.
      if (session && this.sockets.has(session.sid)) session = null;
      if (!session) return this.#add(client, auth, onConnected, generateId(), undefined);
      const skip = recovery.skipMiddlewares !== false;
      this.#add(client, auth, onConnected, session.pid, session, skip);
    };
    if (!(restored instanceof Promise)) return then(restored);
    restored.then(then, (err) => {
      this.onListenerError(err, "restoreSession");
      then(null);
    });
  }

  #add(
    // deno-lint-ignore no-explicit-any
    client: SocketConnection<Socket<any, any, any, any>>,
    auth: Record<string, unknown>,
    onConnected: (socket: Socket<ListenEvents, EmitEvents, ServerSideEvents, SocketData>) => void,
    pid: string | undefined,
    session: Session | undefined,
    skipMiddlewares = false,
  ): void {
    const socket = new Socket<ListenEvents, EmitEvents, ServerSideEvents, SocketData>(
      this,
      client,
      auth,
      pid,
      session,
    );
    this.#run(socket, skipMiddlewares ? this.middlewares.length : 0, (err) => {
      if (client.conn.readyState !== "open") return;
      if (err) {
        client.writePacket({
          type: PacketType.CONNECT_ERROR,
          nsp: this.name,
          data: err.data === undefined
            ? { message: err.message }
            : { message: err.message, data: err.data },
        }, {});
        return;
      }
      this.sockets.set(socket.id, socket);
      socket.onConnect();
      onConnected(socket);
      this.emitEvent("connect", socket);
      this.emitEvent("connection", socket);
    });
  }

  #run(
    socket: Socket<ListenEvents, EmitEvents, ServerSideEvents, SocketData>,
    index: number,
    done: (err?: ExtendedError) => void,
  ): void {
    const fn = this.middlewares[index];
    if (!fn) return done();
    let called = false;
    const next = (err?: ExtendedError) => {
      if (called) return;
      called = true;
      if (err) done(err instanceof Error ? err : Object.assign(new Error(String(err))));
      else this.#run(socket, index + 1, done);
    };
    try {
      const result = fn(socket, next) as unknown;
      if (result instanceof Promise) result.catch((err) => next(err));
    } catch (err) {
      next(err as ExtendedError);
    }
  }

  /** @internal Forgets a socket that disconnected. */
  remove(socket: AdapterSocket): void {
    this.sockets.delete(socket.id);
    if (this.#host.cleanupEmptyChildNamespaces && this.isChild && this.sockets.size === 0) {
      const adapter = this.adapter;
      containAdapterCall(adapter, "close()", () => adapter.close());
      this.#host.removeNamespace(this.name);
    }
  }

  /** @internal Whether this namespace was created by a dynamic parent. */
  isChild = false;

  /**
   * Where errors thrown by this namespace's listeners go; logs them by
   * default, a few a minute (see `_internal/error_log.ts`).
   */
  protected override onListenerError(err: unknown, event: string): void {
    logError(
      this,
      `namespace ${this.name}`,
      `webio: "${event}" handler of namespace ${this.name} threw:`,
      err,
    );
  }
}
