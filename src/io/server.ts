/**
 * The Socket.IO server's core: namespaces over one Engine.IO server,
 * answering Web requests. It knows no runtime: `src/server.ts` adds the
 * ways to serve it (`listen`, `bun()`, `hono()`, a `node:http` server).
 *
 * @module
 */

import { Emitter } from "../_internal/emitter.ts";
import { setErrorLogger } from "../_internal/error_log.ts";
import { debugChannel, type DebugFn, type Logger } from "../_internal/log.ts";
import { OptionChecker } from "../_internal/validate.ts";
import { Adapter, type AdapterConstructor, type Room } from "./adapter.ts";
import type { BroadcastOperator, RemoteSocket, RoomOperator } from "./broadcast.ts";
import { Client, type ClientHost } from "./client.ts";
import { EngineServer } from "../engine/server.ts";
import { Namespace, type NamespaceHost } from "./namespace.ts";
import { JsonEncoder, type PacketEncoder } from "../parser/parser.ts";
import { encodesMsgpack } from "../parser/_msgpack.ts";
import { ParentNamespace } from "./parent_namespace.ts";
import type {
  NamespaceMatcher,
  NamespaceMiddleware,
  NamespaceServer,
  ServerReservedEvents,
} from "./server_types.ts";
import type { RequestInfo } from "../engine/conn.ts";
import { type ClientFileResponder, clientFileResponder } from "./serve_client.ts";
import { type ServerOptions, validateServerOptions } from "./server_options.ts";
import type { Socket } from "./socket.ts";
import type {
  AckResult,
  AllButLast,
  DecorateAcknowledgementsWithTimeoutAndMultipleResponses,
  DefaultEventsMap,
  EventNames,
  EventNamesWithAck,
  EventParams,
  EventsMap,
  ReservedOrUserEventNames,
  ReservedOrUserListener,
} from "./typed_events.ts";

export type { ServerReservedEvents };

/** The server's events for given event maps. */
export type ServerEventsOf<L extends EventsMap, E extends EventsMap, S extends EventsMap, D> =
  ServerReservedEvents<Socket<L, E, S, D>, Namespace<L, E, S, D>>;

/**
 * An event the server's `on` and `once` take: one of its reserved events,
 * or an event another server sends with `serverSideEmit` (of `S`).
 */
export type ServerEventName<L extends EventsMap, E extends EventsMap, S extends EventsMap, D> =
  ReservedOrUserEventNames<ServerEventsOf<L, E, S, D>, S>;

/** The listener of the server's event `Ev` (see {@linkcode ServerEventName}). */
export type ServerListener<
  L extends EventsMap,
  E extends EventsMap,
  S extends EventsMap,
  D,
  Ev extends string,
> = ReservedOrUserListener<ServerEventsOf<L, E, S, D>, S, Ev>;

class NewNamespaceEvents extends Emitter<{ new_namespace: (nsp: unknown) => void }> {
  fire(nsp: unknown): void {
    this.emitEvent("new_namespace", nsp);
  }
}

/**
 * A Socket.IO v5 server, without the ways to serve it: the `Server` of
 * `mod.ts` extends it with `listen`, `bun()`, `hono()` and `node:http`.
 *
 * @example
 * ```ts ignore
 * const core = new ServerCore();
 * Deno.serve((request) => core.handleRequest(request));
 * ```
 */
export class ServerCore<
  ListenEvents extends EventsMap = DefaultEventsMap,
  EmitEvents extends EventsMap = DefaultEventsMap,
  ServerSideEvents extends EventsMap = DefaultEventsMap,
  // deno-lint-ignore no-explicit-any
  SocketData = any,
