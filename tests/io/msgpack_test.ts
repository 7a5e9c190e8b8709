/**
 * The `parser` option with `socket.io-msgpack-parser`, unchanged, against
 * the official client built with the same parser: events with binary, acks
 * both ways, broadcasts (encoded once), namespaces, over WebSocket and
 * polling; and hostile msgpack frames, refused like hostile JSON ones.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import process from "node:process";
import { Buffer } from "node:buffer";
import * as msgpackParser from "socket.io-msgpack-parser";
import * as socketIoParser from "socket.io-parser";
import { type ClientSocket, type IoFixture, once, startIo } from "../_fixtures/io.ts";
import { RawPollingIo, RawWebSocketIo } from "../_fixtures/raw_io.ts";
import type { Parser } from "../../src/parser/parser.ts";
import type { Adapter } from "../../src/io/adapter.ts";
import { Server } from "../../src/server.ts";

const parser = msgpackParser as unknown as Parser;

/** A msgpack frame of `packet`, as the msgpack client encodes it. */
function encode(packet: Record<string, unknown>): Uint8Array {
  const [frame] = new msgpackParser.Encoder().encode(packet) as unknown as Uint8Array[];
  return new Uint8Array(frame);
}

/** The packet of a msgpack frame from the server. */
function decode(frame: unknown): Record<string, unknown> {
  const decoder = new msgpackParser.Decoder();
  let packet: Record<string, unknown> | undefined;
  decoder.on("decoded", (p: Record<string, unknown>) => packet = p);
  assert.ok(frame instanceof Uint8Array, "not a binary frame");
  decoder.add(Buffer.from(frame)); // the Node build of notepack reads Buffers
  assert.ok(packet, "no packet decoded");
  return packet;
}

function bytesOf(value: unknown): number[] {
  assert.ok(value instanceof ArrayBuffer || ArrayBuffer.isView(value), `not binary: ${value}`);
  return [
    ...new Uint8Array(
      value instanceof ArrayBuffer ? value : value.buffer.slice(
        value.byteOffset,
        value.byteOffset + value.byteLength,
      ),
    ),
  ];
}

function msgpackIo(transports: ("polling" | "websocket")[]): IoFixture {
  const fx = startIo({ parser }, "native", { transports, parser: msgpackParser } as never);
  fx.io.on("connection", (socket) => {
    socket.on("echo", (value: unknown, ack: (v: unknown) => void) => ack(value));
    socket.on("join", (room: string, ack: () => void) => {
      socket.join(room);
      ack();
    });
  });
  return fx;
}

for (const transports of [["websocket"], ["polling"]] as ("polling" | "websocket")[][]) {
  const mode = transports[0];

  test(`${mode}: msgpack events with binary and acks both ways`, async () => {
    const fx = msgpackIo(transports);
    try {
      let serverSocket: import("../../src/io/socket.ts").Socket | undefined;
      fx.io.on("connection", (s) => serverSocket = s);
      const client = fx.client();
      await once(client, "connect");
      // Client -> server, with an ack answered with the same binary.
      const answer = await client.timeout(5000).emitWithAck("echo", {
        n: 1,
        bytes: new Uint8Array([1, 2, 3]),
      });
      assert.equal(answer.n, 1);
      assert.deepEqual(bytesOf(answer.bytes), [1, 2, 3]);
      // Server -> client, with an ack.
      client.on("ask", (bytes: unknown, ack: (v: unknown) => void) => ack(bytesOf(bytes).length));
      const length = await serverSocket!.timeout(5000).emitWithAck("ask", new Uint8Array(7));
      assert.equal(length, 7);
      // A plain event with several arguments.
      const got = once<unknown[]>(client, "hello");
      serverSocket!.emit("hello", "world", 42, new Uint8Array([9]));
      const [a, b, c] = await got;
      assert.equal(a, "world");
      assert.equal(b, 42);
      assert.deepEqual(bytesOf(c), [9]);
    } finally {
      await fx.close();
    }
  });

  test(`${mode}: msgpack broadcasts and rooms are encoded once by io.encoder`, async () => {
    const fx = msgpackIo(transports);
    try {
      assert.ok(fx.io.encoder instanceof msgpackParser.Encoder);
      assert.equal((fx.io.of("/").adapter as Adapter).encoder, fx.io.encoder);
      const clients: ClientSocket[] = [fx.client(), fx.client(), fx.client()];
      await Promise.all(clients.map((c) => once(c, "connect")));
      await clients[0].timeout(5000).emitWithAck("join", "room1");
      let encodes = 0;
      const encoder = fx.io.encoder as { encode(packet: unknown): unknown };
      const original = encoder.encode.bind(encoder);
      encoder.encode = (packet: unknown) => (encodes++, original(packet));
      const all = clients.map((c) => once<unknown[]>(c, "news"));
      fx.io.emit("news", new Uint8Array([4, 5]));
      for (const [bytes] of await Promise.all(all)) assert.deepEqual(bytesOf(bytes), [4, 5]);
      assert.equal(encodes, 1);
      const inRoom = once<unknown[]>(clients[0], "room");
      let leaked = false;
      clients[1].on("room", () => leaked = true);
      fx.io.to("room1").emit("room", "only you");
      assert.deepEqual(await inRoom, ["only you"]);
      // A broadcast with acks: one answer per client, through the same encoder.
      for (const c of clients) c.on("count", (ack: (n: number) => void) => ack(1));
      const answers = await fx.io.timeout(5000).emitWithAck("count");
      assert.deepEqual(answers, [1, 1, 1]);
      assert.equal(leaked, false);
    } finally {
      await fx.close();
    }
  });

  test(`${mode}: msgpack namespaces and CONNECT_ERROR`, async () => {
    const fx = msgpackIo(transports);
    try {
      fx.io.of("/chat").on("connection", (socket) => socket.emit("welcome", socket.nsp.name));
      fx.io.of("/locked").use((_socket, next) => next(new Error("not allowed")));
      const chat = fx.client("/chat");
      const [name] = await once<unknown[]>(chat, "welcome");
      assert.equal(name, "/chat");
      const locked = fx.client("/locked");
      const [err] = await once<[Error]>(locked, "connect_error");
      assert.equal(err.message, "not allowed");
      const nowhere = fx.client("/nowhere");
      const [err2] = await once<[Error]>(nowhere, "connect_error");
      assert.equal(err2.message, "Invalid namespace");
    } finally {
      await fx.close();
    }
  });
}

