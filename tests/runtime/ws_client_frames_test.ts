/**
 * The client codec of the tests and the bench (`_fixtures/ws_client_frames.ts`)
 * against the server's own (`src/runtime/_ws_frames.ts`): each reads what the
 * other writes, at every length form and split at every byte.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { encodeFrame, FrameReader, OPCODE } from "../../src/runtime/_ws_frames.ts";
import {
  encodeClientFrame,
  encodeClientFrameHead,
  headEnd,
  isSwitchingProtocols,
  OP_BINARY,
  OP_PING,
  OP_TEXT,
  SAMPLE_KEY,
  ServerFrameReader,
  statusLine,
  upgradeRequest,
} from "../_fixtures/ws_client_frames.ts";

const text = new TextEncoder();
const decoder = new TextDecoder();

/** Every event of a client-side reader, with copies of the views it hands over. */
function clientRecord(skipBinary = false) {
  const events: unknown[][] = [];
  const reader = new ServerFrameReader({
    text: (data) => events.push(["text", decoder.decode(data)]),
    binary: (data, length) => events.push(["binary", data && new Uint8Array(data), length]),
    control: (opcode, data) => events.push(["control", opcode, new Uint8Array(data)]),
  }, { skipBinary });
  return { reader, events };
}

/** A server frame with FIN unset: a fragment. */
function serverFragment(opcode: number, payload: Uint8Array): Uint8Array {
  const frame = encodeFrame(opcode, payload);
  frame[0] &= 0x7f;
  return frame;
}

test("client frames at 7-bit, 16-bit and 64-bit lengths are read back by the server's reader", () => {
  const got: unknown[] = [];
  const reader = new FrameReader(1 << 20, {
    message: (data) => got.push(data),
    ping: () => {},
    close: () => {},
    fail: (code, reason) => got.push(["fail", code, reason]),
  });
  const mid = new Uint8Array(300).map((_, i) => i);
  const big = new Uint8Array(70000).map((_, i) => i * 7);
  reader.push(encodeClientFrame(OP_TEXT, "hé"));
  reader.push(encodeClientFrame(OP_BINARY, mid));
  reader.push(encodeClientFrame(OP_BINARY, big));
  assert.deepEqual(got, ["hé", mid, big]);
});

test("a client frame's head: FIN, RSV, the length forms and the mask key given", () => {
  const mask = new Uint8Array([1, 2, 3, 4]);
  assert.deepEqual(
    encodeClientFrame(OP_TEXT, "hi", { mask }),
    new Uint8Array([0x81, 0x82, 1, 2, 3, 4, 104 ^ 1, 105 ^ 2]),
  );
  assert.deepEqual(
    encodeClientFrameHead(OP_BINARY, 300, { fin: false, rsv: 0x40, mask }),
    new Uint8Array([0x42, 0x80 | 126, 1, 44, 1, 2, 3, 4]),
  );
  // A partial frame's head as RawWebSocket.sendPartialFrame writes it: 8-byte length, zero mask.
  assert.deepEqual(
    encodeClientFrameHead(OP_TEXT, 4000, { fin: false, mask: new Uint8Array(4), longLength: true }),
    new Uint8Array([0x01, 0x80 | 127, 0, 0, 0, 0, 0, 0, 0x0f, 0xa0, 0, 0, 0, 0]),
  );
  const huge = encodeClientFrameHead(OP_BINARY, 2 ** 32 + 5, { mask });
  assert.deepEqual([...huge.subarray(0, 10)], [0x82, 0xff, 0, 0, 0, 1, 0, 0, 0, 5]);
});

test("server frames split at every byte are read whole, fragments joined around a ping", () => {
  const { reader, events } = clientRecord();
  const bytes = new Uint8Array([
    ...serverFragment(OPCODE.TEXT, text.encode("hé")),
    ...encodeFrame(OPCODE.PING, text.encode("p")),
    ...encodeFrame(OPCODE.CONTINUATION, text.encode("llo")),
    ...encodeFrame(OPCODE.BINARY, new Uint8Array(300).fill(7)),
    ...encodeFrame(OPCODE.TEXT, text.encode('42["x"]')),
  ]);
  for (let i = 0; i < bytes.length; i++) reader.push(bytes.subarray(i, i + 1));
  assert.deepEqual(events, [
    ["control", OP_PING, text.encode("p")],
    ["text", "héllo"],
    ["binary", new Uint8Array(300).fill(7), 300],
    ["text", '42["x"]'],
  ]);
});

test("with skipBinary a binary message is counted, not copied, even across chunks", () => {
  const { reader, events } = clientRecord(true);
  const header = encodeFrame(OPCODE.BINARY, new Uint8Array(70000)).subarray(0, 10);
  const after = encodeFrame(OPCODE.TEXT, text.encode("4done"));
  reader.push(new Uint8Array([...encodeFrame(OPCODE.TEXT, text.encode("451-[]")), ...header]));
  reader.push(new Uint8Array(40000));
  reader.push(new Uint8Array([...new Uint8Array(30000), ...after.subarray(0, 3)]));
  reader.push(after.subarray(3));
  assert.deepEqual(events, [
    ["text", "451-[]"],
    ["binary", undefined, 70000],
    ["text", "4done"],
  ]);
});

test("the upgrade request and the answer's head", () => {
  const request = decoder.decode(
    upgradeRequest("127.0.0.1", 3000, "/socket.io/?EIO=4", SAMPLE_KEY),
  );
  assert.equal(
    request,
    "GET /socket.io/?EIO=4 HTTP/1.1\r\nHost: 127.0.0.1:3000\r\nUpgrade: websocket\r\n" +
      `Connection: Upgrade\r\nSec-WebSocket-Key: ${SAMPLE_KEY}\r\nSec-WebSocket-Version: 13\r\n\r\n`,
  );
  const key = /Sec-WebSocket-Key: (.*)\r\n/.exec(decoder.decode(upgradeRequest("h", 1, "/")))![1];
  assert.equal(atob(key).length, 16);
  const answer = text.encode("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n\r\nX");
  assert.equal(headEnd(answer.subarray(0, 20)), -1);
  assert.equal(headEnd(answer), answer.length - 1);
  assert.equal(isSwitchingProtocols(answer), true);
  const refused = text.encode("HTTP/1.1 400 Bad Request\r\n\r\n");
  assert.equal(isSwitchingProtocols(refused), false);
  assert.equal(statusLine(refused), "HTTP/1.1 400 Bad Request");
});
