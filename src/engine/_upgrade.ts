/**
 * One polling-to-WebSocket upgrade attempt: the probe, the pause of the
 * pending poll, the switch, and the timeout.
 *
 * @module
 */

import type { EnginePacket } from "./packet.ts";
import type { TransportHost } from "./transport.ts";
import type { WebSocketTransport } from "./websocket.ts";

/** What an upgrade needs of its session. */
export interface UpgradeHost {
  /** Milliseconds the client has to complete the upgrade. */
  readonly upgradeTimeout: number;
  /** The probe was answered (the session emits `upgrading`). */
  onProbe(ws: WebSocketTransport): void;
  /** Answers a waiting poll with a noop, so the client can pause polling. */
  releasePoll(): void;
  /** The client asked to switch; returns `false` when the session is gone. */
  onUpgrade(ws: WebSocketTransport): boolean;
  /** The attempt is over, whatever its outcome. */
  onEnd(upgrade: Upgrade): void;
}

/** How often a probed client's pending poll is released. */
const RELEASE_MS = 100;

/**
 * The attempt over `ws`; it is the socket's transport host until it ends.
 *
 * @example
 * ```ts ignore
 * this.#upgrade = new Upgrade(ws, host);
 * ```
 */
export class Upgrade implements TransportHost {
  /** The WebSocket being probed. */
  readonly ws: WebSocketTransport;
  #host: UpgradeHost;
  #timeout: ReturnType<typeof setTimeout>;
  #release: ReturnType<typeof setInterval> | undefined;
  #ended = false;

  /** Starts the attempt; it fails after `host.upgradeTimeout`. */
  constructor(ws: WebSocketTransport, host: UpgradeHost) {
    this.ws = ws;
    this.#host = host;
    this.#timeout = setTimeout(() => this.fail(), host.upgradeTimeout);
    ws.setHost(this);
  }

  /** Ends the attempt and drops the socket. */
  fail(): void {
    this.end();
    this.ws.discard();
  }

  /** Ends the attempt (no timer outlives it). */
  end(): void {
    if (this.#ended) return;
    this.#ended = true;
    clearTimeout(this.#timeout);
    clearInterval(this.#release);
    this.#host.onEnd(this);
  }

  /** @internal A packet on the probed socket. */
  onPacket(packet: EnginePacket): void {
    if (packet.type === "ping" && packet.data === "probe") {
      this.ws.sendFrame("3probe");
      this.#host.onProbe(this.ws);
      this.#host.releasePoll();
      clearInterval(this.#release);
      this.#release = setInterval(() => this.#host.releasePoll(), RELEASE_MS);
    } else if (packet.type === "upgrade") {
      this.end();
      if (!this.#host.onUpgrade(this.ws)) this.ws.discard();
    } else {
      this.fail();
    }
  }

  /** @internal A message before the switch is a protocol error. */
  onMessage(): void {
    this.fail();
  }

  /** @internal */
  onDrain(): void {}

  /** @internal The probed socket closed. */
  onTransportClose(): void {
    this.end();
  }
}
