import { test } from "node:test";
import assert from "node:assert/strict";
import {
  decodeFrame,
  decodePayload,
  decodePollingPacket,
  encodeFrame,
  encodeFramesPayload,
  encodePayload,
  encodePollingPacket,
  type EnginePacket,
  frameSize,
  frameToPacket,
  packetSize,
  SEPARATOR,
} from "../../src/engine/packet.ts";
import { decodeBase64, encodeBase64 } from "../../src/engine/_base64.ts";

const bytes = (...values: number[]) => new Uint8Array(values);

// Every packet type, as a literal frame (the same text over both transports).
const TEXT_FRAMES: [EnginePacket, string][] = [
  [{ type: "open", data: '{"sid":"abc"}' }, '0{"sid":"abc"}'],
  [{ type: "close" }, "1"],
  [{ type: "ping" }, "2"],
  [{ type: "ping", data: "probe" }, "2probe"],
  [{ type: "pong" }, "3"],
  [{ type: "pong", data: "probe" }, "3probe"],
  [{ type: "message", data: "hello" }, "4hello"],
  [{ type: "message", data: "€ and 😀" }, "4€ and 😀"],
  [{ type: "message" }, "4"],
  [{ type: "upgrade" }, "5"],
  [{ type: "noop" }, "6"],
];

test("encodeFrame writes each packet type as its literal frame", () => {
  for (const [packet, frame] of TEXT_FRAMES) assert.equal(encodeFrame(packet), frame);
});

test("decodeFrame reads each literal frame back", () => {
  for (const [packet, frame] of TEXT_FRAMES) assert.deepEqual(decodeFrame(frame), packet);
});

test("a binary message is one binary WebSocket frame, as is", () => {
  const data = bytes(1, 2, 3, 4);
  assert.equal(encodeFrame({ type: "message", data }), data);
  assert.deepEqual(decodeFrame(data), { type: "message", data });
  assert.deepEqual(decodeFrame(new Uint8Array(0)), { type: "message", data: new Uint8Array(0) });
});

test("a b + base64 text frame is a binary message on every transport, as officially", () => {
  assert.deepEqual(decodeFrame("bAQIDBA=="), { type: "message", data: bytes(1, 2, 3, 4) });
  assert.deepEqual(decodeFrame("bAQID"), { type: "message", data: bytes(1, 2, 3) });
  assert.deepEqual(decodeFrame("b"), { type: "message", data: new Uint8Array(0) });
  for (const frame of ["b!!!", "bA", "b=AQID", "bAQ=D"]) {
    assert.equal(decodeFrame(frame), undefined, JSON.stringify(frame));
  }
});

test("polling writes a binary message as b + base64", () => {
  assert.equal(encodePollingPacket({ type: "message", data: bytes(1, 2, 3, 4) }), "bAQIDBA==");
  assert.equal(encodePollingPacket({ type: "message", data: bytes(1, 2, 3) }), "bAQID");
  assert.equal(encodePollingPacket({ type: "message", data: new Uint8Array(0) }), "b");
  assert.equal(encodePollingPacket({ type: "message", data: "hi" }), "4hi");
  assert.deepEqual(decodePollingPacket("bAQIDBA=="), { type: "message", data: bytes(1, 2, 3, 4) });
  assert.deepEqual(decodePollingPacket("b"), { type: "message", data: new Uint8Array(0) });
  assert.deepEqual(decodePollingPacket("4hi"), { type: "message", data: "hi" });
});

test("a payload joins packets with \\x1e", () => {
  assert.equal(SEPARATOR, "\x1e");
  // The examples of the protocol document.
  assert.equal(
    encodePayload([
      { type: "message", data: "hello" },
      { type: "ping" },
      { type: "message", data: "world" },
    ]),
    "4hello\x1e2\x1e4world",
  );
  assert.equal(
    encodePayload([{ type: "message", data: "hello" }, {
      type: "message",
      data: bytes(1, 2, 3, 4),
    }]),
    "4hello\x1ebAQIDBA==",
  );
  assert.equal(encodePayload([{ type: "noop" }]), "6");
  assert.equal(encodePayload([]), "");
});

