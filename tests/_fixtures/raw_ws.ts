/**
 * A WebSocket client on a raw TCP socket (`node:net`), for tests that need
 * what a `WebSocket` cannot do: stop reading so the server sees
 * backpressure, then resume and check every frame arrived in order.
 * Works under Deno and Bun.
 */
import { connect, type Socket } from "node:net";

/** One frame received from the server (fragments joined). */
export interface RawFrame {
  /** 1 text, 2 binary, 8 close, 9 ping, 10 pong. */
  opcode: number;
  /** The payload, unmasked. */
  data: Uint8Array;
}

const decoder = new TextDecoder();
const encoder = new TextEncoder();

/** A client WebSocket whose reading can be paused. */
export class RawWebSocket {
  #socket: Socket;
  #buffer: Uint8Array = new Uint8Array(0);
  #frames: RawFrame[] = [];
  #waiters: ((frame: RawFrame | undefined) => void)[] = [];
  #fragments: Uint8Array[] = [];
  #fragmentOpcode = 0;
  #ended = false;
  /** Resolves when the TCP connection has ended. */
  readonly closed: Promise<void>;
  /** Payload bytes received so far. */
  receivedBytes = 0;

  private constructor(socket: Socket, rest: Uint8Array) {
    this.#socket = socket;
    this.closed = new Promise((resolve) => {
      socket.on("close", () => {
        this.#ended = true;
        for (const waiter of this.#waiters.splice(0)) waiter(undefined);
        resolve();
      });
    });
    socket.on("data", (chunk: Uint8Array) => this.#onData(chunk));
    socket.on("error", () => {});
    if (rest.length > 0) this.#onData(rest);
  }

  /** Opens `url` (`ws://host:port/path?query`) and completes the handshake. */
  static open(url: string): Promise<RawWebSocket> {
    const { hostname, port, pathname, search } = new URL(url);
    const key = btoa(String.fromCharCode(...crypto.getRandomValues(new Uint8Array(16))));
    return new Promise((resolve, reject) => {
      const socket = connect({ host: hostname, port: Number(port) });
      let head: Uint8Array = new Uint8Array(0);
      const onData = (chunk: Uint8Array) => {
        head = concat(head, chunk);
        const end = indexOfHeaderEnd(head);
        if (end === -1) return;
        socket.off("data", onData);
        socket.off("error", reject);
        const status = decoder.decode(head.subarray(0, end)).split("\r\n")[0];
        if (!status.includes(" 101 ")) {
          socket.destroy();
          reject(new Error(`WebSocket handshake refused: ${status}`));
          return;
        }
        resolve(new RawWebSocket(socket, head.subarray(end + 4)));
      };
      socket.on("data", onData);
      socket.on("error", reject);
      socket.on("connect", () => {
        socket.write(
          `GET ${pathname}${search} HTTP/1.1\r\n` +
            `Host: ${hostname}:${port}\r\n` +
            "Upgrade: websocket\r\nConnection: Upgrade\r\n" +
            `Sec-WebSocket-Key: ${key}\r\nSec-WebSocket-Version: 13\r\n\r\n`,
        );
      });
    });
  }

  /** Stops reading from the socket: the server's writes pile up. */
  pause(): void {
    this.#socket.pause();
  }

  /** Reads again. */
  resume(): void {
    this.#socket.resume();
  }

  /** Sends a text frame. */
  send(text: string): void {
    this.#write(1, encoder.encode(text));
  }

  /** Sends a binary frame. */
  sendBinary(data: Uint8Array): void {
    this.#write(2, data);
  }

  /**
   * Writes the header of a frame announcing `length` payload bytes (`fin`
   * unset: a fragment) followed by only `sent` of them, zeros masked with a
   * zero mask: what a client streaming a huge message has written so far.
   */
  sendPartialFrame(opcode: number, length: number, sent: number, fin = true): void {
    const header = new Uint8Array(14);
    header[0] = (fin ? 0x80 : 0) | opcode;
    header[1] = 0x80 | 127;
    new DataView(header.buffer).setBigUint64(2, BigInt(length));
    this.#socket.write(header); // the mask (bytes 10-13) is zero
    if (sent > 0) this.#socket.write(new Uint8Array(sent));
  }

  /** The next frame, or `undefined` once the connection has ended. */
  next(): Promise<RawFrame | undefined> {
    const frame = this.#frames.shift();
    if (frame) return Promise.resolve(frame);
    if (this.#ended) return Promise.resolve(undefined);
    return new Promise((resolve) => this.#waiters.push(resolve));
  }

  /** The next text frame's text (skipping nothing), or `undefined`. */
  async nextText(): Promise<string | undefined> {
    const frame = await this.next();
    if (!frame) return undefined;
    if (frame.opcode !== 1) throw new Error(`Expected a text frame, got opcode ${frame.opcode}`);
    return decoder.decode(frame.data);
  }

  /** Drops the TCP connection. */
  destroy(): void {
    this.#socket.destroy();
  }

  #write(opcode: number, payload: Uint8Array): void {
    const length = payload.length;
    const headerLength = length < 126 ? 2 : length < 65536 ? 4 : 10;
    const frame = new Uint8Array(headerLength + 4 + length);
    frame[0] = 0x80 | opcode;
    if (length < 126) {
      frame[1] = 0x80 | length;
    } else if (length < 65536) {
      frame[1] = 0x80 | 126;
      new DataView(frame.buffer).setUint16(2, length);
    } else {
      frame[1] = 0x80 | 127;
      new DataView(frame.buffer).setBigUint64(2, BigInt(length));
    }
    const mask = crypto.getRandomValues(new Uint8Array(4));
    frame.set(mask, headerLength);
    for (let i = 0; i < length; i++) frame[headerLength + 4 + i] = payload[i] ^ mask[i & 3];
    this.#socket.write(frame);
  }

  #onData(chunk: Uint8Array): void {
    this.#buffer = concat(this.#buffer, chunk);
    for (;;) {
      const buf = this.#buffer;
      if (buf.length < 2) return;
      let length = buf[1] & 0x7f;
      let offset = 2;
      if (length === 126) {
        if (buf.length < 4) return;
        length = new DataView(buf.buffer, buf.byteOffset).getUint16(2);
        offset = 4;
      } else if (length === 127) {
        if (buf.length < 10) return;
        length = Number(new DataView(buf.buffer, buf.byteOffset).getBigUint64(2));
        offset = 10;
      }
      if (buf.length < offset + length) return;
      const fin = (buf[0] & 0x80) !== 0;
      const opcode = buf[0] & 0x0f;
      const data = buf.slice(offset, offset + length);
      this.#buffer = buf.subarray(offset + length);
      this.receivedBytes += length;
      if (opcode === 0) {
        this.#fragments.push(data);
        if (fin) {
          const joined = concat(...this.#fragments);
          this.#fragments = [];
          this.#push({ opcode: this.#fragmentOpcode, data: joined });
        }
      } else if (!fin) {
        this.#fragmentOpcode = opcode;
        this.#fragments = [data];
      } else {
        this.#push({ opcode, data });
      }
    }
  }

  #push(frame: RawFrame): void {
    const waiter = this.#waiters.shift();
    if (waiter) waiter(frame);
    else this.#frames.push(frame);
  }
}

function concat(...parts: Uint8Array[]): Uint8Array {
  if (parts.length === 1) return parts[0];
  let total = 0;
  for (const part of parts) total += part.length;
  const out = new Uint8Array(total);
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}

function indexOfHeaderEnd(buf: Uint8Array): number {
  for (let i = 0; i + 3 < buf.length; i++) {
    if (buf[i] === 13 && buf[i + 1] === 10 && buf[i + 2] === 13 && buf[i + 3] === 10) return i;
  }
  return -1;
}
