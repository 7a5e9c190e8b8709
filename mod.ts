/**
 * webio: a Socket.IO server for the Web-standard runtimes (Deno, Bun, Hono).
 *
 * This module re-exports the public API.
 *
 * @example
 * ```ts ignore
 * import { Server } from "@webio/webio";
 * const io = new Server(3000);
 * io.on("connection", (socket) => {
 *   socket.emit("hello", "world");
 *   socket.on("howdy", (arg, ack) => ack?.("got " + arg));
 * });
 * ```
 *
 * @module
 */

export { type EngineEvents, EngineServer } from "./src/engine/server.ts";
export {
  type CloseReason,
  EngineSession,
  type SendOptions,
  type SessionEvents,
} from "./src/engine/session.ts";
export type {
  AllowRequest,
  CookieOptions,
  EngineOptions,
  TransportName,
} from "./src/engine/options.ts";
export type { CorsOptions, CorsOrigin } from "./src/engine/cors.ts";
export {
  ENGINE_ERROR_MESSAGES,
  type EngineConnectionError,
  EngineErrorCode,
} from "./src/engine/errors.ts";
export type { RawData } from "./src/engine/packet.ts";
export type { Conn, ConnHandler, RequestInfo, Upgrader } from "./src/runtime/conn.ts";
export type { RequestHandlerHost, ServeHandle, ServeOptions } from "./src/runtime/handler.ts";
export { denoHandler, denoRequestInfo, denoUpgrade, serveDeno } from "./src/runtime/deno.ts";
export {
  bunHandler,
  type BunPair,
  bunRequestInfo,
  type BunServer,
  type BunWebSocket,
  type BunWebSocketHandlers,
  bunWebSocketHandlers,
  serveBun,
} from "./src/runtime/bun.ts";
export { type HonoBinding, type HonoContextLike, honoHandler } from "./src/runtime/hono.ts";
