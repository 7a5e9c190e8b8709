/**
 * Helpers for engine tests that speak the protocol with raw `fetch` and
 * `WebSocket`: a served engine that is always torn down, time limits that
 * leave no timer behind, and the usual protocol steps.
 */
import assert from "node:assert/strict";
import { Socket } from "engine.io-client";
import { EngineServer } from "../../src/engine/server.ts";
import type { EngineOptions } from "../../src/engine/options.ts";
import type { EngineSession } from "../../src/engine/session.ts";
import { type Mount, serve } from "./serve.ts";
import { RawWebSocket } from "./raw_ws.ts";

/** A served engine for one test. */
export interface Harness {
  readonly engine: EngineServer;
  /** `http://127.0.0.1:PORT` */
  readonly url: string;
  /** `http://127.0.0.1:PORT/engine.io/?` + `query` */
  eio(query: string): string;
  /** `ws://127.0.0.1:PORT/engine.io/?` + `query` */
  ws(query: string): string;
  /** Runs `fn` at teardown, before the server shuts down (close sockets here). */
  defer(fn: () => unknown): void;
  /**
   * Resolves once a request matching `filter` has been handed to the engine
   * (its synchronous handling, such as holding a poll, is then done).
   */
  arrived(filter: (request: Request) => boolean): Promise<Request>;
}

/** The JSON of an `open` packet. */
export interface OpenPacket {
  sid: string;
  upgrades: string[];
  pingInterval: number;
  pingTimeout: number;
  maxPayload: number;
}

/** Serves an engine with `options`, runs `fn`, then tears everything down. */
export async function withEngine(
  options: EngineOptions,
  mount: Mount,
  fn: (h: Harness) => Promise<void>,
): Promise<void> {
  const engine = new EngineServer(options);
  const watchers: { filter: (r: Request) => boolean; resolve: (r: Request) => void }[] = [];
  const server = serve({
    handleRequest: (request, info) => {
      const answer = engine.handleRequest(request, info);
      for (const w of watchers.slice()) {
        if (!w.filter(request)) continue;
        watchers.splice(watchers.indexOf(w), 1);
        w.resolve(request);
      }
      return answer;
    },
    longestPollMs: engine.longestPollMs,
    maxMessageBytes: engine.maxMessageBytes,
  }, mount);
  const deferred: (() => unknown)[] = [];
  const h: Harness = {
    engine,
    url: server.url,
    eio: (query) => `${server.url}/engine.io/?${query}`,
    ws: (query) => `${server.url.replace("http", "ws")}/engine.io/?${query}`,
    defer: (fn) => deferred.push(fn),
    arrived: (filter) => new Promise((resolve) => watchers.push({ filter, resolve })),
  };
  try {
    await fn(h);
  } finally {
    for (const fn of deferred.reverse()) {
      try {
        await fn();
      } catch { /* best effort */ }
    }
    engine.close();
    await server.shutdown();
  }
}

/** Rejects if `promise` does not settle within `ms`; clears its timer either way. */
export async function within<T>(promise: Promise<T>, what: string, ms = 5000): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const limit = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`Timed out waiting for ${what}`)), ms);
  });
  try {
    return await Promise.race([promise, limit]);
  } finally {
    clearTimeout(timer);
  }
}

/** Opens a polling session with a raw GET; returns its sid, open packet and server session. */
export async function openPolling(
  h: Harness,
  query = "",
): Promise<{ sid: string; open: OpenPacket; session: EngineSession; text: string }> {
  const res = await fetch(h.eio(`EIO=4&transport=polling${query}`));
  const text = await res.text();
  if (res.status !== 200 || text[0] !== "0") throw new Error(`Handshake failed: ${text}`);
  const open = JSON.parse(text.slice(1).split("\x1e")[0]) as OpenPacket;
  const session = h.engine.clients.get(open.sid);
  if (!session) throw new Error("No server session");
  return { sid: open.sid, open, session, text };
}

