/**
 * The in-memory adapter: rooms, and broadcasting to the sockets of one
 * namespace on this node. Custom adapters (clusters) extend it and keep the
 * official method names.
 *
 * @module
 */

import { Emitter } from "../_internal/emitter.ts";
import { logError } from "../_internal/error_log.ts";
import { guardDroppedPublishes } from "./_dropped_publishes.ts";
import { JsonEncoder, type PacketEncoder } from "../parser/parser.ts";
import { type Packet, PacketType } from "../parser/packet.ts";
import {
  type RecoveryOptions,
  type Session,
  SessionStore,
  type SessionToPersist,
} from "./_session_store.ts";

export type { RecoveryOptions, Session, SessionToPersist };

/** A socket id. */
export type SocketId = string;
/** A room name. */
export type Room = string;

/** Flags that travel with a broadcast. */
export interface BroadcastFlags {
  /** Drop for clients whose transport is busy. */
  volatile?: boolean;
  /** Ask for compression. */
  compress?: boolean;
  /** Only this node (meaningful for cluster adapters). */
  local?: boolean;
  /** Acknowledgement timeout in milliseconds. */
  timeout?: number;
  /** Whether one response (not an array) is expected. */
  expectSingleResponse?: boolean;
}

/** Who a broadcast goes to. */
export interface BroadcastOptions {
  /** Only sockets in any of these rooms (every socket when empty). */
  rooms: Set<Room>;
  /** Never sockets in these rooms. */
  except?: Set<Room>;
  /** Delivery flags. */
  flags?: BroadcastFlags;
}

/** How frames are written to one client. */
export interface WriteOptions {
  /** Drop the frames rather than queue them when the client cannot take them now. */
  volatile?: boolean;
  /** Whether the frames may be compressed. */
  compress?: boolean;
}

/** An ack callback, called with the client's answer. */
export type AckFn = (...args: unknown[]) => void;

/** What the adapter needs of a socket. */
export interface AdapterSocket {
  /** The socket's id (also the name of its own room). */
  readonly id: SocketId;
  /**
   * Writes pre-encoded frames of a packet whose arguments are `data`;
   * registers `ack` under its id first when given.
   */
  deliver(
    frames: readonly (string | Uint8Array)[],
    opts: WriteOptions,
    data: unknown[],
    ack?: { id: number; fn: AckFn },
  ): void;
  /** Drops the pending ack `id` (a broadcast ack that timed out). */
  forgetAck(id: number): void;
  /** Joins one room or several. */
  join(rooms: Room | Room[]): void;
  /** Leaves a room. */
  leave(room: Room): void;
  /** Disconnects the socket; with `close`, the whole connection. */
  disconnect(close?: boolean): unknown;

  // The official members that the official adapters (socket.io-adapter's
  // base classes) use on a socket.

  /** The rooms the socket is in. */
  readonly rooms: Set<Room>;
  /** The socket's handshake (sent to other nodes by `fetchSockets`). */
  readonly handshake: object;
  /** The socket's `data`. */
  // deno-lint-ignore no-explicit-any
  readonly data: any;
  /** The acks it waits for: a broadcast with acks registers its callback with `set`. */
  readonly acks: SocketAcks;
  /** Tells the `onAnyOutgoing` listeners about a packet written by the adapter. */
  notifyOutgoingListeners(packet: Packet): void;
  /** The connection, to write a packet's pre-encoded frames (from the server's `encoder`). */
  readonly client: {
    writeToEngine(frames: readonly (string | Uint8Array)[], opts: WriteOptions): void;
  };
}

/** The acks a socket waits for, by packet id: the part of a `Map` that adapters use. */
export interface SocketAcks {
  /** Waits for the ack `id`; `fn` gets the client's answer. */
  set(id: number, fn: AckFn): unknown;
  /** The callback waiting for the ack `id`. */
  get(id: number): AckFn | undefined;
  /** Whether the ack `id` is awaited. */
  has(id: number): boolean;
  /** Stops waiting for the ack `id`. */
  delete(id: number): boolean;
  /** How many acks are awaited. */
  readonly size: number;
}

