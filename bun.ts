/**
 * The Bun binding: the `fetch` and `websocket` halves of `Bun.serve` (what
 * `io.bun()` returns), their types, and `serveBun` (what `new Server(port)`
 * starts on Bun).
 *
 * @example
 * ```ts ignore
 * import { Server } from "webio";
 * import type { BunPair } from "webio/bun";
 *
 * const io = new Server();
 * const socketio: BunPair = io.bun();
 * Bun.serve({ port: 3000, fetch: socketio.fetch, websocket: socketio.websocket });
 * ```
 *
 * @module
 */

export {
  bunHandler,
  type BunPair,
  bunRequestInfo,
  type BunServer,
  type BunSocketData,
  type BunWebSocket,
  type BunWebSocketHandlers,
  bunWebSocketHandlers,
  serveBun,
} from "./src/runtime/bun.ts";
export type { RequestHandlerHost, ServeHandle, ServeOptions } from "./src/runtime/handler.ts";
