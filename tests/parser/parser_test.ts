import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { encodeEvent, encodeEventText, encodePacket } from "../../src/parser/encode.ts";
import { DecodeError, decodeMainEvent, Decoder } from "../../src/parser/decode.ts";
import { type Packet, PacketType, RESERVED_EVENTS } from "../../src/parser/packet.ts";
import { hasBinary, isBinary } from "../../src/parser/_binary.ts";

const bytes = (...values: number[]): Uint8Array => new Uint8Array(values);

function decodeAll(frames: Array<string | Uint8Array>, decoder = new Decoder()): Packet {
  let packet: Packet | undefined;
  frames.forEach((frame, i) => {
    packet = decoder.add(frame);
    if (i < frames.length - 1) assert.equal(packet, undefined);
  });
  assert.ok(packet);
  return packet;
}

function refuses(frames: string | Array<string | Uint8Array>, message?: RegExp): void {
  const decoder = new Decoder();
  const list = typeof frames === "string" ? [frames] : frames;
  assert.throws(() => list.forEach((frame) => decoder.add(frame)), (error: unknown) => {
    assert.ok(error instanceof DecodeError, `expected DecodeError, got ${error}`);
    assert.equal(error.name, "DecodeError");
    assert.match(error.message, /^Cannot decode packet: [a-z]/);
    if (message) assert.match(error.message, message);
    return true;
  });
  assert.equal(decoder.awaitingAttachments, false);
}