/** What the adapter needs of its namespace. */
export interface AdapterNamespace {
  /** The namespace's name (`"/"`, `"/admin"`, ...). */
  readonly name: string;
  /** The namespace's connected sockets, by id. */
  readonly sockets: ReadonlyMap<SocketId, AdapterSocket>;
  /** A fresh ack id, unique in the namespace. */
  nextAckId(): number;
  /** The next ack id, as the official adapters read and increment it (`nsp._ids++`). */
  _ids: number;
  /**
   * Gives an event that another node sent with `serverSideEmit` to this
   * namespace's listeners; its last element is the ack callback when one is
   * expected (official contract).
   */
  _onServerSideEmit(args: unknown[]): void;
  /** The server, whose `opts.connectionStateRecovery` turns the session store on. */
  readonly server?: {
    readonly opts: { readonly connectionStateRecovery?: RecoveryOptions };
    /** The encoder of every packet sent (the `parser` option's), used by broadcasts. */
    readonly encoder?: PacketEncoder;
  };
}

/** The encoder of an adapter whose namespace has no server: webio's JSON one. */
const DEFAULT_ENCODER: PacketEncoder = new JsonEncoder();

/** Public events of an adapter. */
export interface AdapterEvents {
  /** A room got its first socket. */
  "create-room": (room: Room) => void;
  /** A room lost its last socket. */
  "delete-room": (room: Room) => void;
  /** A socket joined a room. */
  "join-room": (room: Room, id: SocketId) => void;
  /** A socket left a room. */
  "leave-room": (room: Room, id: SocketId) => void;
}

/**
 * What webio calls on an adapter: the methods of the official
 * `socket.io-adapter` base class, which webio's {@linkcode Adapter} and the
 * official adapters (`@socket.io/redis-adapter`, `@socket.io/postgres-adapter`,
 * ...) all have. Nothing else is called; a method may answer with a promise
 * (a cluster's), and a rejection or a throw from a method whose result
 * nobody awaits is logged, never thrown at the app.
 */
export interface NamespaceAdapter {
  /** Room -> socket ids, on this node. */
  readonly rooms: Map<Room, Set<SocketId>>;
  /** Socket id -> rooms, on this node. */
  readonly sids: Map<SocketId, Set<Room>>;
  /** Called once the adapter is made. */
  init(): Promise<void> | void;
  /** Called when the namespace or the server closes. */
  close(): Promise<void> | void;
  /** How many servers the cluster has (1 in memory). */
  serverCount(): Promise<number>;
  /** Adds a socket to rooms. */
  addAll(id: SocketId, rooms: Set<Room>): Promise<void> | void;
  /** Removes a socket from a room. */
  del(id: SocketId, room: Room): Promise<void> | void;
  /** Removes a socket from every room. */
  delAll(id: SocketId): void;
  /** Sends a packet to the matching sockets (of every node, in a cluster). */
  broadcast(packet: Packet, opts: BroadcastOptions): void;
  /** Sends a packet expecting acks: `clientCount` once per server, `ack` once per answer. */
  broadcastWithAck(
    packet: Packet,
    opts: BroadcastOptions,
    clientCount: (count: number) => void,
    ack: AckFn,
  ): void;
  /** The ids of the sockets in any of `rooms`. */
  sockets(rooms: Set<Room>): Promise<Set<SocketId>>;
  /** The rooms of a socket of this node. */
  socketRooms(id: SocketId): Set<Room> | undefined;
  /** The matching sockets: this node's `Socket`s and other nodes' details. */
  // deno-lint-ignore no-explicit-any
  fetchSockets(opts: BroadcastOptions): Promise<any[]>;
  /** Makes the matching sockets join `rooms`. */
  addSockets(opts: BroadcastOptions, rooms: Room[]): void;
  /** Makes the matching sockets leave `rooms`. */
  delSockets(opts: BroadcastOptions, rooms: Room[]): void;
  /** Disconnects the matching sockets. */
  disconnectSockets(opts: BroadcastOptions, close: boolean): void;
  /** Sends an event to the other servers (an ack callback last, if any). */
  serverSideEmit(packet: unknown[]): void;
  /** Keeps a disconnected socket's session (connection-state recovery). */
  persistSession(session: SessionToPersist): Promise<void> | void;
  /** A kept session with the packets it missed since `offset`, or null. */
  restoreSession(pid: string, offset: string): Promise<Session | null> | Session | null;
  /** Listens to the adapter's events (`create-room`, `join-room`, ...). */
  on<E extends keyof AdapterEvents>(event: E, listener: AdapterEvents[E]): unknown;
  /** Stops listening. */
  off<E extends keyof AdapterEvents>(event: E, listener: AdapterEvents[E]): unknown;
}

/**
 * The `adapter` option: a class (`new Adapter(nsp)`), or a function that
 * makes the adapter of a namespace, as the official adapters' `createAdapter()`
 * give (called with `new`, as officially).
 */
