/**
 * The low-level pieces: the Engine.IO v4 server (`io.engine`), its
 * sessions, transports, options and errors, the runtime contract that the
 * bindings implement (`Conn`, `ConnHandler`, `RequestInfo`, `Upgrader`),
 * `ServerCore` (the Socket.IO server that `Server` extends with the ways to
 * serve it) and the per-connection `Client`. An application needs none of
 * it; a new binding or a tool that inspects connections does.
 *
 * @example
 * ```ts ignore
 * import { Server } from "@webio/webio";
 * import type { RequestInfo } from "@webio/webio/engine";
 *
 * const io = new Server();
 * const info: RequestInfo = { remoteAddress: "127.0.0.1" }; // long-polling only
 * const response = await io.handleRequest(new Request("http://x/socket.io/?EIO=4&transport=polling"), info);
 * ```
 *
 * @module
 */

export { type EngineEvents, EngineServer } from "./src/engine/server.ts";
export {
  type CloseReason,
  EngineSession,
  type HandshakeInfo,
  type SendOptions,
  type SessionEvents,
  type SessionHandler,
  type SessionHost,
} from "./src/engine/session.ts";
export type { Transport, TransportHost } from "./src/engine/transport.ts";
export type { WebSocketTransport } from "./src/engine/websocket.ts";
export type {
  AllowRequest,
  CookieOptions,
  EngineOptions,
  ResolvedEngineOptions,
  TransportName,
} from "./src/engine/options.ts";
export type { CorsOptions, CorsOrigin, StaticOrigin } from "./src/engine/cors.ts";
export {
  ENGINE_ERROR_MESSAGES,
  type EngineConnectionError,
  EngineErrorCode,
} from "./src/engine/errors.ts";
export {
  type EnginePacket,
  type EnginePacketName,
  EnginePacketType,
  type RawData,
} from "./src/engine/packet.ts";
export type { Conn, ConnHandler, RequestInfo, Upgrader } from "./src/engine/conn.ts";
export { ServerCore } from "./src/io/server.ts";
export { Client } from "./src/io/client.ts";
export type { SocketConnection, SocketNamespace } from "./src/io/socket_types.ts";
export type { RequestHandlerHost, ServeHandle, ServeOptions } from "./src/runtime/handler.ts";
