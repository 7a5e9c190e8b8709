/**
 * A Socket.IO socket: one client in one namespace.
 *
 * @module
 */

import { Emitter } from "./_emitter.ts";
import { type AnyEventListener, AnyListeners } from "./_any_listeners.ts";
import type { AckFn, AdapterSocket, Room, WriteOptions } from "./adapter.ts";
import { BroadcastOperator, TIMEOUT_MESSAGE } from "./broadcast.ts";
import type { Client } from "./client.ts";
import type { EngineSession } from "./engine/session.ts";
import { generateId } from "./engine/options.ts";
import { buildHandshake, type Handshake } from "./handshake.ts";
import type { Namespace } from "./namespace.ts";
import { encodeEvent } from "./parser/encode.ts";
import { type Packet, PacketType, RESERVED_EVENTS } from "./parser/packet.ts";
import type {
  DecorateAcknowledgements,
  DefaultEventsMap,
  EventNames,
  EventParams,
  EventsMap,
} from "./typed_events.ts";

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
  disconnect: (reason: DisconnectReason, description?: unknown) => void;
  disconnecting: (reason: DisconnectReason, description?: unknown) => void;
  error: (err: Error) => void;
}

/** A per-packet middleware: `[event, ...args]`, then `next(err?)`. */
export type PacketMiddleware = (event: unknown[], next: (err?: Error) => void) => void;

interface PendingAck {
  fn: AckFn;
  timer?: ReturnType<typeof setTimeout>;
}

interface EmitFlags {
  volatile?: boolean;
  compress?: boolean;
  timeout?: number;
}

type Listeners<L extends EventsMap> = L & SocketReservedEvents;

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
  EmitEvents extends EventsMap = DefaultEventsMap,
  ServerSideEvents extends EventsMap = DefaultEventsMap,
  SocketData = unknown,
