/**
 * The Deno binding: a `Deno.serve` handler, the request facts and
 * WebSocket upgrade of a `Deno.serve` request, and `serveDeno`, webio's
 * own listener on `Deno.listen` (what `new Server(port)` starts on Deno).
 *
 * @example
 * ```ts ignore
 * import { Server } from "@webio/webio";
 * import { denoHandler } from "@webio/webio/deno";
 *
 * const io = new Server();
 * Deno.serve({ port: 3000 }, denoHandler(io));
 * ```
 *
 * @module
 */

export { denoHandler, denoRequestInfo, denoUpgrade, serveDeno } from "./src/runtime/deno.ts";
export type { RequestHandlerHost, ServeHandle, ServeOptions } from "./src/runtime/handler.ts";
