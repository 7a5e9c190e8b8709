/**
 * Serialises the `io` cookie of the handshake.
 *
 * @module
 */

import type { CookieOptions } from "./options.ts";

/** Builds a `Set-Cookie` value with the official defaults (path `/`, HttpOnly, SameSite=Lax). */
export function serializeCookie(name: string, value: string, opts: CookieOptions): string {
  let out = `${name}=${encodeURIComponent(value)}`;
  const path = opts.path === undefined ? "/" : opts.path;
  if (path !== false) out += `; Path=${path}`;
  if (opts.domain) out += `; Domain=${opts.domain}`;
  if (opts.maxAge !== undefined) out += `; Max-Age=${Math.floor(opts.maxAge)}`;
  if (opts.httpOnly ?? true) out += "; HttpOnly";
  if (opts.secure) out += "; Secure";
  const sameSite = opts.sameSite ?? "lax";
  if (sameSite !== false) {
    const v = sameSite === true ? "Strict" : sameSite[0].toUpperCase() + sameSite.slice(1);
    out += `; SameSite=${v}`;
  }
  return out;
}
