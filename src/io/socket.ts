/**
 * A Socket.IO socket: one client in one namespace.
 *
 * @module
 */

import { Emitter } from "../_internal/emitter.ts";
import { logError } from "../_internal/error_log.ts";
import { type AnyEventListener, AnyListeners } from "./_any_listeners.ts";
import {
  type AckFn,
  Adapter,
  type AdapterSocket,
  containAdapterCall,
  containRejection,
  type Room,
  type Session,
  type SocketAcks,
  type WriteOptions,
} from "./adapter.ts";
import { PendingAcks } from "./_acks.ts";
import { BroadcastOperator, type RoomOperator } from "./broadcast.ts";
import type { EngineSession } from "../engine/session.ts";
import { generateId } from "../_internal/ids.ts";
import { buildHandshake, type Handshake } from "./handshake.ts";
import { encodeEvent, encodeEventText } from "../parser/encode.ts";
import { type Packet, PacketType, RESERVED_EVENTS } from "../parser/packet.ts";
import type {
  AckResult,
  AllButLast,
  AnyListener,
  DecorateAcknowledgements,
  DefaultEventsMap,
  EventNames,
  EventNamesWithAck,
  EventParams,
  EventsMap,
  ReservedOrUserEventNames,
  ReservedOrUserListener,
} from "./typed_events.ts";
import type {
  DisconnectReason,
  PacketMiddleware,
  SocketConnection,
  SocketNamespace,
  SocketReservedEvents,
} from "./socket_types.ts";
import { EnginePacketType } from "../engine/packet.ts";

/**
 * The Engine.IO message type: the Socket.IO codec writes it in front of a
 * packet's text, so a frame is built as one string.
 */
const MESSAGE = EnginePacketType.message;

export type { DisconnectReason, PacketMiddleware, SocketReservedEvents };

/** Reasons after which a session is kept for connection-state recovery (as officially). */
const RECOVERABLE_REASONS: ReadonlySet<string> = new Set([
  "transport error",
  "transport close",
  "forced close",
  "ping timeout",
  "server shutting down",
  "forced server close",
]);

/** Error given to timed acks still pending when the socket disconnects. */
const DISCONNECTED_MESSAGE = "socket has been disconnected";

interface EmitFlags {
  volatile?: boolean;
  compress?: boolean;
  timeout?: number;
}

/** The flags of an emit without modifiers, shared so that emitting allocates none. */
const NO_FLAGS: Readonly<EmitFlags> = Object.freeze({});

/**
 * One client connected to one namespace.
 *
 * @example
 * ```ts ignore
 * io.on("connection", (socket) => {
 *   socket.join("room1");
 *   socket.on("hello", (name, ack) => ack(`hi ${name}`));
 *   socket.emit("welcome", { id: socket.id });
 * });
 * ```
 */
export class Socket<
  ListenEvents extends EventsMap = DefaultEventsMap,
  EmitEvents extends EventsMap = ListenEvents,
  ServerSideEvents extends EventsMap = DefaultEventsMap,
  // deno-lint-ignore no-explicit-any
  SocketData = any,
