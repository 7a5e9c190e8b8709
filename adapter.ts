/**
 * The adapter's contract, for writing an adapter (as the official
 * `@socket.io/redis-adapter` extends the in-memory one): {@linkcode Adapter},
 * the namespace and socket it sees, its events, and the Socket.IO packets
 * it broadcasts.
 *
 * @example
 * ```ts ignore
 * import { Server } from "@webio/webio";
 * import { Adapter, type BroadcastOptions, type Packet } from "@webio/webio/adapter";
 *
 * class LoggingAdapter extends Adapter {
 *   override broadcast(packet: Packet, opts: BroadcastOptions): void {
 *     console.log("broadcast to", opts.rooms);
 *     super.broadcast(packet, opts);
 *   }
 * }
 * const io = new Server({ adapter: LoggingAdapter });
 * ```
 *
 * @module
 */

export {
  type AckFn,
  Adapter,
  type AdapterConstructor,
  type AdapterEvents,
  type AdapterNamespace,
  type AdapterSocket,
  type BroadcastFlags,
  type BroadcastOptions,
  type NamespaceAdapter,
  type RecoveryOptions,
  type Room,
  type Session,
  type SessionToPersist,
  type SocketAcks,
  type SocketId,
  type WriteOptions,
} from "./src/io/adapter.ts";
export { type Packet, PacketType } from "./src/parser/packet.ts";
export type { PacketEncoder } from "./src/parser/parser.ts";