describe("encodePacket", () => {
  const literals: Array<[string, Packet, string]> = [
    ["CONNECT to main", { type: PacketType.CONNECT, nsp: "/" }, "0"],
    [
      "CONNECT with auth",
      { type: PacketType.CONNECT, nsp: "/", data: { token: "x" } },
      '0{"token":"x"}',
    ],
    [
      "CONNECT reply on a namespace",
      { type: PacketType.CONNECT, nsp: "/admin", data: { sid: "abc" } },
      '0/admin,{"sid":"abc"}',
    ],
    ["DISCONNECT", { type: PacketType.DISCONNECT, nsp: "/" }, "1"],
    ["DISCONNECT on a namespace", { type: PacketType.DISCONNECT, nsp: "/admin" }, "1/admin,"],
    ["EVENT", { type: PacketType.EVENT, nsp: "/", data: ["hello", 1] }, '2["hello",1]'],
    [
      "EVENT on a namespace",
      { type: PacketType.EVENT, nsp: "/admin", data: ["hello"] },
      '2/admin,["hello"]',
    ],
    ["EVENT with ack id", { type: PacketType.EVENT, nsp: "/", data: ["a"], id: 1 }, '21["a"]'],
    [
      "EVENT with namespace and ack id",
      { type: PacketType.EVENT, nsp: "/admin", data: ["a"], id: 12 },
      '2/admin,12["a"]',
    ],
    ["ACK", { type: PacketType.ACK, nsp: "/", data: [], id: 1 }, "31[]"],
    [
      "ACK on a namespace",
      { type: PacketType.ACK, nsp: "/admin", data: ["ok"], id: 5 },
      '3/admin,5["ok"]',
    ],
    [
      "CONNECT_ERROR",
      { type: PacketType.CONNECT_ERROR, nsp: "/", data: { message: "Invalid namespace" } },
      '4{"message":"Invalid namespace"}',
    ],
    [
      "CONNECT_ERROR on a namespace",
      {
        type: PacketType.CONNECT_ERROR,
        nsp: "/admin",
        data: { message: "Not authorized", data: { code: 7 } },
      },
      '4/admin,{"message":"Not authorized","data":{"code":7}}',
    ],
    [
      "BINARY_EVENT without binary becomes EVENT",
      { type: PacketType.BINARY_EVENT, nsp: "/", data: ["a"], attachments: 3 },
      '2["a"]',
    ],
    ["BINARY_ACK without binary becomes ACK", {
      type: PacketType.BINARY_ACK,
      nsp: "/",
      data: [],
      id: 2,
    }, "32[]"],
  ];
  for (const [name, packet, frame] of literals) {
    test(`${name} encodes as ${frame}`, () => {
      assert.deepEqual(encodePacket(packet), [frame]);
    });
  }

  test("EVENT with a Uint8Array encodes as 51- and one attachment", () => {
    const frames = encodePacket({ type: PacketType.EVENT, nsp: "/", data: ["a", bytes(1, 2, 3)] });
    assert.deepEqual(frames, ['51-["a",{"_placeholder":true,"num":0}]', bytes(1, 2, 3)]);
  });

  test("ACK with binary encodes as 61- with namespace and id", () => {
    const frames = encodePacket({
      type: PacketType.ACK,
      nsp: "/admin",
      data: [{ file: new Uint8Array([9]).buffer }],
      id: 7,
    });
    assert.deepEqual(frames, ['61-/admin,7[{"file":{"_placeholder":true,"num":0}}]', bytes(9)]);
  });

  test("attachments are numbered in JSON order, nested in arrays and objects", () => {
    const frames = encodePacket({
      type: PacketType.EVENT,
      nsp: "/",
      data: ["x", { a: [bytes(1)], b: { c: bytes(2) } }, bytes(3)],
    });
    assert.deepEqual(frames, [
      '53-["x",{"a":[{"_placeholder":true,"num":0}],"b":{"c":{"_placeholder":true,"num":1}}},' +
      '{"_placeholder":true,"num":2}]',
      bytes(1),
      bytes(2),
      bytes(3),
    ]);
  });

  test("typed array and DataView attachments carry exactly their own bytes", () => {
    const words = new Int16Array([1, 2, 3, 4]).subarray(1, 3);
    const view = new DataView(bytes(0, 1, 2, 3, 4, 5).buffer, 2, 3);
    const [, first, second] = encodePacket({
      type: PacketType.EVENT,
      nsp: "/",
      data: ["e", words, view],
    });
    assert.ok(first instanceof Uint8Array && second instanceof Uint8Array);
    assert.equal(first.constructor, Uint8Array);
    assert.deepEqual(first, new Uint8Array(new Int16Array([2, 3]).buffer));
    assert.deepEqual(second, bytes(2, 3, 4));
  });

  test("encoding does not mutate the caller's data", () => {
    const inner = { blob: bytes(1), when: new Date(0) };
    const data = ["e", inner, [bytes(2)]];
    Object.freeze(inner);
    Object.freeze(data);
    encodePacket({ type: PacketType.EVENT, nsp: "/", data });
    assert.ok(inner.blob instanceof Uint8Array);
    assert.ok((data[2] as unknown[])[0] instanceof Uint8Array);
  });

  test("objects with toJSON serialise as JSON.stringify does", () => {
    const when = new Date(Date.UTC(2024, 0, 2));
    const custom = { toJSON: () => ({ kind: "custom" }) };
    const frames = encodePacket({
      type: PacketType.EVENT,
      nsp: "/",
      data: ["e", when, custom, bytes(1)],
    });
    assert.equal(
      frames[0],
      `51-["e",${JSON.stringify(when)},{"kind":"custom"},{"_placeholder":true,"num":0}]`,
    );
  });

  test("binary returned by toJSON becomes an attachment", () => {
    const wrapper = { toJSON: () => ({ inner: bytes(5) }) };
    assert.deepEqual(encodePacket({ type: PacketType.EVENT, nsp: "/", data: ["e", wrapper] }), [
      '51-["e",{"inner":{"_placeholder":true,"num":0}}]',
      bytes(5),
    ]);
  });

  test("a Uint8Array subclass with its own toJSON is still an attachment", () => {
    class Bytes extends Uint8Array {
      toJSON(): unknown {
        return { type: "Buffer" };
      }
    }
    const frames = encodePacket({
      type: PacketType.EVENT,
      nsp: "/",
      data: ["e", new Bytes([4, 5])],
    });
    assert.equal(frames[0], '51-["e",{"_placeholder":true,"num":0}]');
    assert.equal(frames[1]?.constructor, Uint8Array);
    assert.deepEqual(frames[1], bytes(4, 5));
  });

  test("CONNECT_ERROR with a string payload is quoted", () => {
    assert.deepEqual(encodePacket({ type: PacketType.CONNECT_ERROR, nsp: "/", data: "nope" }), [
      '4"nope"',
    ]);
  });

  test("a namespace without a leading slash is refused", () => {
    assert.throws(
      () => encodePacket({ type: PacketType.EVENT, nsp: "admin", data: ["a"] }),
      TypeError,
    );
  });

  test("a namespace containing a comma is refused", () => {
    assert.throws(
      () => encodePacket({ type: PacketType.EVENT, nsp: "/a,b", data: ["a"] }),
      TypeError,
    );
  });

  test("a negative or fractional ack id is refused", () => {
    assert.throws(
      () => encodePacket({ type: PacketType.ACK, nsp: "/", data: [], id: -1 }),
      RangeError,
    );
    assert.throws(
      () => encodePacket({ type: PacketType.ACK, nsp: "/", data: [], id: 1.5 }),
      RangeError,
    );
  });

  test("an unknown packet type is refused", () => {
    assert.throws(() => encodePacket({ type: 9 as PacketType, nsp: "/" }), TypeError);
  });

  test("cyclic data throws instead of overflowing the stack", () => {
    const cyclic: unknown[] = ["e"];
    cyclic.push(cyclic);
    assert.throws(
      () => encodePacket({ type: PacketType.EVENT, nsp: "/", data: cyclic }),
      RangeError,
    );
  });
});