export type AdapterConstructor =
  | (new (nsp: AdapterNamespace) => NamespaceAdapter)
  // deno-lint-ignore no-explicit-any
  | ((nsp: any) => NamespaceAdapter);

/**
 * Makes the adapter of `nsp` with the `adapter` option's class or function
 * (an official Redis adapter's dropped publishes get a logging handler: see
 * `_dropped_publishes.ts`).
 */
export function makeAdapter(ctor: AdapterConstructor, nsp: AdapterNamespace): NamespaceAdapter {
  const adapter = new (ctor as new (nsp: AdapterNamespace) => NamespaceAdapter)(nsp);
  guardDroppedPublishes(adapter, (err) => reportAdapterError(adapter, "publish()", err));
  return adapter;
}

/**
 * Runs a call to an adapter whose result nobody waits for (`addAll`,
 * `persistSession`, `init`, ...): a throw or a rejection (Redis gone, the
 * adapter's own bug) is logged, a few a minute, and the caller goes on.
 */
export function containAdapterCall(
  adapter: NamespaceAdapter,
  what: string,
  call: () => unknown,
): void {
  let result: unknown;
  try {
    result = call();
  } catch (err) {
    reportAdapterError(adapter, what, err);
    return;
  }
  containRejection(adapter, what, result);
}

/** Logs the rejection of `result` when it is a promise (a cluster adapter's async method). */
export function containRejection(adapter: NamespaceAdapter, what: string, result: unknown): void {
  if (result !== undefined && typeof (result as Promise<unknown>)?.then === "function") {
    (result as Promise<unknown>).then(undefined, (err) => reportAdapterError(adapter, what, err));
  }
}

function reportAdapterError(adapter: NamespaceAdapter, what: string, err: unknown): void {
  // Logged as the namespace's (its server's logger, its rate limit).
  const nsp = (adapter as { nsp?: { name?: string } }).nsp;
  const source = `namespace ${nsp?.name ?? "?"}`;
  logError(nsp ?? adapter, source, `webio: adapter ${what} of ${source} failed:`, err);
}

/**
 * The default adapter: everything in this process's memory.
 *
 * @example
 * ```ts ignore
 * io.of("/").adapter.on("join-room", (room, id) => console.log(id, "joined", room));
 * ```
 */
export class Adapter extends Emitter<AdapterEvents> implements NamespaceAdapter {
  /** The namespace served. */
  readonly nsp: AdapterNamespace;
  /** Encodes every broadcast, once: the server's `encoder`, as officially. */
  readonly encoder: PacketEncoder;
  /** Room -> socket ids (its own rooms are added for every socket on first read). */
  #rooms: Map<Room, Set<SocketId>> = new Map();
  /** Socket id -> rooms; `null` for a socket only in its own room, not made yet. */
  #sids: Map<SocketId, Set<Room> | null> = new Map();
  /**
   * Whether every socket's own room exists as two Sets, as officially.
   * Until something needs them (a read of `rooms` or `sids`, a listener, a
   * socket joining or leaving a room) a socket only in its own room holds
   * none: a one-element Set costs about half a kilobyte in JavaScriptCore.
   */
  #eager = false;
  /** Sessions and packets for connection-state recovery; none when it is off. */
  #store: SessionStore | undefined;

  /** The adapter of namespace `nsp` (the server makes one per namespace). */
  constructor(nsp: AdapterNamespace) {
    super();
    this.nsp = nsp;
    this.encoder = nsp.server?.encoder ?? DEFAULT_ENCODER;
    const recovery = nsp.server?.opts.connectionStateRecovery;
    if (recovery) {
      // A kept own event is the engine frame "42[...]" or "42/nsp,[...]".
      const start = nsp.name === "/" ? 2 : 3 + nsp.name.length;
      this.#store = new SessionStore(recovery, (text) => JSON.parse(text.slice(start)));
    }
  }

  /** Room -> socket ids. */
  get rooms(): Map<Room, Set<SocketId>> {
    this.#makeAll();
    return this.#rooms;
  }

  /** Socket id -> rooms. */
  get sids(): Map<SocketId, Set<Room>> {
    this.#makeAll();
    return this.#sids as Map<SocketId, Set<Room>>;
  }

  /** Called once after construction. */
  init(): Promise<void> | void {}

  /** Called when the namespace is closed. */
  close(): Promise<void> | void {}

  /** How many nodes share the namespace (1 in memory). */
  serverCount(): Promise<number> {
    return Promise.resolve(1);
  }

