/** A `logger` option for tests that records every call, by method. */
import type { Logger } from "../../src/_internal/log.ts";

/** A logger whose calls are kept in `calls`, by method. */
export function recordingLogger(): Logger & { calls: Record<keyof Logger, unknown[][]> } {
  const calls: Record<keyof Logger, unknown[][]> = { debug: [], info: [], warn: [], error: [] };
  return {
    calls,
    debug: (...args) => calls.debug.push(args),
    info: (...args) => calls.info.push(args),
    warn: (...args) => calls.warn.push(args),
    error: (...args) => calls.error.push(args),
  };
}
