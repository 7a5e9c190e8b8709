/**
 * Socket.IO v5 packet decoder: text frames, and binary attachments that
 * follow a BINARY_EVENT or BINARY_ACK text frame.
 *
 * The decoder is strict: anything a conforming client would not send is
 * refused with a {@linkcode DecodeError}.
 *
 * @module
 */

import type { Packet } from "./packet.ts";
import { PacketType, RESERVED_EVENTS } from "./packet.ts";
import { MAX_DEPTH } from "./_binary.ts";

/**
 * Thrown by {@linkcode Decoder.add} for any malformed or unexpected input.
 *
 * @example
 * ```ts
 * import { DecodeError, Decoder } from "./decode.ts";
 *
 * try {
 *   new Decoder().add("9");
 * } catch (error) {
 *   console.log(error instanceof DecodeError); // true
 * }
 * ```
 */
export class DecodeError extends Error {
  /**
   * Creates a decode error.
   *
   * @example
   * ```ts
   * import { DecodeError } from "./decode.ts";
   *
   * const error = new DecodeError("Cannot decode packet: invalid payload");
   * console.log(error.name); // "DecodeError"
   * ```
   */
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "DecodeError";
  }
}

/**
 * Options for {@linkcode Decoder}.
 *
 * @example
 * ```ts
 * import { Decoder, type DecoderOptions } from "./decode.ts";
 *
 * const options: DecoderOptions = { maxAttachments: 4 };
 * const decoder = new Decoder(options);
 * ```
 */
export interface DecoderOptions {
  /** The most binary attachments one packet may announce. Defaults to 10. */
  maxAttachments?: number;
}

type Holder = Record<string, unknown> | unknown[];

interface PlaceholderRef {
  holder: Holder;
  key: string | number;
  num: number;
}

interface Pending {
  packet: Packet;
  expected: number;
  refs: PlaceholderRef[];
  buffers: Uint8Array[];
}

/**
 * Decodes the frames of one connection, in order, into packets.
 *
 * A text frame yields its packet at once, except for BINARY_EVENT and
 * BINARY_ACK, which yield once their last attachment has been added. Those
 * come out as EVENT and ACK packets with `Uint8Array` values in place of the
 * placeholders, and without an `attachments` field.
 *
 * @example
 * ```ts
 * import { Decoder } from "./decode.ts";
 *
 * const decoder = new Decoder();
 * decoder.add('2/chat,["msg","hi"]'); // => { type: 2, nsp: "/chat", data: ["msg", "hi"] }
 *
 * decoder.add('51-["file",{"_placeholder":true,"num":0}]'); // => undefined
 * decoder.add(new Uint8Array([1, 2])); // => { type: 2, nsp: "/", data: ["file", Uint8Array [1, 2]] }
 * ```
 */
export class Decoder {
  #maxAttachments: number;
  #pending: Pending | undefined;

  /**
   * Creates a decoder.
   *
   * @throws {RangeError} When `maxAttachments` is not a non-negative integer.
   *
   * @example
   * ```ts
   * import { Decoder } from "./decode.ts";
   *
   * const decoder = new Decoder({ maxAttachments: 2 });
   * ```
   */
  constructor(opts: DecoderOptions = {}) {
    const max = opts.maxAttachments ?? 10;
    if (!Number.isSafeInteger(max) || max < 0) {
      throw new RangeError(
        `Cannot create decoder: maxAttachments must be a non-negative integer, got ${max}`,
      );
    }
    this.#maxAttachments = max;
  }

  /**
   * Whether the decoder is waiting for binary attachments.
   *
   * @example
   * ```ts
   * import { Decoder } from "./decode.ts";
   *
   * const decoder = new Decoder();
   * decoder.add('51-["a",{"_placeholder":true,"num":0}]');
   * console.log(decoder.awaitingAttachments); // true
   * ```
   */
  get awaitingAttachments(): boolean {
    return this.#pending !== undefined;
  }

  /**
   * Drops a partly received binary packet, if any.
   *
   * @example
   * ```ts
   * import { Decoder } from "./decode.ts";
   *
   * const decoder = new Decoder();
   * decoder.add('51-["a",{"_placeholder":true,"num":0}]');
   * decoder.reset();
   * console.log(decoder.awaitingAttachments); // false
   * ```
   */
  reset(): void {
    this.#pending = undefined;
  }

