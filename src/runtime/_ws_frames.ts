/**
 * The server side of the WebSocket protocol (RFC 6455) on raw bytes, for
 * the bindings that hold a socket rather than a WebSocket (the `upgrade`
 * event of `node:http`, webio's own Deno listener). Pure Web APIs: a handshake key, a frame writer and
 * a frame reader. No extensions are negotiated (as the official server by
 * default: no permessage-deflate).
 *
 * @module
 */

import { sha1 } from "./_sha1.ts";

/** Opcodes. */
export const OPCODE = { CONTINUATION: 0, TEXT: 1, BINARY: 2, CLOSE: 8, PING: 9, PONG: 10 };

/** Close codes used by the reader. */
export const CLOSE_CODE = {
  NORMAL: 1000,
  PROTOCOL_ERROR: 1002,
  NO_STATUS: 1005,
  ABNORMAL: 1006,
  INVALID_DATA: 1007,
  TOO_BIG: 1009,
};

/** Most fragments one message may have. */
export const MAX_FRAGMENTS = 4096;
/**
 * Held pieces (input not yet framed, fragments not yet joined) smaller than
 * this are joined to a small previous one as they arrive, so pieces average
 * at least half of it: tiny pieces cannot pin much more memory, in object
 * overhead (about 128 bytes each), than their bytes (the `ws` advisory of
 * June 2026). A join copies at most twice this.
 */
const SMALL_PIECE = 512;

const GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";
const encoder = new TextEncoder();
const strictDecoder = new TextDecoder("utf-8", { fatal: true });

/**
 * The `Sec-WebSocket-Accept` value for a `Sec-WebSocket-Key`.
 *
 * @example
 * ```ts
 * import { acceptKey } from "./_ws_frames.ts";
 * acceptKey("dGhlIHNhbXBsZSBub25jZQ=="); // "s3pPLMBiTxaQ9kYGzzhZRbK+xOo="
 * ```
 */
export function acceptKey(key: string): string {
  return btoa(String.fromCharCode(...sha1(encoder.encode(key + GUID))));
}

/** Whether a `Sec-WebSocket-Key` is the base64 of 16 bytes. */
export function isValidKey(key: string | null): key is string {
  return key !== null && /^[A-Za-z0-9+/]{22}==$/.test(key.trim());
}

/**
 * One unmasked, unfragmented server frame.
 *
 * @example
 * ```ts
 * import { encodeFrame, OPCODE } from "./_ws_frames.ts";
 * encodeFrame(OPCODE.TEXT, new TextEncoder().encode("hi")); // 81 02 68 69
 * ```
 */
export function encodeFrame(opcode: number, payload: Uint8Array): Uint8Array {
  const length = payload.byteLength;
  const headerLength = length < 126 ? 2 : length < 65536 ? 4 : 10;
  const frame = new Uint8Array(headerLength + length);
  frame[0] = 0x80 | opcode;
  if (length < 126) {
    frame[1] = length;
  } else if (length < 65536) {
    frame[1] = 126;
    frame[2] = length >>> 8;
    frame[3] = length & 0xff;
  } else {
    frame[1] = 127;
    new DataView(frame.buffer).setBigUint64(2, BigInt(length));
  }
  frame.set(payload, headerLength);
  return frame;
}

/** A close frame with a code and a reason (cut to fit 125 bytes). */
export function encodeClose(code: number, reason = ""): Uint8Array {
  let text = encoder.encode(reason);
  if (text.byteLength > 123) text = text.subarray(0, 123);
  const payload = new Uint8Array(2 + text.byteLength);
  payload[0] = code >>> 8;
  payload[1] = code & 0xff;
  payload.set(text, 2);
  return encodeFrame(OPCODE.CLOSE, payload);
}

/** What a {@linkcode FrameReader} reports. */
export interface FrameEvents {
  /** A whole message (fragments joined; text checked as UTF-8). */
  message(data: string | Uint8Array): void;
  /** A ping, to be answered with a pong carrying `payload`. */
  ping(payload: Uint8Array): void;
  /** The peer's close frame (`1005` when it carried no code). */
  close(code: number, reason: string): void;
  /** A protocol violation: close with `code` and stop reading. */
  fail(code: number, reason: string): void;
}

function isValidCloseCode(code: number): boolean {
  return (code >= 1000 && code <= 1003) || (code >= 1007 && code <= 1014) ||
    (code >= 3000 && code <= 4999);
}

