/**
 * Serialises the `io` cookie of the handshake, attribute for attribute as
 * the `cookie` package that the official server uses.
 *
 * @module
 */

import type { CookieOptions } from "./options.ts";

/**
 * Builds a `Set-Cookie` value. Defaults are applied by the caller (see
 * `resolveEngineOptions`); this writes only what `opts` says.
 *
 * @example
 * ```ts
 * import { serializeCookie } from "./_cookie.ts";
 * serializeCookie("io", "abc", { path: "/", httpOnly: true, sameSite: "lax" });
 * // "io=abc; Path=/; HttpOnly; SameSite=Lax"
 * ```
 */
export function serializeCookie(name: string, value: string, opts: CookieOptions): string {
  let out = `${name}=${encodeURIComponent(value)}`;
  if (opts.maxAge !== undefined) out += `; Max-Age=${Math.floor(opts.maxAge)}`;
  if (opts.domain) out += `; Domain=${opts.domain}`;
  if (opts.path) out += `; Path=${opts.path}`;
  if (opts.expires) out += `; Expires=${opts.expires.toUTCString()}`;
  if (opts.httpOnly) out += "; HttpOnly";
  if (opts.secure) out += "; Secure";
  if (opts.partitioned) out += "; Partitioned";
  if (opts.priority) {
    out += `; Priority=${opts.priority[0].toUpperCase()}${opts.priority.slice(1)}`;
  }
  const sameSite = opts.sameSite;
  if (sameSite) {
    const v = sameSite === true ? "strict" : sameSite;
    out += `; SameSite=${v[0].toUpperCase()}${v.slice(1)}`;
  }
  return out;
}