  /**
   * Adds one frame: a text packet or a binary attachment. Returns the
   * complete packet, or `undefined` while attachments are still expected.
   * After an error the decoder is reset and may be used again.
   *
   * @throws {DecodeError} On any malformed or unexpected frame.
   *
   * @example
   * ```ts
   * import { Decoder } from "./decode.ts";
   *
   * const packet = new Decoder().add('0{"token":"x"}');
   * // => { type: 0, nsp: "/", data: { token: "x" } }
   * ```
   */
  add(chunk: string | Uint8Array): Packet | undefined {
    if (typeof chunk === "string") {
      if (this.#pending !== undefined) {
        const missing = this.#pending.expected - this.#pending.buffers.length;
        this.#pending = undefined;
        throw new DecodeError(
          `Cannot decode packet: got text while ${missing} binary attachment(s) are pending`,
        );
      }
      const packet = decodeText(chunk, this.#maxAttachments);
      if (packet.attachments === undefined) return packet;
      this.#pending = {
        packet,
        expected: packet.attachments,
        refs: collectPlaceholders(packet.data as unknown[], packet.attachments),
        buffers: [],
      };
      return undefined;
    }
    if (!(chunk instanceof Uint8Array)) {
      this.#pending = undefined;
      throw new DecodeError("Cannot decode packet: chunk is neither a string nor a Uint8Array");
    }
    const pending = this.#pending;
    if (pending === undefined) {
      throw new DecodeError("Cannot decode packet: unexpected binary attachment");
    }
    pending.buffers.push(chunk);
    if (pending.buffers.length < pending.expected) return undefined;
    this.#pending = undefined;
    for (const { holder, key, num } of pending.refs) {
      (holder as Record<string | number, unknown>)[key] = pending.buffers[num];
    }
    const { packet } = pending;
    return packet.id === undefined
      ? { type: plainType(packet.type), nsp: packet.nsp, data: packet.data }
      : { type: plainType(packet.type), nsp: packet.nsp, data: packet.data, id: packet.id };
  }
}

const CODE_0 = 48;
const CODE_9 = 57;
const CODE_SLASH = 47;
const CODE_DASH = 45;
const CODE_BRACKET = 91;
const CODE_BRACKET_CLOSE = 93;
const CODE_BRACE = 123;
const CODE_BRACE_CLOSE = 125;
const CODE_QUOTE = 34;

function plainType(type: PacketType): PacketType {
  return type === PacketType.BINARY_EVENT ? PacketType.EVENT : PacketType.ACK;
}

function isDigit(code: number): boolean {
  return code >= CODE_0 && code <= CODE_9;
}

/**
 * Decodes the most common frame, an EVENT on the main namespace without an
 * ack id (`2["name",...]`), straight to its arguments: no decoder state and
 * no packet object. Returns `undefined` for any other frame, to be given to
 * a {@linkcode Decoder}.
 *
 * @throws {DecodeError} When the frame has that shape but is malformed.
 *
 * @example
 * ```ts
 * import { decodeMainEvent } from "./decode.ts";
 *
 * decodeMainEvent('2["hello",1]'); // => ["hello", 1]
 * decodeMainEvent('2/chat,["hello"]'); // => undefined
 * ```
 */
export function decodeMainEvent(str: string): unknown[] | undefined {
  if (str.charCodeAt(0) !== CODE_0 + PacketType.EVENT || str.charCodeAt(1) !== CODE_BRACKET) {
    return undefined;
  }
  const data = parseJson(str, 1);
  if (!isValidEvent(data)) throw invalidPayload();
  return data;
}

/**
 * Decodes one text packet without a {@linkcode Decoder}: right for every
 * type but BINARY_EVENT and BINARY_ACK, which come back with `attachments`
 * set and their placeholders in place (a `Decoder` completes them).
 *
 * @throws {DecodeError} On any malformed packet.
 *
 * @example
 * ```ts
 * import { decodePacket } from "./decode.ts";
 *
 * decodePacket('0{"token":"x"}'); // => { type: 0, nsp: "/", data: { token: "x" } }
 * ```
 */
export function decodePacket(str: string, maxAttachments = 10): Packet {
  return decodeText(str, maxAttachments);
}

