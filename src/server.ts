/**
 * The Socket.IO server: namespaces over one Engine.IO server, served on
 * Deno, Bun or a Hono route.
 *
 * @module
 */

import { Emitter } from "./_emitter.ts";
import { Adapter, type AdapterConstructor, type Room } from "./adapter.ts";
import type { BroadcastOperator } from "./broadcast.ts";
import { Client, type ClientHost } from "./client.ts";
import { EngineServer } from "./engine/server.ts";
import { Namespace, type NamespaceHost, type NamespaceMiddleware } from "./namespace.ts";
import { type NamespaceMatcher, ParentNamespace } from "./parent_namespace.ts";
import type { RequestInfo } from "./runtime/conn.ts";
import type { RequestHandlerHost, ServeHandle, ServeOptions } from "./runtime/handler.ts";
import { serveAuto } from "./runtime/serve.ts";
import { bunHandler, type BunPair } from "./runtime/bun.ts";
import { type HonoBinding, honoHandler } from "./runtime/hono.ts";
import type { ServerOptions } from "./server_options.ts";
import type { Socket } from "./socket.ts";
import type {
  DecorateAcknowledgementsWithMultipleResponses,
  DefaultEventsMap,
  EventNames,
  EventParams,
  EventsMap,
} from "./typed_events.ts";

/** Events of the server itself (the rest go to the main namespace). */
export interface ServerReservedEvents<S, N> {
  connection: (socket: S) => void;
  connect: (socket: S) => void;
  new_namespace: (namespace: N) => void;
}

class NewNamespaceEvents extends Emitter<{ new_namespace: (nsp: unknown) => void }> {
  fire(nsp: unknown): void {
    this.emitEvent("new_namespace", nsp);
  }
}

/**
 * A Socket.IO v5 server.
 *
 * @example
 * ```ts ignore
 * import { Server } from "@webio/webio";
 * const io = new Server(3000); // Deno.serve or Bun.serve, whichever runs
 * io.on("connection", (socket) => {
 *   socket.emit("hello", "world");
 *   socket.on("howdy", (arg) => console.log(arg));
 * });
 * ```
 */
export class Server<
  ListenEvents extends EventsMap = DefaultEventsMap,
  EmitEvents extends EventsMap = DefaultEventsMap,
  ServerSideEvents extends EventsMap = DefaultEventsMap,
  SocketData = unknown,