describe("encodeEvent", () => {
  test("encodes a plain event like encodePacket", () => {
    assert.deepEqual(encodeEvent("/", ["hello", { n: 1 }]), ['2["hello",{"n":1}]']);
    assert.deepEqual(encodeEvent("/chat", ["ping"], 4), ['2/chat,4["ping"]']);
  });

  test("encodeEventText makes encodeEvent's text frame, or nothing for binary", () => {
    for (
      const [nsp, args, id] of [["/", ["a", 1, { b: [2] }], undefined], ["/x", ["a"], 5]] as const
    ) {
      assert.deepEqual(
        [encodeEventText(nsp, [...args], id, "4")],
        encodeEvent(nsp, [...args], id, "4"),
      );
    }
    assert.equal(encodeEventText("/", ["f", bytes(1)]), undefined);
    assert.throws(() => encodeEventText("bad", ["a"]), TypeError);
  });

  test("a prefix goes before the text frame only", () => {
    assert.deepEqual(encodeEvent("/", ["hi"], undefined, "4"), ['42["hi"]']);
    assert.deepEqual(encodeEvent("/chat", ["hi"], 3, "4"), ['42/chat,3["hi"]']);
    assert.deepEqual(encodeEvent("/", ["f", bytes(1)], undefined, "4"), [
      '451-["f",{"_placeholder":true,"num":0}]',
      bytes(1),
    ]);
    assert.deepEqual(
      encodePacket({ type: PacketType.CONNECT, nsp: "/", data: { sid: "x" } }, "4"),
      [
        '40{"sid":"x"}',
      ],
    );
  });

  test("encodes a binary event with attachments", () => {
    assert.deepEqual(encodeEvent("/chat", ["f", bytes(1)], 0), [
      '51-/chat,0["f",{"_placeholder":true,"num":0}]',
      bytes(1),
    ]);
  });
});

describe("binary helpers", () => {
  test("isBinary accepts ArrayBuffer, typed arrays and DataView only", () => {
    assert.ok(isBinary(new ArrayBuffer(1)));
    assert.ok(isBinary(new Float64Array(1)));
    assert.ok(isBinary(new DataView(new ArrayBuffer(1))));
    assert.ok(!isBinary([1]));
    assert.ok(!isBinary({ byteLength: 1 }));
  });

  test("hasBinary finds binary at depth and stops at its depth limit", () => {
    assert.ok(hasBinary([{ a: [{ b: bytes(1) }] }]));
    assert.ok(!hasBinary([{ a: [{ b: "x" }] }, new Date(), null]));
    assert.throws(() => hasBinary([[[bytes(1)]]], 2), RangeError);
  });

  test("hasBinary on shallow arrays agrees with the full walk", () => {
    // Binary one and two levels down, in arrays and plain objects.
    assert.ok(hasBinary(["e", bytes(1)]));
    assert.ok(hasBinary(["e", [1, new ArrayBuffer(2)]]));
    assert.ok(hasBinary(["e", { a: 1, b: new DataView(new ArrayBuffer(1)) }]));
    assert.ok(!hasBinary(["e", 1, true, null, undefined, [1, "x"], { a: "b", c: null }]));
    // What the shallow check hands to the walk: toJSON, other prototypes, nesting.
    assert.ok(hasBinary(["e", { toJSON: () => bytes(1) }]));
    assert.ok(hasBinary(["e", Object.assign(Object.create(null), { a: bytes(1) })]));
    assert.ok(!hasBinary(["e", new Date(), new Map()]));
    const cyclic: unknown[] = ["e"];
    cyclic.push([cyclic]);
    assert.throws(() => hasBinary(cyclic), RangeError);
    const self: Record<string, unknown> = {};
    self.self = self;
    assert.throws(() => hasBinary(["e", self]), RangeError);
    assert.throws(() => hasBinary([[bytes(1)]], 0), RangeError);
  });
});

