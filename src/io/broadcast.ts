/**
 * The immutable broadcast operator behind `io.to(room).emit(...)`: each
 * modifier returns a new operator, so a chain never leaks into the next.
 *
 * @module
 */

import {
  Adapter,
  type AdapterSocket,
  type BroadcastFlags,
  containAdapterCall,
  containRejection,
  type NamespaceAdapter,
  type Room,
  type SocketId,
} from "./adapter.ts";
import type { Handshake } from "./handshake.ts";
import { type Packet, PacketType, RESERVED_EVENTS } from "../parser/packet.ts";
import type {
  AckResult,
  AllButLast,
  DecorateAcknowledgements,
  DecorateAcknowledgementsWithMultipleResponses,
  DefaultEventsMap,
  EventNames,
  EventNamesWithAck,
  EventParams,
  EventsMap,
} from "./typed_events.ts";

/** Error given to broadcast acks that did not all arrive in time. */
export const TIMEOUT_MESSAGE = "operation has timed out";

/**
 * What `to()`, `in()`, `except()`, `volatile`, `local` and `compress()` give
 * on a server, a namespace or a socket: a broadcast whose ack callbacks get
 * one answer per client (as the official types have it).
 *
 * @example
 * ```ts ignore
 * const room: RoomOperator<{ ping: (cb: (n: number) => void) => void }, unknown> = io.to("r");
 * room.timeout(1000).emit("ping", (err, answers) => console.log(answers));
 * ```
 */
export type RoomOperator<EmitEvents extends EventsMap, SocketData> = BroadcastOperator<
  DecorateAcknowledgementsWithMultipleResponses<EmitEvents>,
  SocketData,
  EmitEvents
>;

/**
 * Targets and flags of a broadcast, with `emit`, `emitWithAck` and the
 * remote-socket helpers.
 *
 * @example
 * ```ts ignore
 * io.to("room1").except("room2").volatile.emit("news", { title: "hi" });
 * const answers = await io.timeout(1000).emitWithAck("ping");
 * ```
 *
 * `EmitEvents` are the events as this operator sends them: after `io.to()`
 * each ack gets one answer per client, after `timeout()` an error first.
 * `SocketEvents` are the events as one socket gets them, the event map of
 * the sockets `fetchSockets()` gives (the server's `EmitEvents`).
 */
export class BroadcastOperator<
  EmitEvents extends EventsMap = DefaultEventsMap,
  // deno-lint-ignore no-explicit-any
  SocketData = any,
  SocketEvents extends EventsMap = EmitEvents,
