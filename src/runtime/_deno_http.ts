/**
 * One HTTP/1.1 connection of the Deno listener: requests read one after
 * another and turned into Web `Request`s for the host, its `Response`s
 * written back, and a WebSocket upgrade handed to `_node_ws.ts` on the same
 * connection (so webio reads the frames itself, and refuses an oversized
 * message at its header).
 *
 * @module
 */

import type { ConnHandler, RequestInfo } from "../engine/conn.ts";
import type { RequestHandlerHost } from "./handler.ts";
import {
  type BodyFraming,
  headEnd,
  HttpError,
  parseRequestHead,
  type RequestHead,
  responseHead,
} from "./_http1.ts";
import { type ConnReader, DenoSocket } from "./_deno_socket.ts";
import { upgradeNodeSocket } from "./_node_ws.ts";

/** Milliseconds a connection may take to send a request head. */
export const HEAD_TIMEOUT_MS = 30_000;
/** Milliseconds an idle keep-alive connection is kept. */
export const KEEP_ALIVE_TIMEOUT_MS = 5_000;
/** A host name or address, with an optional port. */
const AUTHORITY = /^[A-Za-z0-9.\-]*(?::\d{1,5})?$|^\[[0-9A-Fa-f:.]+\](?::\d{1,5})?$/;
/** Largest chunk-size line (with extensions) or trailer section, in bytes. */
const MAX_LINE_BYTES = 4096;
const encoder = new TextEncoder();

/** What the listener sees of a connection it serves. */
export interface HttpConnection {
  /** Whether the connection waits for a request (nothing would be cut). */
  readonly idle: boolean;
  /**
   * When the request head awaited must have arrived (a `Date.now()` time),
   * or 0 while none is awaited. The listener closes connections past it.
   */
  readonly headDeadline: number;
  /** Closes the connection now. */
  destroy(): void;
  /** Settles once the connection has closed. */
  readonly closed: Promise<void>;
}

/**
 * Serves the requests of one accepted connection to `host`.
 *
 * @example
 * ```ts ignore
 * const conn = await listener.accept();
 * serveHttpConnection(io, conn, new ConnReader(conn));
 * ```
 */
export function serveHttpConnection(
  host: RequestHandlerHost,
  conn: Deno.Conn,
  reader: ConnReader,
): HttpConnection {
  const socket = new DenoSocket(conn, reader);
  let idle = true;
  let headDeadline = 0;
  const closed = new Promise<void>((resolve) => socket.on("close", () => resolve()));
  const connection: HttpConnection = {
    get idle() {
      return idle;
    },
    get headDeadline() {
      return headDeadline;
    },
    destroy: () => socket.destroy(),
    closed,
  };
  (async () => {
    let first = true;
    while (!socket.destroyed) {
      idle = true;
      headDeadline = Date.now() + (first ? HEAD_TIMEOUT_MS : KEEP_ALIVE_TIMEOUT_MS);
      const head = await readHead(reader, socket);
      headDeadline = 0;
      first = false;
      if (!head) break;
      idle = false;
      const keepAlive = await serveOne(host, head, reader, socket);
      if (!keepAlive) break;
    }
  })().catch(() => {}).finally(() => {
    if (!upgradedSockets.has(socket)) socket.end();
  });
  return connection;
}

const upgradedSockets = new WeakSet<DenoSocket>();

/** Reads one request head; null when the connection ended or failed first. */
async function readHead(reader: ConnReader, socket: DenoSocket): Promise<RequestHead | null> {
  let bytes: Uint8Array = new Uint8Array(0);
  while (true) {
    const chunk = await reader.read();
    if (chunk === null || socket.destroyed) return null;
    bytes = bytes.byteLength === 0 ? chunk : join(bytes, chunk);
    let end: number;
    try {
      end = headEnd(bytes);
    } catch (error) {
      refuse(socket, error as HttpError);
      return null;
    }
    if (end === -1) continue;
    reader.unread(bytes.subarray(end));
    try {
      return parseRequestHead(bytes.subarray(0, end));
    } catch (error) {
      refuse(socket, error instanceof HttpError ? error : new HttpError(400, "Bad request"));
      return null;
    }
  }
}

function refuse(socket: DenoSocket, error: HttpError): void {
  const body = encoder.encode(error.message);
  socket.write(
    responseHead(error.status, new Headers(), `Content-Length: ${body.byteLength}`, false),
  );
  socket.write(body);
  socket.end();
}

