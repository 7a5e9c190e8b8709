/**
 * The Hono binding: a route handler that serves webio under Hono on Deno
 * or on Bun, returning a `Response` in every branch.
 *
 * @module
 */

import type { RequestInfo } from "../engine/conn.ts";
import { denoRequestInfo } from "./deno.ts";
import {
  bunIdleTimeout,
  bunRequestInfo,
  type BunServer,
  type BunWebSocketHandlers,
  bunWebSocketHandlers,
  withConnectionClose,
} from "./bun.ts";
import type { RequestHandlerHost } from "./handler.ts";

/** The part of Hono's `Context` used here (no dependency on Hono itself). */
export interface HonoContextLike {
  /** Hono's request; `raw` is the Web `Request`. */
  req: { raw: Request };
  /** Under Bun, the `Bun.serve` server; under Deno, the `ServeHandlerInfo`. */
  env?: unknown;
}

/** What {@linkcode honoHandler} returns. */
export interface HonoBinding {
  /** Mount with `app.all("/socket.io/*", handler)`. */
  handler: (c: HonoContextLike) => Promise<Response>;
  /** Under Bun, pass to `Bun.serve({ fetch: app.fetch, websocket })`. */
  websocket: BunWebSocketHandlers;
}

function isBunServer(env: unknown): env is BunServer {
  return typeof (env as BunServer | undefined)?.upgrade === "function";
}

function requestInfo(c: HonoContextLike, host: RequestHandlerHost): RequestInfo {
  if (isBunServer(c.env)) return bunRequestInfo(c.req.raw, c.env, bunIdleTimeout(host));
  if ("Deno" in globalThis) {
    return denoRequestInfo(c.env as Deno.ServeHandlerInfo | undefined);
  }
  return {}; // no upgrade available: polling only
}

/**
 * A Hono route handler for `host` (an engine or a Socket.IO server).
 *
 * @example
 * ```ts ignore
 * import { Hono } from "hono";
 * const app = new Hono();
 * const { handler, websocket } = honoHandler(io);
 * app.all("/socket.io/*", handler);
 * Deno.serve(app.fetch); // or Bun.serve({ fetch: app.fetch, websocket })
 * ```
 */
export function honoHandler(host: RequestHandlerHost): HonoBinding {
  return {
    handler: async (c) => {
      const response = await host.handleRequest(c.req.raw, requestInfo(c, host));
      // Under Bun, say that a `Connection: close` request's connection closes.
      return isBunServer(c.env) ? withConnectionClose(c.req.raw, response) : response;
    },
    websocket: bunWebSocketHandlers(host),
  };
}
