/**
 * CORS for polling requests and preflights, with the options and answers of
 * the `cors` package that the official server uses.
 *
 * @module
 */

/** A fixed allowed origin (or list of them). */
export type StaticOrigin = boolean | string | RegExp | (boolean | string | RegExp)[];

/** An allowed origin, or a function deciding it per request. */
export type CorsOrigin =
  | StaticOrigin
  | ((origin: string | undefined) => StaticOrigin | undefined | Promise<StaticOrigin | undefined>);

/** CORS options (the options of the `cors` package that matter here). */
export interface CorsOptions {
  /**
   * Allowed origins, as in the `cors` package: `"*"` (the default) allows
   * any; a string is sent as is; `true` reflects the request's origin; a
   * RegExp or an array allows the origins it matches; `false` turns CORS
   * off. A function receives the request's origin and returns one of these.
   */
  origin?: CorsOrigin;
  /** Allowed methods; default `"GET,HEAD,PUT,PATCH,POST,DELETE"`. */
  methods?: string | string[];
  /** Allowed request headers; default: reflect `Access-Control-Request-Headers`. */
  allowedHeaders?: string | string[];
  /** Alias of `allowedHeaders`, as in the `cors` package. */
  headers?: string | string[];
  /** Headers exposed to the page. */
  exposedHeaders?: string | string[];
  /** Sends `Access-Control-Allow-Credentials: true`. */
  credentials?: boolean;
  /** Preflight cache, in seconds. */
  maxAge?: number | string;
  /** Status of a successful preflight; default 204. */
  optionsSuccessStatus?: number;
}

/** What {@linkcode applyCors} decided for one request. */
export interface CorsResult {
  /** Headers to add to every response to this request. */
  headers: Headers;
  /** The finished answer of a preflight (`OPTIONS`) request. */
  preflight?: Response;
}

const DEFAULT_METHODS = "GET,HEAD,PUT,PATCH,POST,DELETE";

function list(value: string | string[]): string {
  return Array.isArray(value) ? value.join(",") : value;
}

function isAllowed(origin: string | undefined, allowed: StaticOrigin): boolean {
  if (Array.isArray(allowed)) return allowed.some((a) => isAllowed(origin, a));
  if (typeof allowed === "string") return origin === allowed;
  if (allowed instanceof RegExp) return origin !== undefined && allowed.test(origin);
  return !!allowed;
}

/**
 * Computes the CORS answer of a request. Returns `undefined` when the
 * origin option resolves to `false` (CORS off for this request: no headers,
 * and a preflight is left to the protocol, as the `cors` package does).
 *
 * @example
 * ```ts
 * import { applyCors } from "./cors.ts";
 * const req = new Request("http://x/", { headers: { origin: "http://a" } });
 * const result = await applyCors({ origin: ["http://a"], credentials: true }, req);
 * result?.headers.get("access-control-allow-origin"); // "http://a"
 * ```
 */
export async function applyCors(
  options: CorsOptions,
  request: Request,
): Promise<CorsResult | undefined> {
  const requestOrigin = request.headers.get("origin") ?? undefined;
  let origin = options.origin ?? "*";
  if (typeof origin === "function") origin = (await origin(requestOrigin)) ?? false;
  if (origin === false) return undefined;

  const headers = new Headers();
  if (origin === "*") {
    headers.set("Access-Control-Allow-Origin", "*");
  } else if (typeof origin === "string") {
    headers.set("Access-Control-Allow-Origin", origin);
    headers.append("Vary", "Origin");
  } else {
    if (requestOrigin !== undefined && isAllowed(requestOrigin, origin)) {
      headers.set("Access-Control-Allow-Origin", requestOrigin);
    }
    headers.append("Vary", "Origin");
  }
  if (options.credentials === true) headers.set("Access-Control-Allow-Credentials", "true");
  if (request.method !== "OPTIONS") {
    if (options.exposedHeaders) {
      headers.set("Access-Control-Expose-Headers", list(options.exposedHeaders));
    }
    return { headers };
  }

  headers.set("Access-Control-Allow-Methods", list(options.methods ?? DEFAULT_METHODS));
  const allowedHeaders = options.allowedHeaders ?? options.headers;
  if (allowedHeaders !== undefined) {
    const value = list(allowedHeaders);
    if (value) headers.set("Access-Control-Allow-Headers", value);
  } else {
    headers.append("Vary", "Access-Control-Request-Headers");
    const requested = request.headers.get("access-control-request-headers");
    if (requested) headers.set("Access-Control-Allow-Headers", requested);
  }
  if (options.maxAge !== undefined && String(options.maxAge).length > 0) {
    headers.set("Access-Control-Max-Age", String(options.maxAge));
  }
  if (options.exposedHeaders) {
    headers.set("Access-Control-Expose-Headers", list(options.exposedHeaders));
  }
  headers.set("Content-Length", "0");
  const preflight = new Response(null, { status: options.optionsSuccessStatus ?? 204, headers });
  return { headers, preflight };
}
