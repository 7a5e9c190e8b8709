/**
 * Where webio writes: a {@linkcode Logger} (the `logger` option, or the
 * console), and debug channels named like the official `DEBUG=socket.io:*`
 * ones (`webio:engine`, `webio:socket`, ...), off unless switched on.
 *
 * A channel is a function or `undefined`, made once per server: a call site
 * writes `debug?.(\`...\`)`, whose argument is not even built when the
 * channel is off.
 *
 * @module
 */

/**
 * What webio logs through: the `logger` option's shape. Each method takes
 * what `console`'s does. `error` receives the errors webio contains (a
 * handler that throws or rejects), a few a minute per connection; `warn`
 * a misconfiguration (once); `debug` the lines of the debug channels
 * switched on.
 */
export interface Logger {
  /** A line of a debug channel that is switched on. */
  debug(...args: unknown[]): void;
  /** Information (webio logs none by default). */
  info(...args: unknown[]): void;
  /** A misconfiguration or a degraded state. */
  warn(...args: unknown[]): void;
  /** A contained error (a user handler threw). */
  error(...args: unknown[]): void;
}

/**
 * The default logger: the console, looked up on every call (a test or an
 * application may replace `console.error`). Debug lines go to standard
 * error, as the `debug` package writes them.
 */
export const consoleLogger: Logger = {
  debug: (...args) => console.error(...args),
  info: (...args) => console.info(...args),
  warn: (...args) => console.warn(...args),
  error: (...args) => console.error(...args),
};

/** The debug channels webio writes to. */
export const DEBUG_CHANNELS: readonly string[] = [
  "webio:server",
  "webio:namespace",
  "webio:client",
  "webio:socket",
  "webio:engine",
  "webio:listener",
];

let include: RegExp[] = [];
let exclude: RegExp[] = [];

/**
 * Switches debug channels on, as the `debug` package reads `DEBUG`: names
 * separated by commas or spaces, `*` matching anything, a leading `-`
 * switching a name off (`"webio:*,-webio:engine"`). `undefined` or `""`
 * switches every channel off. Servers created from now on follow it.
 *
 * @example
 * ```ts
 * import { isDebugEnabled, setDebugNamespaces } from "./log.ts";
 *
 * setDebugNamespaces("webio:*,-webio:engine");
 * isDebugEnabled("webio:socket"); // true
 * isDebugEnabled("webio:engine"); // false
 * setDebugNamespaces(undefined);
 * ```
 */
export function setDebugNamespaces(spec: string | undefined): void {
  include = [];
  exclude = [];
  for (const name of (spec ?? "").split(/[\s,]+/)) {
    if (name === "" || name === "-") continue;
    const negated = name[0] === "-";
    const body = (negated ? name.slice(1) : name).replace(/[.+?^${}()|[\]\\]/g, "\\$&");
    const pattern = new RegExp(`^${body.replaceAll("*", ".*?")}$`);
    (negated ? exclude : include).push(pattern);
  }
}

/** Whether the debug channel `name` is switched on. */
export function isDebugEnabled(name: string): boolean {
  if (include.length === 0) return false;
  if (exclude.some((re) => re.test(name))) return false;
  return include.some((re) => re.test(name));
}

/** A debug channel that is on: writes one line. */
export type DebugFn = (message: string, ...args: unknown[]) => void;

/**
 * The debug channel `name` writing to `logger`, or `undefined` when it is
 * off. Call it as `debug?.(...)`: when it is off the arguments are not
 * evaluated.
 *
 * @example
 * ```ts
 * import { consoleLogger, debugChannel } from "./log.ts";
 *
 * const debug = debugChannel("webio:engine", consoleLogger);
 * debug?.(`handshake ${"abc"}`); // nothing unless DEBUG names webio:engine
 * ```
 */
export function debugChannel(name: string, logger: Logger): DebugFn | undefined {
  if (!isDebugEnabled(name)) return undefined;
  return (message, ...args) => logger.debug(`${name} ${message}`, ...args);
}
