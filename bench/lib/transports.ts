/**
 * The load generator's ways of opening a WebSocket, all behind one shape
 * (`Transport`):
 *
 * - `net`: raw framing over `node:net` (Node or Bun), frames pre-masked once.
 * - `bun-tcp`: raw framing over `Bun.connect` (Bun only).
 * - `bun-ws`: Bun's built-in WebSocket client (Bun only).
 * - `ws`: the `ws` npm library (Node), a typical general-purpose client.
 *
 * The raw framing is the tests' client codec (tests/_fixtures/ws_client_frames.ts).
 */

import {
  concatBytes,
  encodeClientFrame,
  headEnd,
  isSwitchingProtocols,
  OP_BINARY,
  OP_CLOSE,
  OP_PING,
  OP_PONG,
  OP_TEXT,
  SAMPLE_KEY,
  ServerFrameReader,
  statusLine,
  upgradeRequest,
} from "../../tests/_fixtures/ws_client_frames.ts";
import { type BunTcpSocket, requireBun } from "./bun.ts";

/** A frame as a transport sends it: built once by `prepareText` / `prepareBinary`, sent often. */
export type Prepared = Uint8Array | string;

/** An open connection. */
export interface Conn {
  send(frame: Prepared): void;
  /** Sends a close frame and ends the connection. */
  close(): void;
  /** Drops the connection. */
  destroy(): void;
}

/** What a transport reports about one connection. */
export interface ConnHandlers {
  onOpen(conn: Conn): void;
  /** A text message: a view of its UTF-8 bytes, valid only during the call, or a string. */
  onText(data: Uint8Array | string): void;
  /** A whole binary message arrived (its payload is skipped). */
  onBinary(length: number): void;
  onClose(): void;
  onError(error: Error): void;
}

/** One way of opening WebSockets. */
export interface Transport {
  name: string;
  prepareText(text: string): Prepared;
  prepareBinary(bytes: Uint8Array): Prepared;
  open(host: string, port: number, path: string, handlers: ConnHandlers): void | Promise<void>;
}

const CLOSE_FRAME = encodeClientFrame(OP_CLOSE, new Uint8Array([0x03, 0xe8])); // 1000

const rawPrepare = {
  prepareText: (s: string): Prepared => encodeClientFrame(OP_TEXT, s),
  prepareBinary: (b: Uint8Array): Prepared => encodeClientFrame(OP_BINARY, b),
};

/**
 * A reader of server frames for the generator: text as views, binary
 * payloads skipped, pings answered, a close answered by `close`.
 */
function serverReader(
  h: ConnHandlers,
  write: (frame: Uint8Array) => void,
  close: () => void,
): ServerFrameReader {
  return new ServerFrameReader({
    text: h.onText,
    binary: (_data, length) => h.onBinary(length),
    control(opcode, payload) {
      if (opcode === OP_PING) write(encodeClientFrame(OP_PONG, payload));
      else if (opcode === OP_CLOSE) close();
    },
  }, { skipBinary: true });
}

/** The upgrade request of every raw connection (the generator never checks the accept key). */
function upgrade(host: string, port: number, path: string): Uint8Array {
  return upgradeRequest(host, port, path, SAMPLE_KEY);
}

/** Raw WebSocket over node:net. */
export const netTransport: Transport = {
  name: "net",
  ...rawPrepare,
  async open(host, port, path, h) {
    const net = await import("node:net");
    const sock = net.connect({ host, port, noDelay: true });
    let head: Uint8Array = new Uint8Array(0);
    let upgraded = false;
    let closed = false;
    const conn: Conn = {
      send(frame) {
        sock.write(frame);
      },
      close() {
        if (closed) return;
        closed = true;
        sock.write(CLOSE_FRAME);
        sock.end();
      },
      destroy() {
        closed = true;
        sock.destroy();
      },
    };
    const reader = serverReader(h, (frame) => sock.write(frame), () => conn.close());
    sock.on("connect", () => sock.write(upgrade(host, port, path)));
    sock.on("data", (data: Uint8Array) => {
      let chunk = data;
      if (!upgraded) {
        head = concatBytes(head, chunk);
        const end = headEnd(head);
        if (end < 0) return;
        if (!isSwitchingProtocols(head)) {
          h.onError(new Error("upgrade refused: " + statusLine(head)));
          sock.destroy();
          return;
        }
        upgraded = true;
        chunk = head.subarray(end);
        head = new Uint8Array(0);
        h.onOpen(conn);
        if (chunk.length === 0) return;
      }
      sock.cork();
      reader.push(chunk);
      sock.uncork();
    });
    sock.on("error", (err) => h.onError(err));
    sock.on("close", () => h.onClose());
  },
};

