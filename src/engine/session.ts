/**
 * One Engine.IO client: heartbeat, transport upgrade and a bounded,
 * byte-counted write queue.
 *
 * @module
 */

import { Emitter } from "../_emitter.ts";
import { type EnginePacket, type EnginePacketName, packetSize, type RawData } from "./packet.ts";
import type { Transport, TransportHost } from "./transport.ts";
import type { WebSocketTransport } from "./websocket.ts";

/** Why a session closed, with the official reason strings. */
export type CloseReason =
  | "transport close"
  | "transport error"
  | "ping timeout"
  | "parse error"
  | "forced close"
  | "server shutting down";

/** The session's view of the server: timing settings and a close hook. */
export interface SessionHost {
  readonly pingInterval: number;
  readonly pingTimeout: number;
  readonly upgradeTimeout: number;
  readonly maxBufferedBytes: number;
  /** Called once when the session has closed. */
  onSessionClose(session: EngineSession): void;
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
  message: (data: RawData) => void;
  close: (reason: CloseReason, description?: string) => void;
  upgrading: (transport: Transport) => void;
  upgrade: (transport: Transport) => void;
  packet: (packet: EnginePacket) => void;
  packetCreate: (packet: EnginePacket) => void;
  heartbeat: () => void;
  drain: () => void;
  flush: (packets: EnginePacket[]) => void;
}

/** Facts about the request that opened the session. */
export interface HandshakeInfo {
  request: Request;
  remoteAddress: string;
}

/**
 * One client of the Engine.IO server (the official `engine.io` `Socket`).
 *
 * @example
 * ```ts ignore
 * engine.on("connection", (session) => {
 *   session.on("message", (data) => session.send(data));
 * });
 * ```
 */
export class EngineSession extends Emitter<SessionEvents> implements TransportHost {
  /** The session id (`sid`). */
  readonly id: string;
  /** Engine.IO protocol revision. */
  readonly protocol = 4;
  /** The request of the handshake. */
  readonly request: Request;
  /** The client's address, when the runtime knows it. */
  readonly remoteAddress: string;
  /** `opening`, `open`, `closing` or `closed`. */
  readyState: "opening" | "open" | "closing" | "closed" = "opening";
  /** Whether the session moved from polling to WebSocket. */
  upgraded = false;
  /** Whether an upgrade is in progress. */
  upgrading = false;

  #transport: Transport;
  #host: SessionHost;
  #handler: SessionHandler | undefined;
  #buffer: EnginePacket[] = [];
  #bufferedBytes = 0;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #upgrade: WebSocketTransport | undefined;

  constructor(id: string, transport: Transport, host: SessionHost, info: HandshakeInfo) {
    super();
    this.id = id;
    this.#transport = transport;
    this.#host = host;
    this.request = info.request;
    this.remoteAddress = info.remoteAddress;
    transport.setHost(this);
  }

  /** The current transport. */
  get transport(): Transport {
    return this.#transport;
  }

  /** Whether a write now would go straight out. */
  get writable(): boolean {
    return this.#transport.writable && this.#buffer.length === 0;
  }

  /** Bytes queued here, not yet handed to the transport. */
  get bufferedBytes(): number {
    return this.#bufferedBytes;
  }

  /** Attaches the layer above. */
  setHandler(handler: SessionHandler): void {
    this.#handler = handler;
  }

  /** Sends the open packet and starts the heartbeat. */
  open(openPacket: string, initial?: RawData): void {
    this.readyState = "open";
    this.#queue({ type: "open", data: openPacket });
    if (initial !== undefined) this.#queue({ type: "message", data: initial });
    this.flush();
    this.#schedulePing();
  }

  /**
   * Sends a message. Returns `false` when it was dropped (a volatile
   * message while busy, or a closed session).
   */
  send(data: RawData, options?: SendOptions): boolean {
    if (this.readyState !== "open") return false;
    if (options?.volatile && !this.writable) return false;
    this.#queue({ type: "message", data });
    this.flush();
    return true;
  }

  /** Alias of `send`, as in the official server. */
  write(data: RawData, options?: SendOptions): boolean {
    return this.send(data, options);
  }

  /**
   * Closes the session gracefully: what is queued goes out first, then a
   * close packet. A polling client that never polls again is dropped after
   * `pingInterval + pingTimeout`.
   */
  close(): void {
    if (this.readyState !== "open" && this.readyState !== "opening") return;
    this.readyState = "closing";
    clearTimeout(this.#timer);
    this.#timer = setTimeout(
      () => this.terminate("forced close"),
      this.#host.pingInterval + this.#host.pingTimeout,
    );
    this.#queue({ type: "close" });
    this.flush();
  }

