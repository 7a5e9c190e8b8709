/**
 * Options of the Socket.IO server, with the official names and defaults.
 *
 * @module
 */

import type { AdapterConstructor, RecoveryOptions } from "./adapter.ts";
import { type EngineOptions, validateEngineOptions } from "../engine/options.ts";
import { OptionChecker } from "../_internal/validate.ts";
import type { Parser } from "../parser/parser.ts";

/** Options of `new Server(...)`: the engine's, plus the Socket.IO layer's. */
export interface ServerOptions extends EngineOptions {
  /** Where the protocol is served; default `"/socket.io"`. */
  path?: string;
  /** Serve the browser client at `<path>/socket.io.js`; default true. */
  serveClient?: boolean;
  /** The adapter class; default the in-memory {@linkcode Adapter}. */
  adapter?: AdapterConstructor;
  /** Milliseconds an engine connection may stay without joining a namespace; default 45000. */
  connectTimeout?: number;
  /** Remove dynamic child namespaces once their last socket leaves; default false. */
  cleanupEmptyChildNamespaces?: boolean;
  /** Largest number of binary attachments in one packet; default 10. */
  maxAttachments?: number;
  /**
   * Connection-state recovery: a client that reconnects within
   * `maxDisconnectionDuration` gets its socket id, rooms, `data` and the
   * packets it missed back. Off by default.
   */
  connectionStateRecovery?: RecoveryOptions;
  /**
   * A custom parser, `{ Encoder, Decoder }` as `socket.io-parser` exports
   * them (`socket.io-msgpack-parser`); default webio's JSON parser.
   */
  parser?: Parser;
}

/**
 * Throws a `TypeError` or a `RangeError` naming the first option of
 * `options` whose value is wrong: the engine's options, then the Socket.IO
 * layer's.
 *
 * @example
 * ```ts
 * import { validateServerOptions } from "./server_options.ts";
 *
 * validateServerOptions({ connectTimeout: 10_000 }); // fine
 * // validateServerOptions({ transports: ["websockets" as never] }) throws:
 * // TypeError: Cannot create server: every entry of transports must be one of "polling" and "websocket", got "websockets"
 * ```
 */
export function validateServerOptions(options: ServerOptions): void {
  const context = "Cannot create server";
  validateEngineOptions(options, context);
  const check = new OptionChecker(context);
  check.boolean("serveClient", options.serveClient);
  check.function("adapter", options.adapter);
  check.delay("connectTimeout", options.connectTimeout);
  check.boolean("cleanupEmptyChildNamespaces", options.cleanupEmptyChildNamespaces);
  check.number("maxAttachments", options.maxAttachments, { min: 0, integer: true });
  const recovery = options.connectionStateRecovery;
  check.object("connectionStateRecovery", recovery);
  if (recovery !== undefined) {
    const name = "connectionStateRecovery";
    check.delay(`${name}.maxDisconnectionDuration`, recovery.maxDisconnectionDuration);
    check.boolean(`${name}.skipMiddlewares`, recovery.skipMiddlewares);
    check.number(`${name}.maxStoredPackets`, recovery.maxStoredPackets, { min: 0, integer: true });
    check.number(`${name}.maxStoredBytes`, recovery.maxStoredBytes, { min: 0 });
  }
  const parser = options.parser as unknown;
  if (parser !== undefined && check.object("parser", parser)) {
    // A missing class is reported as `got undefined`, not let through.
    check.function("parser.Encoder", parser.Encoder ?? "undefined");
    check.function("parser.Decoder", parser.Decoder ?? "undefined");
  }
}
