/**
 * Bounds for msgpack frames, checked before a msgpack parser decodes them.
 * A msgpack decoder trusts the lengths a frame announces: notepack.io (the
 * decoder of `socket.io-msgpack-parser`) allocates an `ArrayBuffer` of an
 * ext's announced length, up to 4 GiB from a 10-byte frame, and an array of
 * an array's announced count. Walking the frame's structure first, without
 * decoding it, refuses such a frame in time linear in its size.
 *
 * @module
 */

import { DecodeError } from "./decode.ts";
import { MAX_DEPTH } from "./_binary.ts";
import type { Packet } from "./packet.ts";

/** Fixed payload sizes after the type byte, for the types that have one (0 for none). */
function fixedSize(b: number): number {
  switch (b) {
    case 0xcc:
    case 0xd0:
      return 1;
    case 0xcd:
    case 0xd1:
    case 0xd4: // fixext 1: type + 1
      return 2;
    case 0xd5: // fixext 2
      return 3;
    case 0xca:
    case 0xce:
    case 0xd2:
      return 4;
    case 0xd6: // fixext 4
      return 5;
    case 0xcb:
    case 0xcf:
    case 0xd3:
      return 8;
    case 0xd7: // fixext 8
      return 9;
    case 0xd8: // fixext 16
      return 17;
    default:
      return 0;
  }
}

/**
 * Checks that `bytes` is one well-formed msgpack value: every length and
 * count it announces fits in the frame, it nests at most 1000 levels below
 * the packet, and no bytes trail it.
 *
 * @throws {DecodeError} When it is not.
 *
 * @example
 * ```ts
 * import { checkMsgpackFrame } from "./_msgpack.ts";
 *
 * checkMsgpackFrame(new Uint8Array([0x91, 0x01])); // [1]: fine
 * // checkMsgpackFrame(new Uint8Array([0xc9, 0xff, 0xff, 0xff, 0xff, 0x00])) throws
 * ```
 */
export function checkMsgpackFrame(bytes: Uint8Array): void {
  const n = bytes.length;
  const maxDepth = MAX_DEPTH + 2; // the packet map and its data array come first
  const stack: number[] = [];
  let remaining = 1;
  let offset = 0;
  const header = (size: number): number => {
    if (n - offset < size) throw frameError("truncated");
    let value = 0;
    for (let i = 0; i < size; i++) value = value * 256 + bytes[offset++];
    return value;
  };
  for (;;) {
    if (remaining === 0) {
      if (stack.length === 0) break;
      remaining = stack.pop()!;
      continue;
    }
    remaining--;
    if (offset >= n) throw frameError("truncated");
    const b = bytes[offset++];
    let count = 0;
    let skip = 0;
    if (b <= 0x7f || b >= 0xe0) {
      // a fixint
    } else if (b <= 0x8f) count = (b & 0x0f) * 2;
    else if (b <= 0x9f) count = b & 0x0f;
    else if (b <= 0xbf) skip = b & 0x1f;
    else {
      switch (b) {
        case 0xc0:
        case 0xc2:
        case 0xc3:
          break;
        case 0xc1:
          throw frameError("invalid type byte 0xc1");
        case 0xc4:
        case 0xd9:
          skip = header(1);
          break;
        case 0xc5:
        case 0xda:
          skip = header(2);
          break;
        case 0xc6:
        case 0xdb:
          skip = header(4);
          break;
        case 0xc7:
          skip = header(1) + 1;
          break;
        case 0xc8:
          skip = header(2) + 1;
          break;
        case 0xc9:
          skip = header(4) + 1;
          break;
        case 0xdc:
          count = header(2);
          break;
        case 0xdd:
          count = header(4);
          break;
        case 0xde:
          count = header(2) * 2;
          break;
        case 0xdf:
          count = header(4) * 2;
          break;
        default:
          skip = fixedSize(b);
      }
    }
    if (skip > n - offset) throw frameError("a length runs past the end of the frame");
    offset += skip;
    if (count > 0) {
      // Every item takes at least one byte.
      if (count > n - offset) throw frameError("a count runs past the end of the frame");
      if (stack.length + 1 >= maxDepth) {
        throw new DecodeError(`Cannot decode packet: nested deeper than ${MAX_DEPTH} levels`);
      }
      stack.push(remaining);
      remaining = count;
    }
  }
  if (offset !== n) throw frameError(`${n - offset} trailing bytes`);
}

function frameError(what: string): DecodeError {
  return new DecodeError(`Cannot decode packet: malformed msgpack frame (${what})`);
}

/**
 * Whether `encode` speaks msgpack: it encodes a probe packet as one binary
 * frame holding a msgpack map. Then every frame from clients is checked by
 * {@linkcode checkMsgpackFrame} before the parser sees it.
 *
 * @example
 * ```ts ignore
 * encodesMsgpack((packet) => new msgpackParser.Encoder().encode(packet)); // true
 * ```
 */
export function encodesMsgpack(encode: (packet: Packet) => unknown): boolean {
  let frames: unknown;
  try {
    frames = encode({ type: 2, nsp: "/", data: ["probe"] });
  } catch {
    return false;
  }
  if (!Array.isArray(frames) || frames.length !== 1 || !(frames[0] instanceof Uint8Array)) {
    return false;
  }
  const frame = frames[0];
  const first = frame[0];
  if (!((first >= 0x80 && first <= 0x8f) || first === 0xde || first === 0xdf)) return false;
  try {
    checkMsgpackFrame(frame);
    return true;
  } catch {
    return false;
  }
}
