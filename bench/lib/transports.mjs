/**
 * The load generator's ways of opening a WebSocket, all behind one shape:
 *
 *   open(host, port, path, handlers) -> void
 *   handlers.onOpen(conn)   conn.send(prepared), conn.close()
 *   handlers.onText(data)   data: Uint8Array view (raw) or string (libraries)
 *   handlers.onBinary(len)  a whole binary message arrived (payload skipped)
 *   handlers.onClose() / handlers.onError(err)
 *   prepareText(string) / prepareBinary(Uint8Array) -> what conn.send takes
 *
 * - `net`: raw framing over `node:net` (Node or Bun), frames pre-masked once.
 * - `bun-tcp`: raw framing over `Bun.connect` (Bun only).
 * - `bun-ws`: Bun's built-in WebSocket client (Bun only).
 * - `ws`: the `ws` npm library (Node), a typical general-purpose client.
 */

import {
  concatBytes,
  FrameParser,
  headEnd,
  maskedFrame,
  OP_BINARY,
  OP_CLOSE,
  OP_PING,
  OP_PONG,
  OP_TEXT,
  upgradeRequest,
} from "./wsframe.mjs";

const CLOSE_FRAME = maskedFrame(OP_CLOSE, new Uint8Array([0x03, 0xe8])); // 1000

function isSwitching(head) {
  // "HTTP/1.1 101"
  return head[9] === 49 && head[10] === 48 && head[11] === 49;
}

function headText(head) {
  return new TextDecoder().decode(head).split("\r\n")[0];
}

const rawPrepare = {
  prepareText: (s) => maskedFrame(OP_TEXT, s),
  prepareBinary: (b) => maskedFrame(OP_BINARY, b),
};

/** Raw WebSocket over node:net. */
export const netTransport = {
  name: "net",
  ...rawPrepare,
  async open(host, port, path, h) {
    const net = await import("node:net");
    const sock = net.connect({ host, port, noDelay: true });
    let head = new Uint8Array(0);
    let upgraded = false;
    let closed = false;
    const conn = {
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
    const parser = new FrameParser(h.onText, h.onBinary, (op, payload) => {
      if (op === OP_PING) sock.write(maskedFrame(OP_PONG, payload.slice()));
      else if (op === OP_CLOSE) conn.close();
    });
    sock.on("connect", () => sock.write(upgradeRequest(host, port, path)));
    sock.on("data", (chunk) => {
      if (!upgraded) {
        head = concatBytes(head, chunk);
        const end = headEnd(head);
        if (end < 0) return;
        if (!isSwitching(head)) {
          h.onError(new Error("upgrade refused: " + headText(head)));
          sock.destroy();
          return;
        }
        upgraded = true;
        chunk = head.subarray(end);
        head = null;
        h.onOpen(conn);
        if (chunk.length === 0) return;
      }
      sock.cork();
      parser.push(chunk);
      sock.uncork();
    });
    sock.on("error", (err) => h.onError(err));
    sock.on("close", () => h.onClose());
  },
};

function joinFrames(frames) {
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
export const bunTcpTransport = {
  name: "bun-tcp",
  ...rawPrepare,
  open(host, port, path, h) {
    const state = {
      head: new Uint8Array(0),
      upgraded: false,
      queue: null,
      batch: null,
      parser: null,
      conn: null,
      closed: false,
    };
    const write = (s, frame) => {
      if (state.batch) {
        state.batch.push(frame);
        return;
      }
      if (state.queue) {
        state.queue.push(frame);
        return;
      }
      const n = s.write(frame);
      if (n < frame.length) state.queue = [frame.subarray(Math.max(n, 0))];
    };
    Bun.connect({
      hostname: host,
      port,
      socket: {
        open(s) {
          state.conn = {
            send: (frame) => write(s, frame),
            close() {
              if (state.closed) return;
              state.closed = true;
              write(s, CLOSE_FRAME);
              s.end();
            },
            destroy() {
              state.closed = true;
              s.terminate();
            },
          };
          state.parser = new FrameParser(h.onText, h.onBinary, (op, payload) => {
            if (op === OP_PING) write(s, maskedFrame(OP_PONG, payload.slice()));
            else if (op === OP_CLOSE) state.conn.close();
          });
          s.setNoDelay?.(true);
          write(s, upgradeRequest(host, port, path));
        },
        data(s, chunk) {
          if (!state.upgraded) {
            state.head = concatBytes(state.head, chunk);
            const end = headEnd(state.head);
            if (end < 0) return;
            if (!isSwitching(state.head)) {
              h.onError(new Error("upgrade refused: " + headText(state.head)));
              s.terminate();
              return;
            }
            state.upgraded = true;
            chunk = state.head.subarray(end);
            state.head = null;
            h.onOpen(state.conn);
            if (chunk.length === 0) return;
          }
          // Frames sent while handling this chunk go out in one write.
          state.batch = [];
          state.parser.push(chunk);
          const batch = state.batch;
          state.batch = null;
          if (batch.length === 1) write(s, batch[0]);
          else if (batch.length > 1) write(s, joinFrames(batch));
        },
        drain(s) {
          const q = state.queue;
          if (!q) return;
          state.queue = null;
          for (let i = 0; i < q.length; i++) {
            if (state.queue) state.queue.push(q[i]);
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
    }).catch((err) => h.onError(err));
  },
};

/** Bun's built-in WebSocket client. */
export const bunWsTransport = {
  name: "bun-ws",
  prepareText: (s) => s,
  prepareBinary: (b) => b,
  open(host, port, path, h) {
    const ws = new WebSocket(`ws://${host}:${port}${path}`);
    ws.binaryType = "arraybuffer";
    const conn = {
      send: (d) => ws.send(d),
      close: () => ws.close(1000),
      destroy: () => ws.close(1000),
    };
    ws.onopen = () => h.onOpen(conn);
    ws.onmessage = (e) => {
      const d = e.data;
      if (typeof d === "string") h.onText(d);
      else h.onBinary(d.byteLength);
    };
    ws.onerror = () => h.onError(new Error("websocket error"));
    ws.onclose = () => h.onClose();
  },
};

/** The `ws` npm library. */
export const wsLibTransport = {
  name: "ws",
  prepareText: (s) => s,
  prepareBinary: (b) => b,
  async open(host, port, path, h) {
    const { WebSocket } = await import("ws");
    const ws = new WebSocket(`ws://${host}:${port}${path}`, { perMessageDeflate: false });
    const conn = {
      send: (d) => ws.send(d),
      close: () => ws.close(1000),
      destroy: () => ws.terminate(),
    };
    ws.on("open", () => h.onOpen(conn));
    ws.on("message", (d, isBinary) => {
      if (isBinary) h.onBinary(d.byteLength);
      else h.onText(d); // a Buffer: read like raw bytes
    });
    ws.on("error", (err) => h.onError(err));
    ws.on("close", () => h.onClose());
  },
};

export const transports = {
  "net": netTransport,
  "bun-tcp": bunTcpTransport,
  "bun-ws": bunWsTransport,
  "ws": wsLibTransport,
};

/**
 * A keep-alive HTTP/1.1 client on one TCP connection (node:net), for the
 * polling handshake storm: one request at a time, Content-Length or chunked
 * responses.
 */
export async function openHttp(host, port) {
  const net = await import("node:net");
  const sock = net.connect({ host, port, noDelay: true });
  const encoder = new TextEncoder();
  const decoder = new TextDecoder();
  let buf = new Uint8Array(0);
  let waiter = null;
  let failed = null;
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
  const tryParse = () => {
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
  sock.on("data", (chunk) => {
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