describe("decodeMainEvent", () => {
  test("reads main-namespace events as the Decoder does, and leaves the rest to it", () => {
    for (const frame of ['2["hello",1]', '2["a",{"b":[null]}]', '2["x"]', '2[42,"x"]', "2[1.5]"]) {
      assert.deepEqual(decodeMainEvent(frame), new Decoder().add(frame)!.data);
    }
    for (const frame of ['2/chat,["a"]', '21["a"]', '0{"a":1}', '3["a"]', '51-["a",{}]', "", "2"]) {
      assert.equal(decodeMainEvent(frame), undefined, frame);
    }
  });

  test("refuses what the Decoder refuses", () => {
    for (
      const frame of [
        '2["a"',
        '2["a"]x',
        "2[]",
        "2[null]",
        "2[true]",
        '2["connect"]',
        "2[}",
        '2["a",]',
      ]
    ) {
      assert.throws(() => decodeMainEvent(frame), DecodeError, frame);
      assert.throws(() => new Decoder().add(frame), DecodeError, frame);
    }
  });
});

describe("Decoder", () => {
  const literals: Array<[string, Packet]> = [
    ["0", { type: PacketType.CONNECT, nsp: "/" }],
    ['0{"token":"x"}', { type: PacketType.CONNECT, nsp: "/", data: { token: "x" } }],
    ["0/admin,", { type: PacketType.CONNECT, nsp: "/admin" }],
    ['0/admin,{"sid":"abc"}', { type: PacketType.CONNECT, nsp: "/admin", data: { sid: "abc" } }],
    ["1", { type: PacketType.DISCONNECT, nsp: "/" }],
    ["1/admin,", { type: PacketType.DISCONNECT, nsp: "/admin" }],
    ['2["hello",1]', { type: PacketType.EVENT, nsp: "/", data: ["hello", 1] }],
    ['2/admin,["hello"]', { type: PacketType.EVENT, nsp: "/admin", data: ["hello"] }],
    ['21["a"]', { type: PacketType.EVENT, nsp: "/", data: ["a"], id: 1 }],
    ['2/admin,42["a",{"b":null}]', {
      type: PacketType.EVENT,
      nsp: "/admin",
      data: ["a", { b: null }],
      id: 42,
    }],
    ["31[]", { type: PacketType.ACK, nsp: "/", data: [], id: 1 }],
    ['3/admin,5["ok",2]', { type: PacketType.ACK, nsp: "/admin", data: ["ok", 2], id: 5 }],
    [
      '4{"message":"Invalid namespace"}',
      { type: PacketType.CONNECT_ERROR, nsp: "/", data: { message: "Invalid namespace" } },
    ],
    ['4/admin,"nope"', { type: PacketType.CONNECT_ERROR, nsp: "/admin", data: "nope" }],
  ];
  for (const [frame, packet] of literals) {
    test(`${frame} decodes`, () => {
      assert.deepEqual(new Decoder().add(frame), packet);
    });
  }

  test("a namespace that ends the frame without a comma is accepted", () => {
    assert.deepEqual(new Decoder().add("0/admin"), { type: PacketType.CONNECT, nsp: "/admin" });
  });

  test("51- waits for its attachment, then yields an EVENT with a Uint8Array", () => {
    const decoder = new Decoder();
    assert.equal(decoder.add('51-["a",{"_placeholder":true,"num":0}]'), undefined);
    assert.equal(decoder.awaitingAttachments, true);
    const packet = decoder.add(bytes(1, 2));
    assert.equal(decoder.awaitingAttachments, false);
    assert.deepEqual(packet, { type: PacketType.EVENT, nsp: "/", data: ["a", bytes(1, 2)] });
  });

  test("61-/admin,7 yields an ACK with its attachments in place", () => {
    const packet = decodeAll([
      '62-/admin,7[{"x":{"_placeholder":true,"num":1}},[{"_placeholder":true,"num":0}]]',
      bytes(1),
      bytes(2),
    ]);
    assert.deepEqual(packet, {
      type: PacketType.ACK,
      nsp: "/admin",
      id: 7,
      data: [{ x: bytes(2) }, [bytes(1)]],
    });
  });

  test("one attachment may be referenced twice", () => {
    const packet = decodeAll([
      '51-["a",{"_placeholder":true,"num":0},{"_placeholder":true,"num":0}]',
      bytes(3),
    ]);
    assert.deepEqual(packet.data, ["a", bytes(3), bytes(3)]);
  });

  test("placeholders inside a plain EVENT stay plain objects", () => {
    const packet = new Decoder().add('2["a",{"_placeholder":true,"num":0}]');
    assert.deepEqual(packet?.data, ["a", { _placeholder: true, num: 0 }]);
  });

  test("a placeholder under a __proto__ key is set as an own property", () => {
    const packet = decodeAll([
      '51-["a",{"__proto__":{"_placeholder":true,"num":0}}]',
      bytes(1),
    ]);
    const holder = (packet.data as unknown[])[1] as Record<string, unknown>;
    assert.equal(Object.getPrototypeOf(holder), Object.prototype);
    assert.ok(Object.hasOwn(holder, "__proto__"));
    assert.deepEqual(Object.getOwnPropertyDescriptor(holder, "__proto__")?.value, bytes(1));
  });

  test("the decoder is reusable after a complete binary packet", () => {
    const decoder = new Decoder();
    decodeAll(['51-["a",{"_placeholder":true,"num":0}]', bytes(1)], decoder);
    assert.deepEqual(decoder.add('2["b"]'), { type: PacketType.EVENT, nsp: "/", data: ["b"] });
  });

  test("reset drops a partly received binary packet", () => {
    const decoder = new Decoder();
    decoder.add('52-["a",{"_placeholder":true,"num":0},{"_placeholder":true,"num":1}]');
    decoder.add(bytes(1));
    decoder.reset();
    assert.equal(decoder.awaitingAttachments, false);
    assert.deepEqual(decoder.add("1"), { type: PacketType.DISCONNECT, nsp: "/" });
  });
});

