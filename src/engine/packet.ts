/**
 * Engine.IO v4 packet and payload codec: pure functions.
 *
 * A packet is a one-character type followed by data. Over WebSocket a text
 * frame carries one packet and a binary frame carries one binary message.
 * Over HTTP long-polling several packets are joined with the record
 * separator `\x1e`, binary messages written as `b` + base64 (which a client
 * with `forceBase64` also sends over WebSocket, as a text frame).
 *
 * @module
 */

import { decodeBase64, encodeBase64 } from "./_base64.ts";

/** Engine.IO packet types, by name. */
export const EnginePacketType = {
  open: "0",
  close: "1",
  ping: "2",
  pong: "3",
  message: "4",
  upgrade: "5",
  noop: "6",
} as const;

/** An Engine.IO packet type name. */
export type EnginePacketName = keyof typeof EnginePacketType;

/** The payload of a message: text or bytes. */
export type RawData = string | Uint8Array;

/** One decoded Engine.IO packet. */
export interface EnginePacket {
  /** The packet type. */
  type: EnginePacketName;
  /** Text after the type character, or the bytes of a binary message. */
  data?: RawData;
}

const NAMES: Record<string, EnginePacketName> = {
  "0": "open",
  "1": "close",
  "2": "ping",
  "3": "pong",
  "4": "message",
  "5": "upgrade",
  "6": "noop",
};

/** The separator between packets of a polling payload. */
export const SEPARATOR = "\x1e";

/**
 * Encodes a packet as one WebSocket frame: a string, or the raw bytes of a
 * binary message.
 *
 * @example
 * ```ts
 * import { encodeFrame } from "./packet.ts";
 * encodeFrame({ type: "message", data: "hi" }); // "4hi"
 * ```
 */
export function encodeFrame(packet: EnginePacket): RawData {
  const data = packet.data;
  if (data instanceof Uint8Array) return data;
  return data === undefined ? EnginePacketType[packet.type] : EnginePacketType[packet.type] + data;
}

/**
 * Encodes a packet for a polling payload: binary messages become `b` +
 * base64.
 *
 * @example
 * ```ts
 * import { encodePollingPacket } from "./packet.ts";
 * encodePollingPacket({ type: "message", data: new Uint8Array([1, 2, 3]) }); // "bAQID"
 * ```
 */
export function encodePollingPacket(packet: EnginePacket): string {
  const data = packet.data;
  if (data instanceof Uint8Array) return "b" + encodeBase64(data);
  return data === undefined ? EnginePacketType[packet.type] : EnginePacketType[packet.type] + data;
}

/**
 * Joins packets into one polling payload.
 *
 * @example
 * ```ts
 * import { encodePayload } from "./packet.ts";
 * encodePayload([{ type: "message", data: "a" }, { type: "noop" }]); // "4a\x1e6"
 * ```
 */
export function encodePayload(packets: readonly EnginePacket[]): string {
  let out = "";
  for (let i = 0; i < packets.length; i++) {
    if (i > 0) out += SEPARATOR;
    out += encodePollingPacket(packets[i]);
  }
  return out;
}

/**
 * Decodes one WebSocket frame. Returns `undefined` for an invalid packet.
 * A text frame `b` + base64 is a binary message, as on polling: clients
 * with `forceBase64` send their binary that way over WebSocket too, and the
 * official server decodes it on every transport.
 *
 * @example
 * ```ts
 * import { decodeFrame } from "./packet.ts";
 * decodeFrame("4hello"); // { type: "message", data: "hello" }
 * decodeFrame(new Uint8Array([1])); // { type: "message", data: Uint8Array [1] }
 * decodeFrame("bAQID"); // { type: "message", data: Uint8Array [1, 2, 3] }
 * ```
 */
