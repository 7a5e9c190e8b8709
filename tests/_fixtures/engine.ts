/**
 * Helpers for the Engine.IO tests: a served engine, raw polling requests
 * and a buffered `WebSocket`, in the manner of the official compliance suite.
 */
import { EngineServer } from "../../src/engine/server.ts";
import type { EngineOptions } from "../../src/engine/options.ts";
import type { CloseReason, EngineSession } from "../../src/engine/session.ts";
import { type Mount, serve, type TestServer } from "./serve.ts";
import { assertNoSourceTimers } from "./timers.ts";

/** A running engine and the URLs to reach it. */
export interface EngineFixture {
  engine: EngineServer;
  server: TestServer;
  /** `http://127.0.0.1:PORT/engine.io/` */
  url: string;
  /** `ws://127.0.0.1:PORT/engine.io/` */
  wsUrl: string;
  /** The next session to connect. */
  nextSession(): Promise<EngineSession>;
  /**
   * Closes the engine and the server, then checks that every session is
   * gone and no timer started by `src/` is left pending.
   */
  close(): Promise<void>;
}

/** Serves a new engine with `options` on `mount`. */
export function startEngine(options: EngineOptions = {}, mount: Mount = "native"): EngineFixture {
  const engine = new EngineServer(options);
  const server = serve(engine, mount);
  const waiting: ((session: EngineSession) => void)[] = [];
  const arrived: EngineSession[] = [];
  engine.on("connection", (session) => {
    const waiter = waiting.shift();
    if (waiter) waiter(session);
    else arrived.push(session);
  });
  const url = `${server.url}/engine.io/`;
  return {
    engine,
    server,
    url,
    wsUrl: url.replace("http", "ws"),
    nextSession: () => {
      const session = arrived.shift();
      return session ? Promise.resolve(session) : new Promise((resolve) => waiting.push(resolve));
    },
    close: async () => {
      engine.close();
      await server.shutdown();
      if (engine.clientsCount !== 0) throw new Error("Sessions left open after engine.close()");
      await assertNoSourceTimers();
    },
  };
}

/** Resolves with the reason and description when `session` closes. */
export function closed(session: EngineSession): Promise<[CloseReason, string | undefined]> {
  if (session.readyState === "closed") throw new Error("Session already closed");
  return new Promise((resolve) => {
    session.once("close", (reason, description) => resolve([reason, description]));
  });
}

/** Opens a polling session by hand; returns its id. */
export async function handshake(fx: EngineFixture): Promise<string> {
  const response = await fetch(`${fx.url}?EIO=4&transport=polling`);
  const body = await response.text();
  if (response.status !== 200 || body[0] !== "0") {
    throw new Error(`Handshake failed: ${response.status} ${body}`);
  }
  return JSON.parse(body.slice(1)).sid;
}

/** A GET on the session; resolves with status and body. */
export async function poll(
  fx: EngineFixture,
  sid: string,
  init?: RequestInit,
): Promise<{ status: number; body: string }> {
  const response = await fetch(`${fx.url}?EIO=4&transport=polling&sid=${sid}`, init);
  return { status: response.status, body: await response.text() };
}

/** A POST of `body` on the session; resolves with status and body. */
export function post(
  fx: EngineFixture,
  sid: string,
  body: string,
): Promise<{ status: number; body: string }> {
  return poll(fx, sid, { method: "POST", body });
}

/** A `WebSocket` whose events are buffered until awaited. */
export class BufferedSocket {
  readonly ws: WebSocket;
  #events: Record<string, Event[]> = { open: [], message: [], close: [] };
  #waiters: Record<string, ((event: Event) => void)[]> = { open: [], message: [], close: [] };

  constructor(url: string) {
    this.ws = new WebSocket(url);
    this.ws.binaryType = "arraybuffer";
    for (const type of ["open", "message", "close"]) {
      this.ws.addEventListener(type, (event) => {
        const waiter = this.#waiters[type].shift();
        if (waiter) waiter(event);
        else this.#events[type].push(event);
      });
    }
    this.ws.addEventListener("error", () => {});
  }

  /** The next event of `type`. */
  next(type: "open" | "close"): Promise<Event>;
  next(type: "message"): Promise<MessageEvent>;
  next(type: string): Promise<Event> {
    const event = this.#events[type].shift();
    if (event) return Promise.resolve(event);
    return new Promise((resolve) => this.#waiters[type].push(resolve));
  }

  /** The data of the next message. */
  async message(): Promise<string | ArrayBuffer> {
    return (await this.next("message")).data;
  }

  /** Whether the socket has closed (the close event may still be buffered). */
  get isClosed(): boolean {
    return this.ws.readyState === WebSocket.CLOSED;
  }

  send(data: string | Uint8Array): void {
    this.ws.send(data as string | Uint8Array<ArrayBuffer>);
  }

  /** Closes the socket and waits for its close event. */
  async close(): Promise<void> {
    if (this.ws.readyState === WebSocket.CLOSED) return;
    const done = this.next("close");
    this.ws.close();
    await done;
  }
}

/** A promise that rejects after `ms`, to keep a hung test from hanging forever. */
/** Opens a WebSocket-only session and reads its open packet. */
export async function openEngineWebSocket(wsUrl: string): Promise<BufferedSocket> {
  const ws = new BufferedSocket(`${wsUrl}?EIO=4&transport=websocket`);
  const open = await deadline(ws.message(), 5000, "open packet");
  if (typeof open !== "string" || !open.startsWith("0{")) {
    throw new Error(`expected an open packet, got ${String(open)}`);
  }
  return ws;
}

export function deadline<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`Timed out after ${ms} ms: ${what}`)), ms);
  });
  return Promise.race([promise, expired]).finally(() => clearTimeout(timer));
}

/** Waits `ms` milliseconds. */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
