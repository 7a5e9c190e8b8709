/**
 * The immutable broadcast operator behind `io.to(room).emit(...)`: each
 * modifier returns a new operator, so a chain never leaks into the next.
 *
 * @module
 */

import type { Adapter, AdapterSocket, BroadcastFlags, Room } from "./adapter.ts";
import { type Packet, PacketType, RESERVED_EVENTS } from "../parser/packet.ts";
import type { DefaultEventsMap, EventNames, EventParams, EventsMap } from "./typed_events.ts";

/** Error given to broadcast acks that did not all arrive in time. */
export const TIMEOUT_MESSAGE = "operation has timed out";

/**
 * Targets and flags of a broadcast, with `emit`, `emitWithAck` and the
 * remote-socket helpers.
 *
 * @example
 * ```ts ignore
 * io.to("room1").except("room2").volatile.emit("news", { title: "hi" });
 * const answers = await io.timeout(1000).emitWithAck("ping");
 * ```
 */
export class BroadcastOperator<
  EmitEvents extends EventsMap = DefaultEventsMap,
  // deno-lint-ignore no-explicit-any
  SocketData = any,
> {
  readonly #adapter: Adapter;
  readonly #rooms: Set<Room>;
  readonly #except: Set<Room>;
  readonly #flags: BroadcastFlags;

  /**
   * An operator broadcasting through `adapter` to `rooms` (every socket when
   * empty) but `except`, with `flags`. Usually made by `io.to(...)` and the
   * like rather than directly.
   */
  constructor(
    adapter: Adapter,
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
  to(room: Room | Room[]): BroadcastOperator<EmitEvents, SocketData> {
    const rooms = new Set(this.#rooms);
    for (const r of Array.isArray(room) ? room : [room]) rooms.add(r);
    return new BroadcastOperator(this.#adapter, rooms, this.#except, this.#flags);
  }

  /** Alias of `to`. */
  in(room: Room | Room[]): BroadcastOperator<EmitEvents, SocketData> {
    return this.to(room);
  }

  /** Excludes a room (or rooms). */
  except(room: Room | Room[]): BroadcastOperator<EmitEvents, SocketData> {
    const except = new Set(this.#except);
    for (const r of Array.isArray(room) ? room : [room]) except.add(r);
    return new BroadcastOperator(this.#adapter, this.#rooms, except, this.#flags);
  }

  /** Sets whether to compress. */
  compress(compress: boolean): BroadcastOperator<EmitEvents, SocketData> {
    return this.#with({ compress });
  }

  /** Drops the message for clients that are not ready to receive it. */
  get volatile(): BroadcastOperator<EmitEvents, SocketData> {
    return this.#with({ volatile: true });
  }

  /** Only this node. */
  get local(): BroadcastOperator<EmitEvents, SocketData> {
    return this.#with({ local: true });
  }

  /** Waits `timeout` ms for every client's ack. */
  timeout(timeout: number): BroadcastOperator<EmitEvents, SocketData> {
    return this.#with({ timeout });
  }

  #with(flags: BroadcastFlags): BroadcastOperator<EmitEvents, SocketData> {
    return new BroadcastOperator(this.#adapter, this.#rooms, this.#except, {
      ...this.#flags,
      ...flags,
    });
  }

  /**
   * Emits to every targeted client. With a `timeout` flag and a callback as
   * last argument, the callback gets `(err, responses)` once every client
   * answered or the time ran out.
   */
  emit<Ev extends EventNames<EmitEvents>>(ev: Ev, ...args: EventParams<EmitEvents, Ev>): boolean;
  emit(ev: string, ...args: unknown[]): boolean {
    if (RESERVED_EVENTS.has(ev)) throw new Error(`"${ev}" is a reserved event name`);
    const data: unknown[] = [ev, ...args];
    const last = data[data.length - 1];
    const opts = { rooms: this.#rooms, except: this.#except, flags: this.#flags };
    if (typeof last !== "function") {
      this.#adapter.broadcast({ type: PacketType.EVENT, nsp: "", data }, opts);
      return true;
    }
    data.pop();
    this.#emitWithAckCallback(data, last as (err: Error | null, res: unknown) => void, opts);
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
      if (err && packet.id !== undefined) this.#adapter.forgetAck(opts, packet.id);
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
    this.#adapter.broadcastWithAck(
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
    this.#adapter.serverCount().then((count) => {
      expectedServers = count;
      check();
    });
  }

  /**
   * Emits and resolves with every client's answer; rejects on timeout with
   * an error whose `responses` holds the answers that did arrive.
   */
  emitWithAck<Ev extends EventNames<EmitEvents>>(
    ev: Ev,
    ...args: unknown[]
  ): Promise<unknown[]> {
    return new Promise((resolve, reject) => {
      (this.emit as (ev: string, ...a: unknown[]) => boolean)(
        ev,
        ...args,
        (err: Error | null, responses: unknown[]) => {
          if (!err) return resolve(responses);
          reject(Object.assign(err, { responses }));
        },
      );
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

  /** The targeted sockets. */
  fetchSockets(): Promise<AdapterSocket[]> {
    return this.#adapter.fetchSockets({
      rooms: this.#rooms,
      except: this.#except,
      flags: this.#flags,
    });
  }

  /** Makes the targeted sockets join `room`. */
  socketsJoin(room: Room | Room[]): void {
    this.#adapter.addSockets(
      { rooms: this.#rooms, except: this.#except, flags: this.#flags },
      Array.isArray(room) ? room : [room],
    );
  }

  /** Makes the targeted sockets leave `room`. */
  socketsLeave(room: Room | Room[]): void {
    this.#adapter.delSockets(
      { rooms: this.#rooms, except: this.#except, flags: this.#flags },
      Array.isArray(room) ? room : [room],
    );
  }

  /** Disconnects the targeted sockets (and their connections when `close`). */
  disconnectSockets(close = false): void {
    this.#adapter.disconnectSockets(
      { rooms: this.#rooms, except: this.#except, flags: this.#flags },
      close,
    );
  }
}
