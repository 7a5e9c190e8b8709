/**
 * Socket.IO protocol v5 packet types and shapes.
 *
 * @module
 */

/**
 * The seven Socket.IO v5 packet types, by their wire digit.
 *
 * @example
 * ```ts
 * import { PacketType } from "./packet.ts";
 *
 * const packet = { type: PacketType.EVENT, nsp: "/", data: ["hello"] };
 * console.log(packet.type); // 2
 * ```
 */
export const PacketType = {
  CONNECT: 0,
  DISCONNECT: 1,
  EVENT: 2,
  ACK: 3,
  CONNECT_ERROR: 4,
  BINARY_EVENT: 5,
  BINARY_ACK: 6,
} as const;

/**
 * A Socket.IO v5 packet type digit (0 to 6).
 *
 * @example
 * ```ts
 * import { PacketType } from "./packet.ts";
 *
 * const type: PacketType = PacketType.ACK;
 * ```
 */
export type PacketType = typeof PacketType[keyof typeof PacketType];

/**
 * One decoded (or to-be-encoded) Socket.IO packet.
 *
 * `data` holds the JSON payload with binary values in place; `id` is the
 * acknowledgement id; `attachments` is only meaningful on the wire.
 *
 * @example
 * ```ts
 * import { type Packet, PacketType } from "./packet.ts";
 *
 * const packet: Packet = { type: PacketType.EVENT, nsp: "/chat", data: ["msg", "hi"], id: 3 };
 * ```
 */
export interface Packet {
  /** The packet type. */
  type: PacketType;
  /** The namespace, `"/"` for the main one. */
  nsp: string;
  /** The payload: an object, a string or an array, depending on `type`. */
  data?: unknown;
  /** The acknowledgement id, a non-negative integer. */
  id?: number;
  /** The number of binary attachments that follow a binary packet. */
  attachments?: number;
}

/**
 * Event names a client may not emit: they have a meaning of their own on
 * one side or the other.
 *
 * @example
 * ```ts
 * import { RESERVED_EVENTS } from "./packet.ts";
 *
 * console.log(RESERVED_EVENTS.has("disconnect")); // true
 * ```
 */
export const RESERVED_EVENTS: ReadonlySet<string> = new Set([
  "connect",
  "connect_error",
  "disconnect",
  "disconnecting",
  "newListener",
  "removeListener",
]);