> {
  readonly #adapter: NamespaceAdapter;
  readonly #rooms: Set<Room>;
  readonly #except: Set<Room>;
  readonly #flags: BroadcastFlags;

  /**
   * An operator broadcasting through `adapter` to `rooms` (every socket when
   * empty) but `except`, with `flags`. Usually made by `io.to(...)` and the
   * like rather than directly.
   */
  constructor(
    adapter: NamespaceAdapter,
    rooms: Set<Room> = new Set(),
    except: Set<Room> = new Set(),
    flags: BroadcastFlags = {},
  ) {
    this.#adapter = adapter;
    this.#rooms = rooms;
    this.#except = except;
    this.#flags = flags;
  }

  /** Targets a room (or rooms); chains add more. */
  to(room: Room | Room[]): BroadcastOperator<EmitEvents, SocketData, SocketEvents> {
    const rooms = new Set(this.#rooms);
    for (const r of Array.isArray(room) ? room : [room]) rooms.add(r);
    return new BroadcastOperator(this.#adapter, rooms, this.#except, this.#flags);
  }

  /** Alias of `to`. */
  in(room: Room | Room[]): BroadcastOperator<EmitEvents, SocketData, SocketEvents> {
    return this.to(room);
  }

  /** Excludes a room (or rooms). */
  except(room: Room | Room[]): BroadcastOperator<EmitEvents, SocketData, SocketEvents> {
    const except = new Set(this.#except);
    for (const r of Array.isArray(room) ? room : [room]) except.add(r);
    return new BroadcastOperator(this.#adapter, this.#rooms, except, this.#flags);
  }

  /** Sets whether to compress. */
  compress(compress: boolean): BroadcastOperator<EmitEvents, SocketData, SocketEvents> {
    return this.#with({ compress });
  }

  /** Drops the message for clients that are not ready to receive it. */
  get volatile(): BroadcastOperator<EmitEvents, SocketData, SocketEvents> {
    return this.#with({ volatile: true });
  }

  /** Only this node. */
  get local(): BroadcastOperator<EmitEvents, SocketData, SocketEvents> {
    return this.#with({ local: true });
  }

  /** Waits `timeout` ms for every client's ack: each ack callback gets an error first. */
  timeout(
    timeout: number,
  ): BroadcastOperator<DecorateAcknowledgements<EmitEvents>, SocketData, SocketEvents> {
    return this.#with({ timeout }) as unknown as BroadcastOperator<
      DecorateAcknowledgements<EmitEvents>,
      SocketData,
      SocketEvents
    >;
  }

  #with(flags: BroadcastFlags): BroadcastOperator<EmitEvents, SocketData, SocketEvents> {
    return new BroadcastOperator(this.#adapter, this.#rooms, this.#except, {
      ...this.#flags,
      ...flags,
    });
  }

  /**
   * Emits to every targeted client. With a callback as last argument, the
   * callback gets `(responses)` once every client answered; with a
   * `timeout` flag, `(err, responses)` once every client answered or the
   * time ran out.
   */
  emit<Ev extends EventNames<EmitEvents>>(ev: Ev, ...args: EventParams<EmitEvents, Ev>): boolean;
  emit(ev: string, ...args: unknown[]): boolean {
    const last = args[args.length - 1];
    if (typeof last !== "function") return this.#send(ev, args);
    args.pop();
    // Without a timeout nothing fails: the callback gets the answers alone, as its type says.
    const ack = this.#flags.timeout === undefined
      ? (_err: Error | null, res: unknown) => last(res)
      : last as (err: Error | null, res: unknown) => void;
    return this.#send(ev, args, ack);
  }

  #send(ev: string, args: unknown[], ack?: (err: Error | null, res: unknown) => void): boolean {
    if (RESERVED_EVENTS.has(ev)) throw new Error(`"${ev}" is a reserved event name`);
    const data: unknown[] = [ev, ...args];
    const opts = { rooms: this.#rooms, except: this.#except, flags: this.#flags };
    if (ack !== undefined) {
      this.#emitWithAckCallback(data, ack, opts);
      return true;
    }
    const adapter = this.#adapter;
    // A cluster adapter's broadcast may be async: its failure is logged (an
    // encoding error, thrown before, still reaches the caller).
    const result = adapter.broadcast({ type: PacketType.EVENT, nsp: "", data }, opts);
    containRejection(adapter, "broadcast()", result);
    return true;
  }

  #emitWithAckCallback(
    data: unknown[],
    ack: (err: Error | null, res: unknown) => void,
    opts: { rooms: Set<Room>; except: Set<Room>; flags: BroadcastFlags },
  ): void {
    const single = this.#flags.expectSingleResponse === true;
    const responses: unknown[] = [];
    let done = false;
    let expectedServers = -1;
    let countedServers = 0;
    let expectedClients = 0;
    const packet: Packet = { type: PacketType.EVENT, nsp: "", data };
    const finish = (err: Error | null) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      // Sockets that never answered must not keep the registration forever.
      // (webio's adapter only: the official ones keep them until the socket goes.)
      const adapter = this.#adapter;
      if (err && packet.id !== undefined && adapter instanceof Adapter) {
        adapter.forgetAck(opts, packet.id);
      }
      ack(err, single ? (err ? null : responses[0]) : responses);
    };
    // Without a timeout flag, wait for every answer.
    const timer = this.#flags.timeout === undefined
      ? undefined
      : setTimeout(() => finish(new Error(TIMEOUT_MESSAGE)), this.#flags.timeout);
    const check = () => {
      if (
        expectedServers === countedServers && responses.length === expectedClients
      ) finish(null);
    };
    const adapter = this.#adapter;
    const sent = adapter.broadcastWithAck(
      packet,
      opts,
      (clientCount) => {
        expectedClients += clientCount;
        countedServers++;
        check();
      },
      (response) => {
        responses.push(response);
        check();
      },
    );
    containRejection(adapter, "broadcastWithAck()", sent);
    // Without the count of servers only the timeout can end the wait.
    containRejection(
      adapter,
      "serverCount()",
      adapter.serverCount().then((count) => {
        expectedServers = count;
        check();
      }),
    );
  }

  /**
   * Emits and resolves with every client's answer (an array, one answer per
   * client; a single answer for a fetched socket's `timeout()`); rejects on
   * timeout with an error whose `responses` holds the answers that did arrive.
   */
  emitWithAck<Ev extends EventNamesWithAck<EmitEvents>>(
    ev: Ev,
    ...args: AllButLast<EventParams<EmitEvents, Ev>>
  ): Promise<AckResult<EmitEvents, Ev>> {
    return new Promise((resolve, reject) => {
      this.#send(ev, args, (err, responses) => {
        if (!err) return resolve(responses as AckResult<EmitEvents, Ev>);
        reject(Object.assign(err, { responses }));
      });
    });
  }

  /**
   * The ids of the sockets in the targeted rooms (`except` is not applied,
   * as officially).
   *
   * @deprecated As officially: use {@linkcode BroadcastOperator.fetchSockets}.
   */
  allSockets(): Promise<Set<string>> {
    return this.#adapter.sockets(this.#rooms);
  }

  /**
   * The targeted sockets: this server's are its `Socket` objects, another
   * node's (from a cluster adapter) a {@linkcode RemoteSocket} made of the
   * details that node sent, as officially.
   */
  async fetchSockets(): Promise<RemoteSocket<SocketEvents, SocketData>[]> {
    const found: (AdapterSocket | SocketDetails<SocketData>)[] = await this.#adapter.fetchSockets({
      rooms: this.#rooms,
      except: this.#except,
      flags: this.#flags,
    });
    return found.map((socket) =>
      "deliver" in socket
        // A local Socket has every member of RemoteSocket (tests/io/remote_socket_test.ts).
        ? socket as unknown as RemoteSocket<SocketEvents, SocketData>
        : new RemoteSocket<SocketEvents, SocketData>(this.#adapter, socket)
    );
  }

  /** Makes the targeted sockets join `room`. */
  socketsJoin(room: Room | Room[]): void {
    const adapter = this.#adapter;
    const opts = { rooms: this.#rooms, except: this.#except, flags: this.#flags };
    const value = Array.isArray(room) ? room : [room];
    containAdapterCall(adapter, "addSockets()", () => adapter.addSockets(opts, value));
  }

  /** Makes the targeted sockets leave `room`. */
  socketsLeave(room: Room | Room[]): void {
    const adapter = this.#adapter;
    const opts = { rooms: this.#rooms, except: this.#except, flags: this.#flags };
    const value = Array.isArray(room) ? room : [room];
    containAdapterCall(adapter, "delSockets()", () => adapter.delSockets(opts, value));
  }

  /** Disconnects the targeted sockets (and their connections when `close`). */
  disconnectSockets(close = false): void {
    const adapter = this.#adapter;
    const opts = { rooms: this.#rooms, except: this.#except, flags: this.#flags };
    const value = close;
    containAdapterCall(
      adapter,
      "disconnectSockets()",
      () => adapter.disconnectSockets(opts, value),
    );
  }
}

/** What a cluster adapter's `fetchSockets` gives for a socket of another node. */
export interface SocketDetails<SocketData> {
  /** The socket id. */
  id: SocketId;
  /** Its handshake. */
  handshake: Handshake;
  /** Its rooms (its own id included). */
  rooms: Room[];
  /** Its `socket.data`. */
  data: SocketData;
}

/**
 * What `remoteSocket.timeout(ms)` returns: emits whose ack callback gets
 * `(err, answer)` and whose `emitWithAck` rejects when the time runs out.
 */
export interface RemoteSocketEmitter<EmitEvents extends EventsMap> {
  /** Emits to the socket. */
  emit<Ev extends EventNames<EmitEvents>>(ev: Ev, ...args: EventParams<EmitEvents, Ev>): boolean;
  /** Emits and resolves with the socket's answer. */
  emitWithAck<Ev extends EventNamesWithAck<EmitEvents>>(
    ev: Ev,
    ...args: AllButLast<EventParams<EmitEvents, Ev>>
  ): Promise<AckResult<EmitEvents, Ev>>;
}

/** The operator of each RemoteSocket: kept outside so that the class has no private member. */
// deno-lint-ignore no-explicit-any
const remoteOperators = new WeakMap<RemoteSocket<any, any>, BroadcastOperator<any, any>>();

/**
 * A socket as `fetchSockets()` gives it: the official subset of `Socket`.
 * On one server these are the `Socket` objects themselves; a socket of
 * another node (through a cluster adapter) is an instance of this class,
 * which reaches it through the adapter. The class has no private member, so
 * its type is structural: a `Socket` is a `RemoteSocket` of its event maps.
 *
 * @example
 * ```ts ignore
 * for (const socket of await io.in("room1").fetchSockets()) {
 *   console.log(socket.id, socket.handshake.address, socket.rooms, socket.data);
 *   socket.emit("hello");
 *   const answer = await socket.timeout(1000).emitWithAck("ping");
 *   socket.join("room2");
 *   socket.leave("room1");
 * }
 * ```
 */
export class RemoteSocket<
  EmitEvents extends EventsMap = DefaultEventsMap,
  // deno-lint-ignore no-explicit-any
  SocketData = any,
> {
  /** The socket id. */
  readonly id: SocketId;
  /** Its handshake. */
  readonly handshake: Handshake;
  /** Its rooms when it was fetched. */
  readonly rooms: Set<Room>;
  /** Its `socket.data` when it was fetched. */
  readonly data: SocketData;

  /** A socket of another node, from the details its `fetchSockets` sent. */
  constructor(adapter: NamespaceAdapter, details: SocketDetails<SocketData>) {
    this.id = details.id;
    this.handshake = details.handshake;
    this.rooms = new Set(details.rooms);
    this.data = details.data;
    remoteOperators.set(
      this,
      new BroadcastOperator(adapter, new Set([this.id]), new Set(), { expectSingleResponse: true }),
    );
  }

  /** Waits `timeout` ms for the socket's ack: the ack callback gets an error first. */
  timeout(timeout: number): RemoteSocketEmitter<DecorateAcknowledgements<EmitEvents>> {
    return operatorOf(this).timeout(timeout) as unknown as RemoteSocketEmitter<
      DecorateAcknowledgements<EmitEvents>
    >;
  }

  /** Emits to the socket; an ack callback gets the answer, as with a `Socket`. */
  emit<Ev extends EventNames<EmitEvents>>(ev: Ev, ...args: EventParams<EmitEvents, Ev>): boolean;
  emit(ev: string, ...args: unknown[]): boolean {
    return (operatorOf(this).emit as (ev: string, ...a: unknown[]) => boolean)(ev, ...args);
  }

  /** Joins a room (or rooms). */
  join(room: Room | Room[]): void {
    operatorOf(this).socketsJoin(room);
  }

  /** Leaves a room. */
  leave(room: Room): void {
    operatorOf(this).socketsLeave(room);
  }

  /** Disconnects it; with `close`, closes its connection. */
  disconnect(close = false): this {
    operatorOf(this).disconnectSockets(close);
    return this;
  }
}

function operatorOf<EmitEvents extends EventsMap, SocketData>(
  socket: RemoteSocket<EmitEvents, SocketData>,
): BroadcastOperator<EmitEvents, SocketData> {
  return remoteOperators.get(socket)!;
}
