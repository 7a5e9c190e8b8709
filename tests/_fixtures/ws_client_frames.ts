/**
 * The client side of RFC 6455, as bytes: the upgrade request, masked client
 * frames, and an incremental reader of the server's (unmasked) frames. Pure
 * (no socket, no runtime API), shared by the tests' `RawWebSocket`
 * (`raw_ws.ts`) and the bench's load generator (`bench/lib/transports.ts`).
 * The server's own codec is `src/runtime/_ws_frames.ts`; this one is written
 * apart so that the tests do not check the server against itself.
 */

/** Frame opcodes. */
export const OP_CONTINUATION = 0;
export const OP_TEXT = 1;
export const OP_BINARY = 2;
export const OP_CLOSE = 8;
export const OP_PING = 9;
export const OP_PONG = 10;

/** The `Sec-WebSocket-Key` of RFC 6455's example, for clients that never check the accept key. */
export const SAMPLE_KEY = "dGhlIHNhbXBsZSBub25jZQ==";

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** A random `Sec-WebSocket-Key` (16 random bytes, base64). */
export function randomKey(): string {
  return btoa(String.fromCharCode(...crypto.getRandomValues(new Uint8Array(16))));
}

/** The bytes of an HTTP/1.1 WebSocket upgrade request for `path` (query included). */
export function upgradeRequest(
  host: string,
  port: number | string,
  path: string,
  key: string = randomKey(),
): Uint8Array {
  return encoder.encode(
    `GET ${path} HTTP/1.1\r\nHost: ${host}:${port}\r\nUpgrade: websocket\r\n` +
      `Connection: Upgrade\r\nSec-WebSocket-Key: ${key}\r\n` +
      `Sec-WebSocket-Version: 13\r\n\r\n`,
  );
}

/** Index just past the blank line that ends an HTTP head in `buf`, or -1 while incomplete. */
export function headEnd(buf: Uint8Array): number {
  for (let i = 3; i < buf.length; i++) {
    if (buf[i] === 10 && buf[i - 1] === 13 && buf[i - 2] === 10 && buf[i - 3] === 13) {
      return i + 1;
    }
  }
  return -1;
}

/** Whether an HTTP response head starts `HTTP/1.1 101`. */
export function isSwitchingProtocols(head: Uint8Array): boolean {
  return head[9] === 49 && head[10] === 48 && head[11] === 49 && head[12] === 32;
}

/** The first line of an HTTP head (`HTTP/1.1 400 Bad Request`). */
export function statusLine(head: Uint8Array): string {
  const text = decoder.decode(head.subarray(0, Math.min(head.length, 200)));
  return text.split("\r\n")[0];
}

/**
 * A copy of `bytes` as a plain `Uint8Array` (a Node `Buffer`'s `slice` is a
 * view, not a copy).
 */
export function copy(bytes: Uint8Array): Uint8Array {
  return new Uint8Array(bytes);
}

/** `a` then `b` in one array (`b` itself when `a` is empty). */
export function concatBytes(a: Uint8Array, b: Uint8Array): Uint8Array {
  if (a.length === 0) return b;
  const out = new Uint8Array(a.length + b.length);
  out.set(a, 0);
  out.set(b, a.length);
  return out;
}

/** How a client frame is written. */
export interface ClientFrameOptions {
  /** Whether this is the last frame of its message (default true). */
  fin?: boolean;
  /** The RSV bits, in place (`0x40` RSV1, `0x20` RSV2, `0x10` RSV3); default 0. */
  rsv?: number;
  /** The 4-byte masking key; default random. */
  mask?: Uint8Array;
  /** Writes the length in its 8-byte form whatever its size (legal to send, never minimal). */
  longLength?: boolean;
}

/** Size of a client frame's head (2, 4 or 10 bytes, then the 4-byte mask). */
function headSize(length: number, longLength: boolean | undefined): number {
  return (longLength || length >= 65536 ? 10 : length >= 126 ? 4 : 2) + 4;
}

/** Writes a client frame's head into `frame`; returns where the payload starts. */
function writeHead(
  frame: Uint8Array,
  opcode: number,
  length: number,
  options: ClientFrameOptions,
): number {
  const size = headSize(length, options.longLength);
  frame[0] = (options.fin === false ? 0 : 0x80) | (options.rsv ?? 0) | opcode;
  if (size === 6) {
    frame[1] = 0x80 | length;
  } else if (size === 8) {
    frame[1] = 0x80 | 126;
    frame[2] = length >>> 8;
    frame[3] = length & 0xff;
  } else {
    frame[1] = 0x80 | 127;
    const high = Math.floor(length / 2 ** 32);
    const low = length >>> 0;
    for (let i = 0; i < 4; i++) {
      frame[2 + i] = (high >>> (24 - 8 * i)) & 0xff;
      frame[6 + i] = (low >>> (24 - 8 * i)) & 0xff;
    }
  }
  frame.set(options.mask ?? crypto.getRandomValues(new Uint8Array(4)), size - 4);
  return size;
}

/**
 * The head of a masked client frame announcing `length` payload bytes,
 * mask key included, for a client that writes the payload itself (or only
 * part of it). The payload must be masked with the same key.
 */
export function encodeClientFrameHead(
  opcode: number,
  length: number,
  options: ClientFrameOptions = {},
): Uint8Array {
  const head = new Uint8Array(headSize(length, options.longLength));
  writeHead(head, opcode, length, options);
  return head;
}