/**
 * Reads masked client frames from a byte stream, however it is chunked.
 * A message (or fragments so far) over `maxMessageBytes` fails with 1009
 * before its payload is buffered, and so does a message of more than
 * {@linkcode MAX_FRAGMENTS} fragments. What is held is at most one frame in
 * progress and the fragments of one message, with small pieces joined.
 *
 * @example
 * ```ts ignore
 * const reader = new FrameReader(1e6, events);
 * socket.on("data", (chunk) => reader.push(chunk));
 * ```
 */
export class FrameReader {
  #max: number;
  #events: FrameEvents;
  #chunks: Uint8Array[] = [];
  #buffered = 0;
  #fragments: Uint8Array[] = [];
  #fragmentBytes = 0;
  #fragmentOpcode = 0;
  #fragmentCount = 0;
  #done = false;

  constructor(maxMessageBytes: number, events: FrameEvents) {
    this.#max = maxMessageBytes;
    this.#events = events;
  }

  /**
   * Feeds bytes; reports every complete frame. The reader takes the chunk
   * over: payloads are unmasked in place, and a binary message may be a view
   * of it.
   */
  push(chunk: Uint8Array): void {
    if (this.#done || chunk.byteLength === 0) return;
    const chunks = this.#chunks;
    const last = chunks.length - 1;
    if (last >= 0 && chunk.byteLength < SMALL_PIECE && chunks[last].byteLength < SMALL_PIECE) {
      chunks[last] = join([chunks[last], chunk], chunks[last].byteLength + chunk.byteLength);
    } else {
      chunks.push(chunk);
    }
    this.#buffered += chunk.byteLength;
    while (!this.#done && this.#readFrame());
  }

  #fail(code: number, reason: string): false {
    this.#done = true;
    this.#chunks = [];
    this.#fragments = [];
    this.#events.fail(code, reason);
    return false;
  }

  /** Reads one frame if all of it is buffered. */
  #readFrame(): boolean {
    if (this.#buffered < 2) return false;
    const start = this.#peek(2);
    const fin = (start[0] & 0x80) !== 0;
    const opcode = start[0] & 0x0f;
    const masked = (start[1] & 0x80) !== 0;
    let length = start[1] & 0x7f;
    if (start[0] & 0x70) return this.#fail(CLOSE_CODE.PROTOCOL_ERROR, "Reserved bits set");
    if (!masked) return this.#fail(CLOSE_CODE.PROTOCOL_ERROR, "Client frame not masked");
    const control = opcode >= 8;
    if (control ? opcode > 10 : opcode > 2) {
      return this.#fail(CLOSE_CODE.PROTOCOL_ERROR, "Unknown opcode");
    }
    if (control && (!fin || length > 125)) {
      return this.#fail(CLOSE_CODE.PROTOCOL_ERROR, "Invalid control frame");
    }
    const extra = length === 126 ? 2 : length === 127 ? 8 : 0;
    const headerLength = 2 + extra + 4;
    if (this.#buffered < headerLength) return false;
    const header = this.#peek(headerLength);
    if (extra === 2) {
      length = (header[2] << 8) | header[3];
    } else if (extra === 8) {
      const big = new DataView(header.buffer, header.byteOffset).getBigUint64(2);
      if (big > BigInt(Number.MAX_SAFE_INTEGER)) return this.#fail(CLOSE_CODE.TOO_BIG, "");
      length = Number(big);
    }
    if (!control) {
      if (opcode === OPCODE.CONTINUATION ? this.#fragmentOpcode === 0 : this.#fragmentOpcode) {
        return this.#fail(CLOSE_CODE.PROTOCOL_ERROR, "Unexpected fragment");
      }
      // An empty reason, as the official server (and ws) close with.
      if (this.#fragmentBytes + length > this.#max) return this.#fail(CLOSE_CODE.TOO_BIG, "");
      if (!fin && this.#fragmentCount >= MAX_FRAGMENTS) {
        return this.#fail(CLOSE_CODE.TOO_BIG, "");
      }
    }
    if (this.#buffered < headerLength + length) return false;
    // Unmasking changes payload bytes only, so the mask may stay a view.
    const mask = header.subarray(headerLength - 4, headerLength);
    this.#take(headerLength);
    const payload = this.#take(length);
    unmask(payload, mask);
    if (control) return this.#control(opcode, payload);
    return this.#data(opcode, fin, payload);
  }

  #data(opcode: number, fin: boolean, payload: Uint8Array): boolean {
    if (!fin || opcode === OPCODE.CONTINUATION) {
      if (opcode !== OPCODE.CONTINUATION) this.#fragmentOpcode = opcode;
      const fragments = this.#fragments;
      const last = fragments.length - 1;
      if (
        last >= 0 && payload.byteLength < SMALL_PIECE && fragments[last].byteLength < SMALL_PIECE
      ) {
        fragments[last] = join(
          [fragments[last], payload],
          fragments[last].byteLength + payload.byteLength,
        );
      } else {
        fragments.push(payload);
      }
      this.#fragmentBytes += payload.byteLength;
      this.#fragmentCount++;
      if (!fin) return true;
      opcode = this.#fragmentOpcode;
      payload = join(this.#fragments, this.#fragmentBytes);
      this.#fragments = [];
      this.#fragmentBytes = 0;
      this.#fragmentOpcode = 0;
      this.#fragmentCount = 0;
    }
    if (opcode === OPCODE.BINARY) {
      // A view of a much larger read buffer would keep all of it alive with the message.
      if (payload.byteLength * 4 < payload.buffer.byteLength) payload = payload.slice();
      this.#events.message(payload);
      return true;
    }
    let text: string;
    try {
      text = strictDecoder.decode(payload);
    } catch {
      return this.#fail(CLOSE_CODE.INVALID_DATA, "Invalid UTF-8");
    }
    this.#events.message(text);
    return true;
  }

  #control(opcode: number, payload: Uint8Array): boolean {
    if (opcode === OPCODE.PING) {
      this.#events.ping(payload);
      return true;
    }
    if (opcode === OPCODE.PONG) return true;
    // A close frame: the last one read.
    if (payload.byteLength === 1) return this.#fail(CLOSE_CODE.PROTOCOL_ERROR, "Invalid close");
    let code: number = CLOSE_CODE.NO_STATUS;
    let reason = "";
    if (payload.byteLength >= 2) {
      code = (payload[0] << 8) | payload[1];
      if (!isValidCloseCode(code)) return this.#fail(CLOSE_CODE.PROTOCOL_ERROR, "Invalid code");
      try {
        reason = strictDecoder.decode(payload.subarray(2));
      } catch {
        return this.#fail(CLOSE_CODE.INVALID_DATA, "Invalid UTF-8");
      }
    }
    this.#done = true;
    this.#chunks = [];
    this.#events.close(code, reason);
    return false;
  }

  /** A copy of the first `n` buffered bytes, left in place. */
  #peek(n: number): Uint8Array {
    const first = this.#chunks[0];
    if (first.byteLength >= n) return first.subarray(0, n);
    const out = new Uint8Array(n);
    let offset = 0;
    for (const chunk of this.#chunks) {
      const part = chunk.subarray(0, n - offset);
      out.set(part, offset);
      offset += part.byteLength;
      if (offset === n) break;
    }
    return out;
  }

  /**
   * Removes and returns the first `n` buffered bytes: a view of the chunk
   * that holds them all (chunks are the reader's to change), else a copy.
   */
  #take(n: number): Uint8Array {
    if (n === 0) return new Uint8Array(0);
    const chunks = this.#chunks;
    const first = chunks[0];
    this.#buffered -= n;
    if (first.byteLength >= n) {
      if (first.byteLength === n) chunks.shift();
      else chunks[0] = first.subarray(n);
      return first.subarray(0, n);
    }
    const out = new Uint8Array(n);
    let offset = 0;
    while (offset < n) {
      const chunk = chunks[0];
      const part = chunk.subarray(0, n - offset);
      out.set(part, offset);
      offset += part.byteLength;
      if (part.byteLength === chunk.byteLength) chunks.shift();
      else chunks[0] = chunk.subarray(part.byteLength);
    }
    return out;
  }
}

/** XORs a client's payload with its mask in place, four bytes at a time. */
function unmask(payload: Uint8Array, mask: Uint8Array): void {
  const length = payload.byteLength;
  let i = 0;
  // Bytes up to a 4-byte boundary of the underlying buffer, then whole words.
  while (i < length && (payload.byteOffset + i) % 4 !== 0) {
    payload[i] ^= mask[i & 3];
    i++;
  }
  if (length - i >= 16) {
    const rotated = new Uint8Array(4);
    for (let k = 0; k < 4; k++) rotated[k] = mask[(i + k) & 3];
    // Both views use the platform's byte order, so the word matches the bytes.
    const word = new Uint32Array(rotated.buffer)[0];
    const words = new Uint32Array(payload.buffer, payload.byteOffset + i, (length - i) >>> 2);
    for (let w = 0; w < words.length; w++) words[w] ^= word;
    i += words.length << 2;
  }
  for (; i < length; i++) payload[i] ^= mask[i & 3];
}

function join(parts: Uint8Array[], total: number): Uint8Array {
  if (parts.length === 1) return parts[0];
  const out = new Uint8Array(total);
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.byteLength;
  }
  return out;
}