/**
 * Checks a packet decoded by a custom parser (the `parser` option) as the
 * default decoder checks its own: a known type, a namespace starting with
 * `/`, a non-negative safe-integer ack id only where one belongs, the payload
 * each type takes (an event named by a non-reserved string or a number),
 * nothing nested deeper than 1000 levels. Returns a new plain packet, with
 * BINARY_EVENT and BINARY_ACK as EVENT and ACK.
 *
 * @throws {DecodeError} When the packet is not one a conforming client sends.
 *
 * @example
 * ```ts
 * import { checkPacket } from "./decode.ts";
 *
 * checkPacket({ type: 2, nsp: "/", data: ["hi"] }); // => { type: 2, nsp: "/", data: ["hi"] }
 * // checkPacket({ type: 2, nsp: "/", data: ["connect"] }) throws a DecodeError
 * ```
 */
export function checkPacket(value: unknown): Packet {
  if (!isObject(value)) throw new DecodeError("Cannot decode packet: not an object");
  const { type, nsp, data, id } = value;
  if (typeof type !== "number" || !(type >= PacketType.CONNECT && type <= PacketType.BINARY_ACK)) {
    throw new DecodeError("Cannot decode packet: unknown type");
  }
  if (typeof nsp !== "string" || nsp[0] !== "/") {
    throw new DecodeError("Cannot decode packet: invalid namespace");
  }
  if (id !== undefined && (!Number.isSafeInteger(id) || (id as number) < 0)) {
    throw new DecodeError("Cannot decode packet: invalid ack id");
  }
  validate(type as PacketType, data, id as number | undefined);
  if (typeof data === "object" && data !== null) checkDepth(data as Holder, 0);
  const plain = type === PacketType.BINARY_EVENT || type === PacketType.BINARY_ACK
    ? plainType(type)
    : type as PacketType;
  const packet: Packet = { type: plain, nsp };
  if (data !== undefined) packet.data = data;
  if (id !== undefined) packet.id = id as number;
  return packet;
}

function checkDepth(holder: Holder, depth: number): void {
  if (depth >= MAX_DEPTH) {
    throw new DecodeError(`Cannot decode packet: nested deeper than ${MAX_DEPTH} levels`);
  }
  if (ArrayBuffer.isView(holder)) return;
  for (const item of Array.isArray(holder) ? holder : Object.values(holder)) {
    if (typeof item === "object" && item !== null) checkDepth(item as Holder, depth + 1);
  }
}

/** Decodes `<type>[<attachments>-][<nsp>,][<id>][<json>]`. */
function decodeText(str: string, maxAttachments: number): Packet {
  const length = str.length;
  const first = str.charCodeAt(0);
  // Fast path for the most common frame: an EVENT on the main namespace, no ack id.
  if (first === CODE_0 + PacketType.EVENT && str.charCodeAt(1) === CODE_BRACKET) {
    const data = parseJson(str, 1);
    if (!isValidEvent(data)) throw invalidPayload();
    return { type: PacketType.EVENT, nsp: "/", data };
  }
  if (length === 0) throw new DecodeError("Cannot decode packet: empty packet");
  const type = first - CODE_0;
  if (!(type >= PacketType.CONNECT && type <= PacketType.BINARY_ACK)) {
    throw new DecodeError(`Cannot decode packet: unknown type ${JSON.stringify(str[0])}`);
  }
  let i = 1;
  let attachments: number | undefined;
  if (type === PacketType.BINARY_EVENT || type === PacketType.BINARY_ACK) {
    const start = i;
    while (i < length && isDigit(str.charCodeAt(i))) i++;
    if (i === start || str.charCodeAt(i) !== CODE_DASH) {
      throw new DecodeError("Cannot decode packet: illegal attachments");
    }
    attachments = Number(str.slice(start, i));
    if (attachments < 1) throw new DecodeError("Cannot decode packet: illegal attachments");
    if (attachments > maxAttachments) {
      throw new DecodeError(`Cannot decode packet: attachment count exceeds ${maxAttachments}`);
    }
    i++;
  }
  let nsp = "/";
  if (str.charCodeAt(i) === CODE_SLASH) {
    const comma = str.indexOf(",", i);
    const end = comma === -1 ? length : comma;
    nsp = str.slice(i, end);
    i = comma === -1 ? length : comma + 1;
  }
  let id: number | undefined;
  const idStart = i;
  while (i < length && isDigit(str.charCodeAt(i))) i++;
  if (i > idStart) {
    id = Number(str.slice(idStart, i));
    if (!Number.isSafeInteger(id)) throw new DecodeError("Cannot decode packet: invalid ack id");
  }
  const data = i < length ? parseJson(str, i) : undefined;
  validate(type as PacketType, data, id);
  const packet: Packet = { type: type as PacketType, nsp };
  if (data !== undefined) packet.data = data;
  if (id !== undefined) packet.id = id;
  if (attachments !== undefined) packet.attachments = attachments;
  return packet;
}

