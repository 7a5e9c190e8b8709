/**
 * The Socket.IO client of one engine session: decodes packets, routes them
 * to the namespaces' sockets, and writes encoded packets to the session.
 *
 * @module
 */

import type { WriteOptions } from "./adapter.ts";
import { logError } from "../_internal/error_log.ts";
import type { DebugFn } from "../_internal/log.ts";
import type { CloseReason, EngineSession, SessionHandler } from "../engine/session.ts";
import {
  checkPacket,
  DecodeError,
  decodeMainEvent,
  decodePacket,
  Decoder,
} from "../parser/decode.ts";
import { checkMsgpackFrame } from "../parser/_msgpack.ts";
import { sharedTimers, TimerNode, type TimerQueue } from "../_internal/timers.ts";
import { encodePacket } from "../parser/encode.ts";
import { type Packet, PacketType } from "../parser/packet.ts";
import type { PacketDecoder, PacketEncoder, Parser } from "../parser/parser.ts";
import type { Namespace } from "./namespace.ts";
import type { DisconnectReason, Socket } from "./socket.ts";
import { EnginePacketType, type RawData } from "../engine/packet.ts";

/**
 * The Engine.IO message type: the Socket.IO codec writes it in front of a
 * packet's text, so a frame is built as one string.
 */
const MESSAGE = EnginePacketType.message;

/** What a client needs of the server. */
export interface ClientHost {
  /**
   * Milliseconds an engine connection may stay without any namespace, and
   * that the attachments of one binary packet may take to arrive.
   */
  readonly connectTimeout: number;
  /** The server's queue of deadlines (default: one for the whole process). */
  readonly timers?: TimerQueue;
  /** Largest number of binary attachments in one packet. */
  readonly maxAttachments: number;
  /** The `parser` option: a custom parser, or `undefined` for webio's own. */
  readonly parser?: Parser;
  /** The custom parser's encoder (the server's one), with `parser`. */
  readonly customEncoder?: PacketEncoder;
  /**
   * Whether the custom parser speaks msgpack: each frame is then checked
   * (binary, every announced length within it) before the parser reads it.
   */
  readonly msgpackFrames?: boolean;
  /**
   * Finds (or creates, for a dynamic namespace) the namespace `name`;
   * resolves `undefined` when there is none.
   */
  resolveNamespace(
    name: string,
    auth: Record<string, unknown>,
  ): Namespace | undefined | Promise<Namespace | undefined>;
  /** The `webio:client` debug channel, when on. */
  readonly debugClient?: DebugFn;
  /** The `webio:socket` debug channel, when on. */
  readonly debugSocket?: DebugFn;
}

// deno-lint-ignore no-explicit-any
type AnySocket = Socket<any, any, any, any>;

/** First characters of the packets whose binary attachments follow (a Decoder's job). */
const BINARY_EVENT_CODE = 48 + PacketType.BINARY_EVENT;
const BINARY_ACK_CODE = 48 + PacketType.BINARY_ACK;

/**
 * A binary frame as a Node parser expects it: a `Buffer` over the same bytes
 * where the runtime has one (Deno and Bun do), as the official engine gives.
 */
const NodeBuffer = (globalThis as {
  Buffer?: { from(buffer: ArrayBufferLike, offset: number, length: number): Uint8Array };
}).Buffer;

/** The engine frames of a broadcast's packet frames, built by its first recipient. */
const ENGINE_FRAMES = new WeakMap<readonly RawData[], readonly RawData[]>();

/**
 * One engine session seen from the Socket.IO layer.
 *
 * @example
 * ```ts ignore
 * engine.on("connection", (session) => new Client(host, session));
 * ```
 */