/**
 * A complete masked client frame (text is UTF-8 encoded). The mask key is
 * fixed once the frame is built, so a frame sent many times is built and
 * masked only once.
 */
export function encodeClientFrame(
  opcode: number,
  payload: string | Uint8Array,
  options: ClientFrameOptions = {},
): Uint8Array {
  const data = typeof payload === "string" ? encoder.encode(payload) : payload;
  const length = data.byteLength;
  const frame = new Uint8Array(headSize(length, options.longLength) + length);
  const start = writeHead(frame, opcode, length, options);
  const key = frame.subarray(start - 4, start);
  for (let i = 0; i < length; i++) frame[start + i] = data[i] ^ key[i & 3];
  return frame;
}

/** What a `ServerFrameReader` reports. Every `data` is a view, valid only during the call. */
export interface ServerFrameHandlers {
  /** A whole text message (fragments joined), as UTF-8 bytes. */
  text(data: Uint8Array): void;
  /**
   * A whole binary message (fragments joined). With `skipBinary`, a
   * message in one frame arrives as its length only (`data` undefined).
   */
  binary(data: Uint8Array | undefined, length: number): void;
  /** A close, ping or pong frame. */
  control(opcode: number, data: Uint8Array): void;
}

/**
 * An incremental reader of server frames: `push` each chunk the socket
 * delivers, in order. Messages are reported whole; control frames may come
 * between the fragments of a message. With `skipBinary`, a binary message
 * in one frame is skipped without being copied, even across chunks (the
 * load generator's case: it only counts them).
 */
export class ServerFrameReader {
  #handlers: ServerFrameHandlers;
  #skipBinary: boolean;
  /** An incomplete frame (head or payload) carried over to the next chunk. */
  #pending: Uint8Array = new Uint8Array(0);
  /** Bytes of a skipped binary payload still to come, and its whole length. */
  #skip = 0;
  #skipTotal = 0;
  /** The opcode and payloads of a fragmented message in progress. */
  #fragmentOpcode = 0;
  #fragments: Uint8Array[] = [];

  constructor(handlers: ServerFrameHandlers, options: { skipBinary?: boolean } = {}) {
    this.#handlers = handlers;
    this.#skipBinary = options.skipBinary ?? false;
  }

  /** Reads a chunk of the stream. */
  push(chunk: Uint8Array): void {
    let buf = chunk;
    let pos = 0;
    if (this.#skip > 0) {
      const n = Math.min(this.#skip, buf.length);
      this.#skip -= n;
      pos = n;
      if (this.#skip > 0) return;
      this.#handlers.binary(undefined, this.#skipTotal);
    }
    if (this.#pending.length > 0) {
      buf = concatBytes(this.#pending, buf.subarray(pos));
      pos = 0;
      this.#pending = new Uint8Array(0);
    }
    const end = buf.length;
    while (pos < end) {
      if (end - pos < 2) break;
      const b0 = buf[pos];
      const fin = (b0 & 0x80) !== 0;
      let opcode = b0 & 0x0f;
      let length = buf[pos + 1] & 0x7f;
      let head = 2;
      if (length === 126) {
        if (end - pos < 4) break;
        length = (buf[pos + 2] << 8) | buf[pos + 3];
        head = 4;
      } else if (length === 127) {
        if (end - pos < 10) break;
        const high = ((buf[pos + 2] << 24) | (buf[pos + 3] << 16) | (buf[pos + 4] << 8) |
          buf[pos + 5]) >>> 0;
        const low = ((buf[pos + 6] << 24) | (buf[pos + 7] << 16) | (buf[pos + 8] << 8) |
          buf[pos + 9]) >>> 0;
        length = high * 2 ** 32 + low;
        head = 10;
      }
      const start = pos + head;
      if (opcode === OP_CONTINUATION) opcode = this.#fragmentOpcode;
      if (opcode === OP_BINARY && fin && this.#skipBinary && this.#fragments.length === 0) {
        const available = end - start;
        if (available >= length) {
          pos = start + length;
          this.#handlers.binary(undefined, length);
          continue;
        }
        this.#skip = length - available;
        this.#skipTotal = length;
        return;
      }
      if (end - start < length) break;
      const payload = buf.subarray(start, start + length);
      pos = start + length;
      if (opcode >= 8) {
        this.#handlers.control(opcode, payload);
        continue;
      }
      if (!fin) {
        this.#fragmentOpcode = opcode;
        this.#fragments.push(copy(payload));
        continue;
      }
      if (this.#fragments.length > 0) {
        this.#fragments.push(payload);
        let total = 0;
        for (const f of this.#fragments) total += f.length;
        const whole = new Uint8Array(total);
        let offset = 0;
        for (const f of this.#fragments) {
          whole.set(f, offset);
          offset += f.length;
        }
        this.#fragments = [];
        this.#fragmentOpcode = 0;
        if (opcode === OP_TEXT) this.#handlers.text(whole);
        else this.#handlers.binary(whole, total);
        continue;
      }
      if (opcode === OP_TEXT) this.#handlers.text(payload);
      else this.#handlers.binary(payload, length);
    }
    if (pos < end) this.#pending = copy(buf.subarray(pos));
  }
}
