/**
 * CORS for polling requests and preflights, with the options of the `cors`
 * package that the official server uses.
 *
 * @module
 */

/** An allowed origin, or a function deciding it. */
export type CorsOrigin =
  | boolean
  | string
  | RegExp
  | (string | RegExp)[]
  | ((origin: string | undefined) => boolean | string | Promise<boolean | string>);

/** CORS options (the subset of the `cors` package that matters here). */
export interface CorsOptions {
  /** Allowed origins; `true` or `"*"` reflects/allows any. Default `"*"`. */
  origin?: CorsOrigin;
  /** Allowed methods; default `["GET", "HEAD", "PUT", "PATCH", "POST", "DELETE"]`. */
  methods?: string | string[];
  /** Allowed request headers; default: reflect `Access-Control-Request-Headers`. */
  allowedHeaders?: string | string[];
  /** Headers exposed to the page. */
  exposedHeaders?: string | string[];
  /** Sets `Access-Control-Allow-Credentials: true`. */
  credentials?: boolean;
  /** Preflight cache seconds. */
  maxAge?: number;
  /** Status of a successful preflight; default 204. */
  optionsSuccessStatus?: number;
}

const DEFAULT_METHODS = "GET,HEAD,PUT,PATCH,POST,DELETE";

function list(value: string | string[]): string {
  return Array.isArray(value) ? value.join(",") : value;
}

async function resolveOrigin(
  option: CorsOrigin | undefined,
  origin: string | undefined,
): Promise<string | false> {
  if (option === undefined || option === "*") return "*";
  if (option === true) return origin ?? "*";
  if (option === false) return false;
  if (typeof option === "function") {
    const result = await option(origin);
    if (result === true) return origin ?? false;
    return typeof result === "string" ? result : false;
  }
  if (origin === undefined) return false;
  const allowed = Array.isArray(option) ? option : [option];
  const ok = allowed.some((o) => typeof o === "string" ? o === origin : o.test(origin));
  return ok ? origin : false;
}

/**
 * Computes the CORS headers of a request. For a preflight (`OPTIONS`) also
 * returns the finished response.
 *
 * @example
 * ```ts
 * import { applyCors } from "./cors.ts";
 * const req = new Request("http://x/", { headers: { origin: "http://a" } });
 * const { headers } = await applyCors({ origin: "http://a", credentials: true }, req);
 * headers.get("access-control-allow-origin"); // "http://a"
 * ```
 */
export async function applyCors(
  options: CorsOptions,
  request: Request,
): Promise<{ headers: Headers; preflight?: Response }> {
  const headers = new Headers();
  const origin = request.headers.get("origin") ?? undefined;
  const allowed = await resolveOrigin(options.origin, origin);
  if (allowed !== false) {
    headers.set("Access-Control-Allow-Origin", allowed);
    if (allowed !== "*") headers.append("Vary", "Origin");
  }
  if (options.credentials) headers.set("Access-Control-Allow-Credentials", "true");
  if (options.exposedHeaders) {
    headers.set("Access-Control-Expose-Headers", list(options.exposedHeaders));
  }
  if (request.method !== "OPTIONS") return { headers };

  headers.set("Access-Control-Allow-Methods", list(options.methods ?? DEFAULT_METHODS));
  const requested = request.headers.get("access-control-request-headers");
  const allowedHeaders = options.allowedHeaders ? list(options.allowedHeaders) : requested;
  if (allowedHeaders) headers.set("Access-Control-Allow-Headers", allowedHeaders);
  if (!options.allowedHeaders && requested) {
    headers.append("Vary", "Access-Control-Request-Headers");
  }
  if (options.maxAge !== undefined) headers.set("Access-Control-Max-Age", String(options.maxAge));
  headers.set("Content-Length", "0");
  const preflight = new Response(null, {
    status: options.optionsSuccessStatus ?? 204,
    headers,
  });
  return { headers, preflight };
}
