/**
 * The `node:http` binding: serves a host on a server from
 * `http.createServer()` (or `https`), as Node users attach Socket.IO, under
 * Deno and Bun. Requests under the path become Web `Request`s; `upgrade`
 * events become WebSockets on the raw socket (both runtimes hand one over).
 *
 * As the official `attach`, it takes over the server's `request` listeners:
 * requests outside the path go to the listeners registered before, in order
 * (answered 404 when there were none, where the official server would leave
 * them hanging); listeners added later see every request, as with Node.
 *
 * @module
 */

import type { ConnHandler, RequestInfo, Upgrader } from "../engine/conn.ts";
import type { RequestHandlerHost } from "./handler.ts";
import { type NodeSocketLike, upgradeNodeSocket } from "./_node_ws.ts";

export type { NodeSocketLike } from "./_node_ws.ts";

/** A listener, as a `node:http` server's `on` takes it. */
export type NodeListener = (...args: unknown[]) => void;

/** The part of `http.IncomingMessage` used here. */
export interface NodeIncomingMessageLike {
  readonly method?: string;
  readonly url?: string;
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
  /** Names and values, alternating, as received. */
  readonly rawHeaders: readonly string[];
  readonly socket: NodeSocketLike;
  on(event: "data", listener: (chunk: Uint8Array) => void): unknown;
  on(event: "end" | "close", listener: () => void): unknown;
  on(event: "error", listener: (error: unknown) => void): unknown;
  pause(): unknown;
  resume(): unknown;
}

/** The part of `http.ServerResponse` used here. */
export interface NodeServerResponseLike {
  statusCode: number;
  setHeader(name: string, value: string | string[]): unknown;
  write(chunk: Uint8Array): boolean;
  end(chunk?: Uint8Array): unknown;
  destroy(): unknown;
  on(event: "close" | "drain", listener: () => void): unknown;
  once(event: "close" | "drain", listener: () => void): unknown;
  removeListener(event: "close" | "drain", listener: () => void): unknown;
  readonly writableFinished: boolean;
}

/** The part of a `node:http` (or `node:https`) server used here. */
export interface NodeHttpServerLike {
  /** Starts listening (`server.listen(port, callback)`). */
  listen(...args: never[]): unknown;
  /** Adds a listener (`request` and `upgrade` are used here). */
  on(event: string, listener: NodeListener): unknown;
  /** Removes a listener. */
  removeListener(event: string, listener: NodeListener): unknown;
  /** The listeners of an event. */
  listeners(event: string): unknown[];
  /** Removes every listener of an event. */
  removeAllListeners(event: string): unknown;
  /** Stops accepting connections; `callback` runs once the server closed. */
  close(callback?: (error?: Error) => void): unknown;
  /** Closes the connections that carry no request, where the server has it. */
  closeIdleConnections?(): void;
}

/** What {@linkcode attachNodeHttp} returns. */
export interface NodeHttpAttachment {
  /** Gives the server back its own `request` listeners and stops serving. */
  detach(): void;
  /** Detaches and closes the server (as the official `io.close()` does). */
  close(): Promise<void>;
}

/**
 * Whether `value` looks like a `node:http` server (an object with `listen`
 * and `on`), as the official constructor tells a server from options.
 *
 * @example
 * ```ts ignore
 * if (isNodeHttpServer(arg)) attachNodeHttp(io, arg, "/socket.io");
 * ```
 */
export function isNodeHttpServer(value: unknown): value is NodeHttpServerLike {
  const server = value as Partial<NodeHttpServerLike> | null;
  return typeof server === "object" && server !== null &&
    typeof server.listen === "function" && typeof server.on === "function";
}

/**
 * Serves `host` on a `node:http` server for URLs under `path`.
 *
 * @example
 * ```ts ignore
 * import { createServer } from "node:http";
 * const httpServer = createServer((req, res) => res.end("app"));
 * const attachment = attachNodeHttp(io, httpServer, "/socket.io");
 * httpServer.listen(3000);
 * ```
 */
