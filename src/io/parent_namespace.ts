/**
 * Dynamic namespaces: `io.of(/^\/room-\d+$/)` or `io.of((name, auth, next) => ...)`
 * makes a parent whose children are created on first connection and inherit
 * its middlewares and listeners. Broadcasting on the parent reaches every child.
 *
 * @module
 */

import {
  type AckFn,
  Adapter,
  type AdapterNamespace,
  type AdapterSocket,
  type BroadcastOptions,
} from "./adapter.ts";
import { Namespace, type NamespaceHost } from "./namespace.ts";
import type { NamespaceMatcher, NamespaceServer } from "./server_types.ts";
import type { Packet } from "../parser/packet.ts";
import type { Socket } from "./socket.ts";
import type { DefaultEventsMap, EventsMap } from "./typed_events.ts";

export type { NamespaceMatcher };

let parentCount = 0;

/**
 * The parent of dynamically created namespaces.
 *
 * @example
 * ```ts ignore
 * io.of(/^\/team-\w+$/).on("connection", (socket) => {
 *   socket.nsp.emit("joined", socket.id); // to the child namespace only
 * });
 * ```
 */
export class ParentNamespace<
  ListenEvents extends EventsMap = DefaultEventsMap,
  EmitEvents extends EventsMap = DefaultEventsMap,
  ServerSideEvents extends EventsMap = DefaultEventsMap,
  // deno-lint-ignore no-explicit-any
  SocketData = any,
> extends Namespace<ListenEvents, EmitEvents, ServerSideEvents, SocketData> {
  /** Child namespaces created so far. */
  readonly children: Set<Namespace<ListenEvents, EmitEvents, ServerSideEvents, SocketData>> =
    new Set();
  #childHost: NamespaceHost;
  #server: NamespaceServer<
    ListenEvents,
    EmitEvents,
    ServerSideEvents,
    SocketData,
    Socket<ListenEvents, EmitEvents, ServerSideEvents, SocketData>,
    Namespace<ListenEvents, EmitEvents, ServerSideEvents, SocketData>
  >;

  /** @internal Made by the server for `io.of(regex)` or `io.of(matcher)`. */
  constructor(
    host: NamespaceHost,
    server: NamespaceServer<
      ListenEvents,
      EmitEvents,
      ServerSideEvents,
      SocketData,
      Socket<ListenEvents, EmitEvents, ServerSideEvents, SocketData>,
      Namespace<ListenEvents, EmitEvents, ServerSideEvents, SocketData>
    >,
  ) {
    const children = new Set<Namespace<ListenEvents, EmitEvents, ServerSideEvents, SocketData>>();
    super(
      { ...host, adapterConstructor: parentAdapterFor(children) },
      `/_${parentCount++}`,
      server,
    );
    this.children = children;
    this.#childHost = host;
    this.#server = server;
  }

  /** @internal Creates the child `name`, inheriting middlewares and listeners. */
  createChild(name: string): Namespace<ListenEvents, EmitEvents, ServerSideEvents, SocketData> {
    const child = new Namespace<ListenEvents, EmitEvents, ServerSideEvents, SocketData>(
      this.#childHost,
      name,
      this.#server,
    );
    child.isChild = true;
    child.middlewares = this.middlewares.slice();
    for (const l of this.listeners("connect")) child.on("connect", l);
    for (const l of this.listeners("connection")) child.on("connection", l);
    this.children.add(child);
    return child;
  }

  /** @internal Forgets a child that was cleaned up. */
  forgetChild(name: string): void {
    for (const child of this.children) if (child.name === name) this.children.delete(child);
  }
}

// deno-lint-ignore no-explicit-any
type AnyNamespace = Namespace<any, any, any, any>;

/** An adapter class that fans every operation out to the children's adapters. */
function parentAdapterFor(children: Set<AnyNamespace>): new (nsp: AdapterNamespace) => Adapter {
  return class ParentAdapter extends Adapter {
    override broadcast(packet: Packet, opts: BroadcastOptions): void {
      for (const child of children) child.adapter.broadcast({ ...packet }, opts);
    }

    override broadcastWithAck(
      packet: Packet,
      opts: BroadcastOptions,
      clientCountCallback: (count: number) => void,
      ack: AckFn,
    ): void {
      let total = 0;
      for (const child of children) {
        child.adapter.broadcastWithAck({ ...packet }, opts, (n) => total += n, ack);
      }
      clientCountCallback(total);
    }

    override async fetchSockets(opts: BroadcastOptions): Promise<AdapterSocket[]> {
      const all: AdapterSocket[] = [];
      for (const child of children) all.push(...await child.adapter.fetchSockets(opts));
      return all;
    }

    override forgetAck(opts: BroadcastOptions, id: number): void {
      for (const child of children) {
        if (child.adapter instanceof Adapter) child.adapter.forgetAck(opts, id);
      }
    }

    override addSockets(opts: BroadcastOptions, rooms: string[]): void {
      for (const child of children) child.adapter.addSockets(opts, rooms);
    }

    override delSockets(opts: BroadcastOptions, rooms: string[]): void {
      for (const child of children) child.adapter.delSockets(opts, rooms);
    }

    override disconnectSockets(opts: BroadcastOptions, close: boolean): void {
      for (const child of children) child.adapter.disconnectSockets(opts, close);
    }
  };
}