export class Client implements SessionHandler {
  /** The engine session. */
  readonly conn: EngineSession;
  /** The engine session id. */
  readonly id: string;
  #host: ClientHost;
  /** The encoder of a custom parser (the `parser` option); `undefined` for webio's own. */
  readonly customEncoder: PacketEncoder | undefined;
  /** The decoder of a custom parser; webio's own fast paths run without one. */
  #custom: PacketDecoder | undefined;
  /** Made for the first binary packet: text packets need no decoder state. */
  #decoder: Decoder | undefined;
  /**
   * The connected sockets: the oldest, then the others by namespace name
   * (most clients join one namespace; a Map costs hundreds of bytes).
   */
  #first: AnySocket | undefined;
  #others: Map<string, AnySocket> | undefined;
  /** Closes a connection that joined no namespace in time (on the engine's shared timer). */
  #connectTimer: TimerNode | undefined;
  #attachmentTimer: ReturnType<typeof setTimeout> | undefined;
  /** Namespaces whose CONNECT has not been answered yet. */
  #pendingConnects: Set<string> | undefined;

  /** The client of engine session `conn`; `host` is the Socket.IO server. */
  constructor(host: ClientHost, conn: EngineSession) {
    this.#host = host;
    this.conn = conn;
    this.id = conn.id;
    this.customEncoder = host.customEncoder;
    if (host.parser === undefined) {
      conn.setHandler(this);
    } else {
      // The engine hands a custom parser's frames to their own handler, so
      // that `onMessage`, webio's own decoding, does not even test for one.
      const decoder = this.#custom = new host.parser.Decoder();
      decoder.on("decoded", (packet) => this.#onCustomPacket(packet));
      conn.setHandler({
        onMessage: (data) => this.#onCustomFrame(decoder, data),
        onClose: (reason, description) => this.onClose(reason, description),
      });
    }
    this.#connectTimer = new TimerNode(this);
    (host.timers ?? sharedTimers).schedule(this.#connectTimer, host.connectTimeout);
  }

  /** The request of the handshake. */
  get request(): Request {
    return this.conn.request;
  }

  /**
   * @internal Writes an encoded packet's frames (as the adapter hands them
   * to every recipient of a broadcast: their engine frames are built once).
   */
  writeToEngine(frames: readonly RawData[], opts: WriteOptions): void {
    let engineFrames = ENGINE_FRAMES.get(frames);
    if (engineFrames === undefined) {
      engineFrames = frames.map((frame) => typeof frame === "string" ? MESSAGE + frame : frame);
      ENGINE_FRAMES.set(frames, engineFrames);
    }
    this.writeFrames(engineFrames, opts);
  }

  /** @internal Writes one engine frame: a message, its text already prefixed with `MESSAGE`. */
  writeFrame(frame: string, opts: WriteOptions): void {
    const conn = this.conn;
    if (opts.volatile && !conn.writable) return;
    conn.sendFrame(frame, opts);
  }

  /** @internal Writes engine frames: an encoded packet, its text frames prefixed with `MESSAGE`. */
  writeFrames(frames: readonly RawData[], opts: WriteOptions): void {
    const conn = this.conn;
    if (opts.volatile && !conn.writable) return;
    for (let i = 0; i < frames.length; i++) conn.sendFrame(frames[i], opts);
  }

  /** @internal Encodes and writes a packet. */
  writePacket(packet: Packet, opts: WriteOptions): void {
    // A CONNECT stays pending until the client has its answer: a socket's
    // CONNECT or a CONNECT_ERROR (written here by the namespace when its
    // middlewares refuse). Until then, another CONNECT to it is refused.
    if (packet.type === PacketType.CONNECT || packet.type === PacketType.CONNECT_ERROR) {
      const pending = this.#pendingConnects;
      if (pending?.delete(packet.nsp) && pending.size === 0) this.#pendingConnects = undefined;
    }
    if (this.conn.readyState !== "open") return;
    const custom = this.customEncoder;
    if (custom === undefined) this.writeFrames(encodePacket(packet, MESSAGE), opts);
    else this.writeToEngine(custom.encode(packet), opts);
  }

  /** @internal Forgets a socket that disconnected. */
  remove(socket: AnySocket): void {
    if (this.#first === socket) {
      // The next oldest takes its place, so iteration keeps joining order.
      const next = this.#others?.entries().next().value;
      this.#first = next?.[1];
      if (next) this.#others!.delete(next[0]);
    } else if (this.#others?.get(socket.nsp.name) === socket) {
      this.#others.delete(socket.nsp.name);
    }
  }

  /** @internal Disconnects every socket, then closes the connection. */
  disconnectAll(): void {
    for (const socket of this.#sockets()) socket.disconnect();
    this.#first = this.#others = undefined;
    this.close();
  }

  /** Closes the engine connection. */
  close(): void {
    if (this.conn.readyState !== "open") return;
    this.conn.close();
    this.onClose("forced server close");
  }

  // -- SessionHandler --

  /** @internal Data from the engine. */
  onMessage(data: RawData): void {
    let packet: Packet | undefined;
    let decoder = this.#decoder;
    try {
      if (typeof data === "string" && !decoder?.awaitingAttachments) {
        // The common frame, an event on the main namespace, goes straight to its socket.
        const args = decodeMainEvent(data);
        if (args !== undefined) {
          this.#onMainEvent(args);
          return;
        }
        const type = data.charCodeAt(0);
        if (type !== BINARY_EVENT_CODE && type !== BINARY_ACK_CODE) {
          packet = decodePacket(data, this.#host.maxAttachments);
        }
      }
      if (packet === undefined) {
        decoder ??= this.#decoder = new Decoder({ maxAttachments: this.#host.maxAttachments });
        packet = decoder.add(data);
      }
    } catch (err) {
      this.#refuse(err);
      return;
    }
    if (decoder?.awaitingAttachments) {
      this.#awaitAttachments();
      return;
    }
    if (this.#attachmentTimer !== undefined) {
      clearTimeout(this.#attachmentTimer);
      this.#attachmentTimer = undefined;
    }
    if (packet) this.#onPacket(packet);
  }

  /** @internal The engine session closed. */
  onClose(reason: CloseReason | DisconnectReason, description?: string): void {
    this.#stopConnectTimer();
    clearTimeout(this.#attachmentTimer);
    this.#attachmentTimer = undefined;
    this.#pendingConnects = undefined;
    this.#host.debugClient?.(`client ${this.id} closed: ${reason}`);
    for (const socket of this.#sockets()) {
      socket.onClose(reason as DisconnectReason, description);
    }
    this.#first = this.#others = undefined;
    this.#decoder?.reset();
    try {
      this.#custom?.destroy?.();
    } catch (err) {
      logError(this.conn, `connection ${this.id}`, "webio: the parser's destroy() threw:", err);
    }
  }

  /**
   * A frame for a custom parser: a malformed one (the decoder throws) or a
   * packet that fails {@linkcode checkPacket} closes this connection only.
   */
  #onCustomFrame(decoder: PacketDecoder, data: RawData): void {
    try {
      if (this.#host.msgpackFrames) {
        if (typeof data === "string") {
          throw new DecodeError("Cannot decode packet: a text frame for the msgpack parser");
        }
        checkMsgpackFrame(data);
      }
      decoder.add(
        typeof data === "string" || NodeBuffer === undefined
          ? data
          : NodeBuffer.from(data.buffer, data.byteOffset, data.byteLength),
      );
    } catch (err) {
      if (this.conn.readyState === "open") this.#refuse(err);
    }
  }

  /** A packet from a custom parser's decoder. */
  #onCustomPacket(decoded: unknown): void {
    if (this.conn.readyState !== "open") return;
    let packet: Packet;
    try {
      packet = checkPacket(decoded);
    } catch (err) {
      this.#refuse(err);
      return;
    }
    this.#onPacket(packet);
  }

  #onMainEvent(args: unknown[]): void {
    const first = this.#first;
    const socket = first !== undefined && first.nsp.name === "/" ? first : this.#others?.get("/");
    this.#host.debugSocket?.(`socket ${socket?.id} got event ${JSON.stringify(args[0])}`);
    if (socket) socket.onEvent(args, undefined);
    else this.#refuse(new Error("packet for a namespace not joined: /"));
  }

  #onPacket(packet: Packet): void {
    const first = this.#first;
    const socket = first !== undefined && first.nsp.name === packet.nsp
      ? first
      : this.#others?.get(packet.nsp);
    if (packet.type === PacketType.CONNECT) {
      if (socket || this.#pendingConnects?.has(packet.nsp)) {
        this.#refuse(new Error(`duplicate CONNECT for ${packet.nsp}`));
        return;
      }
      this.#connect(packet.nsp, (packet.data ?? {}) as Record<string, unknown>);
      return;
    }
    if (!socket || packet.type === PacketType.CONNECT_ERROR) {
      // DISCONNECT for a namespace the client has left already is harmless.
      if (packet.type === PacketType.DISCONNECT) return;
      this.#refuse(new Error(`packet for a namespace not joined: ${packet.nsp}`));
      return;
    }
    this.#host.debugSocket?.(`socket ${socket.id} got packet type ${packet.type} on ${packet.nsp}`);
    if (!socket.onPacket(packet)) this.#refuse(new Error("acknowledgement for an unknown id"));
  }

  #connect(name: string, auth: Record<string, unknown>): void {
    this.#host.debugClient?.(`client ${this.id} connects to namespace ${name}`);
    (this.#pendingConnects ??= new Set()).add(name);
    let resolved: Namespace | undefined | Promise<Namespace | undefined>;
    try {
      resolved = this.#host.resolveNamespace(name, auth);
    } catch (err) {
      this.#resolveFailed(err);
    }
    // An existing namespace comes at once: the CONNECT answer then leaves
    // without waiting for a microtask (a handshake's latency during a storm).
    if (!(resolved instanceof Promise)) return this.#join(name, auth, resolved);
    resolved.then(
      (nsp) => this.#join(name, auth, nsp),
      (err) => {
        this.#resolveFailed(err);
        this.#join(name, auth, undefined);
      },
    );
  }

  #resolveFailed(err: unknown): void {
    logError(this.conn, `connection ${this.id}`, "webio: namespace resolution threw:", err);
  }

  /** Joins the resolved namespace, or answers CONNECT_ERROR when there is none. */
  #join(name: string, auth: Record<string, unknown>, nsp: Namespace | undefined): void {
    if (this.conn.readyState !== "open") return;
    if (!nsp) {
      this.writePacket({
        type: PacketType.CONNECT_ERROR,
        nsp: name,
        data: { message: "Invalid namespace" },
      }, {});
      return;
    }
    // The middlewares may take their time: the name stays pending until the
    // namespace writes CONNECT or CONNECT_ERROR (see `writePacket`).
    nsp.add(this, auth, (socket) => {
      this.#host.debugSocket?.(`socket ${socket.id} connected to ${name} (client ${this.id})`);
      if (this.#first === undefined) this.#first = socket;
      else (this.#others ??= new Map()).set(name, socket);
      this.#stopConnectTimer();
    });
  }

  /** @internal No namespace was joined within `connectTimeout`. */
  onTimer(): void {
    this.#connectTimer = undefined;
    if (this.#first === undefined) this.close();
  }

  #stopConnectTimer(): void {
    if (this.#connectTimer === undefined) return;
    (this.#host.timers ?? sharedTimers).cancel(this.#connectTimer);
    this.#connectTimer = undefined;
  }

  /** The connected sockets, oldest first (a copy). */
  #sockets(): AnySocket[] {
    const first = this.#first;
    if (first === undefined) return [];
    return this.#others === undefined ? [first] : [first, ...this.#others.values()];
  }

  /**
   * A binary packet is waiting for its attachments. What one packet holds
   * is bounded by `maxAttachments` frames of at most `maxHttpBufferSize`
   * bytes, and a text frame before the last attachment is refused by the
   * decoder. Time is bounded too: a conforming client sends the attachments
   * right after their packet, so when they have not all arrived within
   * `connectTimeout` the connection is refused, instead of holding the
   * partial packet for as long as the client keeps answering pings.
   */
  #awaitAttachments(): void {
    if (this.#attachmentTimer !== undefined) return;
    const ms = this.#host.connectTimeout;
    this.#attachmentTimer = setTimeout(() => {
      this.#attachmentTimer = undefined;
      if (!this.#decoder?.awaitingAttachments) return;
      this.#refuse(
        new Error(`Cannot decode packet: attachments did not arrive within ${ms} ms`),
      );
    }, ms);
  }

  /** A protocol violation: every socket sees the error, the connection closes. */
  #refuse(err: unknown): void {
    this.#host.debugClient?.(`client ${this.id} refused: ${(err as Error)?.message ?? err}`);
    for (const socket of this.#sockets()) socket.onError(err);
    this.close();
  }
}