function joinFrames(frames: Uint8Array[]): Uint8Array {
  let total = 0;
  for (let i = 0; i < frames.length; i++) total += frames[i].length;
  const out = new Uint8Array(total);
  let o = 0;
  for (let i = 0; i < frames.length; i++) {
    out.set(frames[i], o);
    o += frames[i].length;
  }
  return out;
}

/** Raw WebSocket over Bun.connect. */
export const bunTcpTransport: Transport = {
  name: "bun-tcp",
  ...rawPrepare,
  open(host, port, path, h) {
    let head: Uint8Array = new Uint8Array(0);
    let upgraded = false;
    /** Frames waiting for `drain` (the socket took only part of a write). */
    let queue: Uint8Array[] | null = null;
    /** Frames sent while one chunk is read, written together after it. */
    let batch: Uint8Array[] | null = null;
    let reader: ServerFrameReader;
    let conn: Conn;
    let closed = false;
    const write = (s: BunTcpSocket, frame: Uint8Array) => {
      if (batch) {
        batch.push(frame);
        return;
      }
      if (queue) {
        queue.push(frame);
        return;
      }
      const n = s.write(frame);
      if (n < frame.length) queue = [frame.subarray(Math.max(n, 0))];
    };
    requireBun().connect({
      hostname: host,
      port,
      socket: {
        open(s) {
          conn = {
            send: (frame) => write(s, frame as Uint8Array),
            close() {
              if (closed) return;
              closed = true;
              write(s, CLOSE_FRAME);
              s.end();
            },
            destroy() {
              closed = true;
              s.terminate();
            },
          };
          reader = serverReader(h, (frame) => write(s, frame), () => conn.close());
          s.setNoDelay?.(true);
          write(s, upgrade(host, port, path));
        },
        data(s, data) {
          let chunk = data;
          if (!upgraded) {
            head = concatBytes(head, chunk);
            const end = headEnd(head);
            if (end < 0) return;
            if (!isSwitchingProtocols(head)) {
              h.onError(new Error("upgrade refused: " + statusLine(head)));
              s.terminate();
              return;
            }
            upgraded = true;
            chunk = head.subarray(end);
            head = new Uint8Array(0);
            h.onOpen(conn);
            if (chunk.length === 0) return;
          }
          // Frames sent while handling this chunk go out in one write.
          batch = [];
          reader.push(chunk);
          const frames = batch;
          batch = null;
          if (frames.length === 1) write(s, frames[0]);
          else if (frames.length > 1) write(s, joinFrames(frames));
        },
        drain(s) {
          const q = queue;
          if (!q) return;
          queue = null;
          for (let i = 0; i < q.length; i++) {
            if (queue) (queue as Uint8Array[]).push(q[i]);
            else write(s, q[i]);
          }
        },
        close() {
          h.onClose();
        },
        error(_s, err) {
          h.onError(err);
        },
        connectError(_s, err) {
          h.onError(err);
        },
      },
    }).catch((err: Error) => h.onError(err));
  },
};

/** Bun's built-in WebSocket client. */
export const bunWsTransport: Transport = {
  name: "bun-ws",
  prepareText: (s) => s,
  prepareBinary: (b) => b,
  open(host, port, path, h) {
    const ws = new WebSocket(`ws://${host}:${port}${path}`);
    ws.binaryType = "arraybuffer";
    const conn: Conn = {
      send: (d) => ws.send(d),
      close: () => ws.close(1000),
      destroy: () => ws.close(1000),
    };
    ws.onopen = () => h.onOpen(conn);
    ws.onmessage = (e: MessageEvent<string | ArrayBuffer>) => {
      const d = e.data;
      if (typeof d === "string") h.onText(d);
      else h.onBinary(d.byteLength);
    };
    ws.onerror = () => h.onError(new Error("websocket error"));
    ws.onclose = () => h.onClose();
  },
};

