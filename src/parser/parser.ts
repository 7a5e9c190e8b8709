/**
 * The `parser` option's contract, in the shape of the official
 * `socket.io-parser` (`{ Encoder, Decoder }`), and webio's default encoder
 * in that shape. A custom parser (`socket.io-msgpack-parser`) works
 * unchanged; what it decodes is checked by {@linkcode checkPacket}.
 *
 * @module
 */

import { encodePacket } from "./encode.ts";
import type { Packet } from "./packet.ts";

/**
 * Encodes a packet into the frames that carry it: strings (text frames)
 * and binary frames, as the official `Encoder#encode`.
 *
 * @example
 * ```ts
 * import { type PacketEncoder, JsonEncoder } from "./parser.ts";
 *
 * const encoder: PacketEncoder = new JsonEncoder();
 * encoder.encode({ type: 2, nsp: "/", data: ["hi"] }); // => ['2["hi"]']
 * ```
 */
export interface PacketEncoder {
  /** The frames of `packet`; binary frames are `Uint8Array`s (a Node `Buffer` is one). */
  encode(packet: Packet): Array<string | Uint8Array>;
}

/**
 * Decodes the frames of one connection, as the official `Decoder`: an
 * emitter whose `add(chunk)` emits `"decoded"` with each complete packet,
 * and throws on a malformed frame.
 *
 * @example
 * ```ts ignore
 * const decoder: PacketDecoder = new parser.Decoder();
 * decoder.on("decoded", (packet) => console.log(packet));
 * decoder.add(frame);
 * ```
 */
export interface PacketDecoder {
  /** Adds one frame (text, or binary as a `Uint8Array`, a `Buffer` where the runtime has one). */
  add(chunk: unknown): void;
  /** Listens to decoded packets. */
  // deno-lint-ignore no-explicit-any
  on(event: "decoded", listener: (packet: any) => void): unknown;
  /** Drops any state (called when the connection closes). */
  destroy?(): void;
}

/**
 * A parser for the `parser` option: two classes, as `socket.io-parser` and
 * `socket.io-msgpack-parser` export them (pass the module itself).
 *
 * @example
 * ```ts ignore
 * import customParser from "socket.io-msgpack-parser";
 * const io = new Server({ parser: customParser });
 * ```
 */
export interface Parser {
  /**
   * Makes the server's one encoder (`io.encoder`), a {@linkcode PacketEncoder}.
   * Typed loosely, as parsers type themselves (the msgpack parser's types
   * say `encode` returns an `ArrayBuffer`; it returns an array of frames).
   */
  // deno-lint-ignore no-explicit-any
  Encoder: new () => { encode(packet: any): unknown };
  /** Makes one decoder per connection. */
  Decoder: new () => PacketDecoder;
}

/**
 * webio's default encoder (JSON with binary attachments) as an official
 * `Encoder`: what `io.encoder` is without a `parser` option.
 *
 * @example
 * ```ts
 * import { JsonEncoder } from "./parser.ts";
 *
 * new JsonEncoder().encode({ type: 2, nsp: "/", data: ["f", new Uint8Array([1])] });
 * // => ['51-["f",{"_placeholder":true,"num":0}]', Uint8Array [1]]
 * ```
 */
export class JsonEncoder implements PacketEncoder {
  /** The frames of `packet` (see `encodePacket`). */
  encode(packet: Packet): Array<string | Uint8Array> {
    return encodePacket(packet);
  }
}
