import { test } from "node:test";
import assert from "node:assert/strict";
import {
  acceptKey,
  encodeClose,
  encodeFrame,
  FrameReader,
  isValidKey,
  MAX_FRAGMENTS,
  OPCODE,
} from "../../src/runtime/_ws_frames.ts";

const text = new TextEncoder();

/** A masked client frame. */
function clientFrame(opcode: number, payload: Uint8Array, fin = true, rsv = 0): Uint8Array {
  const length = payload.byteLength;
  const ext = length < 126 ? 0 : length < 65536 ? 2 : 8;
  const frame = new Uint8Array(2 + ext + 4 + length);
  frame[0] = (fin ? 0x80 : 0) | rsv | opcode;
  frame[1] = 0x80 | (ext === 0 ? length : ext === 2 ? 126 : 127);
  if (ext === 2) new DataView(frame.buffer).setUint16(2, length);
  if (ext === 8) new DataView(frame.buffer).setBigUint64(2, BigInt(length));
  const mask = [0x12, 0x34, 0x56, 0x78];
  frame.set(mask, 2 + ext);
  for (let i = 0; i < length; i++) frame[2 + ext + 4 + i] = payload[i] ^ mask[i & 3];
  return frame;
}

function record(max = 1000) {
  const events: unknown[][] = [];
  const reader = new FrameReader(max, {
    message: (data) => events.push(["message", data]),
    ping: (payload) => events.push(["ping", payload]),
    close: (code, reason) => events.push(["close", code, reason]),
    fail: (code, reason) => events.push(["fail", code, reason]),
  });
  return { reader, events };
}

test("acceptKey answers the RFC 6455 sample key", () => {
  assert.equal(acceptKey("dGhlIHNhbXBsZSBub25jZQ=="), "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=");
  assert.equal(isValidKey("dGhlIHNhbXBsZSBub25jZQ=="), true);
  assert.equal(isValidKey("short"), false);
  assert.equal(isValidKey(null), false);
});

test("encodeFrame writes 7-bit, 16-bit and 64-bit lengths unmasked", () => {
  assert.deepEqual(
    encodeFrame(OPCODE.TEXT, text.encode("hi")),
    new Uint8Array([0x81, 2, 104, 105]),
  );
  const mid = encodeFrame(OPCODE.BINARY, new Uint8Array(300));
  assert.deepEqual([...mid.subarray(0, 4)], [0x82, 126, 1, 44]);
  assert.equal(mid.byteLength, 304);
  const big = encodeFrame(OPCODE.BINARY, new Uint8Array(70000));
  assert.deepEqual([...big.subarray(0, 10)], [0x82, 127, 0, 0, 0, 0, 0, 1, 0x11, 0x70]);
  assert.deepEqual(encodeClose(1000, "bye"), new Uint8Array([0x88, 5, 3, 232, 98, 121, 101]));
});

test("FrameReader reads frames split at every byte, and joins fragments", () => {
  const { reader, events } = record();
  const bytes = new Uint8Array([
    ...clientFrame(OPCODE.TEXT, text.encode("hé"), false),
    ...clientFrame(OPCODE.PING, text.encode("p")), // control frames may interleave
    ...clientFrame(OPCODE.CONTINUATION, text.encode("llo")),
    ...clientFrame(OPCODE.BINARY, new Uint8Array(200).fill(7)),
  ]);
  for (let i = 0; i < bytes.length; i++) reader.push(bytes.subarray(i, i + 1));
  assert.deepEqual(events, [
    ["ping", text.encode("p")],
    ["message", "héllo"],
    ["message", new Uint8Array(200).fill(7)],
  ]);
});

test("FrameReader reports the peer's close code and reason, 1005 without one", () => {
  const one = record();
  one.reader.push(clientFrame(OPCODE.CLOSE, new Uint8Array([0x0f, 0xa0, 111, 107])));
  assert.deepEqual(one.events, [["close", 4000, "ok"]]);
  const none = record();
  none.reader.push(clientFrame(OPCODE.CLOSE, new Uint8Array(0)));
  assert.deepEqual(none.events, [["close", 1005, ""]]);
});

