/**
 * Socket.IO v5 packet encoder: a packet becomes one text frame, followed by
 * one binary frame per attachment when the payload holds binary values.
 *
 * @module
 */

import type { Packet } from "./packet.ts";
import { PacketType } from "./packet.ts";
import { hasBinary, isBinary, toBytes } from "./_binary.ts";

/**
 * Encodes a packet as `<type>[<attachments>-][<nsp>,][<id>][<json>]`, then
 * its binary attachments.
 *
 * For EVENT and ACK packets, every `ArrayBuffer`, typed array and `DataView`
 * found in `data` (through arrays, plain objects and `toJSON` results) is
 * replaced by `{"_placeholder":true,"num":N}` in the text frame and sent as the
 * N-th attachment; the type then becomes BINARY_EVENT or BINARY_ACK. The
 * caller's data is never modified. Other values serialise as `JSON.stringify`
 * does; a `data` of `undefined` or `null` is left out.
 *
 * `prefix` goes before the text frame: a caller that writes to Engine.IO
 * directly passes its message type `"4"` and gets complete engine frames.
 *
 * @throws {TypeError} When `nsp` is neither `"/"` nor a `/`-prefixed name without a comma.
 * @throws {RangeError} When `id` is not a non-negative safe integer, or `data` nests too deeply.
 * @throws {TypeError} When `data` cannot be serialised (a `BigInt`, a circular
 * object): the message names the event (`Cannot encode event "name": ...`).
 *
 * @example
 * ```ts
 * import { encodePacket } from "./encode.ts";
 * import { PacketType } from "./packet.ts";
 *
 * encodePacket({ type: PacketType.EVENT, nsp: "/admin", data: ["hello", 1], id: 7 });
 * // => ['2/admin,7["hello",1]']
 *
 * encodePacket({ type: PacketType.EVENT, nsp: "/", data: ["file", new Uint8Array([1, 2])] });
 * // => ['51-["file",{"_placeholder":true,"num":0}]', Uint8Array [1, 2]]
 * ```
 */
export function encodePacket(packet: Packet, prefix = ""): Array<string | Uint8Array> {
  const { type, nsp, data, id } = packet;
  switch (type) {
    case PacketType.EVENT:
    case PacketType.BINARY_EVENT:
      return encodeMaybeBinary(PacketType.EVENT, nsp, data, id, prefix);
    case PacketType.ACK:
    case PacketType.BINARY_ACK:
      return encodeMaybeBinary(PacketType.ACK, nsp, data, id, prefix);
    case PacketType.CONNECT:
    case PacketType.DISCONNECT:
    case PacketType.CONNECT_ERROR:
      break;
    default:
      throw new TypeError(`Cannot encode packet: unknown type ${String(type)}`);
  }
  return [prefix + header(type, nsp, id, 0) + stringify(data, type, id)];
}

/**
 * Encodes an EVENT packet straight from its name-and-arguments array: the
 * common case of `socket.emit(name, ...args)`, with no intermediate packet.
 *
 * @throws {TypeError} When `nsp` is invalid (see {@linkcode encodePacket}).
 * @throws {RangeError} When `id` is invalid or `args` nests too deeply.
 *
 * @example
 * ```ts
 * import { encodeEvent } from "./encode.ts";
 *
 * encodeEvent("/", ["hello", { n: 1 }]); // => ['2["hello",{"n":1}]']
 * encodeEvent("/chat", ["ping"], 4); // => ['2/chat,4["ping"]']
 * encodeEvent("/", ["hi"], undefined, "4"); // => ['42["hi"]']
 * ```
 */
export function encodeEvent(
  nsp: string,
  args: unknown[],
  id?: number,
  prefix = "",
): Array<string | Uint8Array> {
  return encodeMaybeBinary(PacketType.EVENT, nsp, args, id, prefix);
}

/**
 * The one text frame of an EVENT without binary values, as
 * {@linkcode encodeEvent} would make it; `undefined` when `args` holds
 * binary values (then use `encodeEvent`). Saves the frames array on the
 * hot path of `socket.emit`.
 *
 * @throws {TypeError} When `nsp` is invalid (see {@linkcode encodePacket}).
 * @throws {RangeError} When `id` is invalid or `args` nests too deeply.
 *
 * @example
 * ```ts
 * import { encodeEventText } from "./encode.ts";
 *
 * encodeEventText("/", ["hi"], undefined, "4"); // => '42["hi"]'
 * encodeEventText("/", ["f", new Uint8Array(1)]); // => undefined
 * ```
 */
