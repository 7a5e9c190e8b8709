/**
 * The types around an engine session: its host, handler, events, options
 * and handshake facts.
 *
 * @module
 */

import type { TimerQueue } from "../_internal/timers.ts";
import type { EnginePacket, RawData } from "./packet.ts";
import type { Transport } from "./transport.ts";

/** Why a session closed, with the official reason strings. */
export type CloseReason =
  | "transport close"
  | "transport error"
  | "ping timeout"
  | "parse error"
  | "forced close"
  | "server shutting down";

/**
 * The session's view of the server: timing settings and a close hook.
 * `Session` is the session type (`EngineSession`), a parameter so that this
 * file needs nothing from the session's own.
 */
export interface SessionHost<Session = unknown> {
  /** Milliseconds between pings. */
  readonly pingInterval: number;
  /** Milliseconds to wait for a pong. */
  readonly pingTimeout: number;
  /** Milliseconds an upgrade may take. */
  readonly upgradeTimeout: number;
  /** Most bytes the session may queue for a client that is not reading. */
  readonly maxBufferedBytes: number;
  /** Called once when the session has closed. */
  onSessionClose(session: Session): void;
  /**
   * @internal The queue of the server's deadlines (default: one for the
   * whole process). One per server keeps a server's timers firing in its
   * own context: a Durable Object may not touch another object's sockets.
   */
  readonly timers?: TimerQueue;
}

/** What the layer above (Socket.IO) hears from a session. */
export interface SessionHandler {
  /** A message arrived. */
  onMessage(data: RawData): void;
  /** The session closed. */
  onClose(reason: CloseReason, description?: string): void;
}

/** Options of one send. */
export interface SendOptions {
  /** Ask the transport to compress (honoured by polling's httpCompression). */
  compress?: boolean;
  /** Drop the message rather than queue it when the transport is busy. */
  volatile?: boolean;
}

/** Public events of a session, as in the official `engine.io` Socket. */
export interface SessionEvents {
  /** A message arrived from the client. */
  message: (data: RawData) => void;
  /** The session closed. */
  close: (reason: CloseReason, description?: string) => void;
  /** The client probed a WebSocket for an upgrade. */
  upgrading: (transport: Transport) => void;
  /** The session moved to the WebSocket. */
  upgrade: (transport: Transport) => void;
  /** Any packet arrived from the client. */
  packet: (packet: EnginePacket) => void;
  /** A packet was queued for the client. */
  packetCreate: (packet: EnginePacket) => void;
  /** The client answered a ping. */
  heartbeat: () => void;
  /** Every queued packet went to the transport. */
  drain: () => void;
  /** Packets went to the transport. */
  flush: (packets: EnginePacket[]) => void;
}

/**
 * Facts about the request that opened the session: the request itself, or
 * its `url`, `method` and (a copy of its) `headers`, from which the session
 * builds `request` only when it is first read.
 */
export interface HandshakeInfo {
  /** The handshake request. */
  request?: Request;
  /** The handshake URL, when `request` is not given. */
  url?: string;
  /** The handshake method, when `request` is not given (default `GET`). */
  method?: string;
  /** The handshake headers, when `request` is not given. */
  headers?: Headers;
  /**
   * @internal The handshake headers as `name:value` lines (see
   * `packHeaders`), when neither `request` nor `headers` is given: what the
   * engine passes, packed before an upgrade makes them unreadable (Deno).
   */
  headerText?: string;
  /**
   * The client's address, or `""`; when absent, the transport's socket is
   * asked when `session.remoteAddress` is first read.
   */
  remoteAddress?: string | undefined;
}