> extends Emitter<Record<string, AnyListener>> implements AdapterSocket {
  /** The socket id (not the engine session id). */
  readonly id: string;
  /** The namespace it belongs to. */
  readonly nsp: SocketNamespace<
    EmitEvents,
    SocketData,
    Socket<ListenEvents, EmitEvents, ServerSideEvents, SocketData>
  >;
  /** The engine-level client it travels on. */
  // deno-lint-ignore no-explicit-any
  readonly client: SocketConnection<Socket<any, any, any, any>>;
  // Parts most sockets never use are made on first use: a server holds many sockets.
  #data: SocketData | undefined;
  /** Whether it is connected. */
  connected = false;
  /**
   * Whether the session was recovered after a short disconnection
   * (`connectionStateRecovery`): the id, rooms and `data` are the old
   * socket's, and the packets it missed were sent again.
   */
  get recovered(): boolean {
    return this.#missed !== undefined;
  }

  #auth: Record<string, unknown>;
  #issued = Date.now();
  #handshake: Handshake | undefined;
  #acks: PendingAcks | undefined;
  #flags: Readonly<EmitFlags> = NO_FLAGS;
  #middlewares: PacketMiddleware[] | undefined;
  #any: AnyListeners | undefined;
  #anyOutgoing: AnyListeners | undefined;
  /** Rooms joined before the socket connected. */
  #early: Set<Room> | undefined;
  #closed = false;
  /** The private session id, with `connectionStateRecovery` only. */
  #pid: string | undefined;
  /** For a recovered socket, the packets it missed (emptied once sent). */
  #missed: unknown[][] | undefined;

  /** @internal Made by the namespace when a client connects to it. */
  constructor(
    nsp: SocketNamespace<
      EmitEvents,
      SocketData,
      Socket<ListenEvents, EmitEvents, ServerSideEvents, SocketData>
    >,
    // deno-lint-ignore no-explicit-any
    client: SocketConnection<Socket<any, any, any, any>>,
    auth: Record<string, unknown>,
    pid?: string,
    session?: Session,
  ) {
    super();
    this.nsp = nsp;
    this.client = client;
    this.#auth = auth;
    this.#pid = pid;
    if (session === undefined) {
      this.id = generateId();
      return;
    }
    this.id = session.sid;
    this.#data = session.data;
    this.#early = new Set(session.rooms);
    this.#missed = session.missedPackets;
  }

  /** Free storage for the application, shared with `fetchSockets()`. */
  get data(): SocketData {
    return this.#data ??= {} as SocketData;
  }

  set data(value: SocketData) {
    this.#data = value;
  }

  /** The engine session (official `socket.conn`). */
  get conn(): EngineSession {
    return this.client.conn;
  }

  /** The request of the handshake. */
  get request(): Request {
    return this.client.conn.request;
  }

  /** Handshake details, built on first read. */
  get handshake(): Handshake {
    return this.#handshake ??= buildHandshake(this.client.conn, this.#auth, this.#issued);
  }

  /** Rooms the socket is in (its own id included). */
  get rooms(): Set<Room> {
    if (!this.connected) return new Set(this.#early);
    return this.nsp.adapter.socketRooms(this.id) ?? new Set();
  }

  /** Whether it is disconnected. */
  get disconnected(): boolean {
    return !this.connected;
  }

  /**
   * The acknowledgements this socket waits for, by packet id: the part of
   * the official `Map` that adapters use (`set`, `get`, `has`, `delete`,
   * `size`). A cluster adapter's broadcast with acks registers its callback
   * here with `set`; it gets the client's answer as is.
   */
  get acks(): SocketAcks {
    return this.#pendingAcks();
  }

  /**
   * Tells the `onAnyOutgoing` listeners about a packet sent by an adapter
   * (official contract: the adapters call it for every socket they write to).
   */
  notifyOutgoingListeners(packet: Packet): void {
    if (this.#anyOutgoing === undefined || this.#anyOutgoing.empty) return;
    if (packet.type === PacketType.EVENT || packet.type === PacketType.BINARY_EVENT) {
      this.#notifyOutgoing(packet.data as unknown[]);
    }
  }

  // -- emitting --

  /**
   * Emits an event to the client. A function as last argument receives the
   * client's acknowledgement (with `(err, ...args)` after `timeout()`).
   */
  emit<Ev extends EventNames<EmitEvents>>(ev: Ev, ...args: EventParams<EmitEvents, Ev>): boolean;
  emit(ev: string, ...args: unknown[]): boolean {
    if (RESERVED_EVENTS.has(ev)) throw new Error(`"${ev}" is a reserved event name`);
    const flags = this.#flags;
    if (flags !== NO_FLAGS) this.#flags = NO_FLAGS;
    // One copy: the event name, then the arguments without the ack callback.
    let count = args.length;
    const ack = count > 0 && typeof args[count - 1] === "function"
      ? args[--count] as AckFn
      : undefined;
    const data: unknown[] = [ev];
    for (let i = 0; i < count; i++) data.push(args[i]);
    let kept: string | undefined;
    if (
      this.#pid !== undefined && ack === undefined && this.connected && !flags.volatile &&
      this.nsp.adapter instanceof Adapter && this.client.customEncoder === undefined
    ) {
      // Connection-state recovery on webio's own adapter: the offset last, the
      // packet kept, and the event written here on the fast path below.
      kept = this.nsp.adapter.nextOwnEventOffset();
      if (kept !== undefined) data.push(kept);
    } else if (this.#pid !== undefined && ack === undefined && (this.connected || this.#closed)) {
      // Connection-state recovery: through the adapter, which puts the offset
      // last and keeps the packet for a replay (after a disconnection too),
      // as officially.
      const opts = { rooms: new Set([this.id]), except: new Set<Room>(), flags };
      const adapter = this.nsp.adapter;
      const sent = adapter.broadcast({ type: PacketType.EVENT, nsp: this.nsp.name, data }, opts);
      containRejection(adapter, "broadcast()", sent);
      return true;
    }
    if (this.#closed) {
      // Gone from the namespace: nothing to send, and no answer will come.
      if (ack && flags.timeout !== undefined) {
        queueMicrotask(() => this.#callAck(ack, [new Error(DISCONNECTED_MESSAGE)]));
      }
      return true;
    }
    const id = ack ? this.nsp.nextAckId() : undefined;
    // A custom parser (`parser` option) encodes a packet; webio's own codec has fast paths.
    if (this.client.customEncoder !== undefined) return this.#emitPacket(data, id, ack, flags);
    // Encode first: data that cannot be encoded throws before any ack is registered.
    const text = encodeEventText(this.nsp.name, data, id, MESSAGE);
    const frames = text === undefined ? encodeEvent(this.nsp.name, data, id, MESSAGE) : undefined;
    if (kept !== undefined) {
      const adapter = this.nsp.adapter as Adapter;
      if (text !== undefined) adapter.keepOwnEvent(text, this.id, text.length);
      else adapter.keepOwnEvent(data, this.id, frames!.reduce((n, f) => n + frameLength(f), 0));
    }
    if (ack) this.#pendingAcks().add(id!, ack, flags.timeout);
    if (this.#anyOutgoing !== undefined && !this.#anyOutgoing.empty) this.#notifyOutgoing(data);
    if (frames === undefined) this.client.writeFrame(text!, flags);
    else this.client.writeFrames(frames, flags);
    return true;
  }

  /** `emit` through a custom parser's encoder. */
  #emitPacket(
    data: unknown[],
    id: number | undefined,
    ack: AckFn | undefined,
    flags: Readonly<EmitFlags>,
  ): boolean {
    const packet: Packet = { type: PacketType.EVENT, nsp: this.nsp.name, data };
    if (id !== undefined) packet.id = id;
    const frames = this.client.customEncoder!.encode(packet);
    if (ack) this.#pendingAcks().add(id!, ack, flags.timeout);
    if (this.#anyOutgoing !== undefined && !this.#anyOutgoing.empty) this.#notifyOutgoing(data);
    this.client.writeToEngine(frames, flags);
    return true;
  }

  /**
   * Emits and resolves with the client's answer. After `timeout()` it
   * rejects when the time runs out or the socket disconnects first.
   */
  emitWithAck<Ev extends EventNamesWithAck<EmitEvents>>(
    ev: Ev,
    ...args: AllButLast<EventParams<EmitEvents, Ev>>
  ): Promise<AckResult<EmitEvents, Ev>> {
    const withTimeout = this.#flags.timeout !== undefined;
    return new Promise((resolve, reject) => {
      const ack = withTimeout
        ? (err: Error | null, value: AckResult<EmitEvents, Ev>) =>
          err ? reject(err) : resolve(value)
        : (value: AckResult<EmitEvents, Ev>) => resolve(value);
      (this.emit as (ev: string, ...a: unknown[]) => boolean)(ev, ...args, ack);
    });
  }

  /** Sends a `message` event. */
  send(...args: unknown[]): this {
    (this.emit as (ev: string, ...a: unknown[]) => boolean)("message", ...args);
    return this;
  }

  /** Alias of `send`. */
  write(...args: unknown[]): this {
    return this.send(...args);
  }

  /** Sets an ack timeout for the next emit. */
  timeout(
    timeout: number,
  ): Socket<ListenEvents, DecorateAcknowledgements<EmitEvents>, ServerSideEvents, SocketData> {
    this.#flags = { ...this.#flags, timeout };
    return this as unknown as Socket<
      ListenEvents,
      DecorateAcknowledgements<EmitEvents>,
      ServerSideEvents,
      SocketData
    >;
  }

  /** Drops the next emit if the client is not ready to receive it. */
  get volatile(): this {
    this.#flags = { ...this.#flags, volatile: true };
    return this;
  }

  /** Sets whether the next emit is compressed. */
  compress(compress: boolean): this {
    this.#flags = { ...this.#flags, compress };
    return this;
  }

  /** Broadcast to every socket of the namespace but this one. */
  get broadcast(): RoomOperator<EmitEvents, SocketData> {
    return this.#operator();
  }

  /** Broadcast on this node only. */
  get local(): RoomOperator<EmitEvents, SocketData> {
    return this.#operator().local;
  }

  /** Broadcast to a room, excluding this socket. */
  to(
    room: Room | Room[],
  ): RoomOperator<EmitEvents, SocketData> {
    return this.#operator().to(room);
  }

  /** Alias of `to`. */
  in(
    room: Room | Room[],
  ): RoomOperator<EmitEvents, SocketData> {
    return this.to(room);
  }

  /** Broadcast to all but a room (and this socket). */
  except(
    room: Room | Room[],
  ): RoomOperator<EmitEvents, SocketData> {
    return this.#operator().except(room);
  }

  #operator(): RoomOperator<EmitEvents, SocketData> {
    const flags = this.#flags === NO_FLAGS ? {} : this.#flags;
    this.#flags = NO_FLAGS;
    return new BroadcastOperator(this.nsp.adapter, new Set(), new Set([this.id]), flags);
  }

  // -- rooms --

  /**
   * Joins a room or rooms. In a connection middleware (before the socket is
   * connected) the rooms are joined once it connects; after it disconnected,
   * nothing happens.
   */
  join(rooms: Room | Room[]): Promise<void> | void {
    if (this.#closed) return;
    const list = Array.isArray(rooms) ? rooms : [rooms];
    if (!this.connected) {
      this.#early ??= new Set();
      for (const room of list) this.#early.add(room);
      return;
    }
    const added = this.nsp.adapter.addAll(this.id, new Set(list));
    containRejection(this.nsp.adapter, "addAll()", added); // logged, and still given to the caller
    return added;
  }

  /** Leaves a room. */
  leave(room: Room): Promise<void> | void {
    if (!this.connected) {
      this.#early?.delete(room);
      return;
    }
    const removed = this.nsp.adapter.del(this.id, room);
    containRejection(this.nsp.adapter, "del()", removed);
    return removed;
  }

  // -- lifecycle --

  /**
   * Disconnects from the namespace; with `close`, closes the whole
   * connection (every namespace).
   */
  disconnect(close = false): this {
    if (!this.connected) return this;
    if (close) {
      this.client.disconnectAll();
    } else if (!this.#closed) {
      this.#packet({ type: PacketType.DISCONNECT, nsp: this.nsp.name });
      this.onClose("server namespace disconnect");
    }
    return this;
  }

  /** Registers a per-packet middleware. */
  use(fn: PacketMiddleware): this {
    (this.#middlewares ??= []).push(fn);
    return this;
  }

  // -- listeners, typed from ListenEvents and the reserved events --

  /** Adds a listener for an event from the client, or a reserved event. */
  override on<Ev extends ReservedOrUserEventNames<SocketReservedEvents, ListenEvents>>(
    ev: Ev,
    listener: ReservedOrUserListener<SocketReservedEvents, ListenEvents, Ev>,
  ): this {
    return super.on(ev, listener as AnyListener);
  }

  /** Alias of `on`. */
  override addListener<Ev extends ReservedOrUserEventNames<SocketReservedEvents, ListenEvents>>(
    ev: Ev,
    listener: ReservedOrUserListener<SocketReservedEvents, ListenEvents, Ev>,
  ): this {
    return super.on(ev, listener as AnyListener);
  }

  /** Adds a listener that runs at most once. */
  override once<Ev extends ReservedOrUserEventNames<SocketReservedEvents, ListenEvents>>(
    ev: Ev,
    listener: ReservedOrUserListener<SocketReservedEvents, ListenEvents, Ev>,
  ): this {
    return super.once(ev, listener as AnyListener);
  }

  /** Removes a listener, or every listener of `ev`. */
  override off<Ev extends ReservedOrUserEventNames<SocketReservedEvents, ListenEvents>>(
    ev: Ev,
    listener?: ReservedOrUserListener<SocketReservedEvents, ListenEvents, Ev>,
  ): this {
    return super.off(ev, listener as AnyListener | undefined);
  }

  /** Alias of `off`. */
  override removeListener<Ev extends ReservedOrUserEventNames<SocketReservedEvents, ListenEvents>>(
    ev: Ev,
    listener?: ReservedOrUserListener<SocketReservedEvents, ListenEvents, Ev>,
  ): this {
    return super.off(ev, listener as AnyListener | undefined);
  }

  /** The listeners of `ev` (a copy). */
  override listeners<Ev extends ReservedOrUserEventNames<SocketReservedEvents, ListenEvents>>(
    ev: Ev,
  ): ReservedOrUserListener<SocketReservedEvents, ListenEvents, Ev>[] {
    return super.listeners(ev) as ReservedOrUserListener<SocketReservedEvents, ListenEvents, Ev>[];
  }

  // -- catch-all listeners --

  /**
   * Adds a listener for every incoming event. It gets the name as the client
   * sent it: a client may name an event with a number (`42[42,"x"]`, which
   * `socket.on("42")` receives), and then the name is that number, as on the
   * official server.
   */
  onAny(listener: AnyEventListener): this {
    (this.#any ??= new AnyListeners()).add(listener);
    return this;
  }

  /** Adds a catch-all listener before the others. */
  prependAny(listener: AnyEventListener): this {
    (this.#any ??= new AnyListeners()).prepend(listener);
    return this;
  }

  /** Removes a catch-all listener (or all). */
  offAny(listener?: AnyEventListener): this {
    this.#any?.remove(listener);
    return this;
  }

  /** The catch-all listeners. */
  listenersAny(): AnyEventListener[] {
    return this.#any?.all() ?? [];
  }

  /** Adds a listener for every outgoing event. */
  onAnyOutgoing(listener: AnyEventListener): this {
    (this.#anyOutgoing ??= new AnyListeners()).add(listener);
    return this;
  }

  /** Adds an outgoing catch-all listener before the others. */
  prependAnyOutgoing(listener: AnyEventListener): this {
    (this.#anyOutgoing ??= new AnyListeners()).prepend(listener);
    return this;
  }

  /** Removes an outgoing catch-all listener (or all). */
  offAnyOutgoing(listener?: AnyEventListener): this {
    this.#anyOutgoing?.remove(listener);
    return this;
  }

  /** The outgoing catch-all listeners. */
  listenersAnyOutgoing(): AnyEventListener[] {
    return this.#anyOutgoing?.all() ?? [];
  }

  // -- called by the client, the namespace and the adapter --

  /** @internal Completes the connection: joins its own room, sends CONNECT. */
  onConnect(): void {
    this.connected = true;
    const early = this.#early;
    this.#early = undefined;
    this.join(early === undefined ? this.id : [...early, this.id]);
    if (this.#pid === undefined) {
      this.#packet({ type: PacketType.CONNECT, nsp: this.nsp.name, data: { sid: this.id } });
      return;
    }
    // The missed packets go first: the client holds them until CONNECT and
    // gives them to its listeners before its `connect` event, as officially.
    const missed = this.#missed ?? [];
    for (let i = 0; i < missed.length; i++) {
      this.#packet({ type: PacketType.EVENT, nsp: this.nsp.name, data: missed[i] });
    }
    if (missed.length > 0) this.#missed = [];
    const data = { sid: this.id, pid: this.#pid };
    this.#packet({ type: PacketType.CONNECT, nsp: this.nsp.name, data });
  }

  /** @internal Drops a broadcast ack that timed out. */
  forgetAck(id: number): void {
    this.#acks?.forget(id);
  }

  /** @internal Writes a broadcast's pre-encoded frames. */
  deliver(
    frames: readonly (string | Uint8Array)[],
    opts: WriteOptions,
    data: unknown[],
    ack?: { id: number; fn: AckFn },
  ): void {
    if (ack) this.#pendingAcks().add(ack.id, ack.fn);
    if (this.#anyOutgoing !== undefined && !this.#anyOutgoing.empty) this.#notifyOutgoing(data);
    this.client.writeToEngine(frames, opts);
  }

  /** @internal A packet for this socket. Returns false when it was refused. */
  onPacket(packet: Packet): boolean {
    switch (packet.type) {
      case PacketType.EVENT:
        this.onEvent(packet.data as unknown[], packet.id);
        return true;
      case PacketType.ACK:
        return this.#onAck(packet.id!, packet.data as unknown[]);
      case PacketType.DISCONNECT:
        this.onClose("client namespace disconnect");
        return true;
      default:
        return false;
    }
  }

  /** @internal Ends the socket with `reason`. */
  onClose(reason: DisconnectReason, description?: unknown): void {
    // `#closed` also stops a `disconnecting` handler from closing it again.
    if (!this.connected || this.#closed) return;
    this.#closed = true;
    this.#fire("disconnecting", reason, description);
    const adapter = this.nsp.adapter;
    if (this.#pid !== undefined && RECOVERABLE_REASONS.has(reason)) {
      const session = { sid: this.id, pid: this.#pid, rooms: [...this.rooms], data: this.data };
      containAdapterCall(adapter, "persistSession()", () => adapter.persistSession(session));
    }
    containAdapterCall(adapter, "delAll()", () => adapter.delAll(this.id));
    this.nsp.remove(this);
    this.client.remove(this);
    this.connected = false;
    // Timed acks fail now rather than at their deadline.
    this.#acks?.failAll(DISCONNECTED_MESSAGE);
    this.#fire("disconnect", reason, description);
  }

  /**
   * @internal Reports an error (a packet refused by a `use()` middleware, a
   * protocol violation) to the socket's `error` listeners. With none it is
   * dropped, as officially: a misbehaving client must not flood the log.
   */
  onError(err: unknown): void {
    const error = err instanceof Error ? err : new Error(String(err));
    this.#fire("error", error);
  }

  /**
   * Where errors thrown by this socket's handlers go; logs them by default,
   * a few a minute per connection (see `_internal/error_log.ts`).
   */
  protected override onListenerError(err: unknown, event: string): void {
    const conn = this.client.conn;
    logError(
      conn,
      `connection ${conn.id}`,
      `webio: handler for "${event}" on socket ${this.id} threw:`,
      err,
    );
  }

  /** @internal An event from the client: its name and arguments, and its ack id if any. */
  onEvent(args: unknown[], id: number | undefined): void {
    if (id !== undefined) args.push(this.#ackFor(id));
    if (this.#any !== undefined && !this.#any.empty) {
      this.#any.call(this, args, (err) => this.onListenerError(err, "any"));
    }
    if (this.#middlewares === undefined || this.#middlewares.length === 0) {
      this.#dispatch(args);
      return;
    }
    this.#runMiddlewares(args, 0);
  }

  #runMiddlewares(args: unknown[], index: number): void {
    const fn = this.#middlewares![index];
    if (!fn) return this.#dispatch(args);
    // `next` counts once; a throw or rejection before it refuses the packet.
    let done = false;
    const next = (err?: Error) => {
      if (done) return;
      done = true;
      if (err) this.onError(err);
      else this.#runMiddlewares(args, index + 1);
    };
    const fail = (err: unknown) => {
      if (done) this.onListenerError(err, "use");
      else next(err instanceof Error ? err : new Error(String(err)));
    };
    try {
      const result = fn(args, next) as unknown;
      if (result instanceof Promise) result.catch(fail);
    } catch (err) {
      fail(err);
    }
  }

  #dispatch(args: unknown[]): void {
    if (!this.connected) return;
    // A numeric name (`42[42,"x"]`) reaches the listeners of its string
    // form, as with the official server's EventEmitter.
    const name = args[0];
    this.emitArgs(typeof name === "string" ? name : String(name), args, 1);
  }

  #fire(ev: string, ...args: unknown[]): void {
    (this.emitEvent as (ev: string, ...a: unknown[]) => boolean)(ev, ...args);
  }

  #onAck(id: number, args: unknown[]): boolean {
    // An id that was never issued is hostile; an expired one is ignored.
    return this.#acks?.settle(id, args) === true || id < this.nsp.peekAckId();
  }

  #callAck(fn: AckFn, args: unknown[]): void {
    try {
      const result = fn(...args) as unknown;
      if (result instanceof Promise) result.catch((err) => this.onListenerError(err, "ack"));
    } catch (err) {
      this.onListenerError(err, "ack");
    }
  }

  #ackFor(id: number): AckFn {
    let sent = false;
    return (...args: unknown[]) => {
      if (sent || !this.connected) return;
      sent = true;
      this.#packet({ type: PacketType.ACK, nsp: this.nsp.name, id, data: args });
    };
  }

  #pendingAcks(): PendingAcks {
    return this.#acks ??= new PendingAcks((fn, args) => this.#callAck(fn, args));
  }

  #notifyOutgoing(data: unknown[]): void {
    this.#anyOutgoing!.call(this, data, (err) => this.onListenerError(err, "anyOutgoing"));
  }

  #packet(packet: Packet, opts: WriteOptions = {}): void {
    this.client.writePacket(packet, opts);
  }
}

/** The size of an encoded frame: UTF-16 units of text, bytes of binary. */
function frameLength(frame: string | Uint8Array): number {
  return typeof frame === "string" ? frame.length : frame.byteLength;
}
