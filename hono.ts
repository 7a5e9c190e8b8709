/**
 * The Hono binding: webio as a route of a Hono app (what `io.hono()`
 * returns), on Deno and on Bun.
 *
 * @example
 * ```ts ignore
 * import { Hono } from "hono";
 * import { Server } from "@webio/webio";
 * import { honoHandler } from "@webio/webio/hono";
 *
 * const io = new Server();
 * const { handler } = honoHandler(io); // the same as io.hono()
 * const app = new Hono();
 * app.all("/socket.io/*", handler);
 * Deno.serve(app.fetch);
 * ```
 *
 * @module
 */

export { type HonoBinding, type HonoContextLike, honoHandler } from "./src/runtime/hono.ts";
export type { RequestHandlerHost } from "./src/runtime/handler.ts";
