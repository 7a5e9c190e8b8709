/**
 * HTTP long-polling: a GET is held until there is something to send; a
 * POST carries a payload of packets.
 *
 * A held GET must notice when its client goes away (the session then closes,
 * as in the official server). Where the runtime offers a trustworthy
 * `AbortSignal` (Bun's `request.signal`) the GET is a pending
 * `Promise<Response>`. Elsewhere (Deno, whose `request.signal` also aborts on
 * successful responses and warns when read) the GET is answered at once
 * with a streamed body that carries the payload later: the stream's
 * `cancel` tells that the client left.
 *
 * @module
 */

import { decodePayload, encodeFramesPayload, type RawData } from "./packet.ts";
import type { Transport, TransportHost } from "./transport.ts";
import { compressBody } from "./compression.ts";

/** Settings a polling transport needs from the server. */
export interface PollingSettings {
  /** Largest POST body in bytes. */
  maxHttpBufferSize: number;
  /** Compress responses from this many bytes on. */
  compressionThreshold: number;
  /** New headers for any answer to `request` (CORS). */
  baseHeaders(request: Request): Headers;
  /** Lets users edit the headers of a successful answer (the `headers` event). */
  onHeaders(headers: Headers, request: Request): void;
}

/** Edits the headers of the handshake answer (cookie, `initial_headers`). */
export type InitialHeaders = (headers: Headers) => void;

interface PendingPoll {
  readonly request: Request;
  deliver(frames: readonly RawData[]): void;
}

const TEXT = "text/plain; charset=UTF-8";
const encoder = new TextEncoder();
const decoder = new TextDecoder();
const DIGITS = /^[0-9]+$/;

/**
 * Long-polling transport of one session.
 *
 * @example
 * ```ts ignore
 * const polling = new PollingTransport(settings);
 * const response = await polling.onPoll(request, { signal: request.signal });
 * ```
 */
export class PollingTransport implements Transport {
  /** The transport name. */
  readonly name = "polling" as const;
  #settings: PollingSettings;
  #host: TransportHost | undefined;
  #pending: PendingPoll | undefined;
  #posting = false;
  #closed = false;

