/**
 * HTTP/1.1 on raw bytes, as much as a Socket.IO server needs (RFC 9112):
 * the head of a request, the framing of its body, and the head of an
 * answer. Pure Web APIs, for the Deno listener that reads its connections
 * itself. Anything ambiguous is refused rather than guessed (a body with
 * both `Content-Length` and `Transfer-Encoding`, folded headers, bare LFs),
 * which closes the usual request-smuggling doors.
 *
 * @module
 */

/** Largest request head (request line and headers) accepted, in bytes. */
export const MAX_HEAD_BYTES = 16384;
/** Most header lines accepted in one request. */
export const MAX_HEADERS = 100;

/** How a request's body is framed. */
export type BodyFraming =
  | { readonly kind: "none" }
  | { readonly kind: "length"; readonly length: number }
  | { readonly kind: "chunked" };

/** A parsed request head. */
export interface RequestHead {
  readonly method: string;
  /** The request target as sent (origin-form or absolute-form). */
  readonly target: string;
  /** 0 for HTTP/1.0, 1 for HTTP/1.1. */
  readonly minorVersion: number;
  /** Names and values as received (a `HeadersInit` that costs no `Headers` to build). */
  readonly headers: [string, string][];
  /** The `Host` header, or null. */
  readonly host: string | null;
  /** Whether the client waits for `100 Continue` before it sends its body. */
  readonly expectContinue: boolean;
  readonly body: BodyFraming;
  /** Whether the connection may carry another request after this one. */
  readonly keepAlive: boolean;
  /** Whether the request asks to switch protocols (`Connection: upgrade`). */
  readonly upgrade: boolean;
}

/** A request head that cannot be served: answer `status` and close. */
export class HttpError extends Error {
  /** The status to answer with. */
  readonly status: number;
  constructor(status: number, message: string) {
    super(message);
    this.status = status;
  }
}

const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
// Field values: visible ASCII, spaces, tabs and obs-text; no CR, LF or NUL.
const FIELD_VALUE = /^[\t\x20-\x7e\x80-\xff]*$/;
const TARGET = /^[\x21-\x7e\x80-\xff]+$/;
const latin1 = new TextDecoder("latin1");

/**
 * Where the head ends in `bytes` (the index just past its blank line), or
 * -1 when it has not ended yet. Throws when the head is already too large.
 *
 * @example
 * ```ts
 * import { headEnd } from "./_http1.ts";
 * headEnd(new TextEncoder().encode("GET / HTTP/1.1\r\n\r\nrest")); // 18
 * ```
 */
export function headEnd(bytes: Uint8Array): number {
  const limit = Math.min(bytes.byteLength, MAX_HEAD_BYTES);
  for (let i = 3; i < limit; i++) {
    if (bytes[i] === 10 && bytes[i - 1] === 13 && bytes[i - 2] === 10 && bytes[i - 3] === 13) {
      return i + 1;
    }
  }
  if (bytes.byteLength >= MAX_HEAD_BYTES) {
    throw new HttpError(431, "Cannot parse request: head exceeds 16384 bytes");
  }
  return -1;
}

/**
 * Parses a request head (the bytes up to and including its blank line).
 *
 * @example
 * ```ts
 * import { parseRequestHead } from "./_http1.ts";
 * const head = parseRequestHead(new TextEncoder().encode("GET /x HTTP/1.1\r\nHost: a\r\n\r\n"));
 * head.target; // "/x"
 * ```
 */
