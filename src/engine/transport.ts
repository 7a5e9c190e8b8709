/**
 * The contract between a session and its transports.
 *
 * @module
 */

import type { EnginePacket } from "./packet.ts";
import type { TransportName } from "./options.ts";

/** What a transport reports back to the session that owns it. */
export interface TransportHost {
  /** A packet arrived from the client. */
  onPacket(packet: EnginePacket): void;
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
  /** Writes packets; only called while `writable`. */
  send(packets: EnginePacket[]): void;
  /** Closes the transport, telling the client when it can. */
  close(): void;
  /** Stops using the transport without telling the host (after an upgrade). */
  discard(): void;
}