/** Serves one request; resolves whether the connection may carry another. */
async function serveOne(
  host: RequestHandlerHost,
  head: RequestHead,
  reader: ConnReader,
  socket: DenoSocket,
): Promise<boolean> {
  const departed = new AbortController();
  const body = head.body.kind === "none" ? null : new BodyReader(reader, socket, head);
  let request: Request;
  try {
    // A Host that is no host name (say "a/b") must not move the path: it is dropped.
    const authority = head.host !== null && AUTHORITY.test(head.host) ? head.host : "localhost";
    // One string, parsed once by Request ("//x" stays a path here, as it should).
    const url = head.target.startsWith("/") ? `http://${authority}${head.target}` : head.target;
    // No signal on the Request: the engine reads departures from `info.signal`.
    const init: RequestInit & { duplex?: "half" } = { method: head.method, headers: head.headers };
    if (body) {
      init.body = body.stream();
      init.duplex = "half";
    }
    request = new Request(url, init);
  } catch {
    refuse(socket, new HttpError(400, "Cannot parse request: invalid target"));
    return false;
  }
  let upgraded = false;
  const info: RequestInfo = {
    remoteAddress: socket.remoteAddress,
    signal: departed.signal,
    // Present on every request: it tells the engine that upgrades can happen here.
    upgrade: (upgradeRequest: Request, handler: ConnHandler, headers?: Headers) => {
      if (head.upgrade) {
        upgraded = upgradeNodeSocket(
          upgradeRequest,
          socket,
          reader.takeLeft(),
          handler,
          host.maxMessageBytes ?? 1e6,
          headers,
        );
      }
      if (upgraded) upgradedSockets.add(socket);
      return new Response(null, { status: upgraded ? 101 : 400 });
    },
  };
  // Notice a client that leaves while its answer is awaited (a held poll).
  if (!body && !head.upgrade) reader.watch(() => departed.abort());
  let response: Response;
  try {
    response = await host.handleRequest(request, info);
  } catch {
    response = new Response(null, { status: 500 });
  }
  if (upgraded) return false;
  // A body left unread would be taken for the next request: close instead.
  const keepAlive = head.keepAlive && !head.upgrade && (!body || body.done) &&
    !departed.signal.aborted;
  if (body && !body.done) body.abandon();
  return await writeResponse(socket, response, head.method === "HEAD", keepAlive, departed) &&
    keepAlive;
}

async function writeResponse(
  socket: DenoSocket,
  response: Response,
  isHead: boolean,
  keepAlive: boolean,
  departed: AbortController,
): Promise<boolean> {
  const { status, headers } = response;
  const stream = response.body;
  if (!stream || isHead || status === 204 || status === 304) {
    const length = headers.get("content-length");
    const framing = isHead
      ? (length === null ? null : `Content-Length: ${length}`)
      : status === 204 || status === 304
      ? null
      : "Content-Length: 0";
    socket.write(responseHead(status, headers, framing, keepAlive));
    await stream?.cancel().catch(() => {});
    return !socket.destroyed;
  }
  const body = stream.getReader();
  const onDeparted = () => body.cancel().catch(() => {});
  departed.signal.addEventListener("abort", onDeparted, { once: true });
  try {
    // A body of one chunk (the usual case) goes out with a Content-Length.
    const first = await body.read();
    const next = first.done ? first : await body.read();
    if (next.done) {
      const bytes = first.value ?? new Uint8Array(0);
      socket.write(responseHead(status, headers, `Content-Length: ${bytes.byteLength}`, keepAlive));
      if (bytes.byteLength > 0) socket.write(bytes);
      return !socket.destroyed;
    }
    socket.write(responseHead(status, headers, "Transfer-Encoding: chunked", keepAlive));
    let chunk: ReadableStreamReadResult<Uint8Array> = first;
    while (!chunk.done) {
      if (chunk.value.byteLength > 0) {
        socket.write(chunk.value.byteLength.toString(16) + "\r\n");
        socket.write(chunk.value);
        if (!socket.write("\r\n")) await socket.drained();
      }
      if (socket.destroyed) return false;
      chunk = chunk === first ? next : await body.read();
    }
    socket.write("0\r\n\r\n");
    return !socket.destroyed;
  } catch {
    socket.destroy(); // the body failed, or the client left
    return false;
  } finally {
    departed.signal.removeEventListener("abort", onDeparted);
  }
}

