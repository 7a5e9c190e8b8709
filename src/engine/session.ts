/**
 * One Engine.IO client: heartbeat, transport upgrade and a bounded,
 * byte-counted write queue.
 *
 * @module
 */

import { Emitter } from "../_internal/emitter.ts";
import { flushErrors, logError } from "../_internal/error_log.ts";
import { type EnginePacket, frameSize, frameToPacket, type RawData } from "./packet.ts";
import type { Transport, TransportHost } from "./transport.ts";
import type { WebSocketTransport } from "./websocket.ts";
import { sharedTimers, TimerNode, type TimerQueue } from "../_internal/timers.ts";
import { Upgrade } from "./_upgrade.ts";
import { packHeaders, unpackHeaders } from "./_header_text.ts";
import type {
  CloseReason,
  HandshakeInfo,
  SendOptions,
  SessionEvents,
  SessionHandler,
  SessionHost,
} from "./session_types.ts";

/** What the session's one timer waits for. */
const Timer = {
  None: 0,
  /** The next ping. */
  Ping: 1,
  /** The pong of the last ping. */
  Pong: 2,
  /** The end of a graceful close. */
  Close: 3,
} as const;
type Timer = typeof Timer[keyof typeof Timer];

export type {
  CloseReason,
  HandshakeInfo,
  SendOptions,
  SessionEvents,
  SessionHandler,
  SessionHost,
} from "./session_types.ts";