> implements RequestHandlerHost {
  /** The Engine.IO server underneath. */
  readonly engine: EngineServer;
  /** The main namespace `/`. */
  readonly sockets: Namespace<ListenEvents, EmitEvents, ServerSideEvents, SocketData>;
  /** The options in force. */
  readonly opts: Readonly<ServerOptions>;

  #nsps = new Map<string, Namespace<ListenEvents, EmitEvents, ServerSideEvents, SocketData>>();
  #parents: {
    matcher: NamespaceMatcher;
    parent: ParentNamespace<ListenEvents, EmitEvents, ServerSideEvents, SocketData>;
  }[] = [];
  #events = new NewNamespaceEvents();
  #nspHost: NamespaceHost;
  #clientHost: ClientHost;
  #listening: ServeHandle | undefined;

  constructor(options?: ServerOptions);
  constructor(port: number, options?: ServerOptions);
  constructor(portOrOptions?: number | ServerOptions, maybeOptions?: ServerOptions) {
    const options = typeof portOrOptions === "object" ? portOrOptions : maybeOptions ?? {};
    this.opts = { ...options, path: options.path ?? "/socket.io" };
    this.engine = new EngineServer({ ...options, path: this.opts.path });
    const adapter: AdapterConstructor = options.adapter ?? Adapter;
    this.#nspHost = {
      adapterConstructor: adapter,
      cleanupEmptyChildNamespaces: options.cleanupEmptyChildNamespaces ?? false,
      removeNamespace: (name) => {
        this.#nsps.delete(name);
        for (const { parent } of this.#parents) parent.forgetChild(name);
      },
    };
    this.#clientHost = {
      connectTimeout: options.connectTimeout ?? 45000,
      maxAttachments: options.maxAttachments ?? 10,
      resolveNamespace: (name, auth) => this.#resolveNamespace(name, auth),
    };
    this.engine.on("connection", (session) => new Client(this.#clientHost, session));
    this.sockets = this.of("/");
    if (typeof portOrOptions === "number") this.listen(portOrOptions);
  }

  // -- serving --

  /** Answers one request (polling, WebSocket upgrade). */
  handleRequest(request: Request, info?: RequestInfo): Promise<Response> {
    return this.engine.handleRequest(request, info);
  }

  /** Milliseconds a long poll may be held. */
  get longestPollMs(): number {
    return this.engine.longestPollMs;
  }

  /** Largest WebSocket message accepted. */
  get maxMessageBytes(): number {
    return this.engine.maxMessageBytes;
  }

  /**
   * Starts listening on `port` with `Deno.serve` or `Bun.serve`, whichever
   * runtime runs this code.
   */
  listen(port: number, options: Omit<ServeOptions, "port"> = {}): this {
    if (this.#listening) throw new Error("Cannot listen: the server is already listening");
    this.#listening = serveAuto(this, { ...options, port });
    return this;
  }

  /** Alias of `listen`. */
  attach(port: number, options: Omit<ServeOptions, "port"> = {}): this {
    return this.listen(port, options);
  }

  /** The port `listen` bound, if listening. */
  get port(): number | undefined {
    return this.#listening?.port;
  }

  /** The `fetch` and `websocket` pair for `Bun.serve`. */
  bun(): BunPair {
    return bunHandler(this);
  }

  /** A Hono route handler (and Bun's `websocket` object). */
  hono(): HonoBinding {
    return honoHandler(this);
  }

  /**
   * Closes every connection (reason `"server shutting down"`), the
   * adapters, and the listener started by `listen`.
   */
  async close(callback?: (err?: Error) => void): Promise<void> {
    try {
      this.engine.close();
      for (const nsp of this.#nsps.values()) await nsp.adapter.close();
      await this.#listening?.shutdown();
      this.#listening = undefined;
      callback?.();
    } catch (err) {
      if (callback) callback(err as Error);
      else throw err;
    }
  }

  // -- namespaces --

  /**
   * The namespace `name` (created on first use), or a parent of dynamic
   * namespaces for a RegExp or a function.
   */
  of(
    name: string | RegExp | NamespaceMatcher,
    fn?: (socket: Socket<ListenEvents, EmitEvents, ServerSideEvents, SocketData>) => void,
  ): Namespace<ListenEvents, EmitEvents, ServerSideEvents, SocketData> {
    if (typeof name === "function" || name instanceof RegExp) {
      const parent = new ParentNamespace<ListenEvents, EmitEvents, ServerSideEvents, SocketData>(
        this.#nspHost,
        this,
      );
      const matcher: NamespaceMatcher = typeof name === "function"
        ? name
        : (n, _auth, next) => next(null, name.test(n));
      this.#parents.push({ matcher, parent });
      if (fn) parent.on("connect", fn);
      return parent;
    }
    const key = name.startsWith("/") ? name : "/" + name;
    let nsp = this.#nsps.get(key);
    if (!nsp) {
      nsp = new Namespace(this.#nspHost, key, this);
      this.#nsps.set(key, nsp);
      if (key !== "/") this.#events.fire(nsp);
    }
    if (fn) nsp.on("connect", fn);
    return nsp;
  }

  async #resolveNamespace(
    name: string,
    auth: Record<string, unknown>,
  ): Promise<Namespace | undefined> {
    const existing = this.#nsps.get(name);
    if (existing) return existing as unknown as Namespace;
    for (const { matcher, parent } of this.#parents) {
      const allow = await new Promise<boolean>((resolve) => {
        try {
          matcher(name, auth, (err, ok) => resolve(!err && ok === true));
        } catch {
          resolve(false);
        }
      });
      if (!allow) continue;
      let child = this.#nsps.get(name);
      if (!child) {
        child = parent.createChild(name);
        this.#nsps.set(name, child);
        this.#events.fire(child);
      }
      return child as unknown as Namespace;
    }
    return undefined;
  }

  // -- events (connection events belong to the main namespace) --

  /** Listens to `connection`/`connect` (main namespace) or `new_namespace`. */
  on<
    Ev extends keyof ServerReservedEvents<
      Socket<ListenEvents, EmitEvents, ServerSideEvents, SocketData>,
      Namespace<ListenEvents, EmitEvents, ServerSideEvents, SocketData>
    >,
  >(
    ev: Ev,
    listener: ServerReservedEvents<
      Socket<ListenEvents, EmitEvents, ServerSideEvents, SocketData>,
      Namespace<ListenEvents, EmitEvents, ServerSideEvents, SocketData>
    >[Ev],
  ): this {
    if (ev === "new_namespace") this.#events.on("new_namespace", listener as (n: unknown) => void);
    else this.sockets.on(ev as "connection", listener as never);
    return this;
  }

  /** Like `on`, once. */
  once<
    Ev extends keyof ServerReservedEvents<
      Socket<ListenEvents, EmitEvents, ServerSideEvents, SocketData>,
      Namespace<ListenEvents, EmitEvents, ServerSideEvents, SocketData>
    >,
  >(
    ev: Ev,
    listener: ServerReservedEvents<
      Socket<ListenEvents, EmitEvents, ServerSideEvents, SocketData>,
      Namespace<ListenEvents, EmitEvents, ServerSideEvents, SocketData>
    >[Ev],
  ): this {
    if (ev === "new_namespace") {
      this.#events.once("new_namespace", listener as (n: unknown) => void);
    } else this.sockets.once(ev as "connection", listener as never);
    return this;
  }

  /** Removes a listener. */
  off(ev: string, listener?: (...args: never[]) => void): this {
    if (ev === "new_namespace") this.#events.off("new_namespace", listener as never);
    else this.sockets.off(ev as "connection", listener as never);
    return this;
  }

  // -- the main namespace's API --

  /** Registers a middleware on the main namespace. */
  use(
    fn: NamespaceMiddleware<Socket<ListenEvents, EmitEvents, ServerSideEvents, SocketData>>,
  ): this {
    this.sockets.use(fn);
    return this;
  }

  /** Targets a room (or rooms). */
  to(room: Room | Room[]): BroadcastOperator<EmitEvents, SocketData> {
    return this.sockets.to(room);
  }

  /** Alias of `to`. */
  in(room: Room | Room[]): BroadcastOperator<EmitEvents, SocketData> {
    return this.sockets.in(room);
  }

  /** Excludes a room (or rooms). */
  except(room: Room | Room[]): BroadcastOperator<EmitEvents, SocketData> {
    return this.sockets.except(room);
  }

  /** Emits to every socket of the main namespace. */
  emit<Ev extends EventNames<EmitEvents>>(ev: Ev, ...args: EventParams<EmitEvents, Ev>): boolean {
    return this.sockets.emit(ev, ...args);
  }

  /** Emits and resolves with every client's answer. */
  emitWithAck<Ev extends EventNames<EmitEvents>>(ev: Ev, ...args: unknown[]): Promise<unknown[]> {
    return this.sockets.emitWithAck(ev, ...args);
  }

  /** Sends a `message` event to every socket. */
  send(...args: unknown[]): this {
    this.sockets.send(...args);
    return this;
  }

  /** Alias of `send`. */
  write(...args: unknown[]): this {
    return this.send(...args);
  }

  /** Sets whether to compress. */
  compress(compress: boolean): BroadcastOperator<EmitEvents, SocketData> {
    return this.sockets.compress(compress);
  }

  /** Drops the message for clients that are not ready. */
  get volatile(): BroadcastOperator<EmitEvents, SocketData> {
    return this.sockets.volatile;
  }

  /** Only this node. */
  get local(): BroadcastOperator<EmitEvents, SocketData> {
    return this.sockets.local;
  }

  /** Waits `timeout` ms for every client's ack. */
  timeout(
    timeout: number,
  ): BroadcastOperator<DecorateAcknowledgementsWithMultipleResponses<EmitEvents>, SocketData> {
    return this.sockets.timeout(timeout);
  }

  /** The sockets of the main namespace. */
  fetchSockets(): Promise<Socket<ListenEvents, EmitEvents, ServerSideEvents, SocketData>[]> {
    return this.sockets.fetchSockets();
  }

  /** Makes every socket join `room`. */
  socketsJoin(room: Room | Room[]): void {
    this.sockets.socketsJoin(room);
  }

  /** Makes every socket leave `room`. */
  socketsLeave(room: Room | Room[]): void {
    this.sockets.socketsLeave(room);
  }

  /** Disconnects every socket. */
  disconnectSockets(close = false): void {
    this.sockets.disconnectSockets(close);
  }

  /** Emits to the other servers of a cluster (none on one node). */
  serverSideEmit<Ev extends EventNames<ServerSideEvents>>(
    ev: Ev,
    ...args: EventParams<ServerSideEvents, Ev>
  ): boolean {
    return this.sockets.serverSideEmit(ev, ...args);
  }

  /** Emits to the other servers and resolves with their answers. */
  serverSideEmitWithAck(ev: string, ...args: unknown[]): Promise<unknown[]> {
    return this.sockets.serverSideEmitWithAck(ev, ...args);
  }
}
