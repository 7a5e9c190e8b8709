/**
 * What every runtime binding serves: anything with a `handleRequest`.
 *
 * @module
 */

import type { RequestInfo } from "../engine/conn.ts";
import type { Logger } from "../_internal/log.ts";

/** A server that answers Web requests, given runtime facts. */
export interface RequestHandlerHost {
  /** Answers one request. */
  handleRequest(request: Request, info?: RequestInfo): Promise<Response>;
  /** Milliseconds a long poll may be held (sizes idle timeouts). */
  readonly longestPollMs?: number;
  /** Largest WebSocket message accepted, in bytes. */
  readonly maxMessageBytes?: number;
  /** Where the binding logs (default: the console). */
  readonly logger?: Logger;
}

/** A running server started by a binding. */
export interface ServeHandle {
  /** The port it listens on. */
  readonly port: number;
  /** The host name it listens on. */
  readonly hostname: string;
  /** Stops listening and closes open connections. */
  shutdown(): Promise<void>;
}

/** Options of the bindings' `serve` functions. */
export interface ServeOptions {
  /** Port; 0 picks a free one. */
  port?: number;
  /** Interface to listen on; default all. */
  hostname?: string;
  /** Called once listening. */
  onListen?: (addr: { port: number; hostname: string }) => void;
}