test("msgpack: a WebSocket client upgraded from polling works too", async () => {
  const fx = msgpackIo(["polling", "websocket"]);
  try {
    const client = fx.client();
    await once(client, "connect");
    if (client.io.engine.transport.name !== "websocket") await once(client.io.engine, "upgrade");
    const answer = await client.timeout(5000).emitWithAck("echo", new Uint8Array([8]));
    assert.deepEqual(bytesOf(answer), [8]);
  } finally {
    await fx.close();
  }
});

test("parser option: a value without Encoder and Decoder classes is refused", () => {
  assert.throws(() => new Server({ parser: {} as never }), TypeError);
  assert.throws(() => new Server({ parser: "msgpack" as never }), TypeError);
  assert.throws(() => new Server({ parser: { Encoder: class {} } as never }), /parser\.Decoder/);
});

// -- hostile msgpack frames --

/** Nested one-element arrays, `depth` deep, around 1 (msgpack fixarray 0x91). */
function deepArray(depth: number): Uint8Array {
  const head = encode({ type: 2, nsp: "/", data: ["deep", 0] });
  // The frame is {type, nsp, data: [...]}: replace data's last item by the nesting.
  const nested = new Uint8Array(depth + 1).fill(0x91);
  nested[depth] = 0x01;
  const out = new Uint8Array(head.length - 1 + nested.length);
  out.set(head.subarray(0, head.length - 1));
  out.set(nested, head.length - 1);
  return out;
}

const hostile: [string, (Uint8Array | string)[]][] = [
  ["bytes that are not msgpack (0xc1)", [new Uint8Array([0xc1])]],
  ["a truncated frame", [encode({ type: 2, nsp: "/", data: ["x", "y"] }).subarray(0, 8)]],
  ["trailing bytes", [new Uint8Array([...encode({ type: 2, nsp: "/", data: ["x"] }), 0])]],
  ["a text frame", ['2["echo","x"]']],
  ["a frame that is not a map (a number)", [new Uint8Array([0x05])]],
  ["an unknown packet type", [encode({ type: 9, nsp: "/", data: ["x"] })]],
  ["a namespace that is not a string", [encode({ type: 2, nsp: 1, data: ["x"] })]],
  ["a namespace without /", [encode({ type: 2, nsp: "chat", data: ["x"] })]],
  ["an event named null", [encode({ type: 2, nsp: "/", data: [null, "x"] })]],
  ['the reserved event name "disconnect"', [encode({ type: 2, nsp: "/", data: ["disconnect"] })]],
  ["an event without a name", [encode({ type: 2, nsp: "/", data: [] })]],
  ["an ack id that is negative", [encode({ type: 2, nsp: "/", data: ["x"], id: -1 })]],
  ["an ack id that is not an integer", [encode({ type: 2, nsp: "/", data: ["x"], id: 1.5 })]],
  ["an ACK without an id", [encode({ type: 3, nsp: "/", data: [] })]],
  ["an ACK for an id never issued", [encode({ type: 3, nsp: "/", data: [], id: 99 })]],
  ["a CONNECT_ERROR from the client", [encode({ type: 4, nsp: "/", data: "x" })]],
  ["an event for a namespace not joined", [encode({ type: 2, nsp: "/other", data: ["x"] })]],
  ["data nested deeper than 1000 levels", [deepArray(1500)]],
  // 10 bytes that would make notepack.io allocate and fill a 4 GiB ArrayBuffer.
  ["an ext announcing 4 GiB", [new Uint8Array([0xc9, 0xff, 0xff, 0xff, 0xff, 0x00, 1, 2, 3, 4])]],
  ["a string announcing 4 GiB", [new Uint8Array([0xdb, 0xff, 0xff, 0xff, 0xff, 0x61])]],
  ["a map announcing 65,535 entries", [new Uint8Array([0xde, 0xff, 0xff, 0xa1, 0x61, 0x01])]],
  ["an array header announcing 2^32-1 items", [
    new Uint8Array([
      0x83,
      0xa4,
      ...new TextEncoder().encode("type"),
      0x02,
      0xa3,
      0x6e,
      0x73,
      0x70,
      0xa1,
      0x2f,
      0xa4,
      0x64,
      0x61,
      0x74,
      0x61,
      0xdd,
      0xff,
      0xff,
      0xff,
      0xff,
    ]),
  ]],
];

