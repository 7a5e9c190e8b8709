import { test } from "node:test";
import assert from "node:assert/strict";
import * as msgpackParser from "socket.io-msgpack-parser";
import { checkMsgpackFrame, encodesMsgpack } from "../../src/parser/_msgpack.ts";
import { DecodeError } from "../../src/parser/decode.ts";
import { JsonEncoder } from "../../src/parser/parser.ts";

const encoder = new msgpackParser.Encoder();
const frame = (packet: unknown) =>
  new Uint8Array((encoder.encode(packet) as unknown as Uint8Array[])[0]);

test("checkMsgpackFrame accepts what socket.io-msgpack-parser encodes", () => {
  for (
    const packet of [
      { type: 0, nsp: "/", data: { token: "x", n: 1.5, big: 2 ** 40, neg: -70000 } },
      { type: 2, nsp: "/chat", data: ["ev", new Uint8Array(300), "é".repeat(100), null], id: 7 },
      { type: 3, nsp: "/", data: [{ a: [1, [2, [3]]] }, true, false, undefined], id: 70000 },
      { type: 2, nsp: "/", data: ["s", "x".repeat(70000), new Array(20).fill(0)] },
    ]
  ) {
    checkMsgpackFrame(frame(packet));
  }
});

test("checkMsgpackFrame refuses lengths and counts past the frame, 0xc1 and trailing bytes", () => {
  for (
    const bytes of [
      [],
      [0xc1],
      [0xc9, 0xff, 0xff, 0xff, 0xff, 0x00],
      [0xc6, 0x00, 0x00, 0x00, 0x05, 1, 2],
      [0xdb, 0xff, 0xff, 0xff, 0xff],
      [0xdd, 0xff, 0xff, 0xff, 0xff, 0x01],
      [0xdf, 0x00, 0x00, 0x00, 0x02, 0x01, 0x01],
      [0x92, 0x01],
      [0x91, 0x01, 0x01],
      [0xcb, 0x00],
    ]
  ) {
    assert.throws(() => checkMsgpackFrame(new Uint8Array(bytes)), DecodeError, String(bytes));
  }
  const deep = new Uint8Array(2000).fill(0x91);
  deep[1999] = 0x01;
  assert.throws(() => checkMsgpackFrame(deep), /nested deeper than 1000 levels/);
});

test("encodesMsgpack tells the msgpack parser from JSON ones", () => {
  assert.equal(encodesMsgpack((p) => encoder.encode(p)), true);
  assert.equal(encodesMsgpack((p) => new JsonEncoder().encode(p)), false);
  assert.equal(
    encodesMsgpack(() => {
      throw new Error("no");
    }),
    false,
  );
});
