/**
 * The `socket.handshake` object, built lazily from the engine session's
 * request the first time it is read.
 *
 * @module
 */

import type { EngineSession } from "../engine/session.ts";

/** Details of the handshake, as in the official server. */
export interface Handshake {
  /** Request headers (lower-case names). */
  headers: Record<string, string>;
  /** When the handshake happened, as a date string. */
  time: string;
  /** The client's address. */
  address: string;
  /** Whether the request was cross-domain (had an `Origin`). */
  xdomain: boolean;
  /** Whether the request came over TLS (to this server, not to a proxy before it). */
  secure: boolean;
  /** When the handshake happened, in ms since the epoch. */
  issued: number;
  /** The request path and query. */
  url: string;
  /** The query parameters. */
  query: Record<string, string>;
  /** The `auth` payload of the CONNECT packet. */
  auth: Record<string, unknown>;
}

/**
 * Builds a handshake from the session's request.
 *
 * @example
 * ```ts ignore
 * const handshake = buildHandshake(session, { token: "x" }, Date.now());
 * ```
 */
export function buildHandshake(
  conn: EngineSession,
  auth: Record<string, unknown>,
  issued: number,
): Handshake {
  const request = conn.request;
  const url = new URL(request.url);
  const headers: Record<string, string> = {};
  request.headers.forEach((value, key) => headers[key] = value);
  const query: Record<string, string> = {};
  url.searchParams.forEach((value, key) => query[key] = value);
  return {
    headers,
    time: new Date(issued).toString(),
    address: conn.remoteAddress,
    xdomain: headers.origin !== undefined,
    // Only the connection itself counts, as officially: `X-Forwarded-Proto` is the client's word.
    secure: url.protocol === "https:" || url.protocol === "wss:",
    issued,
    url: url.pathname + url.search,
    query,
    auth,
  };
}