/** The `ws` npm library. */
export const wsLibTransport: Transport = {
  name: "ws",
  prepareText: (s) => s,
  prepareBinary: (b) => b,
  async open(host, port, path, h) {
    const { WebSocket } = await import("ws");
    const ws = new WebSocket(`ws://${host}:${port}${path}`, { perMessageDeflate: false });
    const conn: Conn = {
      send: (d) => ws.send(d),
      close: () => ws.close(1000),
      destroy: () => ws.terminate(),
    };
    ws.on("open", () => h.onOpen(conn));
    ws.on("message", (d: Uint8Array, isBinary: boolean) => {
      if (isBinary) h.onBinary(d.byteLength);
      else h.onText(d); // a Buffer: read like raw bytes
    });
    ws.on("error", (err: Error) => h.onError(err));
    ws.on("close", () => h.onClose());
  },
};

/** Every transport, by its `--transport` name. */
export const transports: Record<string, Transport> = {
  "net": netTransport,
  "bun-tcp": bunTcpTransport,
  "bun-ws": bunWsTransport,
  "ws": wsLibTransport,
};

/** One HTTP response: its status and its body as text. */
export interface HttpResponse {
  status: number;
  body: string;
}

/** A keep-alive HTTP/1.1 connection: one request at a time. */
export interface HttpConnection {
  request(method: string, path: string, body?: string): Promise<HttpResponse>;
  close(): void;
}

/**
 * A keep-alive HTTP/1.1 client on one TCP connection (node:net), for the
 * polling handshake storm: one request at a time, Content-Length or chunked
 * responses.
 */
export async function openHttp(host: string, port: number): Promise<HttpConnection> {
  const net = await import("node:net");
  const sock = net.connect({ host, port, noDelay: true });
  const encoder = new TextEncoder();
  const decoder = new TextDecoder();
  let buf: Uint8Array = new Uint8Array(0);
  let waiter: { resolve(r: HttpResponse): void; reject(e: Error): void } | null = null;
  let failed: Error | null = null;
  await new Promise((resolve, reject) => {
    sock.once("connect", resolve);
    sock.once("error", reject);
  });
  sock.on("error", (err) => {
    failed = err;
    waiter?.reject(err);
  });
  sock.on("close", () => {
    failed ??= new Error("connection closed");
    waiter?.reject(failed);
  });
  const tryParse = (): HttpResponse | undefined => {
    const end = headEnd(buf);
    if (end < 0) return undefined;
    const head = decoder.decode(buf.subarray(0, end));
    const status = Number(head.slice(9, 12));
    const lower = head.toLowerCase();
    const m = /content-length:\s*(\d+)/.exec(lower);
    if (m) {
      const len = Number(m[1]);
      if (buf.length - end < len) return undefined;
      const body = decoder.decode(buf.subarray(end, end + len));
      buf = buf.slice(end + len);
      return { status, body };
    }
    if (lower.includes("transfer-encoding: chunked")) {
      let pos = end;
      let body = "";
      for (;;) {
        let lineEnd = -1;
        for (let i = pos; i + 1 < buf.length; i++) {
          if (buf[i] === 13 && buf[i + 1] === 10) {
            lineEnd = i;
            break;
          }
        }
        if (lineEnd < 0) return undefined;
        const size = parseInt(decoder.decode(buf.subarray(pos, lineEnd)), 16);
        const dataStart = lineEnd + 2;
        if (buf.length < dataStart + size + 2) return undefined;
        if (size === 0) {
          buf = buf.slice(dataStart + 2);
          return { status, body };
        }
        body += decoder.decode(buf.subarray(dataStart, dataStart + size));
        pos = dataStart + size + 2;
      }
    }
    buf = buf.slice(end);
    return { status, body: "" };
  };
  sock.on("data", (chunk: Uint8Array) => {
    buf = concatBytes(buf, chunk);
    if (!waiter) return;
    const res = tryParse();
    if (res) {
      const w = waiter;
      waiter = null;
      w.resolve(res);
    }
  });
  return {
    request(method, path, body) {
      if (failed) return Promise.reject(failed);
      let req = `${method} ${path} HTTP/1.1\r\nHost: ${host}:${port}\r\n`;
      if (body !== undefined) {
        req += `Content-Type: text/plain;charset=UTF-8\r\nContent-Length: ${
          encoder.encode(body).length
        }\r\n\r\n${body}`;
      } else req += "\r\n";
      return new Promise((resolve, reject) => {
        waiter = { resolve, reject };
        sock.write(req);
      });
    },
    close() {
      sock.destroy();
    },
  };
}