describe("round trips", () => {
  test("nested Uint8Array, ArrayBuffer, Int16Array and DataView with mixed JSON", () => {
    const words = new Int16Array([-1, 256, 7]);
    const view = new DataView(bytes(9, 8, 7, 6).buffer, 1, 2);
    const data = [
      "upload",
      { name: "a.bin", size: 3, tags: ["x", null, true], raw: bytes(1, 2, 3) },
      [new Uint8Array([4, 5]).buffer, { deep: { words, view } }],
      1.5,
      "",
    ];
    const frames = encodeEvent("/files", data, 3);
    assert.equal(frames.length, 5);
    assert.match(frames[0] as string, /^54-\/files,3\["upload",/);
    const packet = decodeAll(frames);
    assert.deepEqual(packet, {
      type: PacketType.EVENT,
      nsp: "/files",
      id: 3,
      data: [
        "upload",
        { name: "a.bin", size: 3, tags: ["x", null, true], raw: bytes(1, 2, 3) },
        [bytes(4, 5), { deep: { words: new Uint8Array(words.buffer), view: bytes(8, 7) } }],
        1.5,
        "",
      ],
    });
  });

  test("every packet type survives encode then decode", () => {
    const packets: Packet[] = [
      { type: PacketType.CONNECT, nsp: "/", data: { token: "t" } },
      { type: PacketType.CONNECT, nsp: "/a" },
      { type: PacketType.DISCONNECT, nsp: "/a" },
      { type: PacketType.EVENT, nsp: "/a", data: ["e", { k: [1, 2] }], id: 0 },
      { type: PacketType.ACK, nsp: "/", data: ["r"], id: 99 },
      { type: PacketType.CONNECT_ERROR, nsp: "/", data: { message: "m" } },
      { type: PacketType.ACK, nsp: "/b", data: [bytes(1), { z: bytes() }], id: 4 },
    ];
    for (const packet of packets) assert.deepEqual(decodeAll(encodePacket(packet)), packet);
  });

  test("unicode and escapes survive a round trip", () => {
    const data = ["é\u2028", { "k,": 'q"\\', emoji: "😀" }];
    assert.deepEqual(decodeAll(encodeEvent("/ü", data)).data, data);
  });
});

describe("hostile input", () => {
  test("an empty frame is refused", () => refuses("", /empty/));
  test("unknown type 7 is refused", () => refuses('7["a"]', /unknown type/));
  test("a non-digit type is refused", () => refuses('a["a"]', /unknown type/));
  test("invalid JSON is refused", () => refuses('2["a"', /invalid payload/));
  test("malformed JSON inside brackets is refused", () => refuses('2["a",]', /invalid JSON/));
  test("trailing data after JSON is refused", () => refuses('2["a"]x'));
  test("two JSON values back to back are refused", () => refuses('2["a"]["b"]', /invalid JSON/));
  test("whitespace before JSON is refused", () => refuses('2 ["a"]'));
  test("whitespace after JSON is refused", () => refuses('2["a"] '));
  test("EVENT without payload is refused", () => refuses("2"));
  test("EVENT on a namespace without payload is refused", () => refuses("2/admin,"));
  test("EVENT with an empty array is refused", () => refuses("2[]", /invalid payload/));
  test("EVENT with a numeric event name is accepted, as by the official parser", () => {
    // Its `isPayloadValid` lets `typeof payload[0] === "number"` through.
    for (const name of [42, 0, -1, 1.5, 1e21]) {
      const frames = [`2${JSON.stringify([name, "x"])}`, `2/chat,7${JSON.stringify([name])}`];
      assert.deepEqual(decodeMainEvent(frames[0]), [name, "x"]);
      assert.deepEqual(decodeAll([frames[0]]), {
        type: PacketType.EVENT,
        nsp: "/",
        data: [name, "x"],
      });
      assert.deepEqual(decodeAll([frames[1]]), {
        type: PacketType.EVENT,
        nsp: "/chat",
        data: [name],
        id: 7,
      });
    }
    assert.deepEqual(decodeAll(['51-[42,{"_placeholder":true,"num":0}]', bytes(1)]), {
      type: PacketType.EVENT,
      nsp: "/",
      data: [42, bytes(1)],
    });
  });
  test("EVENT with a boolean event name is refused", () => refuses("2[true]", /invalid payload/));
  test("EVENT with an array event name is refused", () => refuses('2[["a"]]', /invalid payload/));
  test("BINARY_EVENT with a null event name is refused", () => {
    refuses('51-[null,{"_placeholder":true,"num":0}]', /invalid payload/);
  });
  test("EVENT with an object event name is refused", () =>
    refuses('2[{"a":1}]', /invalid payload/));
  test("EVENT with a null event name is refused", () => refuses("2[null]", /invalid payload/));
  test("EVENT with an object payload is refused", () => refuses('2{"a":1}', /invalid payload/));
  test("EVENT with a string payload is refused", () => refuses('2"a"', /invalid payload/));
  for (const name of RESERVED_EVENTS) {
    test(`EVENT named reserved "${name}" is refused`, () =>
      refuses(`2["${name}"]`, /invalid payload/));
  }
  test("BINARY_EVENT named reserved is refused", () => {
    refuses('51-["disconnect",{"_placeholder":true,"num":0}]', /invalid payload/);
  });
  test("ACK with an object payload is refused", () => refuses('31{"a":1}', /invalid payload/));
  test("ACK without payload is refused", () => refuses("31"));
  test("ACK without an id is refused", () => refuses("3[]", /ack without an id/));
  test("BINARY_ACK without an id is refused", () => {
    refuses('61-[{"_placeholder":true,"num":0}]', /ack without an id/);
  });
  test("CONNECT with an array payload is refused", () => refuses("0[]", /invalid payload/));
  test("CONNECT with a string payload is refused", () => refuses('0"x"', /invalid payload/));
  test("CONNECT with a null payload is refused", () => refuses("0null"));
  test("CONNECT with an ack id is refused", () => refuses("01{}", /unexpected ack id/));
  test("DISCONNECT with a payload is refused", () => refuses("1{}", /invalid payload/));
  test("CONNECT_ERROR without payload is refused", () => refuses("4", /invalid payload/));
  test("CONNECT_ERROR with an array payload is refused", () =>
    refuses('4["a"]', /invalid payload/));
  test("a non-digit ack id is refused", () => refuses('2x["a"]'));
  test("an ack id beyond the safe integer range is refused", () => {
    refuses('29007199254740993["a"]', /invalid ack id/);
  });
  test("attachments without a count are refused", () => refuses('5-["a"]', /illegal attachments/));
  test("attachments without a dash are refused", () => refuses('51["a"]', /illegal attachments/));
  test("a negative attachment count is refused", () => refuses('5-1-["a"]', /illegal attachments/));
  test("a fractional attachment count is refused", () =>
    refuses('51.5-["a"]', /illegal attachments/));
  test("a zero attachment count is refused", () => refuses('50-["a"]', /illegal attachments/));
  test("a non-numeric attachment count is refused", () =>
    refuses('5x-["a"]', /illegal attachments/));
  test("a binary type alone is refused", () => refuses("5", /illegal attachments/));
  test("more than 10 attachments are refused by default", () => {
    refuses('511-["a"]', /attachment count exceeds 10/);
  });
  test("a huge attachment count is refused", () => refuses(`5${"9".repeat(400)}-["a"]`, /exceeds/));
  test("a binary chunk when none is expected is refused", () =>
    refuses([bytes(1)], /unexpected binary/));
  test("a text chunk while attachments are pending is refused", () => {
    refuses(['51-["a",{"_placeholder":true,"num":0}]', '2["b"]'], /pending/);
  });
  test("a chunk that is neither string nor Uint8Array is refused", () => {
    refuses([new ArrayBuffer(1) as unknown as Uint8Array], /neither/);
  });
  const badNums = ['"__proto__"', '"splice"', "-1", "1.5", "1", '"0"', "null", "[0]", "{}"];
  for (const num of badNums) {
    test(`placeholder num ${num} is refused`, () => {
      refuses(`51-["a",{"_placeholder":true,"num":${num}}]`, /invalid placeholder/);
    });
  }
  test("a placeholder without num is refused", () => {
    refuses('51-["a",{"_placeholder":true}]', /invalid placeholder/);
  });
  test("a placeholder beyond the attachments received is refused", () => {
    refuses('52-["a",{"_placeholder":true,"num":2}]', /invalid placeholder/);
  });
  test("deep nesting in a binary packet is refused without a stack overflow", () => {
    const depth = 100_000;
    refuses(`51-["a",${"[".repeat(depth)}${"]".repeat(depth)}]`, /nested deeper/);
  });
  test("a prototype _placeholder is never consulted", () => {
    const proto = Object.prototype as Record<string, unknown>;
    proto._placeholder = true;
    try {
      const packet = decodeAll(['51-["a",{"num":"x"},{"_placeholder":true,"num":0}]', bytes(1)]);
      assert.deepEqual((packet.data as unknown[])[1], { num: "x" });
    } finally {
      delete proto._placeholder;
    }
  });
  test("the decoder is usable again after an error", () => {
    const decoder = new Decoder();
    decoder.add('51-["a",{"_placeholder":true,"num":0}]');
    assert.throws(() => decoder.add('2["b"]'), DecodeError);
    assert.deepEqual(decoder.add('2["c"]'), { type: PacketType.EVENT, nsp: "/", data: ["c"] });
  });
});

describe("maxAttachments", () => {
  test("a custom limit accepts up to that many attachments", () => {
    const decoder = new Decoder({ maxAttachments: 2 });
    const packet = decodeAll([
      '52-["a",{"_placeholder":true,"num":0},{"_placeholder":true,"num":1}]',
      bytes(1),
      bytes(2),
    ], decoder);
    assert.deepEqual(packet.data, ["a", bytes(1), bytes(2)]);
  });

  test("a custom limit refuses one more attachment", () => {
    const decoder = new Decoder({ maxAttachments: 2 });
    assert.throws(() => decoder.add('53-["a"]'), /attachment count exceeds 2/);
  });

  test("a limit of 0 refuses every binary packet", () => {
    const decoder = new Decoder({ maxAttachments: 0 });
    assert.throws(() => decoder.add('51-["a",{"_placeholder":true,"num":0}]'), DecodeError);
  });

  test("10 attachments are accepted by default", () => {
    const placeholders = Array.from({ length: 10 }, (_, i) => `{"_placeholder":true,"num":${i}}`);
    const chunks = Array.from({ length: 10 }, (_, i) => bytes(i));
    const packet = decodeAll([`510-["a",${placeholders.join(",")}]`, ...chunks]);
    assert.deepEqual(packet.data, ["a", ...chunks]);
  });

  test("an invalid limit is a RangeError", () => {
    assert.throws(() => new Decoder({ maxAttachments: -1 }), RangeError);
    assert.throws(() => new Decoder({ maxAttachments: 1.5 }), RangeError);
  });
});
