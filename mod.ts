/**
 * webio: a Socket.IO v5 server for the Web-standard runtimes (Deno, Bun,
 * Hono on either, and `node:http`).
 *
 * This module holds what an application uses: {@linkcode Server}, its
 * namespaces, sockets and broadcasts, the adapter, the options and the
 * event-map types. The runtime bindings have their own entry points
 * (`@webio/webio/deno`, `/bun`, `/hono`, `/node`); the Engine.IO layer is
 * `@webio/webio/engine` and the adapter's contract `@webio/webio/adapter`.
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
export type {
  ServerEventName,
  ServerEventsOf,
  ServerListener,
  ServerReservedEvents,
} from "./src/io/server.ts";
export type { ServerOptions } from "./src/io/server_options.ts";
export type { PacketDecoder, PacketEncoder, Parser } from "./src/parser/parser.ts";
export type { Logger } from "./src/_internal/log.ts";
export {
  type ExtendedError,
  Namespace,
  type NamespaceEventName,
  type NamespaceEventsOf,
  type NamespaceListener,
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
export { BroadcastOperator, type RoomOperator } from "./src/io/broadcast.ts";
export { RemoteSocket, type RemoteSocketEmitter, type SocketDetails } from "./src/io/broadcast.ts";
export type { NamespaceServer } from "./src/io/server_types.ts";
export {
  Adapter,
  type AdapterConstructor,
  type BroadcastFlags,
  type BroadcastOptions,
  type NamespaceAdapter,
  type RecoveryOptions,
  type Room,
  type SocketAcks,
  type SocketId,
} from "./src/io/adapter.ts";
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
export type { AnyEventListener } from "./src/io/_any_listeners.ts";
export type { Emitter } from "./src/_internal/emitter.ts";