  /** Closes the session at once with `reason` (used by the server). */
  terminate(reason: CloseReason, description?: string): void {
    this.#finish(reason, description);
    this.#transport.close();
    this.#upgrade?.discard();
  }

  /** Hands queued packets to the transport if it can take them. */
  flush(): void {
    if (this.#buffer.length === 0 || !this.#transport.writable) return;
    const packets = this.#buffer;
    this.#buffer = [];
    this.#bufferedBytes = 0;
    this.emitEvent("flush", packets);
    this.#transport.send(packets);
    if (this.readyState === "closing" && packets[packets.length - 1].type === "close") {
      this.terminate("forced close");
      return;
    }
    if (this.#buffer.length === 0) this.emitEvent("drain");
  }

  /** Starts the polling-to-WebSocket upgrade over `ws`. */
  beginUpgrade(ws: WebSocketTransport): void {
    if (this.upgrading || this.upgraded || this.readyState !== "open") {
      ws.close();
      return;
    }
    this.upgrading = true;
    this.#upgrade = ws;
    let probeTimer: ReturnType<typeof setInterval> | undefined;
    const fail = () => {
      cleanup();
      ws.discard();
    };
    const timeout = setTimeout(fail, this.#host.upgradeTimeout);
    const cleanup = () => {
      clearTimeout(timeout);
      clearInterval(probeTimer);
      this.upgrading = false;
      this.#upgrade = undefined;
    };
    ws.setHost({
      onPacket: (packet) => {
        if (packet.type === "ping" && packet.data === "probe") {
          ws.send([{ type: "pong", data: "probe" }]);
          this.emitEvent("upgrading", ws);
          // Release the client's pending poll so it can pause polling.
          const release = () => {
            if (this.#transport.name === "polling" && this.#transport.writable) {
              this.#transport.send([{ type: "noop" }]);
            }
          };
          release();
          probeTimer = setInterval(release, 100);
        } else if (packet.type === "upgrade" && this.readyState === "open") {
          cleanup();
          const old = this.#transport;
          old.discard();
          this.#transport = ws;
          this.upgraded = true;
          ws.setHost(this);
          this.emitEvent("upgrade", ws);
          this.flush();
        } else {
          fail();
        }
      },
      onDrain: () => {},
      onTransportClose: () => cleanup(),
    });
  }

  // TransportHost

  /** @internal A packet from the transport. */
  onPacket(packet: EnginePacket): void {
    if (this.readyState !== "open") return;
    this.emitEvent("packet", packet);
    switch (packet.type) {
      case "message":
        this.emitEvent("message", packet.data ?? "");
        this.#handler?.onMessage(packet.data ?? "");
        break;
      case "pong":
        this.emitEvent("heartbeat");
        this.#schedulePing();
        break;
      case "ping": // v4: the server pings, never the client
        this.terminate("transport error", "invalid heartbeat direction");
        break;
      case "noop":
        break;
      default:
        this.terminate("parse error", `unexpected ${packet.type} packet`);
    }
  }

  /** @internal The transport can take more. */
  onDrain(): void {
    this.flush();
  }

  /** @internal The transport ended. */
  onTransportClose(reason: string, description?: string): void {
    this.terminate(reason as CloseReason, description);
  }

  #queue(packet: EnginePacket): void {
    this.emitEvent("packetCreate", packet);
    this.#buffer.push(packet);
    this.#bufferedBytes += packetSize(packet);
    if (this.#bufferedBytes > this.#host.maxBufferedBytes) {
      // A client that stops reading must not grow server memory unbounded.
      queueMicrotask(() => this.terminate("transport error", "write buffer full"));
    }
  }

  #sendControl(type: EnginePacketName): void {
    this.#queue({ type });
    this.flush();
  }

  #schedulePing(): void {
    clearTimeout(this.#timer);
    this.#timer = setTimeout(() => {
      this.#sendControl("ping");
      this.#timer = setTimeout(
        () => this.terminate("ping timeout"),
        this.#host.pingTimeout,
      );
    }, this.#host.pingInterval);
  }

  #finish(reason: CloseReason, description?: string): void {
    if (this.readyState === "closed") return;
    this.readyState = "closed";
    clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#buffer = [];
    this.#bufferedBytes = 0;
    this.#host.onSessionClose(this);
    try {
      this.#handler?.onClose(reason, description);
    } catch (err) {
      console.error("webio: close handler threw:", err);
    }
    this.emitEvent("close", reason, description);
  }
}