/** A request body read from the connection as its consumer pulls it. */
class BodyReader {
  #reader: ConnReader;
  #socket: DenoSocket;
  #framing: BodyFraming;
  #remaining: number;
  #continue: boolean;
  #abandoned = false;
  /** Whether the whole body was read (the connection is at the next request). */
  done = false;

  constructor(reader: ConnReader, socket: DenoSocket, head: RequestHead) {
    this.#reader = reader;
    this.#socket = socket;
    this.#framing = head.body;
    this.#remaining = head.body.kind === "length" ? head.body.length : 0;
    this.#continue = head.expectContinue;
  }

  stream(): ReadableStream<Uint8Array> {
    return new ReadableStream<Uint8Array>({
      pull: async (controller) => {
        if (this.#continue) {
          this.#continue = false;
          this.#socket.write("HTTP/1.1 100 Continue\r\n\r\n");
        }
        let chunk: Uint8Array | null;
        do {
          chunk = this.#framing.kind === "chunked"
            ? await this.#nextChunk()
            : await this.#nextBytes();
        } while (chunk !== null && chunk.byteLength === 0);
        if (this.#abandoned) return;
        if (chunk === null) {
          this.done = true;
          controller.close();
        } else {
          controller.enqueue(chunk);
          if (this.done) controller.close();
        }
      },
      cancel: () => this.abandon(),
    }, { highWaterMark: 0 });
  }

  /** The consumer stopped reading: the connection will not be reused. */
  abandon(): void {
    this.#abandoned = true;
  }

  async #nextBytes(): Promise<Uint8Array | null> {
    if (this.#remaining === 0) return null;
    const bytes = await this.#reader.read();
    if (bytes === null) throw new Error("Cannot read request body: connection closed");
    if (bytes.byteLength > this.#remaining) {
      const length = this.#remaining;
      this.#reader.unread(bytes.subarray(length));
      this.#remaining = 0;
      this.done = true;
      return bytes.subarray(0, length);
    }
    this.#remaining -= bytes.byteLength;
    if (this.#remaining === 0) this.done = true;
    return bytes;
  }

  /** The next piece of a chunked body; null after the last chunk and trailers. */
  async #nextChunk(): Promise<Uint8Array | null> {
    if (this.#remaining === 0) {
      const line = await this.#readLine();
      const size = /^([0-9A-Fa-f]{1,8})(?:[ \t]*;.*)?$/.exec(line);
      if (!size) throw new Error("Cannot read request body: invalid chunk size");
      const length = parseInt(size[1], 16);
      if (length === 0) {
        while ((await this.#readLine()) !== ""); // trailers, ignored
        return null;
      }
      this.#remaining = length + 2; // with the chunk's CRLF
    }
    const bytes = await this.#reader.read();
    if (bytes === null) throw new Error("Cannot read request body: connection closed");
    let data = bytes;
    if (bytes.byteLength > this.#remaining) {
      this.#reader.unread(bytes.subarray(this.#remaining));
      data = bytes.subarray(0, this.#remaining);
    }
    this.#remaining -= data.byteLength;
    // Drop the CRLF that ends the chunk (it may straddle reads).
    const dataEnd = this.#remaining >= 2
      ? data.byteLength
      : data.byteLength - (2 - this.#remaining);
    return data.subarray(0, Math.max(0, dataEnd));
  }

  async #readLine(): Promise<string> {
    let line: Uint8Array = new Uint8Array(0);
    while (true) {
      const bytes = await this.#reader.read();
      if (bytes === null) throw new Error("Cannot read request body: connection closed");
      const all = line.byteLength === 0 ? bytes : join(line, bytes);
      const lf = all.indexOf(10);
      if (lf !== -1) {
        this.#reader.unread(all.subarray(lf + 1));
        if (lf === 0 || all[lf - 1] !== 13) {
          throw new Error("Cannot read request body: bare LF in chunked framing");
        }
        return new TextDecoder().decode(all.subarray(0, lf - 1));
      }
      if (all.byteLength > MAX_LINE_BYTES) {
        throw new Error("Cannot read request body: chunk line too long");
      }
      line = all;
    }
  }
}

function join(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.byteLength + b.byteLength);
  out.set(a);
  out.set(b, a.byteLength);
  return out;
}
