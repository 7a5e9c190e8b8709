/**
 * HTTP long-polling: a GET is held as a pending `Promise<Response>` until
 * there is something to send; a POST carries a payload of packets.
 *
 * @module
 */

import { decodePayload, encodePayload, type EnginePacket } from "./packet.ts";
import type { Transport, TransportHost } from "./transport.ts";
import { compressBody } from "./compression.ts";

/** Settings a polling transport needs from the server. */
export interface PollingSettings {
  /** Largest POST body in bytes. */
  maxHttpBufferSize: number;
  /** Compress responses at or above this many bytes. */
  compressionThreshold: number;
  /** Adds headers to each response (CORS, the `headers` hook). */
  decorate(headers: Headers, request: Request): void;
}

interface PendingPoll {
  request: Request;
  extraHeaders: Headers | undefined;
  resolve: (response: Response | Promise<Response>) => void;
  onAbort: () => void;
}

const TEXT = "text/plain; charset=UTF-8";
const decoder = new TextDecoder();

/**
 * Long-polling transport of one session.
 *
 * @example
 * ```ts ignore
 * const polling = new PollingTransport(settings);
 * const response = polling.onPoll(request); // resolves when data is ready
 * ```
 */
export class PollingTransport implements Transport {
  readonly name = "polling" as const;
  #settings: PollingSettings;
  #host: TransportHost | undefined;
  #pending: PendingPoll | undefined;
  #posting = false;
  #closed = false;

  constructor(settings: PollingSettings) {
    this.#settings = settings;
  }

  /** Writable while a GET is waiting. */
  get writable(): boolean {
    return this.#pending !== undefined;
  }

  /** Attaches the session. */
  setHost(host: TransportHost): void {
    this.#host = host;
  }

  /**
   * Handles a GET. A second GET while one waits is an error: answered 400
   * and the session closes, as in the official server.
   */
  onPoll(request: Request, extraHeaders?: Headers): Promise<Response> {
    if (this.#pending) {
      this.#host?.onTransportClose("transport error", "overlap from client");
      return Promise.resolve(this.#plain(request, 400, ""));
    }
    return new Promise<Response>((resolve) => {
      const onAbort = () => {
        if (this.#pending?.request !== request) return;
        this.#pending = undefined;
        resolve(new Response(null, { status: 499 }));
        this.#host?.onTransportClose("transport error", "poll connection closed prematurely");
      };
      this.#pending = { request, extraHeaders, resolve, onAbort };
      request.signal?.addEventListener("abort", onAbort, { once: true });
      this.#host?.onDrain();
    });
  }

  /**
   * Handles a POST: reads at most `maxHttpBufferSize` bytes (413 beyond,
   * and the session closes), decodes the payload (400 when invalid, and the
   * session closes) and hands each packet to the session.
   */
  async onData(request: Request): Promise<Response> {
    if (this.#posting) {
      this.#host?.onTransportClose("transport error", "data request overlap from client");
      return this.#plain(request, 400, "");
    }
    this.#posting = true;
    try {
      const body = await readCapped(request, this.#settings.maxHttpBufferSize);
      if (body === undefined) {
        this.#host?.onTransportClose("transport error", "payload too large");
        return this.#plain(request, 413, "");
      }
      const packets = body.length === 0 ? undefined : decodePayload(body);
      if (packets === undefined) {
        this.#host?.onTransportClose("parse error");
        return this.#plain(request, 400, "");
      }
      for (const packet of packets) {
        if (this.#closed) break;
        if (packet.type === "close") {
          this.#host?.onTransportClose("transport close");
          break;
        }
        this.#host?.onPacket(packet);
      }
      return this.#plain(request, 200, "ok", "text/html");
    } catch {
      this.#host?.onTransportClose("transport error", "poll request failed");
      return this.#plain(request, 400, "");
    } finally {
      this.#posting = false;
    }
  }

  /** Answers the waiting GET with `packets`. */
  send(packets: EnginePacket[]): void {
    const pending = this.#pending;
    if (!pending) return;
    this.#pending = undefined;
    pending.request.signal?.removeEventListener("abort", pending.onAbort);
    pending.resolve(this.#payloadResponse(pending.request, packets, pending.extraHeaders));
  }

  /** Answers a waiting GET with a close packet. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    if (this.#pending) this.send([{ type: "close" }]);
  }

  /** Releases a waiting GET with a noop and forgets the session. */
  discard(): void {
    this.#closed = true;
    if (this.#pending) this.send([{ type: "noop" }]);
    this.#host = undefined;
  }

  async #payloadResponse(
    request: Request,
    packets: EnginePacket[],
    extraHeaders: Headers | undefined,
  ): Promise<Response> {
    const payload = encodePayload(packets);
    const headers = new Headers(extraHeaders);
    headers.set("Content-Type", TEXT);
    this.#settings.decorate(headers, request);
    const body = await compressBody(
      payload,
      request.headers.get("accept-encoding"),
      this.#settings.compressionThreshold,
      headers,
    );
    return new Response(body, { status: 200, headers });
  }

  #plain(request: Request, status: number, body: string, type = TEXT): Response {
    const headers = new Headers({ "Content-Type": type });
    this.#settings.decorate(headers, request);
    return new Response(body, { status, headers });
  }
}

/**
 * Reads a request body as UTF-8, refusing more than `limit` bytes. Returns
 * `undefined` when the body is over the limit.
 */
export async function readCapped(request: Request, limit: number): Promise<string | undefined> {
  const declared = Number(request.headers.get("content-length"));
  if (declared > limit) {
    await request.body?.cancel().catch(() => {});
    return undefined;
  }
  if (!request.body) return "";
  const reader = request.body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > limit) {
      await reader.cancel().catch(() => {});
      return undefined;
    }
    chunks.push(value);
  }
  if (chunks.length === 1) return decoder.decode(chunks[0]);
  const all = new Uint8Array(total);
  let offset = 0;
  for (const chunk of chunks) {
    all.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return decoder.decode(all);
}