export function encodeEventText(
  nsp: string,
  args: unknown[],
  id?: number,
  prefix = "",
): string | undefined {
  if (hasBinary(args)) return undefined;
  if (nsp === "/" && id === undefined) {
    return prefix + PacketType.EVENT + stringify(args, PacketType.EVENT, id);
  }
  return prefix + header(PacketType.EVENT, nsp, id, 0) + stringify(args, PacketType.EVENT, id);
}

function encodeMaybeBinary(
  plainType: typeof PacketType.EVENT | typeof PacketType.ACK,
  nsp: string,
  data: unknown,
  id: number | undefined,
  prefix: string,
): Array<string | Uint8Array> {
  if (hasBinary(data)) {
    const buffers: Uint8Array[] = [];
    let json: string | undefined;
    try {
      json = JSON.stringify(data, placeholderReplacer(buffers));
    } catch (err) {
      throw serialisationError(plainType, data, id, err);
    }
    if (buffers.length > 0) {
      const type = plainType === PacketType.EVENT ? PacketType.BINARY_EVENT : PacketType.BINARY_ACK;
      const frames: Array<string | Uint8Array> = [
        prefix + header(type, nsp, id, buffers.length) + json,
      ];
      for (const buffer of buffers) frames.push(buffer);
      return frames;
    }
    return [prefix + header(plainType, nsp, id, 0) + (json ?? "")];
  }
  // The common case: main namespace, no ack id.
  if (nsp === "/" && id === undefined) return [prefix + plainType + stringify(data, plainType, id)];
  return [prefix + header(plainType, nsp, id, 0) + stringify(data, plainType, id)];
}

/**
 * A `JSON.stringify` replacer that swaps binary values for numbered
 * placeholders. It looks at the raw value (`this[key]`) so that a binary
 * type with its own `toJSON` is still caught, and at the `toJSON` result so
 * that an object which serialises to binary is caught too.
 */
function placeholderReplacer(
  buffers: Uint8Array[],
): (this: unknown, key: string, value: unknown) => unknown {
  return function (this: unknown, key: string, value: unknown): unknown {
    const raw = (this as Record<string, unknown>)[key];
    const binary = isBinary(raw) ? raw : isBinary(value) ? value : undefined;
    if (binary === undefined) return value;
    buffers.push(toBytes(binary));
    return { _placeholder: true, num: buffers.length - 1 };
  };
}

function stringify(data: unknown, type: number, id: number | undefined): string {
  if (data === undefined || data === null) return "";
  try {
    return JSON.stringify(data) ?? "";
  } catch (err) {
    throw serialisationError(type, data, id, err);
  }
}

/**
 * What `JSON.stringify` threw (a `BigInt`, a circular object), as a
 * `TypeError` that names the event or the acknowledgement.
 */
function serialisationError(
  type: number,
  data: unknown,
  id: number | undefined,
  err: unknown,
): TypeError {
  const name = Array.isArray(data) ? data[0] : undefined;
  const what = type === PacketType.EVENT
    ? `event ${typeof name === "string" ? JSON.stringify(name) : String(name)}`
    : type === PacketType.ACK
    ? `acknowledgement ${id}`
    : "packet";
  const reason = err instanceof Error ? err.message : String(err);
  return new TypeError(
    `Cannot encode ${what}: its data cannot be serialised as JSON (${reason})`,
    { cause: err },
  );
}

function header(type: number, nsp: string, id: number | undefined, attachments: number): string {
  let head = String(type);
  if (attachments > 0) head += attachments + "-";
  if (nsp !== "/") {
    if (typeof nsp !== "string" || nsp[0] !== "/" || nsp.includes(",")) {
      throw new TypeError(`Cannot encode packet: invalid namespace ${JSON.stringify(nsp)}`);
    }
    head += nsp + ",";
  }
  if (id !== undefined) {
    if (!Number.isSafeInteger(id) || id < 0) {
      throw new RangeError(`Cannot encode packet: invalid ack id ${String(id)}`);
    }
    head += id;
  }
  return head;
}
