/**
 * Minimal client-side WebSocket framing (RFC 6455) for the load generator:
 * masked client frames built once and reused, and an incremental parser of
 * the server's (unmasked) frames that never copies a payload it does not need.
 * Runs under Node and Bun; no dependency.
 */

const encoder = new TextEncoder();

/** Opcodes. */
export const OP_TEXT = 1;
export const OP_BINARY = 2;
export const OP_CLOSE = 8;
export const OP_PING = 9;
export const OP_PONG = 10;

/**
 * A complete masked client frame. The mask key is random but fixed for the
 * frame, so a frame sent many times is built (and masked) only once.
 */
export function maskedFrame(opcode, payload) {
  const data = typeof payload === "string" ? encoder.encode(payload) : payload;
  const len = data.byteLength;
  const head = len < 126 ? 2 : len < 65536 ? 4 : 10;
  const frame = new Uint8Array(head + 4 + len);
  frame[0] = 0x80 | opcode;
  if (len < 126) {
    frame[1] = 0x80 | len;
  } else if (len < 65536) {
    frame[1] = 0x80 | 126;
    frame[2] = len >>> 8;
    frame[3] = len & 0xff;
  } else {
    frame[1] = 0x80 | 127;
    // Lengths here stay far below 2^32.
    frame[6] = (len >>> 24) & 0xff;
    frame[7] = (len >>> 16) & 0xff;
    frame[8] = (len >>> 8) & 0xff;
    frame[9] = len & 0xff;
  }
  const key = crypto.getRandomValues(new Uint8Array(4));
  frame.set(key, head);
  const off = head + 4;
  for (let i = 0; i < len; i++) frame[off + i] = data[i] ^ key[i & 3];
  return frame;
}

/** The text of an HTTP/1.1 WebSocket upgrade request. */
export function upgradeRequest(host, port, path) {
  // The key is fixed: the generator does not check Sec-WebSocket-Accept.
  return encoder.encode(
    `GET ${path} HTTP/1.1\r\nHost: ${host}:${port}\r\nUpgrade: websocket\r\n` +
      `Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n` +
      `Sec-WebSocket-Version: 13\r\n\r\n`,
  );
}

/** Index just past the blank line ending an HTTP head, or -1. */
export function headEnd(buf) {
  for (let i = 3; i < buf.length; i++) {
    if (buf[i] === 10 && buf[i - 1] === 13 && buf[i - 2] === 10 && buf[i - 3] === 13) {
      return i + 1;
    }
  }
  return -1;
}

export function concatBytes(a, b) {
  if (a.length === 0) return b;
  const out = new Uint8Array(a.length + b.length);
  out.set(a, 0);
  out.set(b, a.length);
  return out;
}

/**
 * Incremental parser of server frames. Calls
 * `onText(bytes)` with a complete text message (a view; valid only during
 * the call), `onBinary(byteLength)` for a complete binary message (its bytes
 * are skipped, never copied), `onControl(opcode, bytes)` for ping/close.
 */
export class FrameParser {
  constructor(onText, onBinary, onControl) {
    this.onText = onText;
    this.onBinary = onBinary;
    this.onControl = onControl;
    this.pending = new Uint8Array(0); // an incomplete frame head or text payload
    this.skip = 0; // binary payload bytes still to skip
    this.skipTotal = 0;
    this.fragOpcode = 0; // opcode of a fragmented message in progress
    this.fragments = [];
  }

  push(chunk) {
    let buf = chunk;
    let pos = 0;
    if (this.skip > 0) {
      const n = Math.min(this.skip, buf.length);
      this.skip -= n;
      pos = n;
      if (this.skip > 0) return;
      if (this.skipFin) this.onBinary(this.skipTotal);
    }
    if (this.pending.length > 0) {
      buf = concatBytes(this.pending, buf.subarray(pos));
      pos = 0;
      this.pending = new Uint8Array(0);
    }
    const end = buf.length;
    while (pos < end) {
      if (end - pos < 2) break;
      const b0 = buf[pos];
      const fin = (b0 & 0x80) !== 0;
      let opcode = b0 & 0x0f;
      let len = buf[pos + 1] & 0x7f;
      let head = 2;
      if (len === 126) {
        if (end - pos < 4) break;
        len = (buf[pos + 2] << 8) | buf[pos + 3];
        head = 4;
      } else if (len === 127) {
        if (end - pos < 10) break;
        len = buf[pos + 6] * 0x1000000 +
          ((buf[pos + 7] << 16) | (buf[pos + 8] << 8) | buf[pos + 9]);
        head = 10;
      }
      const start = pos + head;
      if (opcode === 0) opcode = this.fragOpcode;
      if (opcode === OP_BINARY && fin && this.fragments.length === 0) {
        // Skip binary payloads without copying them, even across chunks.
        const avail = end - start;
        if (avail >= len) {
          pos = start + len;
          this.onBinary(len);
          continue;
        }
        this.skip = len - avail;
        this.skipTotal = len;
        this.skipFin = true;
        return;
      }
      if (end - start < len) break;
      const payload = buf.subarray(start, start + len);
      pos = start + len;
      if (opcode >= 8) {
        this.onControl(opcode, payload);
        continue;
      }
      if (!fin) {
        this.fragOpcode = opcode;
        this.fragments.push(payload.slice());
        continue;
      }
      if (this.fragments.length > 0) {
        this.fragments.push(payload);
        const total = this.fragments.reduce((n, f) => n + f.length, 0);
        const whole = new Uint8Array(total);
        let o = 0;
        for (const f of this.fragments) {
          whole.set(f, o);
          o += f.length;
        }
        this.fragments = [];
        this.fragOpcode = 0;
        if (opcode === OP_TEXT) this.onText(whole);
        else this.onBinary(total);
        continue;
      }
      this.onText(payload);
    }
    if (pos < end) this.pending = buf.slice(pos);
  }
}