> implements
  NamespaceServer<
    ListenEvents,
    EmitEvents,
    ServerSideEvents,
    SocketData,
    Socket<ListenEvents, EmitEvents, ServerSideEvents, SocketData>,
    Namespace<ListenEvents, EmitEvents, ServerSideEvents, SocketData>
  > {
  /** The Engine.IO server underneath. */
  readonly engine: EngineServer;
  /** The main namespace `/`. */
  readonly sockets: Namespace<ListenEvents, EmitEvents, ServerSideEvents, SocketData>;
  /** The options in force. */
  readonly opts: Readonly<ServerOptions>;
  /** The encoder of every packet sent: the `parser` option's, or webio's JSON one. */
  readonly encoder: PacketEncoder;

  #nsps = new Map<string, Namespace<ListenEvents, EmitEvents, ServerSideEvents, SocketData>>();
  #parents: {
    matcher: NamespaceMatcher;
    /** Set when the parent was made from a RegExp: `of(name)` then attaches to it. */
    regex?: RegExp;
    parent: ParentNamespace<ListenEvents, EmitEvents, ServerSideEvents, SocketData>;
  }[] = [];
  #events = new NewNamespaceEvents();
  #nspHost: NamespaceHost;
  #clientHost: ClientHost;
  #adapter: AdapterConstructor;
  #connectTimeout: number;
  #clientFiles: ClientFileResponder | undefined;
  #debug: DebugFn | undefined;
  #debugNamespace: DebugFn | undefined;

  /**
   * A server answering requests through `handleRequest`.
   *
   * @throws {TypeError} When an option has the wrong type (`"1000"` for a number).
   * @throws {RangeError} When a number is out of range (a negative `pingInterval`).
   */
  constructor(options: ServerOptions = {}) {
    validateServerOptions(options);
    this.opts = { ...options, path: options.path ?? "/socket.io" };
    if (options.connectionStateRecovery) {
      // Its defaults filled in, as officially: adapters read them there.
      this.opts = {
        ...this.opts,
        connectionStateRecovery: {
          maxDisconnectionDuration: 2 * 60 * 1000,
          skipMiddlewares: true,
          ...options.connectionStateRecovery,
        },
      };
    }
    this.#clientFiles = clientFileResponder(this.opts);
    this.engine = new EngineServer({ ...options, path: this.opts.path });
    this.#adapter = options.adapter ?? Adapter;
    this.#connectTimeout = options.connectTimeout ?? 45000;
    this.encoder = options.parser
      ? new options.parser.Encoder() as PacketEncoder
      : new JsonEncoder();
    setErrorLogger(this, this.engine.logger);
    setErrorLogger(this.#events, this.engine.logger);
    this.#debug = debugChannel("webio:server", this.engine.logger);
    this.#debugNamespace = debugChannel("webio:namespace", this.engine.logger);
    // deno-lint-ignore no-this-alias
    const server = this; // the hosts' getters read settings that `adapter()` etc. may change
    this.#nspHost = {
      get adapterConstructor() {
        return server.#adapter;
      },
      cleanupEmptyChildNamespaces: options.cleanupEmptyChildNamespaces ?? false,
      removeNamespace: (name) => {
        this.#nsps.delete(name);
        for (const { parent } of this.#parents) parent.forgetChild(name);
      },
    };
    this.#clientHost = {
      get connectTimeout() {
        return server.#connectTimeout;
      },
      timers: this.engine.timers,
      maxAttachments: options.maxAttachments ?? 10,
      parser: options.parser,
      customEncoder: options.parser ? this.encoder : undefined,
      msgpackFrames: options.parser !== undefined && encodesMsgpack((p) => this.encoder.encode(p)),
      resolveNamespace: (name, auth) => this.#resolveNamespace(name, auth),
      debugClient: debugChannel("webio:client", this.engine.logger),
      debugSocket: debugChannel("webio:socket", this.engine.logger),
    };
    this.engine.on("connection", (session) => new Client(this.#clientHost, session));
    this.sockets = this.of("/");
  }

  // -- serving --

  /** Answers one request (polling, WebSocket upgrade). */
  handleRequest(request: Request, info?: RequestInfo): Promise<Response> {
    const href = request.url; // read once: on Bun each read builds it
    return this.#clientFiles?.(request, href) ?? this.engine.handleRequest(request, info, href);
  }

  /** Where this server logs (the `logger` option, or the console). */
  get logger(): Logger {
    return this.engine.logger;
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
   * Closes every connection (reason `"server shutting down"`), the
   * adapters, then what serves the server (`stopServing`).
   */
  async close(callback?: (err?: Error) => void): Promise<void> {
    this.#debug?.("closing");
    try {
      this.engine.close();
      // One failing adapter must not keep the others, or the listener, open.
      await Promise.allSettled(
        [...this.#nsps.values()].map(async (nsp) => await nsp.adapter.close()),
      );
      await this.stopServing();
      callback?.();
    } catch (err) {
      if (callback) callback(err as Error);
      else throw err;
    }
  }

  /** Stops what serves this server (a listener); called by `close()` last. */
  protected async stopServing(): Promise<void> {}

  // -- settings, as the official getter/setter methods --

  /** The adapter class in use. */
  adapter(): AdapterConstructor;
  /** Sets the adapter class: every existing namespace gets a new, empty adapter. */
  adapter(adapter: AdapterConstructor): this;
  adapter(adapter?: AdapterConstructor): AdapterConstructor | this {
    if (adapter === undefined) return this.#adapter;
    new OptionChecker("Cannot set adapter").function("adapter", adapter);
    this.#adapter = adapter;
    for (const nsp of this.#nsps.values()) {
      nsp.initAdapter();
      setErrorLogger(nsp.adapter, this.engine.logger);
    }
    return this;
  }

  /** Milliseconds an engine connection may stay without joining a namespace. */
  connectTimeout(): number;
  /** Sets `connectTimeout` for connections made from now on. */
  connectTimeout(ms: number): this;
  connectTimeout(ms?: number): number | this {
    if (ms === undefined) return this.#connectTimeout;
    new OptionChecker("Cannot set connectTimeout").delay("connectTimeout", ms);
    this.#connectTimeout = ms;
    return this;
  }

  /** Where the protocol is served, e.g. `"/socket.io"`. */
  path(): string {
    return this.opts.path!;
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
      setErrorLogger(parent, this.engine.logger);
      const matcher: NamespaceMatcher = typeof name === "function"
        ? name
        : (n, _auth, next) => next(null, name.test(n));
      this.#parents.push({ matcher, regex: name instanceof RegExp ? name : undefined, parent });
      if (fn) parent.on("connect", fn);
      return parent;
    }
    const key = name.startsWith("/") ? name : "/" + name;
    let nsp = this.#nsps.get(key);
    if (!nsp) {
      // A name matching a RegExp parent becomes that parent's child, as officially.
      const owner = this.#parents.find(({ regex }) => regex?.test(key))?.parent;
      nsp = owner ? owner.createChild(key) : new Namespace(this.#nspHost, key, this);
      this.#adopt(nsp);
      this.#nsps.set(key, nsp);
      if (key !== "/") this.#events.fire(nsp);
    }
    if (fn) nsp.on("connect", fn);
    return nsp;
  }

  /** The namespaces by name (dynamic children included, parents not). */
  get _nsps(): ReadonlyMap<
    string,
    Namespace<ListenEvents, EmitEvents, ServerSideEvents, SocketData>
  > {
    return this.#nsps;
  }

  /** A new namespace's errors go to this server's logger. */
  #adopt(nsp: Namespace<ListenEvents, EmitEvents, ServerSideEvents, SocketData>): void {
    setErrorLogger(nsp, this.engine.logger);
    setErrorLogger(nsp.adapter, this.engine.logger);
    this.#debugNamespace?.(`namespace ${nsp.name} created`);
  }

  /** A namespace that exists, at once (most connects); else through the dynamic ones. */
  #resolveNamespace(
    name: string,
    auth: Record<string, unknown>,
  ): Namespace | undefined | Promise<Namespace | undefined> {
    const existing = this.#nsps.get(name);
    if (existing) return existing as unknown as Namespace;
    return this.#resolveDynamic(name, auth);
  }

  async #resolveDynamic(
    name: string,
    auth: Record<string, unknown>,
  ): Promise<Namespace | undefined> {
    for (const { matcher, parent } of this.#parents) {
      const allow = await new Promise<boolean>((resolve) => {
        try {
          matcher(name, auth, (err, ok) => resolve(!err && Boolean(ok)));
        } catch {
          resolve(false);
        }
      });
      if (!allow) continue;
      let child = this.#nsps.get(name);
      if (!child) {
        child = parent.createChild(name);
        this.#adopt(child);
        this.#nsps.set(name, child);
        this.#events.fire(child);
      }
      return child as unknown as Namespace;
    }
    return undefined;
  }

  // -- events (connection events belong to the main namespace) --

  /**
   * Listens to `connection`/`connect` (main namespace), `new_namespace`, or
   * an event another server sent to the main namespace with `serverSideEmit`.
   */
  on<Ev extends ServerEventName<ListenEvents, EmitEvents, ServerSideEvents, SocketData>>(
    ev: Ev,
    listener: ServerListener<ListenEvents, EmitEvents, ServerSideEvents, SocketData, Ev>,
  ): this {
    if (ev === "new_namespace") this.#events.on("new_namespace", listener as (n: unknown) => void);
    else this.sockets.on(ev as string, listener as never);
    return this;
  }

  /** Like `on`, once. */
  once<Ev extends ServerEventName<ListenEvents, EmitEvents, ServerSideEvents, SocketData>>(
    ev: Ev,
    listener: ServerListener<ListenEvents, EmitEvents, ServerSideEvents, SocketData, Ev>,
  ): this {
    if (ev === "new_namespace") {
      this.#events.once("new_namespace", listener as (n: unknown) => void);
    } else this.sockets.once(ev as string, listener as never);
    return this;
  }

  /** Removes a listener. */
  off(ev: string, listener?: (...args: never[]) => void): this {
    if (ev === "new_namespace") this.#events.off("new_namespace", listener as never);
    else this.sockets.off(ev as string, listener as never);
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
  to(
    room: Room | Room[],
  ): RoomOperator<EmitEvents, SocketData> {
    return this.sockets.to(room);
  }

  /** Alias of `to`. */
  in(
    room: Room | Room[],
  ): RoomOperator<EmitEvents, SocketData> {
    return this.sockets.in(room);
  }

  /** Excludes a room (or rooms). */
  except(
    room: Room | Room[],
  ): RoomOperator<EmitEvents, SocketData> {
    return this.sockets.except(room);
  }

  /** Emits to every socket of the main namespace. */
  emit<Ev extends EventNames<EmitEvents>>(ev: Ev, ...args: EventParams<EmitEvents, Ev>): boolean {
    return this.sockets.emit(ev, ...args);
  }

  /**
   * Emits to every socket of the main namespace and resolves with their
   * answers, one per client; after `timeout()` it rejects when some are
   * missing at the deadline.
   */
  emitWithAck<Ev extends EventNamesWithAck<EmitEvents>>(
    ev: Ev,
    ...args: AllButLast<EventParams<EmitEvents, Ev>>
  ): Promise<AckResult<EmitEvents, Ev>[]> {
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
  compress(
    compress: boolean,
  ): RoomOperator<EmitEvents, SocketData> {
    return this.sockets.compress(compress);
  }

  /** Drops the message for clients that are not ready. */
  get volatile(): RoomOperator<EmitEvents, SocketData> {
    return this.sockets.volatile;
  }

  /** Only this node. */
  get local(): RoomOperator<EmitEvents, SocketData> {
    return this.sockets.local;
  }

  /** Waits `timeout` ms for every client's ack. */
  timeout(
    timeout: number,
  ): BroadcastOperator<
    DecorateAcknowledgementsWithTimeoutAndMultipleResponses<EmitEvents>,
    SocketData,
    EmitEvents
  > {
    return this.sockets.timeout(timeout);
  }

  /**
   * The ids of the main namespace's sockets.
   *
   * @deprecated As officially: use {@linkcode Server.fetchSockets}.
   */
  allSockets(): Promise<Set<string>> {
    return this.sockets.allSockets();
  }

  /** The sockets of the main namespace (on this server, its `Socket` objects). */
  fetchSockets(): Promise<RemoteSocket<EmitEvents, SocketData>[]> {
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
  serverSideEmitWithAck<Ev extends EventNamesWithAck<ServerSideEvents>>(
    ev: Ev,
    ...args: AllButLast<EventParams<ServerSideEvents, Ev>>
  ): Promise<AckResult<ServerSideEvents, Ev>[]> {
    return this.sockets.serverSideEmitWithAck(ev, ...args);
  }
}