export function attachNodeHttp(
  host: RequestHandlerHost,
  server: NodeHttpServerLike,
  path = "/socket.io",
): NodeHttpAttachment {
  const prefix = path.replace(/\/$/, "") + "/";
  const matches = (url = "/") => {
    const pathname = pathOf(url);
    return pathname.startsWith(prefix) || pathname + "/" === prefix;
  };
  const previous = server.listeners("request") as NodeListener[];
  server.removeAllListeners("request");

  const onRequest = ((req: NodeIncomingMessageLike, res: NodeServerResponseLike) => {
    if (matches(req.url)) {
      serveRequest(host, req, res);
    } else if (previous.length > 0) {
      for (const listener of previous) listener.call(server, req, res);
    } else if (server.listeners("request").length === 1) {
      res.statusCode = 404; // nobody else answers
      res.end();
    }
  }) as NodeListener;
  const onUpgrade = ((req: NodeIncomingMessageLike, socket: NodeSocketLike, head: Uint8Array) => {
    if (matches(req.url)) serveUpgrade(host, req, socket, head);
    else if (server.listeners("upgrade").length === 1) socket.destroy(); // as Node without listeners
  }) as NodeListener;
  server.on("request", onRequest);
  server.on("upgrade", onUpgrade);

  let attached = true;
  const detach = () => {
    if (!attached) return;
    attached = false;
    server.removeListener("request", onRequest);
    server.removeListener("upgrade", onUpgrade);
    for (const listener of previous) server.on("request", listener);
  };
  return {
    detach,
    close: () => {
      detach();
      return new Promise<void>((resolve) => {
        server.close(() => resolve()); // also when it was not listening
        server.closeIdleConnections?.();
      });
    },
  };
}

function pathOf(url: string): string {
  if (!url.startsWith("/")) {
    try {
      return new URL(url).pathname; // absolute-form
    } catch {
      return url;
    }
  }
  const query = url.indexOf("?");
  return query === -1 ? url : url.slice(0, query);
}

/** A Web `Request` for a node request (`body` only for methods that have one). */
function toRequest(
  req: NodeIncomingMessageLike,
  body: ReadableStream<Uint8Array> | null,
  signal?: AbortSignal,
): Request {
  const scheme = req.socket?.encrypted ? "https" : "http";
  const authority = typeof req.headers.host === "string" ? req.headers.host : "localhost";
  const url = new URL(req.url ?? "/", `${scheme}://${authority}`);
  const headers = new Headers();
  const raw = req.rawHeaders;
  for (let i = 0; i + 1 < raw.length; i += 2) {
    if (!raw[i].startsWith(":")) headers.append(raw[i], raw[i + 1]); // no HTTP/2 pseudo-headers
  }
  const init: RequestInit & { duplex?: "half" } = { method: req.method ?? "GET", headers };
  if (body) {
    init.body = body;
    init.duplex = "half";
  }
  if (signal) init.signal = signal;
  return new Request(url, init);
}

/** The request body as a stream that pauses the socket when not read. */
function bodyStream(req: NodeIncomingMessageLike): ReadableStream<Uint8Array> {
  let done = false;
  return new ReadableStream<Uint8Array>({
    start(controller) {
      req.on("data", (chunk) => {
        if (done) return;
        controller.enqueue(new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength));
        if ((controller.desiredSize ?? 1) <= 0) req.pause();
      });
      req.on("end", () => {
        if (!done) controller.close();
        done = true;
      });
      const fail = () => {
        if (!done) controller.error(new Error("Cannot read request body: connection closed"));
        done = true;
      };
      req.on("error", fail);
      req.on("close", fail);
    },
    pull() {
      req.resume();
    },
    cancel() {
      done = true;
      req.resume(); // drain what is left; the answer still goes out
    },
  }, { highWaterMark: 4 });
}