  /** Creates the transport of one session. */
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
   * Handles a GET: answers at once when packets are queued, else holds the
   * request. `runtime.signal` (read only when the GET is held) must abort
   * only if the client goes away. A second GET while one waits is answered
   * 400 and closes the session.
   */
  onPoll(
    request: Request,
    runtime?: { readonly signal?: AbortSignal },
    initial?: InitialHeaders,
  ): Promise<Response> {
    if (this.#closed) return Promise.resolve(this.#refusal(request, 400));
    if (this.#pending) {
      this.#host?.onTransportClose("transport error", "overlap from client");
      return Promise.resolve(this.#refusal(request, 400));
    }
    let answer: Promise<Response> | undefined;
    const pending: PendingPoll = {
      request,
      deliver: (packets) => {
        answer = this.#payloadResponse(request, packets, initial);
      },
    };
    this.#pending = pending;
    this.#host?.onDrain(); // may deliver right away
    if (answer) return answer;
    if (this.#pending !== pending) return Promise.resolve(this.#refusal(request, 400));
    const signal = runtime?.signal;
    return signal
      ? this.#holdWithSignal(pending, signal, initial)
      : Promise.resolve(this.#holdAsStream(pending, initial));
  }

  /**
   * Handles a POST: reads at most `maxHttpBufferSize` bytes (413 beyond),
   * decodes the payload (400 when invalid) and hands each packet to the
   * session. Any refusal closes the session. A `close` packet releases a
   * waiting GET with a `noop` and closes the session.
   */
  async onData(request: Request): Promise<Response> {
    if (this.#closed) return this.#refusal(request, 400);
    if (this.#posting) {
      this.#host?.onTransportClose("transport error", "data request overlap from client");
      return this.#refusal(request, 400);
    }
    const type = request.headers.get("content-type")?.split(";")[0].trim().toLowerCase();
    if (type === "application/octet-stream") {
      // v4 sends binary as base64 text; raw bytes are a v3 habit.
      this.#host?.onTransportClose("transport error", "invalid content");
      return this.#refusal(request, 400);
    }
    this.#posting = true;
    let body: string | undefined;
    try {
      body = await readCapped(request, this.#settings.maxHttpBufferSize);
    } catch {
      this.#host?.onTransportClose(
        "transport error",
        "data request connection closed prematurely",
      );
      return this.#refusal(request, 400);
    } finally {
      this.#posting = false;
    }
    if (body === undefined) {
      this.#host?.onTransportClose("transport error", "payload too large");
      return this.#refusal(request, 413);
    }
    const packets = decodePayload(body);
    if (packets === undefined) {
      this.#host?.onTransportClose("parse error");
      return this.#refusal(request, 400);
    }
    for (const packet of packets) {
      if (this.#closed) break;
      if (packet.type === "close") {
        if (this.#pending) this.sendFrame("6");
        this.#host?.onTransportClose("transport close");
        break;
      }
      this.#host?.onPacket(packet);
    }
    const headers = this.#responseHeaders(request, "text/html");
    return new Response("ok", { status: 200, headers });
  }

  /** Answers the waiting GET with encoded packets (see `encodeFrame`). */
  send(frames: readonly RawData[]): void {
    const pending = this.#pending;
    if (!pending) return;
    this.#pending = undefined;
    pending.deliver(frames);
  }

  /** Answers the waiting GET with one encoded packet. */
  sendFrame(frame: RawData): void {
    this.send([frame]);
  }

  /** Answers a waiting GET with a close packet; later requests get 400. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    if (this.#pending) this.sendFrame("1");
  }

  /** Releases a waiting GET with a noop and forgets the session (after an upgrade). */
  discard(): void {
    this.#closed = true;
    if (this.#pending) this.sendFrame("6");
    this.#host = undefined;
  }

  #holdWithSignal(
    pending: PendingPoll,
    signal: AbortSignal,
    initial: InitialHeaders | undefined,
  ): Promise<Response> {
    return new Promise<Response>((resolve) => {
      const onAbort = () => {
        resolve(new Response(null, { status: 400 })); // nobody is left to read it
        this.#abandon(pending);
      };
      pending.deliver = (packets) => {
        signal.removeEventListener("abort", onAbort);
        resolve(this.#payloadResponse(pending.request, packets, initial));
      };
      if (signal.aborted) onAbort();
      else signal.addEventListener("abort", onAbort, { once: true });
    });
  }

  #holdAsStream(pending: PendingPoll, initial: InitialHeaders | undefined): Response {
    let controller: ReadableStreamDefaultController<Uint8Array> | undefined;
    const body = new ReadableStream<Uint8Array>({
      start: (c) => {
        controller = c;
      },
      cancel: () => this.#abandon(pending),
    });
    pending.deliver = (packets) => {
      try {
        controller!.enqueue(encoder.encode(encodeFramesPayload(packets)));
        controller!.close();
      } catch { /* the client went away: cancel has run */ }
    };
    // Headers go out now; a held payload is small (a ping, a few messages)
    // and is not compressed.
    const headers = this.#responseHeaders(pending.request, TEXT, initial);
    return new Response(body, { status: 200, headers });
  }

  #abandon(pending: PendingPoll): void {
    if (this.#pending !== pending) return;
    this.#pending = undefined;
    this.#host?.onTransportClose("transport error", "poll connection closed prematurely");
  }

  async #payloadResponse(
    request: Request,
    packets: readonly RawData[],
    initial: InitialHeaders | undefined,
  ): Promise<Response> {
    const headers = this.#responseHeaders(request, TEXT, initial);
    const body = await compressBody(
      encoder.encode(encodeFramesPayload(packets)),
      request.headers.get("accept-encoding"),
      this.#settings.compressionThreshold,
      headers,
    );
    return new Response(body, { status: 200, headers });
  }

  #responseHeaders(request: Request, type: string, initial?: InitialHeaders): Headers {
    const headers = this.#settings.baseHeaders(request);
    headers.set("Content-Type", type);
    headers.set("Cache-Control", "no-store");
    const ua = request.headers.get("user-agent");
    // Older Internet Explorers flag long-polling answers as XSS.
    if (ua && (ua.includes(";MSIE") || ua.includes("Trident/"))) {
      headers.set("X-XSS-Protection", "0");
    }
    initial?.(headers);
    this.#settings.onHeaders(headers, request);
    return headers;
  }

  #refusal(request: Request, status: number): Response {
    return new Response(null, { status, headers: this.#settings.baseHeaders(request) });
  }
}

/**
 * Reads a request body as UTF-8, refusing more than `limit` bytes (by the
 * declared `Content-Length` or while streaming). Returns `undefined` when
 * the body is over the limit.
 *
 * @example
 * ```ts
 * import { readCapped } from "./polling.ts";
 * const request = new Request("http://x/", { method: "POST", body: "4hello" });
 * await readCapped(request, 3); // undefined
 * ```
 */
export async function readCapped(request: Request, limit: number): Promise<string | undefined> {
  const length = request.headers.get("content-length");
  const declared = Number(length);
  if (declared > limit) {
    await request.body?.cancel().catch(() => {});
    return undefined;
  }
  if (!request.body) return "";
  // A declared length within the limit bounds the body (the runtime's HTTP
  // framing reads no more): read it whole. A stream reader costs far more:
  // on Bun its machinery took a third of a polling handshake's CPU.
  if (length !== null && DIGITS.test(length)) return await request.text();
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