export function parseRequestHead(bytes: Uint8Array): RequestHead {
  const lines = latin1.decode(bytes).split("\r\n");
  // The head ends with an empty line, so the split leaves two empty strings.
  lines.length -= 2;
  const requestLine = lines[0] ?? "";
  const parts = requestLine.split(" ");
  if (parts.length !== 3) throw new HttpError(400, "Cannot parse request: invalid request line");
  const [method, target, version] = parts;
  if (!TOKEN.test(method)) throw new HttpError(400, "Cannot parse request: invalid method");
  if (!TARGET.test(target)) throw new HttpError(400, "Cannot parse request: invalid target");
  if (version !== "HTTP/1.1" && version !== "HTTP/1.0") {
    throw new HttpError(505, `Cannot parse request: unsupported version ${version}`);
  }
  if (lines.length - 1 > MAX_HEADERS) {
    throw new HttpError(431, `Cannot parse request: more than ${MAX_HEADERS} headers`);
  }
  const headers: [string, string][] = [];
  let host: string | null = null;
  let connection = "";
  let expect = "";
  let transfer: string | null = null;
  let length: string | null = null;
  let upgradeHeader = false;
  for (let i = 1; i < lines.length; i++) {
    const line = lines[i];
    const colon = line.indexOf(":");
    if (colon <= 0) throw new HttpError(400, "Cannot parse request: invalid header line");
    const name = line.slice(0, colon);
    const value = line.slice(colon + 1).trim();
    // A name must be a token: this also refuses obsolete line folding.
    if (!TOKEN.test(name) || !FIELD_VALUE.test(value)) {
      throw new HttpError(400, "Cannot parse request: invalid header");
    }
    headers.push([name, value]);
    // Repeated headers combine as `Headers` would: values joined with ", ".
    switch (name.toLowerCase()) {
      case "host":
        host = host === null ? value : `${host}, ${value}`;
        break;
      case "connection":
        connection = connection ? `${connection}, ${value}` : value;
        break;
      case "expect":
        expect = value;
        break;
      case "transfer-encoding":
        transfer = transfer === null ? value : `${transfer}, ${value}`;
        break;
      case "content-length":
        length = length === null ? value : `${length}, ${value}`;
        break;
      case "upgrade":
        upgradeHeader = true;
    }
  }
  const minorVersion = version === "HTTP/1.1" ? 1 : 0;
  const tokens = connection.toLowerCase().split(",").map((t) => t.trim());
  const keepAlive = minorVersion === 1 ? !tokens.includes("close") : tokens.includes("keep-alive");
  return {
    method,
    target,
    minorVersion,
    headers,
    host,
    expectContinue: minorVersion === 1 && expect.toLowerCase() === "100-continue",
    body: bodyFraming(transfer, length),
    keepAlive,
    upgrade: tokens.includes("upgrade") && upgradeHeader,
  };
}

function bodyFraming(transfer: string | null, length: string | null): BodyFraming {
  if (transfer !== null) {
    if (length !== null) {
      throw new HttpError(400, "Cannot parse request: both Content-Length and Transfer-Encoding");
    }
    if (transfer.trim().toLowerCase() !== "chunked") {
      throw new HttpError(501, `Cannot parse request: unsupported transfer coding ${transfer}`);
    }
    return { kind: "chunked" };
  }
  if (length === null) return { kind: "none" };
  // Repeated headers arrive joined with ", ": all must agree.
  const values = new Set(length.split(",").map((v) => v.trim()));
  const [only] = values;
  if (values.size !== 1 || !/^\d{1,15}$/.test(only)) {
    throw new HttpError(400, "Cannot parse request: invalid Content-Length");
  }
  const n = Number(only);
  return n === 0 ? { kind: "none" } : { kind: "length", length: n };
}

/** Reason phrases of the statuses a Socket.IO server answers. */
const REASON: Record<number, string> = {
  101: "Switching Protocols",
  200: "OK",
  204: "No Content",
  304: "Not Modified",
  400: "Bad Request",
  403: "Forbidden",
  404: "Not Found",
  405: "Method Not Allowed",
  408: "Request Timeout",
  413: "Payload Too Large",
  431: "Request Header Fields Too Large",
  500: "Internal Server Error",
  501: "Not Implemented",
  503: "Service Unavailable",
  505: "HTTP Version Not Supported",
};

/**
 * The head of an answer: status line and headers, ending with a blank line.
 * `framing` is the header that frames the body (`Content-Length: n` or
 * `Transfer-Encoding: chunked`), or null for none.
 *
 * @example
 * ```ts
 * import { responseHead } from "./_http1.ts";
 * responseHead(200, new Headers({ "content-type": "text/plain" }), "Content-Length: 2", true);
 * // "HTTP/1.1 200 OK\r\ncontent-type: text/plain\r\nContent-Length: 2\r\n\r\n"
 * ```
 */
export function responseHead(
  status: number,
  headers: Headers,
  framing: string | null,
  keepAlive: boolean,
): string {
  let text = `HTTP/1.1 ${status} ${REASON[status] ?? "Unknown"}\r\n`;
  headers.forEach((value, name) => {
    if (name === "content-length" || name === "transfer-encoding" || name === "connection") return;
    if (name === "set-cookie") return;
    text += `${name}: ${value}\r\n`;
  });
  for (const cookie of headers.getSetCookie()) text += `set-cookie: ${cookie}\r\n`;
  if (framing !== null) text += framing + "\r\n";
  if (!keepAlive) text += "Connection: close\r\n";
  return text + "\r\n";
}
