/**
 * An HTTP/1.1 client on a raw TCP socket (`node:net`), for tests that need
 * what `fetch` hides or cannot do: the bytes of a compressed body (Deno's
 * fetch always decompresses), a chunked body with no length, a body sent
 * half-way and held, or the headers of a WebSocket 101 answer.
 * Works under Deno and Bun.
 */
import { connect, type Socket } from "node:net";

/** A parsed answer. */
export interface RawResponse {
  status: number;
  /** Header lines in order, names lower-cased. */
  headers: [string, string][];
  /** The body, de-chunked but not decompressed. */
  body: Uint8Array;
  /** First value of a header, or null. */
  header(name: string): string | null;
  /** Every value of a header (e.g. several `set-cookie`). */
  headerAll(name: string): string[];
  /** The body as UTF-8. */
  text(): string;
}

/** Options of a raw request. */
export interface RawRequestOptions {
  method?: string;
  headers?: Record<string, string>;
  /** A body sent with `Content-Length`. */
  body?: string | Uint8Array;
  /** A body sent chunked (`Transfer-Encoding: chunked`, no length), all at once. */
  chunks?: (string | Uint8Array)[];
  /** Sends only the head and whatever is written later with `write`. */
  hold?: boolean;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

function bytes(data: string | Uint8Array): Uint8Array {
  return typeof data === "string" ? encoder.encode(data) : data;
}

/** One request on its own connection. */
export class RawRequest {
  readonly #socket: Socket;
  #buffer = new Uint8Array(0);
  #done = false;
  #resolve!: (response: RawResponse) => void;
  #reject!: (error: Error) => void;
  /** Settles with the answer, or rejects if the connection ends first. */
  readonly response: Promise<RawResponse>;

  constructor(url: string, options: RawRequestOptions = {}) {
    const { hostname, port, pathname, search } = new URL(url);
    this.response = new Promise((resolve, reject) => {
      this.#resolve = resolve;
      this.#reject = reject;
    });
    this.response.catch(() => {}); // observed by whoever awaits it
    const socket = connect({ host: hostname, port: Number(port) });
    this.#socket = socket;
    socket.on("data", (chunk: Uint8Array) => this.#onData(chunk));
    socket.on("error", () => {});
    socket.on("close", () => {
      const parsed = parse(this.#buffer, true);
      if (parsed && !this.#done) {
        this.#done = true;
        this.#resolve(parsed);
      }
      this.#fail(new Error("Connection closed before an answer"));
    });
    let head = `${options.method ?? "GET"} ${pathname}${search} HTTP/1.1\r\n` +
      `Host: ${hostname}:${port}\r\n`;
    const headers: Record<string, string> = {
      connection: "close",
      ...lower(options.headers ?? {}),
    };
    if (options.body !== undefined) headers["content-length"] = String(bytes(options.body).length);
    if (options.chunks || options.hold) headers["transfer-encoding"] = "chunked";
    for (const [name, value] of Object.entries(headers)) head += `${name}: ${value}\r\n`;
    socket.write(head + "\r\n");
    if (options.body !== undefined) socket.write(bytes(options.body));
    if (options.chunks) {
      for (const chunk of options.chunks) this.write(chunk);
      this.end();
    }
  }

  /** Writes one chunk of a chunked body. */
  write(chunk: string | Uint8Array): void {
    const data = bytes(chunk);
    if (data.length === 0) return;
    this.#socket.write(`${data.length.toString(16)}\r\n`);
    this.#socket.write(data);
    this.#socket.write("\r\n");
  }

  /** Ends a chunked body. */
  end(): void {
    this.#socket.write("0\r\n\r\n");
  }

  /** Drops the connection. */
  destroy(): void {
    this.#socket.destroy();
  }

  #fail(error: Error): void {
    if (this.#done) return;
    this.#done = true;
    this.#reject(error);
  }

  #onData(chunk: Uint8Array): void {
    const joined = new Uint8Array(this.#buffer.length + chunk.length);
    joined.set(this.#buffer);
    joined.set(chunk, this.#buffer.length);
    this.#buffer = joined;
    const parsed = parse(joined);
    if (!parsed || this.#done) return;
    this.#done = true;
    this.#socket.destroy();
    this.#resolve(parsed);
  }
}

/** Sends a request and waits for its answer. */
export function rawRequest(url: string, options: RawRequestOptions = {}): Promise<RawResponse> {
  return new RawRequest(url, options).response;
}

/**
 * Sends a WebSocket upgrade request and returns the head of the answer (the
 * connection is then dropped).
 */
export function rawUpgrade(
  url: string,
  headers: Record<string, string> = {},
): Promise<RawResponse> {
  return rawRequest(url.replace(/^ws/, "http"), {
    headers: {
      connection: "Upgrade",
      upgrade: "websocket",
      "sec-websocket-key": "dGhlIHNhbXBsZSBub25jZQ==",
      "sec-websocket-version": "13",
      ...headers,
    },
  });
}

function lower(headers: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) out[name.toLowerCase()] = value;
  return out;
}

function indexOf(buf: Uint8Array, seq: number[], from = 0): number {
  outer: for (let i = from; i + seq.length <= buf.length; i++) {
    for (let j = 0; j < seq.length; j++) if (buf[i + j] !== seq[j]) continue outer;
    return i;
  }
  return -1;
}

const CRLF = [13, 10];
const CRLFCRLF = [13, 10, 13, 10];

/** Parses a complete answer, or returns undefined while bytes are missing. */
function parse(buf: Uint8Array, eof = false): RawResponse | undefined {
  const end = indexOf(buf, CRLFCRLF);
  if (end === -1) return undefined;
  const lines = decoder.decode(buf.subarray(0, end)).split("\r\n");
  const status = Number(lines[0].split(" ")[1]);
  const headers: [string, string][] = lines.slice(1).map((line) => {
    const colon = line.indexOf(":");
    return [line.slice(0, colon).trim().toLowerCase(), line.slice(colon + 1).trim()];
  });
  const get = (name: string) => headers.find(([n]) => n === name)?.[1] ?? null;
  let rest = buf.subarray(end + 4);
  let body: Uint8Array;
  if (status === 101 || status === 204 || status === 304) {
    body = new Uint8Array(0);
  } else if (get("transfer-encoding")?.toLowerCase() === "chunked") {
    const parts: Uint8Array[] = [];
    for (;;) {
      const lineEnd = indexOf(rest, CRLF);
      if (lineEnd === -1) return undefined;
      const size = parseInt(decoder.decode(rest.subarray(0, lineEnd)), 16);
      if (size === 0) break;
      if (rest.length < lineEnd + 2 + size + 2) return undefined;
      parts.push(rest.subarray(lineEnd + 2, lineEnd + 2 + size));
      rest = rest.subarray(lineEnd + 2 + size + 2);
    }
    body = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
    let offset = 0;
    for (const part of parts) {
      body.set(part, offset);
      offset += part.length;
    }
  } else if (get("content-length") !== null) {
    const length = Number(get("content-length"));
    if (rest.length < length) return undefined;
    body = rest.slice(0, length);
  } else {
    if (!eof) return undefined;
    body = rest.slice();
  }
  return {
    status,
    headers,
    body,
    header: get,
    headerAll: (name) => headers.filter(([n]) => n === name).map(([, v]) => v),
    text: () => decoder.decode(body),
  };
}
