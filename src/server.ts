/**
 * The `Server` applications use: the Socket.IO server of `src/io/` with
 * the ways to serve it, from `src/runtime/`. This file is the only place
 * where the two meet.
 *
 * @module
 */

import { ServerCore } from "./io/server.ts";
import type { ServerOptions } from "./io/server_options.ts";
import type { DefaultEventsMap, EventsMap } from "./io/typed_events.ts";
import type { ServeHandle, ServeOptions } from "./runtime/handler.ts";
import { serveAuto } from "./runtime/serve.ts";
import {
  attachNodeHttp,
  isNodeHttpServer,
  type NodeHttpAttachment,
  type NodeHttpServerLike,
} from "./runtime/node_http.ts";
import { bunHandler, type BunPair } from "./runtime/bun.ts";
import { type HonoBinding, honoHandler } from "./runtime/hono.ts";

/**
 * A Socket.IO v5 server.
 *
 * @example
 * ```ts ignore
 * import { Server } from "@webio/webio";
 * const io = new Server(3000); // webio's listener on Deno, Bun.serve on Bun
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
  // deno-lint-ignore no-explicit-any
  SocketData = any,
> extends ServerCore<ListenEvents, EmitEvents, ServerSideEvents, SocketData> {
  #listening: ServeHandle | undefined;
  #nodeHttp: NodeHttpAttachment | undefined;

  /**
   * A server that is not listening yet: serve it with `listen`, `bun()`,
   * `hono()` or `handleRequest`.
   */
  constructor(options?: ServerOptions);
  /** A server listening on `port`: webio's own listener on Deno, `Bun.serve` on Bun. */
  constructor(port: number, options?: ServerOptions);
  /**
   * A server attached to a `node:http` (or `node:https`) server, as
   * `new Server(httpServer)` officially: it answers the requests under `path`.
   */
  constructor(httpServer: NodeHttpServerLike, options?: ServerOptions);
  constructor(
    portOrOptions?: number | NodeHttpServerLike | ServerOptions,
    maybeOptions?: ServerOptions,
  ) {
    const serveNow = typeof portOrOptions === "number" || isNodeHttpServer(portOrOptions);
    super(serveNow ? maybeOptions : (portOrOptions as ServerOptions | undefined));
    if (serveNow) this.listen(portOrOptions as number | NodeHttpServerLike);
  }

  /**
   * Starts listening on `port` (webio's own listener on Deno, `Bun.serve` on
   * Bun), or serves the requests under `path` of a `node:http` server.
   */
  listen(port: number | NodeHttpServerLike, options: Omit<ServeOptions, "port"> = {}): this {
    if (this.#listening || this.#nodeHttp) {
      throw new Error("Cannot listen: the server is already listening");
    }
    if (typeof port === "number") this.#listening = serveAuto(this, { ...options, port });
    else this.#nodeHttp = attachNodeHttp(this, port, this.opts.path);
    return this;
  }

  /** Alias of `listen`. */
  attach(port: number | NodeHttpServerLike, options: Omit<ServeOptions, "port"> = {}): this {
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

  /** Closes the listener started by `listen`, or detaches from the `node:http` server. */
  protected override async stopServing(): Promise<void> {
    await this.#listening?.shutdown();
    this.#listening = undefined;
    await this.#nodeHttp?.close();
    this.#nodeHttp = undefined;
  }
}
