/**
 * Engine.IO server options, with the official names and defaults.
 *
 * @module
 */

import { generateId } from "../_internal/ids.ts";
import type { CorsOptions } from "./cors.ts";

/**
 * Settings of the cookie set on a polling handshake, whose value is the
 * session id (useful for sticky sessions). Defaults as in the official
 * server: `io=<sid>; Path=/; HttpOnly; SameSite=Lax`.
 */
export interface CookieOptions {
  /** Cookie name; default `"io"`. */
  name?: string;
  /** Cookie path; default `"/"`; `false` leaves the attribute out. */
  path?: string | false;
  /** Adds `HttpOnly`; default `true` unless `path` is `false`. */
  httpOnly?: boolean;
  /** `SameSite`; default `"lax"`; `true` means `"strict"`, `false` leaves it out. */
  sameSite?: "strict" | "lax" | "none" | boolean;
  /** Adds `Secure`. */
  secure?: boolean;
  /** Adds `Domain=`. */
  domain?: string;
  /** `Max-Age` in seconds. */
  maxAge?: number;
  /** Adds `Expires=`. */
  expires?: Date;
  /** Adds `Partitioned`. */
  partitioned?: boolean;
  /** Adds `Priority=`. */
  priority?: "low" | "medium" | "high";
}

/** A transport name. */
export type TransportName = "polling" | "websocket";

/**
 * Decides whether a handshake may proceed. Return (or resolve) `true` to
 * accept; `false` or a string (the refusal message) to answer 403 with code 4.
 */
export type AllowRequest = (
  request: Request,
) => boolean | string | Promise<boolean | string>;

/** Options of the Engine.IO server. */
export interface EngineOptions {
  /** Where the protocol is served; default `"/engine.io/"`. */
  path?: string;
  /** Milliseconds between server pings; default 25000. */
  pingInterval?: number;
  /** Milliseconds to wait for a pong; default 20000. */
  pingTimeout?: number;
  /** Milliseconds a WebSocket upgrade may take; default 10000. */
  upgradeTimeout?: number;
  /** Largest POST body or WebSocket message in bytes; default 1e6. */
  maxHttpBufferSize?: number;
  /**
   * Largest number of bytes queued for one client that is not reading
   * (beyond what the runtime's socket buffers). Past it the session closes
   * with reason `"transport error"`. Default 1e7. Not in the official server.
   */
  maxBufferedBytes?: number;
  /** Allowed transports; default `["polling", "websocket"]`. */
  transports?: TransportName[];
  /** Whether polling clients may upgrade to WebSocket; default true. */
  allowUpgrades?: boolean;
  /**
   * Gatekeeper for handshakes (not for requests of an open session); may be
   * async. A refusal answers 403 with code 4; a thrown error's message is
   * the refusal message.
   */
  allowRequest?: AllowRequest;
  /** CORS for polling requests and preflights; off by default. */
  cors?: CorsOptions;
  /** Sets the `io` cookie on a polling handshake when truthy; off by default. */
  cookie?: boolean | CookieOptions;
  /**
   * Compress poll responses with gzip or deflate from `threshold` bytes on;
   * default `{ threshold: 1024 }`; `false` turns it off.
   */
  httpCompression?: boolean | { threshold?: number };
  /** Data appended to the handshake `open` packet as a message. */
  initialPacket?: string | Uint8Array;
  /** Makes session ids; default: 20 url-safe random characters. */
  generateId?: (request: Request) => string | Promise<string>;
}

/** Options after defaults are applied (see {@linkcode EngineOptions} for each). */
export interface ResolvedEngineOptions {
  /** Normalised to `/name/`. */
  path: string;
  /** Milliseconds between server pings. */
  pingInterval: number;
  /** Milliseconds to wait for a pong. */
  pingTimeout: number;
  /** Milliseconds a WebSocket upgrade may take. */
  upgradeTimeout: number;
  /** Largest POST body or WebSocket message in bytes. */
  maxHttpBufferSize: number;
  /** Largest write queue of one session in bytes. */
  maxBufferedBytes: number;
  /** Allowed transports. */
  transports: TransportName[];
  /** Whether polling clients may upgrade. */
  allowUpgrades: boolean;
  /** Handshake gatekeeper, if any. */
  allowRequest: AllowRequest | undefined;
  /** CORS, if on. */
  cors: CorsOptions | undefined;
  /** The handshake cookie with its defaults, if on. */
  cookie: (CookieOptions & { name: string }) | undefined;
  /** Poll answers from this many bytes on are compressed (`Infinity`: never). */
  compressionThreshold: number;
  /** Message sent with the open packet, if any. */
  initialPacket: string | Uint8Array | undefined;
  /** Makes session ids. */
  generateId: (request: Request) => string | Promise<string>;
}

/** Normalises a path to the `/name/` form. */
export function normalizePath(path: string): string {
  let p = path.replace(/\/$/, "");
  if (!p.startsWith("/")) p = "/" + p;
  return p + "/";
}

/**
 * Applies the official defaults.
 *
 * @example
 * ```ts
 * import { resolveEngineOptions } from "./options.ts";
 * resolveEngineOptions({}).pingInterval; // 25000
 * ```
 */
export function resolveEngineOptions(opts: EngineOptions = {}): ResolvedEngineOptions {
  const c = opts.cookie === true ? {} : opts.cookie || undefined;
  const cookie = c && {
    ...c,
    name: c.name ?? "io",
    path: c.path ?? "/",
    httpOnly: c.httpOnly ?? c.path !== false,
    sameSite: c.sameSite ?? "lax",
  };
  const compression = opts.httpCompression ?? true;
  return {
    path: normalizePath(opts.path ?? "/engine.io"),
    pingInterval: opts.pingInterval ?? 25000,
    pingTimeout: opts.pingTimeout ?? 20000,
    upgradeTimeout: opts.upgradeTimeout ?? 10000,
    maxHttpBufferSize: opts.maxHttpBufferSize ?? 1e6,
    maxBufferedBytes: opts.maxBufferedBytes ?? 1e7,
    transports: opts.transports ?? ["polling", "websocket"],
    allowUpgrades: opts.allowUpgrades ?? true,
    allowRequest: opts.allowRequest,
    cors: opts.cors,
    cookie,
    compressionThreshold: compression === false
      ? Infinity
      : (compression === true ? 1024 : compression.threshold ?? 1024),
    initialPacket: opts.initialPacket,
    generateId: opts.generateId ?? generateId,
  };
}
