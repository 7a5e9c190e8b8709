/**
 * Starts a server on whichever runtime is running: `Bun.serve` under Bun,
 * `Deno.serve` under Deno.
 *
 * @module
 */

import { serveBun } from "./bun.ts";
import { serveDeno } from "./deno.ts";
import type { RequestHandlerHost, ServeHandle, ServeOptions } from "./handler.ts";

/** The runtime running this code. */
export function currentRuntime(): "bun" | "deno" | "other" {
  if ("Bun" in globalThis) return "bun";
  if ("Deno" in globalThis) return "deno";
  return "other";
}

/**
 * Serves `host` on the current runtime.
 *
 * @example
 * ```ts ignore
 * const handle = serveAuto(io, { port: 3000 });
 * ```
 */
export function serveAuto(host: RequestHandlerHost, options: ServeOptions = {}): ServeHandle {
  switch (currentRuntime()) {
    case "bun":
      return serveBun(host, options);
    case "deno":
      return serveDeno(host, options);
    default:
      throw new Error(
        "Cannot listen: this runtime is neither Deno nor Bun; pass io.handleRequest to your own server",
      );
  }
}
