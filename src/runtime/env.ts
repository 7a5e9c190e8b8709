/**
 * Reads an environment variable without asking for a permission: on Deno
 * only when `--allow-env` (or `--allow-env=NAME`) grants it, so that a
 * program run without it neither throws nor prompts; on Bun and Node from
 * `process.env`.
 *
 * @module
 */

interface DenoEnv {
  permissions: { querySync(d: { name: "env"; variable: string }): { state: string } };
  env: { get(name: string): string | undefined };
}

/**
 * The value of the environment variable `name`, or `undefined` when it is
 * not set or may not be read.
 *
 * @example
 * ```ts
 * import { readEnv } from "./env.ts";
 *
 * const debug = readEnv("DEBUG"); // undefined on Deno without --allow-env
 * ```
 */
export function readEnv(name: string): string | undefined {
  try {
    const deno = (globalThis as { Deno?: DenoEnv }).Deno;
    if (deno !== undefined) {
      // `process.env` on Deno would prompt for the permission on a terminal.
      if (deno.permissions.querySync({ name: "env", variable: name }).state !== "granted") {
        return undefined;
      }
      return deno.env.get(name);
    }
    return (globalThis as { process?: { env?: Record<string, string | undefined> } }).process
      ?.env?.[name];
  } catch {
    return undefined;
  }
}