/** A msgpack server with an echo handler, a msgpack bystander connected to it. */
async function msgpackArena() {
  const fx = msgpackIo(["websocket"]);
  const rejections: unknown[] = [];
  const onRejection = (reason: unknown) => rejections.push(reason);
  process.on("unhandledRejection", onRejection);
  const disconnects = new Map<string, Promise<string>>();
  fx.io.on("connection", (socket) => {
    socket.on("error", () => {});
    disconnects.set(socket.id, new Promise((resolve) => socket.on("disconnect", resolve)));
  });
  const bystander = fx.client();
  let bystanderDisconnect: string | undefined;
  bystander.on("disconnect", (reason) => bystanderDisconnect ??= reason);
  await once(bystander, "connect");
  return {
    fx,
    disconnected: (id: string) => disconnects.get(id)!,
    async undisturbed(): Promise<void> {
      assert.equal(bystanderDisconnect, undefined);
      assert.deepEqual(
        bytesOf(await bystander.timeout(5000).emitWithAck("echo", new Uint8Array([1]))),
        [1],
      );
      const fresh = fx.client();
      await once(fresh, "connect");
      assert.equal(await fresh.timeout(5000).emitWithAck("echo", "fresh"), "fresh");
      assert.deepEqual(rejections, []);
    },
    async close(): Promise<void> {
      try {
        await fx.close();
      } finally {
        process.off("unhandledRejection", onRejection);
      }
    },
  };
}

function within<T>(promise: Promise<T>, what: string, ms = 5000): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out waiting for ${what}`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

for (const [name, frames] of hostile) {
  test(`websocket: msgpack ${name} closes the connection, others unaffected`, async () => {
    const a = await msgpackArena();
    const raw = await RawWebSocketIo.connect(a.fx.url);
    try {
      raw.sendBinary(encode({ type: 0, nsp: "/" }));
      const connect = decode(await raw.next());
      assert.equal(connect.type, 0);
      const sid = (connect.data as { sid: string }).sid;
      for (const frame of frames) {
        if (typeof frame === "string") raw.send(frame);
        else raw.sendBinary(frame);
      }
      await within(raw.closed, "the raw WebSocket to close");
      await within(a.disconnected(sid), "the socket's disconnect");
      await a.undisturbed();
    } finally {
      await raw.close();
      await a.close();
    }
  });
}

for (const [name, frames] of hostile.slice(0, 2)) {
  test(`polling: msgpack ${name} ends the session, others unaffected`, async () => {
    const a = await msgpackArena();
    const raw = await RawPollingIo.connect(a.fx.url);
    try {
      await raw.post(encode({ type: 0, nsp: "/" }));
      const posted = await raw.post(...frames);
      assert.equal(posted.status, 200);
      assert.deepEqual(await raw.gone(), { code: 1, message: "Session ID unknown" });
      await a.undisturbed();
    } finally {
      await raw.close();
      await a.close();
    }
  });
}

test("parser option: the official socket.io-parser as a custom parser (attachments, BINARY_EVENT)", async () => {
  const fx = startIo({ parser: socketIoParser as unknown as Parser }, "native", {
    transports: ["websocket"],
  });
  try {
    fx.io.on("connection", (socket) => {
      socket.on("echo", (value: unknown, ack: (v: unknown) => void) => ack(value));
    });
    const client = fx.client();
    await once(client, "connect");
    const answer = await client.timeout(5000).emitWithAck("echo", [new Uint8Array([1]), "x"]);
    assert.deepEqual(bytesOf(answer[0]), [1]);
    assert.equal(answer[1], "x");
    // A malformed frame: the official decoder throws, the connection closes.
    const raw = await RawWebSocketIo.connect(fx.url);
    try {
      await raw.connectNamespace();
      raw.send("2[bad json");
      await within(raw.closed, "the raw WebSocket to close");
    } finally {
      await raw.close();
    }
    assert.equal(await client.timeout(5000).emitWithAck("echo", "still"), "still");
  } finally {
    await fx.close();
  }
});
