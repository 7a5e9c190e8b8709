/**
 * A WebSocket client on a raw TCP socket (`node:net`), for tests that need
 * what a `WebSocket` cannot do: stop reading so the server sees
 * backpressure, then resume and check every frame arrived in order.
 * Works under Deno and Bun. The frames are written and read by
 * `ws_client_frames.ts`, the codec the bench's load generator uses too.
 */
import { connect, type Socket } from "node:net";
import {
  concatBytes,
  copy,
  encodeClientFrame,
  encodeClientFrameHead,
  headEnd,
  isSwitchingProtocols,
  OP_BINARY,
  OP_TEXT,
  ServerFrameReader,
  statusLine,
  upgradeRequest,
} from "./ws_client_frames.ts";

/** One frame received from the server (fragments joined). */
export interface RawFrame {
  /** 1 text, 2 binary, 8 close, 9 ping, 10 pong. */
  opcode: number;
  /** The payload, unmasked. */
  data: Uint8Array;
}

const decoder = new TextDecoder();

/** A client WebSocket whose reading can be paused. */
export class RawWebSocket {
  #socket: Socket;
  #reader: ServerFrameReader;
  #frames: RawFrame[] = [];
  #waiters: ((frame: RawFrame | undefined) => void)[] = [];
  #ended = false;
  /** Resolves when the TCP connection has ended. */
  readonly closed: Promise<void>;
  /** Payload bytes received so far (of whole messages and control frames). */
  receivedBytes = 0;

  private constructor(socket: Socket, rest: Uint8Array) {
    this.#socket = socket;
    // The reader's views live only during its call: every frame kept is a copy.
    this.#reader = new ServerFrameReader({
      text: (data) => this.#push({ opcode: OP_TEXT, data: copy(data) }),
      binary: (data) => this.#push({ opcode: OP_BINARY, data: copy(data!) }),
      control: (opcode, data) => this.#push({ opcode, data: copy(data) }),
    });
    this.closed = new Promise((resolve) => {
      socket.on("close", () => {
        this.#ended = true;
        for (const waiter of this.#waiters.splice(0)) waiter(undefined);
        resolve();
      });
    });
    socket.on("data", (chunk: Uint8Array) => this.#reader.push(chunk));
    socket.on("error", () => {});
    if (rest.length > 0) this.#reader.push(rest);
  }

  /** Opens `url` (`ws://host:port/path?query`) and completes the handshake. */
  static open(url: string): Promise<RawWebSocket> {
    const { hostname, port, pathname, search } = new URL(url);
    return new Promise((resolve, reject) => {
      const socket = connect({ host: hostname, port: Number(port) });
      let head: Uint8Array = new Uint8Array(0);
      const onData = (chunk: Uint8Array) => {
        head = concatBytes(head, chunk);
        const end = headEnd(head);
        if (end === -1) return;
        socket.off("data", onData);
        socket.off("error", reject);
        if (!isSwitchingProtocols(head)) {
          socket.destroy();
          reject(new Error(`WebSocket handshake refused: ${statusLine(head)}`));
          return;
        }
        resolve(new RawWebSocket(socket, head.subarray(end)));
      };
      socket.on("data", onData);
      socket.on("error", reject);
      socket.on("connect", () => {
        socket.write(upgradeRequest(hostname, port, `${pathname}${search}`));
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
    this.#socket.write(encodeClientFrame(OP_TEXT, text));
  }

  /** Sends a binary frame. */
  sendBinary(data: Uint8Array): void {
    this.#socket.write(encodeClientFrame(OP_BINARY, data));
  }

  /**
   * Writes the header of a frame announcing `length` payload bytes (`fin`
   * unset: a fragment) followed by only `sent` of them, zeros masked with a
   * zero mask: what a client streaming a huge message has written so far.
   */
  sendPartialFrame(opcode: number, length: number, sent: number, fin = true): void {
    const mask = new Uint8Array(4);
    this.#socket.write(encodeClientFrameHead(opcode, length, { fin, mask, longLength: true }));
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

  #push(frame: RawFrame): void {
    this.receivedBytes += frame.data.length;
    const waiter = this.#waiters.shift();
    if (waiter) waiter(frame);
    else this.#frames.push(frame);
  }
}
