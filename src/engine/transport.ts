/**
 * The contract between a session and its transports.
 *
 * @module
 */

import type { EnginePacket, RawData } from "./packet.ts";
import type { TransportName } from "./options.ts";

/** What a transport reports back to the session that owns it. */
export interface TransportHost {
  /** A packet arrived from the client. */
  onPacket(packet: EnginePacket): void;
  /**
   * A message arrived from the client (its data, type character removed):
   * the common case, reported without a packet object.
   */
  onMessage(data: RawData): void;
  /** The transport can take more packets now. */
  onDrain(): void;
  /** The transport closed or failed; the session ends with `reason`. */
  onTransportClose(reason: string, description?: string): void;
}

/** One way of carrying packets: long-polling or WebSocket. */
export interface Transport {
  /** The transport's name, as in the `transport` query parameter. */
  readonly name: TransportName;
  /** Whether `send` may be called now. */
  readonly writable: boolean;
  /** Attaches the session that receives this transport's packets. */
  setHost(host: TransportHost): void;
  /**
   * Writes encoded frames (see `encodeFrame`: a text packet with its type
   * character, or the bytes of a binary message); only called while `writable`.
   */
  send(frames: readonly RawData[]): void;
  /** Writes one encoded frame; only called while `writable`. */
  sendFrame(frame: RawData): void;
  /** Closes the transport, telling the client when it can. */
  close(): void;
  /** Stops using the transport without telling the host (after an upgrade). */
  discard(): void;
  /** The client's address, where the transport's socket knows it (see `Conn.remoteAddress`). */
  readonly remoteAddress?: string | undefined;
  /** Whether the runtime keeps the heartbeat of this transport's socket (see `Conn.pingedByRuntime`). */
  readonly pingedByRuntime?: boolean;
}
