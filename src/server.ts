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
import { readEnv } from "./runtime/env.ts";
import { setDebugNamespaces } from "./_internal/log.ts";
import { describeValue } from "./_internal/validate.ts";

// The debug channels (`DEBUG=webio:*`), read once; on Deno only with --allow-env.
setDebugNamespaces(readEnv("DEBUG"));

/** A port given as a number or a numeric string, as the official server takes it. */
function toPort(port: number | string): number {
  const n = typeof port === "string" && port.trim() !== "" ? Number(port) : port;
  if (typeof n !== "number" || Number.isNaN(n)) {
    throw new TypeError(
      "Cannot listen: port must be a number, a numeric string or a node:http server, " +
        `got ${describeValue(port)}`,
    );
  }
  if (!Number.isInteger(n) || n < 0 || n > 65535) {
    throw new RangeError(
      `Cannot listen: port must be an integer from 0 to 65535, got ${describeValue(port)}`,
    );
  }
  return n;
}

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
  #closed = false;

  /**
   * A server that is not listening yet: serve it with `listen`, `bun()`,
   * `hono()` or `handleRequest`.
   */
  constructor(options?: ServerOptions);
  /**
   * A server listening on `port` (a number, or a numeric string such as
   * `process.env.PORT`): webio's own listener on Deno, `Bun.serve` on Bun.
   */
  constructor(port: number | string, options?: ServerOptions);
  /**
   * A server attached to a `node:http` (or `node:https`) server, as
   * `new Server(httpServer)` officially: it answers the requests under `path`.
   */
  constructor(httpServer: NodeHttpServerLike, options?: ServerOptions);
  constructor(
    portOrOptions?: number | string | NodeHttpServerLike | ServerOptions,
    maybeOptions?: ServerOptions,
  ) {
    const serveNow = typeof portOrOptions === "number" || typeof portOrOptions === "string" ||
      isNodeHttpServer(portOrOptions);
    super(serveNow ? maybeOptions : (portOrOptions as ServerOptions | undefined));
    if (serveNow) this.listen(portOrOptions as number | string | NodeHttpServerLike);
  }

  /**
   * Starts listening on `port` (a number or a numeric string; webio's own
   * listener on Deno, `Bun.serve` on Bun), or serves the requests under
   * `path` of a `node:http` server.
   *
   * @throws {Error} When the server is listening already, or was closed (a
   * closed server refuses every handshake: create a new one).
   * @throws {RangeError} When `port` is not an integer from 0 to 65535.
   * @throws {Error} When the port is taken (`code` `"EADDRINUSE"`; on Deno a
   * `Deno.errors.AddrInUse`), with a message naming it.
   */
  listen(
    port: number | string | NodeHttpServerLike,
    options: Omit<ServeOptions, "port"> = {},
  ): this {
    if (this.#closed) {
      throw new Error(
        "Cannot listen: the server was closed, and a closed server refuses every handshake; " +
          "create a new Server",
      );
    }
    if (this.#listening || this.#nodeHttp) {
      throw new Error("Cannot listen: the server is already listening");
    }
    if (typeof port === "number" || typeof port === "string") {
      this.#listening = serveAuto(this, { ...options, port: toPort(port) });
    } else if (isNodeHttpServer(port)) {
      this.#nodeHttp = attachNodeHttp(this, port, this.opts.path);
    } else {
      throw new TypeError(
        "Cannot listen: port must be a number, a numeric string or a node:http server, " +
          `got ${describeValue(port)}`,
      );
    }
    return this;
  }

  /** Alias of `listen`. */
  attach(
    port: number | string | NodeHttpServerLike,
    options: Omit<ServeOptions, "port"> = {},
  ): this {
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
   * Closes every connection, the adapters and the listener (see
   * `ServerCore.close`); the server cannot listen again.
   */
  override close(callback?: (err?: Error) => void): Promise<void> {
    this.#closed = true;
    return super.close(callback);
  }

  /** Closes the listener started by `listen`, or detaches from the `node:http` server. */
  protected override async stopServing(): Promise<void> {
    await this.#listening?.shutdown();
    this.#listening = undefined;
    await this.#nodeHttp?.close();
    this.#nodeHttp = undefined;
  }
}