> extends Emitter<Listeners<ListenEvents>> implements AdapterSocket {
  /** The socket id (not the engine session id). */
  readonly id: string;
  /** The namespace it belongs to. */
  readonly nsp: Namespace<ListenEvents, EmitEvents, ServerSideEvents, SocketData>;
  /** The engine-level client it travels on. */
  readonly client: Client;
  /** Free storage for the application, shared with `fetchSockets()`. */
  data: SocketData = {} as SocketData;
  /** Whether it is connected. */
  connected = false;
  /** Whether the session was recovered (connection-state recovery is not yet supported). */
  readonly recovered = false;

  #auth: Record<string, unknown>;
  #issued = Date.now();
  #handshake: Handshake | undefined;
  #acks = new Map<number, PendingAck>();
  #flags: EmitFlags = {};
  #middlewares: PacketMiddleware[] = [];
  #any = new AnyListeners();
  #anyOutgoing = new AnyListeners();

  constructor(
    nsp: Namespace<ListenEvents, EmitEvents, ServerSideEvents, SocketData>,
    client: Client,
    auth: Record<string, unknown>,
  ) {
    super();
    this.nsp = nsp;
    this.client = client;
    this.#auth = auth;
    this.id = generateId();
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
    return this.nsp.adapter.socketRooms(this.id) ?? new Set();
  }

  /** Whether it is disconnected. */
  get disconnected(): boolean {
    return !this.connected;
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
    this.#flags = {};
    const data: unknown[] = [ev, ...args];
    let id: number | undefined;
    if (typeof data[data.length - 1] === "function") {
      id = this.nsp.nextAckId();
      this.#registerAck(id, data.pop() as AckFn, flags.timeout);
    }
    if (!this.#anyOutgoing.empty) this.#notifyOutgoing(data);
    this.client.writeToEngine(encodeEvent(this.nsp.name, data, id), flags);
    return true;
  }

  /** Emits and resolves with the client's answer (rejects on `timeout()`). */
  emitWithAck<Ev extends EventNames<EmitEvents>>(ev: Ev, ...args: unknown[]): Promise<unknown> {
    const withTimeout = this.#flags.timeout !== undefined;
    return new Promise((resolve, reject) => {
      const ack = withTimeout
        ? (err: Error | null, value: unknown) => err ? reject(err) : resolve(value)
        : (value: unknown) => resolve(value);
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
    this.#flags.timeout = timeout;
    return this as unknown as Socket<
      ListenEvents,
      DecorateAcknowledgements<EmitEvents>,
      ServerSideEvents,
      SocketData
    >;
  }

  /** Drops the next emit if the client is not ready to receive it. */
  get volatile(): this {
    this.#flags.volatile = true;
    return this;
  }

  /** Sets whether the next emit is compressed. */
  compress(compress: boolean): this {
    this.#flags.compress = compress;
    return this;
  }

  /** Broadcast to every socket of the namespace but this one. */
  get broadcast(): BroadcastOperator<EmitEvents, SocketData> {
    return this.#operator();
  }

  /** Broadcast on this node only. */
  get local(): BroadcastOperator<EmitEvents, SocketData> {
    return this.#operator().local;
  }

  /** Broadcast to a room, excluding this socket. */
  to(room: Room | Room[]): BroadcastOperator<EmitEvents, SocketData> {
    return this.#operator().to(room);
  }

  /** Alias of `to`. */
  in(room: Room | Room[]): BroadcastOperator<EmitEvents, SocketData> {
    return this.to(room);
  }

  /** Broadcast to all but a room (and this socket). */
  except(room: Room | Room[]): BroadcastOperator<EmitEvents, SocketData> {
    return this.#operator().except(room);
  }

  #operator(): BroadcastOperator<EmitEvents, SocketData> {
    const flags = this.#flags;
    this.#flags = {};
    return new BroadcastOperator<EmitEvents, SocketData>(
      this.nsp.adapter,
      new Set(),
      new Set([this.id]),
      flags,
    );
  }

  // -- rooms --

  /** Joins a room or rooms. */
  join(rooms: Room | Room[]): Promise<void> | void {
    if (!this.connected) return;
    return this.nsp.adapter.addAll(this.id, new Set(Array.isArray(rooms) ? rooms : [rooms]));
  }

  /** Leaves a room. */
  leave(room: Room): Promise<void> | void {
    return this.nsp.adapter.del(this.id, room);
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
    } else {
      this.#packet({ type: PacketType.DISCONNECT, nsp: this.nsp.name });
      this.onClose("server namespace disconnect");
    }
    return this;
  }

  /** Registers a per-packet middleware. */
  use(fn: PacketMiddleware): this {
    this.#middlewares.push(fn);
    return this;
  }

  // -- catch-all listeners --

  /** Adds a listener for every incoming event. */
  onAny(listener: AnyEventListener): this {
    this.#any.add(listener);
    return this;
  }

  /** Adds a catch-all listener before the others. */
  prependAny(listener: AnyEventListener): this {
    this.#any.prepend(listener);
    return this;
  }

  /** Removes a catch-all listener (or all). */
  offAny(listener?: AnyEventListener): this {
    this.#any.remove(listener);
    return this;
  }

  /** The catch-all listeners. */
  listenersAny(): AnyEventListener[] {
    return this.#any.all();
  }

  /** Adds a listener for every outgoing event. */
  onAnyOutgoing(listener: AnyEventListener): this {
    this.#anyOutgoing.add(listener);
    return this;
  }

  /** Adds an outgoing catch-all listener before the others. */
  prependAnyOutgoing(listener: AnyEventListener): this {
    this.#anyOutgoing.prepend(listener);
    return this;
  }

  /** Removes an outgoing catch-all listener (or all). */
  offAnyOutgoing(listener?: AnyEventListener): this {
    this.#anyOutgoing.remove(listener);
    return this;
  }

  /** The outgoing catch-all listeners. */
  listenersAnyOutgoing(): AnyEventListener[] {
    return this.#anyOutgoing.all();
  }

  // -- called by the client, the namespace and the adapter --

  /** @internal Completes the connection: joins its own room, sends CONNECT. */
  onConnect(): void {
    this.connected = true;
    this.join(this.id);
    this.#packet({ type: PacketType.CONNECT, nsp: this.nsp.name, data: { sid: this.id } });
  }

  /** @internal Writes a broadcast's pre-encoded frames. */
  deliver(
    frames: readonly (string | Uint8Array)[],
    opts: WriteOptions,
    data: unknown[],
    ack?: { id: number; fn: AckFn },
  ): void {
    if (ack) this.#acks.set(ack.id, { fn: ack.fn });
    if (!this.#anyOutgoing.empty) this.#notifyOutgoing(data);
    this.client.writeToEngine(frames, opts);
  }

  /** @internal A packet for this socket. Returns false when it was refused. */
  onPacket(packet: Packet): boolean {
    switch (packet.type) {
      case PacketType.EVENT:
        this.#onEvent(packet.data as unknown[], packet.id);
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
    if (!this.connected) return;
    this.#fire("disconnecting", reason, description);
    for (const [id, pending] of this.#acks) {
      if (pending.timer === undefined) continue;
      clearTimeout(pending.timer);
      this.#acks.delete(id);
      pending.fn(new Error("socket has been disconnected"));
    }
    this.#acks.clear();
    this.nsp.adapter.delAll(this.id);
    this.nsp.remove(this);
    this.client.remove(this);
    this.connected = false;
    this.#fire("disconnect", reason, description);
  }

  /** @internal Reports an error to the socket's `error` listeners. */
  onError(err: unknown): void {
    const error = err instanceof Error ? err : new Error(String(err));
    if (this.listenerCount("error") > 0) this.#fire("error", error);
    else console.error("webio: socket error with no `error` listener:", error);
  }

  protected override onListenerError(err: unknown, event: string): void {
    console.error(`webio: handler for "${event}" on socket ${this.id} threw:`, err);
  }

  #onEvent(args: unknown[], id: number | undefined): void {
    if (id !== undefined) args.push(this.#ackFor(id));
    if (!this.#any.empty) {
      this.#any.call(this, args, (err) => this.onListenerError(err, "any"));
    }
    if (this.#middlewares.length === 0) {
      this.#dispatch(args);
      return;
    }
    this.#runMiddlewares(args, 0);
  }

  #runMiddlewares(args: unknown[], index: number): void {
    const fn = this.#middlewares[index];
    if (!fn) return this.#dispatch(args);
    try {
      fn(args, (err) => {
        if (err) this.onError(err);
        else this.#runMiddlewares(args, index + 1);
      });
    } catch (err) {
      this.onError(err);
    }
  }

  #dispatch(args: unknown[]): void {
    if (!this.connected) return;
    this.#fire(args[0] as string, ...args.slice(1));
  }

  #fire(ev: string, ...args: unknown[]): void {
    (this.emitEvent as (ev: string, ...a: unknown[]) => boolean)(ev, ...args);
  }

  #onAck(id: number, args: unknown[]): boolean {
    const pending = this.#acks.get(id);
    if (!pending) {
      // An id that was never issued is hostile; an expired one is ignored.
      return id < this.nsp.peekAckId();
    }
    this.#acks.delete(id);
    if (pending.timer !== undefined) {
      clearTimeout(pending.timer);
      this.#callAck(pending.fn, [null, ...args]);
    } else {
      this.#callAck(pending.fn, args);
    }
    return true;
  }

  #callAck(fn: AckFn, args: unknown[]): void {
    try {
      const result = fn(...args) as unknown;
      if (result instanceof Promise) result.catch((err) => this.onListenerError(err, "ack"));
    } catch (err) {
      this.onListenerError(err, "ack");
    }
  }

  #registerAck(id: number, fn: AckFn, timeout: number | undefined): void {
    if (timeout === undefined) {
      this.#acks.set(id, { fn });
      return;
    }
    const timer = setTimeout(() => {
      this.#acks.delete(id);
      this.#callAck(fn, [new Error(TIMEOUT_MESSAGE)]);
    }, timeout);
    this.#acks.set(id, { fn, timer });
  }

  #ackFor(id: number): AckFn {
    let sent = false;
    return (...args: unknown[]) => {
      if (sent || !this.connected) return;
      sent = true;
      this.#packet({ type: PacketType.ACK, nsp: this.nsp.name, id, data: args });
    };
  }

  #notifyOutgoing(data: unknown[]): void {
    this.#anyOutgoing.call(this, data, (err) => this.onListenerError(err, "anyOutgoing"));
  }

  #packet(packet: Packet, opts: WriteOptions = {}): void {
    this.client.writePacket(packet, opts);
  }
}