  /** Adds a socket to rooms. */
  addAll(id: SocketId, rooms: Set<Room>): Promise<void> | void {
    if (!this.#eager && rooms.size === 1 && rooms.has(id) && !this.#sids.has(id)) {
      this.#sids.set(id, null); // its own room, made when needed
      return;
    }
    let own = this.#own(id);
    if (!own) {
      own = new Set();
      this.#sids.set(id, own);
    }
    for (const room of rooms) {
      own.add(room);
      let members = this.#rooms.get(room);
      if (!members) {
        members = new Set();
        this.#rooms.set(room, members);
        this.emitEvent("create-room", room);
      }
      if (!members.has(id)) {
        members.add(id);
        this.emitEvent("join-room", room, id);
      }
    }
  }

  /** Removes a socket from one room. */
  del(id: SocketId, room: Room): Promise<void> | void {
    this.#own(id)?.delete(room);
    this.#leave(room, id);
  }

  /** Removes a socket from every room. */
  delAll(id: SocketId): void {
    const own = this.#sids.get(id);
    if (own === undefined) return;
    if (own !== null) { for (const room of own) this.#leave(room, id); }
    this.#sids.delete(id);
  }

  #leave(room: Room, id: SocketId): void {
    const members = this.#rooms.get(room);
    if (!members?.delete(id)) return;
    this.emitEvent("leave-room", room, id);
    if (members.size === 0 && this.#rooms.delete(room)) this.emitEvent("delete-room", room);
  }

  /** The rooms of socket `id`, its own room made if it was pending. */
  #own(id: SocketId): Set<Room> | undefined {
    const own = this.#sids.get(id);
    if (own !== null) return own;
    const rooms = new Set([id]);
    this.#sids.set(id, rooms);
    this.#rooms.set(id, new Set([id]));
    return rooms;
  }