/** What queued frames are replaced by when none wait (never written to). */
const NO_FRAMES: RawData[] = [];

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
  get protocol(): 4 {
    return 4;
  }
  /** The client's address (`""` when the runtime cannot tell), read lazily. */
  get remoteAddress(): string {
    return this.#remoteAddress ??= this.#transport.remoteAddress ?? "";
  }
  /** `opening`, `open`, `closing` or `closed`. */
  readyState: "opening" | "open" | "closing" | "closed" = "opening";
  /** Whether the session moved from polling to WebSocket. */
  upgraded = false;

  #transport: Transport;
  #host: SessionHost<EngineSession>;
  #handler: SessionHandler | undefined;
  /** Encoded frames waiting for the transport (see `encodeFrame`). */
  #buffer: RawData[] = NO_FRAMES;
  #bufferedBytes = 0;
  #overflowed = false;
  #flushing = false;
  #timer: TimerNode = new TimerNode(this);
  readonly #timers: TimerQueue;
  #timerKind: Timer = Timer.None;
  /** When the last packet arrived, taken only while a pong is awaited. */
  #lastPacketAt = -Infinity;
  #upgrade: Upgrade | undefined;
  /** Whether `packetCreate`, `flush` or `drain` has listeners. */
  #observedOut = false;
  /** Whether `packet` or `message` has listeners. */
  #observedIn = false;
  #request: Request | undefined;
  #url: string | undefined;
  #method: string | undefined;
  /** The handshake headers as text, until `request` is built (see `packHeaders`). */
  #headerText: string | undefined;
  #remoteAddress: string | undefined;

  /** A session `id` on `transport`; {@linkcode EngineSession.open} starts it. */
  constructor(
    id: string,
    transport: Transport,
    host: SessionHost<EngineSession>,
    info: HandshakeInfo,
  ) {
    super();
    this.id = id;
    this.#transport = transport;
    this.#host = host;
    this.#timers = host.timers ?? sharedTimers;
    this.#request = info.request;
    this.#url = info.url;
    this.#method = info.method;
    this.#headerText = info.headerText ?? (info.headers && packHeaders(info.headers));
    this.#remoteAddress = info.remoteAddress;
    transport.setHost(this);
  }

  /** The request of the handshake (built on first read when the session was given its parts). */
  get request(): Request {
    if (this.#request === undefined) {
      const headers = unpackHeaders(this.#headerText ?? "");
      this.#request = new Request(this.#url!, { method: this.#method, headers });
      this.#url = this.#method = this.#headerText = undefined;
    }
    return this.#request;
  }

  /** Whether an upgrade is in progress. */
  get upgrading(): boolean {
    return this.#upgrade !== undefined;
  }

  /** The current transport. */
  get transport(): Transport {
    return this.#transport;
  }

  /** Whether a write now would go straight out. */
  get writable(): boolean {
    return this.#transport.writable && this.#buffer.length === 0;
  }

  /**
   * Bytes queued here, not yet handed to the transport. Never more than the
   * server's `maxBufferedBytes`: a packet that would pass it closes the
   * session with `"transport error"` instead.
   */
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
    this.#queue("0" + openPacket);
    if (initial !== undefined) this.#queue(typeof initial === "string" ? "4" + initial : initial);
    this.flush();
    this.#schedulePing();
  }

  /**
   * Sends a message. Returns `false` when it was dropped (a volatile
   * message while busy, a closing session, or a full write queue).
   */
  send(data: RawData, options?: SendOptions): boolean {
    return this.sendFrame(typeof data === "string" ? "4" + data : data, options);
  }

  /**
   * Sends a message given as its encoded frame: `"4"` + text, or the bytes
   * of a binary message. A broadcast builds the frame once and hands the
   * same one to every session. Returns `false` as `send` does.
   */
  sendFrame(frame: RawData, options?: SendOptions): boolean {
    if (this.readyState !== "open") return false;
    const transport = this.#transport;
    if (this.#buffer.length === 0 && transport.writable) {
      // Nothing waits and nobody observes the queue: straight out.
      if (!this.#observedOut) {
        transport.sendFrame(frame);
        return true;
      }
    } else if (options?.volatile) return false;
    if (!this.#queue(frame)) return false;
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
    // A pong still awaited keeps its earlier deadline: a silent client goes
    // with "ping timeout" then, as officially, not a close timeout later.
    if (this.#timerKind !== Timer.Pong) {
      this.#setTimer(Timer.Close, this.#host.pingInterval + this.#host.pingTimeout);
    }
    this.#queue("1");
    this.flush();
  }

  /** Closes the session at once with `reason` (used by the server). */
  terminate(reason: CloseReason, description?: string): void {
    const upgrade = this.#upgrade;
    this.#finish(reason, description);
    this.#transport.close();
    upgrade?.ws.discard();
  }

  /**
   * Hands queued packets to the transport while it can take them: all at
   * once to a waiting poll, frame by frame to a WebSocket until the runtime
   * reports backpressure (the rest waits here for its drain).
   */
  flush(): void {
    const transport = this.#transport;
    if (this.#flushing || this.#buffer.length === 0 || !transport.writable) return;
    const buffer = this.#buffer;
    let count = 0;
    this.#flushing = true;
    try {
      if (transport.name === "polling") {
        count = buffer.length;
        this.#buffer = NO_FRAMES;
        this.#bufferedBytes = 0;
        transport.send(buffer);
      } else {
        do {
          const frame = buffer[count++];
          this.#bufferedBytes -= frameSize(frame);
          transport.sendFrame(frame);
        } while (count < buffer.length && transport.writable && this.readyState !== "closed");
        if (this.readyState === "closed") return;
        this.#buffer = count === buffer.length ? NO_FRAMES : buffer.slice(count);
      }
    } finally {
      this.#flushing = false;
    }
    if (this.readyState === "closed") return;
    if (this.listenerCount("flush") > 0) {
      this.emitEvent("flush", buffer.slice(0, count).map(frameToPacket));
    }
    if (this.readyState === "closing" && buffer[count - 1] === "1") {
      this.terminate("forced close");
      return;
    }
    if (this.#buffer.length === 0) this.emitEvent("drain");
  }

  /** Starts the polling-to-WebSocket upgrade over `ws`. */
  beginUpgrade(ws: WebSocketTransport): void {
    if (this.#upgrade !== undefined || this.upgraded || this.readyState !== "open") {
      ws.close();
      return;
    }
    this.#upgrade = new Upgrade(ws, {
      upgradeTimeout: this.#host.upgradeTimeout,
      onProbe: (probed) => this.emitEvent("upgrading", probed),
      releasePoll: () => {
        const transport = this.#transport;
        if (transport.name === "polling" && transport.writable) transport.sendFrame("6");
      },
      onUpgrade: (next) => {
        if (this.readyState === "closed") return false;
        this.#transport.discard();
        this.#transport = next;
        this.upgraded = true;
        next.setHost(this);
        // From a polling heartbeat to the runtime's, when it keeps the new socket's.
        if (next.pingedByRuntime && this.#timerKind !== Timer.Close) this.#schedulePing();
        this.emitEvent("upgrade", next);
        this.flush();
        return true;
      },
      onEnd: (upgrade) => {
        if (this.#upgrade === upgrade) this.#upgrade = undefined;
      },
    });
  }

  // TransportHost

  /** @internal A packet from the transport. */
  onPacket(packet: EnginePacket): void {
    if (this.readyState !== "open") return;
    if (this.#timerKind === Timer.Pong) this.#lastPacketAt = this.#timers.now();
    this.emitEvent("packet", packet);
    switch (packet.type) {
      case "message":
        this.#deliver(packet.data ?? "");
        break;
      case "pong":
        this.emitEvent("heartbeat");
        this.#schedulePing();
        break;
      case "ping": // v4: the server pings, never the client
        this.terminate("transport error", "invalid heartbeat direction");
        break;
      case "close": // over WebSocket; polling handles its own
        this.terminate("transport close");
        break;
      case "noop":
        break;
      default:
        this.terminate("parse error", `unexpected ${packet.type} packet`);
    }
  }

  /** @internal A message from the transport. */
  onMessage(data: RawData): void {
    if (this.readyState !== "open") return;
    if (this.#timerKind === Timer.Pong) this.#lastPacketAt = this.#timers.now();
    if (this.#observedIn) {
      // As `decodeFrame` reads a bare "4": no data.
      const empty = typeof data === "string" && data.length === 0;
      this.emitEvent("packet", empty ? { type: "message" } : { type: "message", data });
    }
    this.#deliver(data);
  }

  #deliver(data: RawData): void {
    if (this.#observedIn) this.emitEvent("message", data);
    this.#handler?.onMessage(data);
  }

  /** Keeps the flags the hot paths check instead of looking listeners up. */
  protected override listenersChanged(): void {
    this.#observedOut = this.listenerCount("packetCreate") > 0 ||
      this.listenerCount("flush") > 0 || this.listenerCount("drain") > 0;
    this.#observedIn = this.listenerCount("packet") > 0 || this.listenerCount("message") > 0;
  }

  /** @internal The transport can take more. */
  onDrain(): void {
    this.flush();
  }

  /** @internal The transport ended. */
  onTransportClose(reason: string, description?: string): void {
    this.terminate(reason as CloseReason, description);
  }

  /** Queues an encoded frame; `false` when it would overflow the write queue. */
  #queue(frame: RawData): boolean {
    if (this.#overflowed) return false;
    const size = frameSize(frame);
    // A packet that goes straight out never waits here, whatever its size.
    const waits = this.#buffer.length > 0 || !this.#transport.writable;
    if (waits && this.#bufferedBytes + size > this.#host.maxBufferedBytes) {
      // A client that stops reading must not grow server memory unbounded.
      this.#overflowed = true;
      queueMicrotask(() => this.terminate("transport error", "write buffer full"));
      return false;
    }
    if (this.#observedOut) this.emitEvent("packetCreate", frameToPacket(frame));
    if (this.#buffer === NO_FRAMES) this.#buffer = [];
    this.#buffer.push(frame);
    this.#bufferedBytes += size;
    return true;
  }

  #sendControl(frame: string): void {
    if (this.#queue(frame)) this.flush();
  }

  #schedulePing(): void {
    if (this.#transport.pingedByRuntime) {
      // The runtime pings this socket: no timer (see `Conn.pingedByRuntime`).
      this.#timerKind = Timer.None;
      this.#timers.cancel(this.#timer);
      return;
    }
    this.#setTimer(Timer.Ping, this.#host.pingInterval);
  }

  #setTimer(kind: Timer, delay: number): void {
    this.#timerKind = kind;
    this.#timers.schedule(this.#timer, delay);
  }

  /**
   * After a ping: closes with "ping timeout" unless a pong (which
   * reschedules the ping) or, as in the official server, any packet arrives
   * within `pingTimeout`. Only packets after the ping count, so their time
   * is taken only while the pong is awaited.
   */
  /** @internal The heartbeat timer's deadline passed. */
  onTimer(): void {
    switch (this.#timerKind) {
      case Timer.Ping:
        this.#sendControl("2");
        if (this.readyState !== "open") return;
        this.#lastPacketAt = -Infinity;
        this.#setTimer(Timer.Pong, this.#host.pingTimeout);
        return;
      case Timer.Pong: {
        const quiet = this.#timers.now() - this.#lastPacketAt;
        const timeout = this.#host.pingTimeout;
        if (quiet < timeout) this.#setTimer(Timer.Pong, timeout - quiet);
        else this.terminate("ping timeout");
        return;
      }
      case Timer.Close:
        this.terminate("forced close");
    }
  }

  #finish(reason: CloseReason, description?: string): void {
    if (this.readyState === "closed") return;
    this.readyState = "closed";
    this.#upgrade?.end();
    this.#timerKind = Timer.None;
    this.#timers.cancel(this.#timer);
    this.#buffer = NO_FRAMES;
    this.#bufferedBytes = 0;
    this.#host.onSessionClose(this);
    try {
      this.#handler?.onClose(reason, description);
    } catch (err) {
      logError(this, `connection ${this.id}`, "webio: close handler threw:", err);
    }
    this.emitEvent("close", reason, description);
    flushErrors(this);
  }

  /**
   * Where errors of this connection's handlers go (the session's listeners,
   * and the Socket.IO layer's above it): a few a minute are logged, the
   * others counted and summed up when the session closes (see
   * `_internal/error_log.ts`), so a client cannot flood the log.
   */
  protected override onListenerError(err: unknown, event: string): void {
    logError(this, `connection ${this.id}`, `webio: listener for "${event}" threw:`, err);
  }
}
