/**
 * The types around a socket: disconnect reasons, its own events, and
 * per-packet middlewares.
 *
 * @module
 */

/** Why a socket disconnected, with the official reason strings. */
export type DisconnectReason =
  | "transport error"
  | "transport close"
  | "forced close"
  | "ping timeout"
  | "parse error"
  | "server shutting down"
  | "forced server close"
  | "client namespace disconnect"
  | "server namespace disconnect";

/** Events a socket emits by itself. */
export interface SocketReservedEvents {
  /** The socket has left the namespace (its rooms are gone). */
  disconnect: (reason: DisconnectReason, description?: unknown) => void;
  /** The socket is about to leave the namespace (its rooms are still there). */
  disconnecting: (reason: DisconnectReason, description?: unknown) => void;
  /** A packet was refused by a `use()` middleware, or the client misbehaved. */
  error: (err: Error) => void;
}

/**
 * A per-packet middleware, run for each incoming event: `packet` is
 * `[event, ...args]` (the ack callback last, if any) and may be changed in
 * place; `next()` lets it through, `next(err)` refuses it and reports `err`
 * to the socket's `error` listeners. A throw or a rejected promise counts as
 * `next(err)`.
 */
export type PacketMiddleware = (
  packet: unknown[],
  next: (err?: Error) => void,
) => void | Promise<void>;
