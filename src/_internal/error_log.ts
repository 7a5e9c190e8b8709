/**
 * Rate-limited logging of the errors webio contains (a user handler that
 * throws or rejects, a namespace resolver that fails): each source, such as
 * one connection, logs at most a few lines per interval; the rest are
 * counted and reported in one summary line. A client whose every packet
 * makes a handler throw cannot fill the log.
 *
 * The lines go to the `error` method of the owner's {@linkcode Logger} (the
 * server's `logger` option, see {@linkcode setErrorLogger}), or to the
 * console.
 *
 * @module
 */

import { consoleLogger, type Logger } from "./log.ts";

/** Errors one source logs per interval; past that they are only counted. */
export const ERRORS_PER_INTERVAL = 5;

/** The interval of {@linkcode ERRORS_PER_INTERVAL}, in milliseconds. */
export const ERROR_INTERVAL_MS = 60_000;

/**
 * The error log of one source: the first {@linkcode ERRORS_PER_INTERVAL}
 * errors of each interval are logged with `logger.error`, the others
 * counted. The count is logged in one line when the next interval's first
 * error comes, or on {@linkcode ErrorLog.flush} (when the source ends).
 *
 * @example
 * ```ts
 * import { ErrorLog } from "./error_log.ts";
 *
 * const log = new ErrorLog("connection abc");
 * for (let i = 0; i < 100; i++) log.report("webio: handler threw:", new Error("boom"));
 * log.flush(); // 5 errors logged, then "webio: 95 more errors of connection abc were not logged ..."
 * ```
 */
export class ErrorLog {
  #source: string;
  #now: () => number;
  #logger: Logger;
  #intervalStart = -Infinity;
  #logged = 0;
  #suppressed = 0;

  /** A log for `source` (named in the summary line); `now` is the clock. */
  constructor(source: string, now: () => number = Date.now, logger: Logger = consoleLogger) {
    this.#source = source;
    this.#now = now;
    this.#logger = logger;
  }

  /** Logs `message` and `err`, or counts them when the interval's lines are used up. */
  report(message: string, err: unknown): void {
    const now = this.#now();
    if (now - this.#intervalStart >= ERROR_INTERVAL_MS) {
      this.flush();
      this.#intervalStart = now;
      this.#logged = 0;
    }
    if (this.#logged < ERRORS_PER_INTERVAL) {
      this.#logged++;
      this.#logger.error(message, err);
    } else {
      this.#suppressed++;
    }
  }

  /** Logs how many errors were counted and not logged, if any. */
  flush(): void {
    const count = this.#suppressed;
    if (count === 0) return;
    this.#suppressed = 0;
    this.#logger.error(
      `webio: ${count} more ${count === 1 ? "error" : "errors"} of ${this.#source} ` +
        `${count === 1 ? "was" : "were"} not logged ` +
        `(at most ${ERRORS_PER_INTERVAL} are logged per minute)`,
    );
  }
}

/** The logs of the sources that have reported an error (most never do). */
const logs = new WeakMap<object, ErrorLog>();
/** The loggers of the owners whose server was given one; the others use the console. */
const loggers = new WeakMap<object, Logger>();

/**
 * Makes `owner`'s contained errors go to `logger` (a server's `logger`
 * option). Nothing is stored for the console logger, the default.
 *
 * @example
 * ```ts
 * import { logError, setErrorLogger } from "./error_log.ts";
 *
 * const session = {};
 * const seen: unknown[] = [];
 * setErrorLogger(session, { ...console, error: (...args: unknown[]) => seen.push(args) });
 * logError(session, "connection abc", "webio: handler threw:", new Error("boom"));
 * seen.length; // 1
 * ```
 */
export function setErrorLogger(owner: object, logger: Logger): void {
  if (logger !== consoleLogger) loggers.set(owner, logger);
}

/**
 * Reports a contained error of `owner` (a connection, a namespace, a
 * server), described as `source`, to its {@linkcode ErrorLog}.
 *
 * @example
 * ```ts
 * import { logError } from "./error_log.ts";
 *
 * const session = {};
 * logError(session, "connection abc", "webio: handler threw:", new Error("boom"));
 * ```
 */
export function logError(owner: object, source: string, message: string, err: unknown): void {
  let log = logs.get(owner);
  if (log === undefined) {
    logs.set(owner, log = new ErrorLog(source, Date.now, loggers.get(owner) ?? consoleLogger));
  }
  log.report(message, err);
}

/**
 * Logs the count of `owner`'s errors that were not logged, if any (when it
 * ends).
 *
 * @example
 * ```ts
 * import { flushErrors } from "./error_log.ts";
 *
 * flushErrors({});
 * ```
 */
export function flushErrors(owner: object): void {
  logs.get(owner)?.flush();
}