  /** Makes every pending own room; from now on they are made at once. */
  #makeAll(): void {
    if (this.#eager) return;
    this.#eager = true;
    for (const [id, own] of this.#sids) if (own === null) this.#own(id);
  }

  /** Listeners of room events hear every room: own rooms are made from now on. */
  protected override listenersChanged(): void {
    this.#makeAll();
  }

  /**
   * @internal Under connection-state recovery, the offset of a socket's next
   * own event (to put last in its data), or undefined when recovery is off:
   * with `keepOwnEvent`, what `broadcast` to the socket's own room does for
   * one event, without the room lookup.
   */
  nextOwnEventOffset(): string | undefined {
    return this.#store?.nextOffset();
  }

  /**
   * @internal Keeps a socket's own event, its data ending with
   * `nextOwnEventOffset()`: the data, or for a text event its engine frame
   * as encoded by webio's own codec ("42[...]", "42/nsp,[...]"), which the
   * store keeps instead (one string rather than the array and its parts).
   */
  keepOwnEvent(data: unknown[] | string, socketId: SocketId, bytes: number): void {
    this.#store?.keep(data, socketId, bytes); // no Set, no object per event
  }

  /**
   * Sends a packet to the matching sockets. It is encoded once and the same
   * frames go to every recipient.
   */
  broadcast(packet: Packet, opts: BroadcastOptions): void {
    const write = writeOptions(opts);
    packet.nsp = this.nsp.name;
    // With connection-state recovery, an event without ack that is not
    // volatile gets its offset last (so the client knows what it has) and
    // is kept for replay.
    const store = this.#store !== undefined && packet.type === PacketType.EVENT &&
        packet.id === undefined && !opts.flags?.volatile
      ? this.#store
      : undefined;
    if (store !== undefined) (packet.data as unknown[]).push(store.nextOffset());
    const frames = this.encoder.encode(packet);
    const data = packet.data as unknown[];
    if (store !== undefined) store.keep(data, opts, byteLength(frames));
    this.apply(opts, (socket) => socket.deliver(frames, write, data));
  }

  /**
   * Keeps the session of a socket that disconnected for a reason that may be
   * recovered (official contract; the in-memory store keeps it for
   * `maxDisconnectionDuration`).
   */
  persistSession(session: SessionToPersist): Promise<void> | void {
    this.#store?.persist(session);
  }

  /**
   * The session `pid` with the packets it missed since `offset`, or null.
   * In memory a session is given back once, and the answer is synchronous.
   */
  restoreSession(pid: string, offset: string): Promise<Session | null> | Session | null {
    return this.#store?.restore(pid, offset) ?? null;
  }

  /**
   * Sends a packet expecting an ack from each recipient: `clientCount` gets
   * how many sockets it went to; `ack` is called once per response.
   */
  broadcastWithAck(
    packet: Packet,
    opts: BroadcastOptions,
    clientCountCallback: (clientCount: number) => void,
    ack: AckFn,
  ): void {
    const write = writeOptions(opts);
    packet.nsp = this.nsp.name;
    packet.id = this.nsp.nextAckId();
    const frames = this.encoder.encode(packet);
    const registration = { id: packet.id, fn: ack };
    let clientCount = 0;
    this.apply(opts, (socket) => {
      clientCount++;
      socket.deliver(frames, write, packet.data as unknown[], registration);
    });
    clientCountCallback(clientCount);
  }

  /** Drops the pending ack `id` of the matching sockets (after a broadcast ack timed out). */
  forgetAck(opts: BroadcastOptions, id: number): void {
    this.apply(opts, (socket) => socket.forgetAck(id));
  }

  /** The ids of sockets in any of `rooms` (all sockets when empty). */
  sockets(rooms: Set<Room>): Promise<Set<SocketId>> {
    const ids = new Set<SocketId>();
    this.apply({ rooms }, (socket) => ids.add(socket.id));
    return Promise.resolve(ids);
  }

  /** The rooms of a socket. */
  socketRooms(id: SocketId): Set<Room> | undefined {
    return this.#own(id);
  }

  /** The matching sockets. */
  fetchSockets(opts: BroadcastOptions): Promise<AdapterSocket[]> {
    const sockets: AdapterSocket[] = [];
    this.apply(opts, (socket) => sockets.push(socket));
    return Promise.resolve(sockets);
  }

  /** Makes the matching sockets join `rooms`. */
  addSockets(opts: BroadcastOptions, rooms: Room[]): void {
    this.apply(opts, (socket) => socket.join(rooms));
  }

  /** Makes the matching sockets leave `rooms`. */
  delSockets(opts: BroadcastOptions, rooms: Room[]): void {
    this.apply(opts, (socket) => rooms.forEach((room) => socket.leave(room)));
  }

  /** Disconnects the matching sockets. */
  disconnectSockets(opts: BroadcastOptions, close: boolean): void {
    this.apply(opts, (socket) => socket.disconnect(close));
  }

  /**
   * Sends an event to the other nodes. There are none in memory, so this
   * only answers an ack (last element, if a function) with no responses.
   */
  serverSideEmit(packet: unknown[]): void {
    const last = packet[packet.length - 1];
    if (typeof last === "function") queueMicrotask(() => last(null, []));
  }

  /** Calls `callback` for each socket matching `opts`, once each. */
  protected apply(opts: BroadcastOptions, callback: (socket: AdapterSocket) => void): void {
    const except = this.#exceptIds(opts.except);
    const sockets = this.nsp.sockets;
    if (opts.rooms.size > 0) {
      const seen = opts.rooms.size > 1 ? new Set<SocketId>() : undefined;
      for (const room of opts.rooms) {
        const members = this.#members(room);
        if (!members) continue;
        for (const id of members) {
          if (seen?.has(id) || except?.has(id)) continue;
          const socket = sockets.get(id);
          if (!socket) continue;
          seen?.add(id);
          callback(socket);
        }
      }
      return;
    }
    for (const id of this.#sids.keys()) {
      if (except?.has(id)) continue;
      const socket = sockets.get(id);
      if (socket) callback(socket);
    }
  }

  #exceptIds(except: Set<Room> | undefined): Set<SocketId> | undefined {
    if (!except || except.size === 0) return undefined;
    const ids = new Set<SocketId>();
    for (const room of except) {
      const members = this.#members(room);
      if (members) { for (const id of members) ids.add(id); }
    }
    return ids;
  }

  /** The ids in `room`, a pending own room included, without making it. */
  #members(room: Room): Iterable<SocketId> | undefined {
    return this.#rooms.get(room) ?? (this.#sids.get(room) === null ? [room] : undefined);
  }
}

/** The per-client write options a broadcast's flags ask for. */
function writeOptions(opts: BroadcastOptions): WriteOptions {
  const flags = opts.flags ?? {};
  return { volatile: flags.volatile, compress: flags.compress };
}

/** The size of encoded frames (a string counts its length, bytes their byteLength). */
function byteLength(frames: readonly unknown[]): number {
  let bytes = 0;
  for (const frame of frames) {
    bytes += typeof frame === "string" ? frame.length : (frame as ArrayBufferLike).byteLength ?? 0;
  }
  return bytes;
}