/** Parses `str` from `start` as one JSON array, object or string, and nothing else. */
function parseJson(str: string, start: number): unknown {
  const open = str.charCodeAt(start);
  const close = str.charCodeAt(str.length - 1);
  const framed = (open === CODE_BRACKET && close === CODE_BRACKET_CLOSE) ||
    (open === CODE_BRACE && close === CODE_BRACE_CLOSE) ||
    (open === CODE_QUOTE && close === CODE_QUOTE && str.length - start > 1);
  if (!framed) throw invalidPayload();
  try {
    return JSON.parse(start === 0 ? str : str.slice(start));
  } catch (cause) {
    throw new DecodeError("Cannot decode packet: invalid JSON", { cause });
  }
}

function invalidPayload(): DecodeError {
  return new DecodeError("Cannot decode packet: invalid payload");
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/**
 * An event is an array whose first item is its name: a string that is not
 * reserved, or a number (as the official parser accepts: `42[42,"x"]` is
 * the event `"42"`). Any other name (null, boolean, object, array) is refused.
 */
function isValidEvent(data: unknown): data is unknown[] {
  if (!Array.isArray(data) || data.length === 0) return false;
  const name = data[0];
  return typeof name === "string" ? !RESERVED_EVENTS.has(name) : typeof name === "number";
}

function validate(type: PacketType, data: unknown, id: number | undefined): void {
  let valid: boolean;
  switch (type) {
    case PacketType.EVENT:
    case PacketType.BINARY_EVENT:
      valid = isValidEvent(data);
      break;
    case PacketType.ACK:
    case PacketType.BINARY_ACK:
      if (id === undefined) throw new DecodeError("Cannot decode packet: ack without an id");
      valid = Array.isArray(data);
      break;
    default:
      if (id !== undefined) throw new DecodeError("Cannot decode packet: unexpected ack id");
      valid = type === PacketType.CONNECT
        ? data === undefined || isObject(data)
        : type === PacketType.DISCONNECT
        ? data === undefined
        : typeof data === "string" || isObject(data); // CONNECT_ERROR
  }
  if (!valid) throw invalidPayload();
}

/**
 * Finds every `{"_placeholder":true,"num":N}` in `data`, checking that N
 * indexes one of the `attachments` buffers. Only own properties are visited.
 */
function collectPlaceholders(data: unknown[], attachments: number): PlaceholderRef[] {
  const refs: PlaceholderRef[] = [];
  walk(data, attachments, refs, 0);
  return refs;
}

function walk(holder: Holder, attachments: number, refs: PlaceholderRef[], depth: number): void {
  if (depth >= MAX_DEPTH) {
    throw new DecodeError(`Cannot decode packet: nested deeper than ${MAX_DEPTH} levels`);
  }
  if (Array.isArray(holder)) {
    for (let i = 0; i < holder.length; i++) visit(holder, i, attachments, refs, depth);
  } else {
    for (const key of Object.keys(holder)) visit(holder, key, attachments, refs, depth);
  }
}

function visit(
  holder: Holder,
  key: string | number,
  attachments: number,
  refs: PlaceholderRef[],
  depth: number,
): void {
  const value = (holder as Record<string | number, unknown>)[key];
  if (typeof value !== "object" || value === null) return;
  if (!Array.isArray(value) && Object.hasOwn(value, "_placeholder")) {
    const { _placeholder: flag, num } = value as Record<string, unknown>;
    if (flag === true) {
      if (
        !Object.hasOwn(value, "num") || typeof num !== "number" || !Number.isInteger(num) ||
        num < 0 || num >= attachments
      ) {
        throw new DecodeError("Cannot decode packet: invalid placeholder");
      }
      refs.push({ holder, key, num });
      return;
    }
  }
  walk(value as Holder, attachments, refs, depth + 1);
}
