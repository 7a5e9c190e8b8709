/**
 * Engine.IO server options, with the official names and defaults.
 *
 * @module
 */

import { generateId } from "../_internal/ids.ts";
import { consoleLogger, type Logger } from "../_internal/log.ts";
import { OptionChecker } from "../_internal/validate.ts";
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
  /**
   * Where webio logs: contained handler errors (`error`, a few a minute per
   * connection), misconfigurations (`warn`, once) and the lines of the debug
   * channels switched on by `DEBUG` (`debug`). Default: the console. Not in
   * the official server.
   */
  logger?: Logger;
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
  /** Where webio logs. */
  logger: Logger;
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
  validateEngineOptions(opts);
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
    logger: opts.logger ?? consoleLogger,
  };
}

const TRANSPORTS: readonly TransportName[] = ["polling", "websocket"];
const LOGGER_METHODS = ["debug", "info", "warn", "error"] as const;

/**
 * Throws a `TypeError` or a `RangeError` naming the first option of
 * `opts` whose value is wrong (`context` starts the message).
 *
 * @example
 * ```ts
 * import { validateEngineOptions } from "./options.ts";
 *
 * validateEngineOptions({ pingInterval: 10_000 }); // fine
 * // validateEngineOptions({ pingInterval: "1000" as never }) throws:
 * // TypeError: Cannot create server: pingInterval must be a positive number, got "1000"
 * ```
 */
export function validateEngineOptions(
  opts: EngineOptions,
  context = "Cannot create server",
): void {
  const check = new OptionChecker(context);
  if (typeof opts !== "object" || opts === null || Array.isArray(opts)) {
    throw check.typeError("options", "an object", opts);
  }
  if (opts.path !== undefined && (typeof opts.path !== "string" || opts.path[0] !== "/")) {
    throw check.typeError("path", 'a string starting with "/"', opts.path);
  }
  check.delay("pingInterval", opts.pingInterval);
  check.delay("pingTimeout", opts.pingTimeout);
  check.delay("upgradeTimeout", opts.upgradeTimeout);
  check.number("maxHttpBufferSize", opts.maxHttpBufferSize, { min: 0, exclusive: true });
  check.number("maxBufferedBytes", opts.maxBufferedBytes, { min: 0, exclusive: true });
  const transports: unknown = opts.transports;
  if (transports !== undefined) {
    if (!Array.isArray(transports)) {
      throw check.typeError("transports", 'an array of "polling" and "websocket"', transports);
    }
    if (transports.length === 0) {
      throw check.rangeError("transports", 'a non-empty array of "polling" and "websocket"', []);
    }
    for (const name of transports) {
      if (!TRANSPORTS.includes(name)) {
        const must = 'one of "polling" and "websocket"' +
          (name === "webtransport" ? " (webio has no WebTransport)" : "");
        throw check.typeError("every entry of transports", must, name);
      }
    }
  }
  check.boolean("allowUpgrades", opts.allowUpgrades);
  check.function("allowRequest", opts.allowRequest);
  if (typeof opts.allowRequest === "function" && opts.allowRequest.length >= 2) {
    throw new TypeError(
      `${context}: allowRequest must take the request alone and return (or resolve) its ` +
        `answer, got a function of ${opts.allowRequest.length} parameters ` +
        "(the official (req, callback) form is not supported)",
    );
  }
  validateCors(check, opts.cors);
  validateCookie(check, opts.cookie);
  const compression: unknown = opts.httpCompression;
  if (compression !== undefined && typeof compression !== "boolean") {
    if (typeof compression !== "object" || compression === null || Array.isArray(compression)) {
      throw check.typeError("httpCompression", "a boolean or { threshold }", compression);
    }
    const { threshold } = compression as { threshold?: unknown };
    check.number("httpCompression.threshold", threshold, { min: 0 });
  }
  const initial: unknown = opts.initialPacket;
  if (initial !== undefined && typeof initial !== "string" && !(initial instanceof Uint8Array)) {
    throw check.typeError("initialPacket", "a string or a Uint8Array", initial);
  }
  check.function("generateId", opts.generateId);
  const logger: unknown = opts.logger;
  if (logger !== undefined) {
    if (typeof logger !== "object" || logger === null) {
      throw check.typeError("logger", "an object with debug, info, warn and error methods", logger);
    }
    for (const method of LOGGER_METHODS) {
      const fn = (logger as Record<string, unknown>)[method];
      if (typeof fn !== "function") throw check.typeError(`logger.${method}`, "a function", fn);
    }
  }
}

function validateCors(check: OptionChecker, cors: unknown): void {
  if (cors === undefined) return;
  check.object("cors", cors);
  const c = cors as Record<string, unknown>;
  const origin = c.origin;
  const isStatic = (o: unknown) =>
    typeof o === "string" || typeof o === "boolean" || o instanceof RegExp;
  if (
    origin !== undefined && typeof origin !== "function" && !isStatic(origin) &&
    !(Array.isArray(origin) && origin.every(isStatic))
  ) {
    throw check.typeError(
      "cors.origin",
      "a string, a boolean, a RegExp, an array of them or a function",
      origin,
    );
  }
  check.strings("cors.methods", c.methods);
  check.strings("cors.allowedHeaders", c.allowedHeaders);
  check.strings("cors.headers", c.headers);
  check.strings("cors.exposedHeaders", c.exposedHeaders);
  check.boolean("cors.credentials", c.credentials);
  if (typeof c.maxAge !== "string") check.number("cors.maxAge", c.maxAge, { min: 0 });
  check.number("cors.optionsSuccessStatus", c.optionsSuccessStatus, {
    min: 200,
    max: 299,
    integer: true,
  });
}

function validateCookie(check: OptionChecker, cookie: unknown): void {
  if (cookie === undefined || typeof cookie === "boolean") return;
  if (typeof cookie !== "object" || cookie === null || Array.isArray(cookie)) {
    throw check.typeError("cookie", "a boolean or an object of cookie options", cookie);
  }
  const c = cookie as Record<string, unknown>;
  check.string("cookie.name", c.name);
  if (c.path !== false) check.string("cookie.path", c.path);
  check.boolean("cookie.httpOnly", c.httpOnly);
  check.oneOf("cookie.sameSite", c.sameSite, ["strict", "lax", "none", true, false]);
  check.boolean("cookie.secure", c.secure);
  check.string("cookie.domain", c.domain);
  check.number("cookie.maxAge", c.maxAge);
  if (c.expires !== undefined && !(c.expires instanceof Date)) {
    throw check.typeError("cookie.expires", "a Date", c.expires);
  }
  check.boolean("cookie.partitioned", c.partitioned);
  check.oneOf("cookie.priority", c.priority, ["low", "medium", "high"]);
}