export function decodeFrame(frame: RawData): EnginePacket | undefined {
  if (typeof frame !== "string") return { type: "message", data: frame };
  if (frame.charCodeAt(0) === 98 /* "b" */) {
    try {
      return { type: "message", data: decodeBase64(frame.slice(1)) };
    } catch {
      return undefined;
    }
  }
  const type = NAMES[frame.charAt(0)];
  if (type === undefined) return undefined;
  return frame.length > 1 ? { type, data: frame.slice(1) } : { type };
}

/**
 * Decodes one packet of a polling payload (`b` + base64 for binary): the
 * same text as a WebSocket text frame (see {@linkcode decodeFrame}).
 * Returns `undefined` for an invalid packet.
 *
 * @example
 * ```ts
 * import { decodePollingPacket } from "./packet.ts";
 * decodePollingPacket("bAQID"); // { type: "message", data: Uint8Array [1, 2, 3] }
 * ```
 */
export function decodePollingPacket(text: string): EnginePacket | undefined {
  return decodeFrame(text);
}

/**
 * Splits a polling payload into packets. Returns `undefined` when any packet
 * is invalid, so the caller can refuse the whole request.
 *
 * @example
 * ```ts
 * import { decodePayload } from "./packet.ts";
 * decodePayload("4a\x1e4b"); // [{ type: "message", data: "a" }, { type: "message", data: "b" }]
 * ```
 */
export function decodePayload(payload: string): EnginePacket[] | undefined {
  const parts = payload.split(SEPARATOR);
  const packets: EnginePacket[] = new Array(parts.length);
  for (let i = 0; i < parts.length; i++) {
    const packet = decodePollingPacket(parts[i]);
    if (packet === undefined) return undefined;
    packets[i] = packet;
  }
  return packets;
}

/**
 * Joins already-encoded frames (see {@linkcode encodeFrame}) into one polling
 * payload: text frames as they are, binary messages as `b` + base64.
 *
 * @example
 * ```ts
 * import { encodeFramesPayload } from "./packet.ts";
 * encodeFramesPayload(["4a", new Uint8Array([1, 2, 3])]); // "4a\x1ebAQID"
 * ```
 */
export function encodeFramesPayload(frames: readonly RawData[]): string {
  let out = "";
  for (let i = 0; i < frames.length; i++) {
    if (i > 0) out += SEPARATOR;
    const frame = frames[i];
    out += typeof frame === "string" ? frame : "b" + encodeBase64(frame);
  }
  return out;
}

/**
 * The packet an encoded frame stands for (for the session's public events).
 * Unlike {@linkcode decodeFrame}, an empty message keeps its `""` data.
 *
 * @example
 * ```ts
 * import { frameToPacket } from "./packet.ts";
 * frameToPacket("4"); // { type: "message", data: "" }
 * frameToPacket("2"); // { type: "ping" }
 * ```
 */
export function frameToPacket(frame: RawData): EnginePacket {
  if (typeof frame !== "string") return { type: "message", data: frame };
  const type = NAMES[frame.charAt(0)];
  if (type === "message" || frame.length > 1) return { type, data: frame.slice(1) };
  return { type };
}

/**
 * Size of an encoded frame as counted by the session's write queue: the
 * same as {@linkcode packetSize} of its packet.
 *
 * @example
 * ```ts
 * import { frameSize } from "./packet.ts";
 * frameSize("4hello"); // 6
 * ```
 */
export function frameSize(frame: RawData): number {
  return typeof frame === "string" ? frame.length : frame.byteLength;
}

/**
 * Size of a packet as counted by the session's write queue: bytes of binary
 * data, or the type character plus the text (in UTF-16 units).
 *
 * @example
 * ```ts
 * import { packetSize } from "./packet.ts";
 * packetSize({ type: "message", data: "hello" }); // 6
 * packetSize({ type: "message", data: new Uint8Array(3) }); // 3
 * ```
 */
export function packetSize(packet: EnginePacket): number {
  const data = packet.data;
  if (data === undefined) return 1;
  return data instanceof Uint8Array ? data.byteLength : data.length + 1;
}
