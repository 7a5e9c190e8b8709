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

export { Server } from "./src/server.ts";
export { ServerCore, type ServerEventsOf, type ServerReservedEvents } from "./src/io/server.ts";
export type { ServerOptions } from "./src/io/server_options.ts";
export {
  type ExtendedError,
  Namespace,
  type NamespaceMiddleware,
  type NamespaceReservedEvents,
} from "./src/io/namespace.ts";
export { type NamespaceMatcher, ParentNamespace } from "./src/io/parent_namespace.ts";
export {
  type DisconnectReason,
  type PacketMiddleware,
  Socket,
  type SocketReservedEvents,
} from "./src/io/socket.ts";
export type { Handshake } from "./src/io/handshake.ts";
export { BroadcastOperator } from "./src/io/broadcast.ts";
export {
  type AckFn,
  Adapter,
  type AdapterConstructor,
  type AdapterEvents,
  type AdapterNamespace,
  type AdapterSocket,
  type BroadcastFlags,
  type BroadcastOptions,
  type Room,
  type SocketId,
  type WriteOptions,
} from "./src/io/adapter.ts";
export { Client } from "./src/io/client.ts";
export type {
  AckResult,
  AllButLast,
  AnyFunction,
  AnyListener,
  ArrayOfEach,
  DecorateAcknowledgements,
  DecorateAcknowledgementsWithMultipleResponses,
  DecorateAcknowledgementsWithTimeoutAndMultipleResponses,
  DefaultEventsMap,
  EventNames,
  EventNamesWithAck,
  EventParams,
  EventsMap,
  ExpectMultipleResponses,
  FallbackToUntyped,
  FirstNonErrorArg,
  FirstNonErrorTuple,
  FirstWithLabel,
  IfAny,
  Last,
  PrependTimeoutError,
  ReservedOrUserEventNames,
  ReservedOrUserListener,
} from "./src/io/typed_events.ts";
export type { Emitter } from "./src/_internal/emitter.ts";
export type { AnyEventListener } from "./src/io/_any_listeners.ts";
export { type Packet, PacketType } from "./src/parser/packet.ts";
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
export type { RequestHandlerHost, ServeHandle, ServeOptions } from "./src/runtime/handler.ts";
export type { NodeHttpServerLike, NodeListener } from "./src/runtime/node_http.ts";
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