function serveRequest(
  host: RequestHandlerHost,
  req: NodeIncomingMessageLike,
  res: NodeServerResponseLike,
): void {
  const departed = new AbortController();
  res.on("close", () => {
    if (!res.writableFinished) departed.abort();
  });
  const method = req.method ?? "GET";
  let request: Request;
  try {
    const body = method === "GET" || method === "HEAD" ? null : bodyStream(req);
    request = toRequest(req, body, departed.signal);
  } catch {
    res.statusCode = 400;
    res.end();
    return;
  }
  const info: RequestInfo = {
    remoteAddress: req.socket?.remoteAddress,
    signal: departed.signal,
    // Upgrades come through the "upgrade" event; this one tells the engine
    // that they can (it then offers them in the handshake).
    upgrade: cannotUpgradeHere,
  };
  host.handleRequest(request, info).then(
    (response) => writeResponse(response, res, method === "HEAD"),
    () => {
      res.statusCode = 500;
      res.end();
    },
  ).catch(() => res.destroy()); // headers the node server refused
}

async function writeResponse(
  response: Response,
  res: NodeServerResponseLike,
  head: boolean,
): Promise<void> {
  res.statusCode = response.status;
  response.headers.forEach((value, name) => {
    if (name !== "set-cookie") res.setHeader(name, value);
  });
  const cookies = response.headers.getSetCookie();
  if (cookies.length > 0) res.setHeader("set-cookie", cookies);
  if (!response.body || head) {
    res.end();
    await response.body?.cancel();
    return;
  }
  const reader = response.body.getReader();
  const onClose = () => {
    if (!res.writableFinished) reader.cancel().catch(() => {});
  };
  res.on("close", onClose);
  try {
    // A body of one chunk (the usual case) goes out with a Content-Length.
    const first = await reader.read();
    if (first.done) return void res.end();
    let next = await reader.read();
    if (next.done) return void res.end(first.value);
    if (!res.write(first.value)) await drained(res);
    while (!next.done) {
      if (!res.write(next.value)) await drained(res);
      next = await reader.read();
    }
    res.end();
  } catch {
    res.destroy(); // the body failed, or the client left
  } finally {
    res.removeListener("close", onClose);
  }
}

function drained(res: NodeServerResponseLike): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      res.removeListener("drain", done);
      res.removeListener("close", done);
      resolve();
    };
    res.once("drain", done);
    res.once("close", done);
  });
}

const cannotUpgradeHere: Upgrader = () =>
  new Response("Cannot upgrade: the request has no Upgrade header", { status: 400 });

/** HTTP/1.1 status texts of the answers an upgrade may get. */
const STATUS_TEXT: Record<number, string> = { 400: "Bad Request", 403: "Forbidden" };

function serveUpgrade(
  host: RequestHandlerHost,
  req: NodeIncomingMessageLike,
  socket: NodeSocketLike,
  head: Uint8Array,
): void {
  socket.on("error", () => {}); // a reset before the answer must not crash the process
  let request: Request;
  try {
    request = toRequest(req, null);
  } catch {
    socket.destroy();
    return;
  }
  let upgraded = false;
  const info: RequestInfo = {
    remoteAddress: socket.remoteAddress,
    upgrade: (upgradeRequest: Request, handler: ConnHandler, headers?: Headers) => {
      const maxBytes = host.maxMessageBytes ?? 1e6;
      upgraded = upgradeNodeSocket(upgradeRequest, socket, head, handler, maxBytes, headers);
      return new Response(null, { status: upgraded ? 101 : 400 });
    },
  };
  host.handleRequest(request, info).then(async (response) => {
    if (upgraded) return;
    // A refusal: write it as HTTP/1.1 on the raw socket, then close.
    const body = new Uint8Array(await response.arrayBuffer());
    const status = response.status === 101 ? 400 : response.status;
    let text = `HTTP/1.1 ${status} ${STATUS_TEXT[status] ?? "Error"}\r\nConnection: close\r\n`;
    response.headers.forEach((value, name) => {
      if (name !== "content-length" && name !== "connection") text += `${name}: ${value}\r\n`;
    });
    text += `Content-Length: ${body.byteLength}\r\n\r\n`;
    if (socket.writable) {
      socket.write(text);
      socket.write(body);
    }
    socket.end(() => socket.destroy());
  }).catch(() => socket.destroy());
}