test("FrameReader fails protocol violations with their close codes", () => {
  const cases: [string, Uint8Array, number][] = [
    ["unmasked", new Uint8Array([0x81, 1, 104]), 1002],
    ["reserved bit", clientFrame(OPCODE.TEXT, text.encode("x"), true, 0x40), 1002],
    ["unknown opcode", clientFrame(3, text.encode("x")), 1002],
    ["fragmented ping", clientFrame(OPCODE.PING, new Uint8Array(0), false), 1002],
    ["orphan continuation", clientFrame(OPCODE.CONTINUATION, text.encode("x")), 1002],
    ["bad UTF-8", clientFrame(OPCODE.TEXT, new Uint8Array([0xc3])), 1007],
    ["close code 1005", clientFrame(OPCODE.CLOSE, new Uint8Array([3, 237])), 1002],
    ["too big", clientFrame(OPCODE.BINARY, new Uint8Array(1001)), 1009],
  ];
  for (const [name, frame, code] of cases) {
    const { reader, events } = record();
    reader.push(frame);
    reader.push(clientFrame(OPCODE.TEXT, text.encode("after"))); // ignored: reading stopped
    assert.equal(events.length, 1, name);
    assert.deepEqual(events[0].slice(0, 2), ["fail", code], name);
  }
});

test("FrameReader refuses an oversized message from its header, before the payload", () => {
  const { reader, events } = record(100);
  reader.push(clientFrame(OPCODE.TEXT, text.encode("x".repeat(60)), false));
  reader.push(clientFrame(OPCODE.CONTINUATION, text.encode("x".repeat(60))).subarray(0, 8));
  assert.deepEqual(events[0].slice(0, 2), ["fail", 1009]);
});

test("FrameReader closes an oversized message with 1009 and an empty reason", () => {
  const { reader, events } = record(100);
  reader.push(clientFrame(OPCODE.TEXT, new Uint8Array(101)).subarray(0, 8));
  assert.deepEqual(events, [["fail", 1009, ""]]);
});

test("FrameReader refuses a fragmented message once its fragments pass the limit", () => {
  const { reader, events } = record(1000);
  reader.push(clientFrame(OPCODE.BINARY, new Uint8Array(400), false));
  reader.push(clientFrame(OPCODE.CONTINUATION, new Uint8Array(400), false));
  assert.deepEqual(events, []);
  // The third header announces 1,200 bytes in all: refused before its payload.
  reader.push(clientFrame(OPCODE.CONTINUATION, new Uint8Array(400), false).subarray(0, 8));
  assert.deepEqual(events, [["fail", 1009, ""]]);
});

test("FrameReader refuses a message of more than MAX_FRAGMENTS tiny fragments", () => {
  const { reader, events } = record(1e6);
  reader.push(clientFrame(OPCODE.TEXT, text.encode("a"), false));
  for (let i = 1; i < MAX_FRAGMENTS; i++) {
    reader.push(clientFrame(OPCODE.CONTINUATION, text.encode("a"), false));
  }
  assert.deepEqual(events, [], "fragments up to the limit are held");
  reader.push(clientFrame(OPCODE.CONTINUATION, text.encode("a"), false));
  assert.deepEqual(events, [["fail", 1009, ""]]);
});

test("FrameReader joins a message of tiny fragments and byte-by-byte input whole", () => {
  const { reader, events } = record(1e6);
  const frames = [clientFrame(OPCODE.TEXT, text.encode("x"), false)];
  for (let i = 1; i < 2000; i++) {
    frames.push(clientFrame(OPCODE.CONTINUATION, text.encode("x"), i === 1999));
  }
  for (const frame of frames) {
    for (let i = 0; i < frame.byteLength; i++) reader.push(frame.subarray(i, i + 1));
  }
  assert.deepEqual(events, [["message", "x".repeat(2000)]]);
});

test("FrameReader unmasks long payloads at any alignment", () => {
  for (const offset of [0, 1, 2, 3]) {
    const { reader, events } = record(1e6);
    const payload = new Uint8Array(1000).map((_, i) => (i * 7) & 0xff);
    const frame = clientFrame(OPCODE.BINARY, payload);
    const shifted = new Uint8Array(frame.byteLength + offset);
    shifted.set(frame, offset);
    reader.push(shifted.subarray(offset));
    assert.deepEqual(events, [["message", payload]]);
  }
});

test("FrameReader reads node Buffers at odd offsets (a Buffer's slice is a view)", async () => {
  const { Buffer } = await import("node:buffer");
  const { reader, events } = record(1e6);
  const payload = new Uint8Array(300).fill(0x61);
  const frame = clientFrame(OPCODE.TEXT, payload);
  const pool = Buffer.alloc(frame.byteLength + 3);
  pool.set(frame, 3);
  reader.push(pool.subarray(3));
  assert.deepEqual(events, [["message", "a".repeat(300)]]);
});