test("decodePayload splits on \\x1e and decodes each packet", () => {
  assert.deepEqual(decodePayload("4test1\x1e4test2\x1e4test3"), [
    { type: "message", data: "test1" },
    { type: "message", data: "test2" },
    { type: "message", data: "test3" },
  ]);
  assert.deepEqual(decodePayload("4hello\x1ebAQIDBA=="), [
    { type: "message", data: "hello" },
    { type: "message", data: bytes(1, 2, 3, 4) },
  ]);
  assert.deepEqual(decodePayload("3"), [{ type: "pong" }]);
  assert.deepEqual(decodePayload("1"), [{ type: "close" }]);
});

test("a payload round-trips every packet type, text and binary", () => {
  const packets: EnginePacket[] = [
    ...TEXT_FRAMES.map(([packet]) => packet),
    { type: "message", data: bytes(0, 255, 128, 7) },
    { type: "message", data: new Uint8Array(70_000).map((_, i) => i % 251) },
  ];
  assert.deepEqual(decodePayload(encodePayload(packets)), packets);
});

test("invalid frames decode to undefined", () => {
  for (const frame of ["", "7", "9", "abc", "x4hello", "-1", " 4"]) {
    assert.equal(decodeFrame(frame), undefined, JSON.stringify(frame));
  }
});

test("invalid polling packets and payloads decode to undefined", () => {
  for (const text of ["", "abc", "7", "b!!!", "bA", "b=AQID"]) {
    assert.equal(decodePollingPacket(text), undefined, JSON.stringify(text));
  }
  // One bad packet spoils the payload; so does an empty one.
  for (const payload of ["", "abc", "4a\x1eabc", "4a\x1e", "\x1e4a", "4a\x1e\x1e4b", "4a\x1eb%%"]) {
    assert.equal(decodePayload(payload), undefined, JSON.stringify(payload));
  }
});

test("base64 round-trips lengths across the encoder's chunk size", () => {
  for (const length of [0, 1, 2, 3, 0x7fff, 0x8000, 0x8001, 100_000]) {
    const data = new Uint8Array(length).map((_, i) => (i * 31) % 256);
    let binary = "";
    for (const byte of data) binary += String.fromCharCode(byte);
    const text = encodeBase64(data);
    assert.equal(text, btoa(binary));
    assert.deepEqual(decodeBase64(text), data);
  }
  assert.equal(encodeBase64(bytes(255, 254, 253)), "//79");
  assert.throws(() => decodeBase64("!!"), TypeError);
});

test("packetSize counts a packet's bytes, type included for text", () => {
  assert.equal(packetSize({ type: "ping" }), 1);
  assert.equal(packetSize({ type: "message", data: "hello" }), 6);
  assert.equal(packetSize({ type: "message", data: new Uint8Array(10) }), 10);
});

test("encoded frames make the same payload, size and packet as their packets", () => {
  const packets: EnginePacket[] = [
    ...TEXT_FRAMES.map(([packet]) => packet),
    { type: "message", data: bytes(1, 2, 3, 4) },
  ];
  const frames = packets.map(encodeFrame);
  assert.equal(encodeFramesPayload(frames), encodePayload(packets));
  assert.equal(encodeFramesPayload([]), "");
  for (let i = 0; i < packets.length; i++) {
    assert.equal(frameSize(frames[i]), packetSize(packets[i]));
    // An empty message keeps its "" data, as the session queued it.
    const expected = packets[i].type === "message" && packets[i].data === undefined
      ? { type: "message", data: "" }
      : packets[i];
    assert.deepEqual(frameToPacket(frames[i]), expected);
  }
});