/** A GET on a session. */
export function poll(h: Harness, sid: string, init?: RequestInit): Promise<Response> {
  return fetch(h.eio(`EIO=4&transport=polling&sid=${sid}`), init);
}

/** A POST of `body` on a session. */
export function post(
  h: Harness,
  sid: string,
  body: BodyInit,
  headers?: Record<string, string>,
): Promise<Response> {
  return fetch(h.eio(`EIO=4&transport=polling&sid=${sid}`), { method: "POST", body, headers });
}

/** Resolves with the reason once `session` closes. */
export function closed(session: EngineSession): Promise<{ reason: string; description?: string }> {
  if (session.readyState === "closed") return Promise.resolve({ reason: "already closed" });
  return new Promise((resolve) => {
    session.once("close", (reason, description) => resolve({ reason, description }));
  });
}

/** Echoes every message of every session. */
export function echo(engine: EngineServer): void {
  engine.on("connection", (session) => session.on("message", (data) => session.send(data)));
}

/** Opens a WebSocket and collects what happens to it. */
export function openWebSocket(url: string): {
  ws: WebSocket;
  opened: Promise<boolean>;
  closed: Promise<CloseEvent>;
  next(): Promise<string | ArrayBuffer>;
} {
  const ws = new WebSocket(url);
  ws.binaryType = "arraybuffer";
  const queue: (string | ArrayBuffer)[] = [];
  const waiters: ((data: string | ArrayBuffer) => void)[] = [];
  ws.onmessage = (event) => {
    const waiter = waiters.shift();
    if (waiter) waiter(event.data);
    else queue.push(event.data);
  };
  ws.onerror = () => {};
  const opened = new Promise<boolean>((resolve) => {
    ws.addEventListener("open", () => resolve(true));
    ws.addEventListener("close", () => resolve(false));
  });
  const closed = new Promise<CloseEvent>((resolve) => ws.addEventListener("close", resolve));
  return {
    ws,
    opened,
    closed,
    next: () => {
      const data = queue.shift();
      if (data !== undefined) return Promise.resolve(data);
      return new Promise((resolve) => waiters.push(resolve));
    },
  };
}

/**
 * Connects the official client, checks that a message echoes, and returns
 * it (closed at teardown).
 */
export async function echoingClient(h: Harness, transports: string[]): Promise<Socket> {
  const socket = new Socket(h.url, { transports });
  h.defer(() => socket.close());
  await within(
    new Promise<void>((resolve, reject) => {
      socket.on("error", reject);
      socket.on("open", () => socket.send("hello"));
      socket.on("message", (data) => {
        if (data === "hello") resolve();
      });
    }),
    `an echo over ${transports}`,
  );
  return socket;
}

/** Checks that an already-open client still echoes `text`. */
export function echoes(socket: Socket, text: string): Promise<void> {
  return within(
    new Promise<void>((resolve) => {
      const onMessage = (data: unknown) => {
        if (data !== text) return;
        socket.off("message", onMessage);
        resolve();
      };
      socket.on("message", onMessage);
      socket.send(text);
    }),
    `the echo of ${text}`,
  );
}

/** Checks a protocol refusal: status, JSON type and `{ code, message }` body. */
export async function assertRefusal(
  res: Response,
  status: number,
  code: number,
  message: string,
): Promise<void> {
  assert.equal(res.status, status);
  assert.equal(res.headers.get("content-type"), "application/json");
  assert.deepEqual(await res.json(), { code, message });
}

/** Upgrades a polling session to WebSocket by hand (probe, then upgrade). */
export async function upgradeRaw(h: Harness, sid: string): Promise<RawWebSocket> {
  const ws = await RawWebSocket.open(h.ws(`EIO=4&transport=websocket&sid=${sid}`));
  h.defer(() => ws.destroy());
  ws.send("2probe");
  assert.equal(await within(ws.nextText(), "3probe"), "3probe");
  ws.send("5");
  return ws;
}
