/**
 * Hostile Socket.IO packets, sent frame by frame by a raw client: each one
 * closes the offending connection, leaves an official client that is
 * already connected undisturbed, lets a fresh official client connect, and
 * raises no unhandled rejection.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import process from "node:process";
import { type ClientSocket, type IoFixture, once, startIo } from "../_fixtures/io.ts";
import { type RawMessage, RawPollingIo, RawWebSocketIo } from "../_fixtures/raw_io.ts";
import type { ServerOptions } from "../../src/io/server_options.ts";
import type { Server } from "../../src/server.ts";
import type { Socket as ServerSocket } from "../../src/io/socket.ts";

const bytes = new Uint8Array([1, 2, 3]);

/** A placeholder for attachment `num` (any JSON value, or nothing). */
function placeholder(...num: unknown[]): string {
  return JSON.stringify(
    num.length === 0 ? { _placeholder: true } : { _placeholder: true, num: num[0] },
  );
}

/** Rejects after `ms` so that a missing close fails the test instead of hanging it. */
function within<T>(promise: Promise<T>, what: string, ms = 5000): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out waiting for ${what}`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** A server with an `echo` handler, and an official client connected to it. */
interface Arena {
  fx: IoFixture;
  bystander: ClientSocket;
  /** Why the bystander disconnected, if it did. */
  bystanderDisconnect: string | undefined;
  /** Resolves with the disconnect reason of the server socket `id`. */
  disconnected(id: string): Promise<string>;
  /** Errors reported to server sockets. */
  errors: Map<string, unknown[]>;
  /** Unhandled rejections seen while the arena was up. */
  rejections: unknown[];
  /** Closes the server and every official client. */
  close(): Promise<void>;
}

async function arena(
  options: ServerOptions = {},
  transports: ("polling" | "websocket")[] = ["websocket"],
  setup?: (io: Server) => void,
): Promise<Arena> {
  const fx = startIo(options, "native", { transports });
  const errors = new Map<string, unknown[]>();
  const disconnects = new Map<string, Promise<string>>();
  fx.io.on("connection", (socket) => {
    errors.set(socket.id, []);
    socket.on("error", (err) => errors.get(socket.id)!.push(err));
    socket.on("echo", (value: unknown, ack: (v: unknown) => void) => ack(value));
    disconnects.set(socket.id, new Promise((resolve) => socket.on("disconnect", resolve)));
  });
  setup?.(fx.io);
  const bystander = fx.client();
  // Listened to only while this arena is up: Bun runs every test file in one process.
  const rejections: unknown[] = [];
  const onRejection = (reason: unknown) => rejections.push(reason);
  process.on("unhandledRejection", onRejection);
  const arena: Arena = {
    fx,
    bystander,
    bystanderDisconnect: undefined,
    errors,
    rejections,
    close: async () => {
      try {
        await fx.close();
      } finally {
        process.off("unhandledRejection", onRejection);
      }
    },
    disconnected: (id) =>
      within(
        disconnects.get(id) ?? Promise.reject(new Error(`no socket ${id}`)),
        `disconnect of ${id}`,
      ),
  };
  bystander.on("disconnect", (reason) => arena.bystanderDisconnect ??= reason);
  await once(bystander, "connect");
  return arena;
}

/**
 * The bystander still works, a fresh client connects and works, nothing was
 * left unhandled. `others` counts the raw sockets still connected to "/".
 */
async function assertUndisturbed(a: Arena, others = 0): Promise<void> {
  assert.equal(a.bystanderDisconnect, undefined);
  assert.equal(a.bystander.connected, true);
  assert.equal(await a.bystander.timeout(5000).emitWithAck("echo", "still here"), "still here");
  const fresh = a.fx.client();
  await once(fresh, "connect");
  assert.deepEqual(await fresh.timeout(5000).emitWithAck("echo", { fresh: true }), { fresh: true });
  assert.equal(a.fx.io.sockets.sockets.size, 2 + others);
  assert.deepEqual(a.rejections, []);
}

function sendAll(raw: RawWebSocketIo, frames: readonly RawMessage[]): void {
  for (const frame of frames) {
    if (typeof frame === "string") raw.send(frame);
    else raw.sendBinary(frame);
  }
}

/** Over WebSocket: after `frames`, the raw connection is closed and its socket gone. */
function refusedOverWebSocket(
  name: string,
  frames: readonly RawMessage[],
  options: ServerOptions = {},
): void {
  test(`websocket: ${name} closes the connection, others unaffected`, async () => {
    const a = await arena(options);
    const raw = await RawWebSocketIo.connect(a.fx.url);
    try {
      const sid = await raw.connectNamespace();
      sendAll(raw, frames);
      await within(raw.closed, "the raw WebSocket to close");
      await a.disconnected(sid);
      await assertUndisturbed(a);
    } finally {
      await raw.close();
      await a.close();
    }
  });
}

/** Over polling: the POST is answered `status`, then the session is unknown. */
function refusedOverPolling(
  name: string,
  messages: readonly RawMessage[],
  options: ServerOptions = {},
  status = 200,
): void {
  test(`polling: ${name} ends the session (then 400 unknown sid), others unaffected`, async () => {
    const a = await arena(options, ["polling"]);
    const raw = await RawPollingIo.connect(a.fx.url);
    try {
      const sid = await raw.connectNamespace();
      const posted = await raw.post(...messages);
      assert.equal(posted.status, status);
      assert.deepEqual(await raw.gone(), { code: 1, message: "Session ID unknown" });
      await a.disconnected(sid);
      await assertUndisturbed(a);
    } finally {
      await raw.close();
      await a.close();
    }
  });
}

// -- event names --

for (
  const frame of ["2[{}]", "2[null]", "2[]", '2[["a"]]', "2[true]", '21[false,"x"]']
) {
  refusedOverWebSocket(`an event name that is neither a string nor a number (4${frame})`, [frame]);
}
refusedOverWebSocket("a binary event named null", [`51-[null,${placeholder(0)}]`, bytes]);
for (
  const name of [
    "connect",
    "disconnect",
    "disconnecting",
    "newListener",
    "removeListener",
    "connect_error",
  ]
) {
  refusedOverWebSocket(`the reserved event name "${name}"`, [`2["${name}"]`]);
}
refusedOverWebSocket('a reserved event name with an ack id (421["disconnect"])', [
  '21["disconnect"]',
]);
refusedOverWebSocket("a reserved event name in a binary event", [
  `51-["connect",${placeholder(0)}]`,
  bytes,
]);
refusedOverPolling('an event name that is neither a string nor a number (42[null,"x"])', [
  '2[null,"x"]',
]);

/**
 * What a socket saw of numerically named events: the `"42"` listener's
 * arguments, and the names `onAny` and a `use()` middleware were given.
 */
function watchNumericEvents(socket: ServerSocket) {
  const seen = { listener: [] as unknown[][], any: [] as unknown[], use: [] as unknown[] };
  socket.use((packet, next) => {
    seen.use.push(packet[0]);
    next();
  });
  socket.onAny((name) => seen.any.push(name));
  socket.on("42", (...args: unknown[]) => {
    const ack = args.at(-1);
    if (typeof ack === "function") ack(...args.slice(0, -1));
    seen.listener.push(args.filter((arg) => typeof arg !== "function"));
  });
  return seen;
}

test("websocket: events named by a number reach the listeners of its string form, as officially", async () => {
  const a = await arena();
  const raw = await RawWebSocketIo.connect(a.fx.url);
  try {
    const sid = await raw.connectNamespace();
    const seen = watchNumericEvents(a.fx.io.sockets.sockets.get(sid)!);
    raw.send('2[42,"fast path"]'); // decoded straight to arguments
    raw.send('25[42,"with an ack"]'); // decoded to a packet
    raw.send(`51-[42,${placeholder(0)}]`);
    raw.sendBinary(bytes);
    raw.send('26[42.0,"same name"]');
    assert.equal(await raw.nextText(), '35["with an ack"]');
    assert.equal(await raw.nextText(), '36["same name"]');
    assert.deepEqual(seen.listener, [["fast path"], ["with an ack"], [bytes], ["same name"]]);
    // onAny and the middlewares get the name as sent: a number.
    assert.deepEqual(seen.any, [42, 42, 42, 42]);
    assert.deepEqual(seen.use, [42, 42, 42, 42]);
    assert.equal(raw.isOpen, true);
    assert.deepEqual(a.errors.get(sid), []);
    await assertUndisturbed(a, 1);
  } finally {
    await raw.close();
    await a.close();
  }
});

test("polling: an event named by a number reaches the listeners of its string form", async () => {
  const a = await arena({}, ["polling"]);
  const raw = await RawPollingIo.connect(a.fx.url);
  try {
    const sid = await raw.connectNamespace();
    const seen = watchNumericEvents(a.fx.io.sockets.sockets.get(sid)!);
    assert.equal((await raw.post('2[42,"x"]', '23[42,"y"]')).status, 200);
    const { messages } = await raw.poll();
    assert.deepEqual(messages, ['33["y"]']);
    assert.deepEqual(seen.listener, [["x"], ["y"]]);
    assert.deepEqual(seen.any, [42, 42]);
    await assertUndisturbed(a, 1);
  } finally {
    await raw.close();
    await a.close();
  }
});

test("an official client emitting a numeric event name is served like the official server", async () => {
  const a = await arena();
  const client = a.fx.client();
  try {
    await once(client, "connect");
    const socket = [...a.fx.io.sockets.sockets.values()].find((s) => s.id === client.id)!;
    const seen = watchNumericEvents(socket);
    type Emit = (ev: unknown, ...args: unknown[]) => unknown;
    (client.emit as Emit).call(client, 42, "plain");
    const timed = client.timeout(5000);
    const answer = await (timed.emitWithAck as Emit).call(timed, 42, "acked");
    assert.equal(answer, "acked");
    assert.deepEqual(seen.listener, [["plain"], ["acked"]]);
    assert.deepEqual(seen.any, [42, 42]);
    assert.equal(client.connected, true);
    await assertUndisturbed(a, 1);
  } finally {
    await a.close();
  }
});
refusedOverPolling('the reserved event name "disconnect"', ['2["disconnect"]']);

// -- placeholders --

for (
  const [label, ph] of [
    ['num "__proto__"', placeholder("__proto__")],
    ['num "splice"', placeholder("splice")],
    ['num "0"', placeholder("0")],
    ["num -1", placeholder(-1)],
    ["num 1.5", placeholder(1.5)],
    ["num out of range", placeholder(1)],
    ["num null", placeholder(null)],
    ["a missing num", placeholder()],
  ]
) {
  refusedOverWebSocket(`a placeholder with ${label}`, [`51-["a",${ph}]`, bytes]);
}
refusedOverWebSocket("a placeholder with an invalid num in a binary ack", [
  `61-0[${placeholder("__proto__")}]`,
  bytes,
]);
refusedOverPolling('a placeholder with num "__proto__"', [
  `51-["a",${placeholder("__proto__")}]`,
  bytes,
]);

test("websocket: a placeholder named __proto__ does not pollute prototypes", async () => {
  // Whatever the decoder does with it, Object.prototype stays clean.
  const a = await arena();
  const raw = await RawWebSocketIo.connect(a.fx.url);
  try {
    await raw.connectNamespace();
    raw.send(`51-["a",{"__proto__":${placeholder(0)}}]`);
    raw.sendBinary(bytes);
    raw.send('21["echo","after"]');
    assert.equal(await raw.nextText(), '31["after"]');
    assert.equal(({} as Record<string, unknown>)._placeholder, undefined);
    assert.equal(({} as Record<string, unknown>).num, undefined);
    await assertUndisturbed(a, 1);
  } finally {
    await raw.close();
    await a.close();
  }
});

// -- attachment counts --

function binaryEcho(count: number): RawMessage[] {
  const phs = Array.from({ length: count }, (_, i) => placeholder(i));
  return [
    `5${count}-1["echo",[${phs.join(",")}]]`,
    ...Array.from({ length: count }, (_, i) => new Uint8Array([i])),
  ];
}

for (const [max, options] of [[10, {}], [2, { maxAttachments: 2 }]] as const) {
  const label = `maxAttachments ${max}${"maxAttachments" in options ? " (custom)" : ""}`;
  refusedOverWebSocket(`${max + 1} attachments with ${label}`, binaryEcho(max + 1), options);

  test(`websocket: exactly ${max} attachments with ${label} are accepted`, async () => {
    const a = await arena(options);
    const raw = await RawWebSocketIo.connect(a.fx.url);
    try {
      await raw.connectNamespace();
      sendAll(raw, binaryEcho(max));
      const phs = Array.from({ length: max }, (_, i) => placeholder(i));
      assert.equal(await raw.nextText(), `6${max}-1[[${phs.join(",")}]]`);
      for (let i = 0; i < max; i++) assert.deepEqual(await raw.next(), new Uint8Array([i]));
      await assertUndisturbed(a, 1);
    } finally {
      await raw.close();
      await a.close();
    }
  });
}
refusedOverPolling("11 attachments", binaryEcho(11));
refusedOverWebSocket("an attachment count of 0 (450-)", [`50-["a"]`]);

// -- attachments that never come --

refusedOverWebSocket("a text packet while attachments are pending (2 announced, 1 sent)", [
  `52-["a",${placeholder(0)},${placeholder(1)}]`,
  bytes,
  '2["a"]',
]);
refusedOverWebSocket(
  "attachments announced and never sent (bounded by connectTimeout)",
  [`52-["a",${placeholder(0)},${placeholder(1)}]`],
  { connectTimeout: 300 },
);
refusedOverPolling("a text packet while attachments are pending", [
  `52-["a",${placeholder(0)},${placeholder(1)}]`,
  bytes,
  '2["a"]',
]);

test("websocket: attachments that arrive in time are not cut off by the bound", async () => {
  const a = await arena({ connectTimeout: 300 });
  const raw = await RawWebSocketIo.connect(a.fx.url);
  try {
    await raw.connectNamespace();
    // Several complete binary packets in a row: each one restarts the bound.
    for (let i = 0; i < 3; i++) {
      sendAll(raw, binaryEcho(2));
      assert.match(await raw.nextText(), /^62-1\[/);
      await raw.next();
      await raw.next();
    }
    raw.send('21["echo","done"]');
    assert.equal(await raw.nextText(), '31["done"]');
    assert.equal(raw.isOpen, true);
    await assertUndisturbed(a, 1);
  } finally {
    await raw.close();
    await a.close();
  }
});

// -- malformed packets --

for (
  const frame of [
    "7",
    "x",
    "9[]",
    '2["a"',
    "2{",
    '2["a"]x',
    '2["a"]]',
    '2["a"] ',
    "2",
    "1junk",
    '3["a"]',
    "3x[]",
    "399999999999999999999[]",
    '0{}"',
  ]
) {
  refusedOverWebSocket(`the malformed packet 4${frame}`, [frame]);
}
refusedOverPolling("the malformed packet 47", ["7"]);
refusedOverPolling('the malformed packet 42["a"', ['2["a"']);

// -- namespaces --

refusedOverWebSocket('a second CONNECT to "/"', ["0"]);
refusedOverPolling('a second CONNECT to "/"', ["0"]);

test("websocket: a second CONNECT while the first is in the middlewares closes the connection", async () => {
  let release!: () => void;
  let entered!: () => void;
  const inMiddleware = new Promise<void>((resolve) => (entered = resolve));
  const a = await arena({}, ["websocket"], (io) => {
    io.of("/slow").use((_socket, next) => {
      entered();
      release = () => next();
    });
  });
  const raw = await RawWebSocketIo.connect(a.fx.url);
  try {
    await raw.connectNamespace();
    raw.send("0/slow,");
    await within(inMiddleware, "the middleware");
    raw.send("0/slow,");
    await within(raw.closed, "the raw WebSocket to close");
    release();
    assert.equal(a.fx.io.of("/slow").sockets.size, 0);
    await assertUndisturbed(a);
  } finally {
    await raw.close();
    await a.close();
  }
});

test("websocket: a CONNECT refused by a middleware may be retried", async () => {
  let refuse = true;
  const a = await arena({}, ["websocket"], (io) => {
    io.of("/guarded").use((_socket, next) => next(refuse ? new Error("not yet") : undefined));
  });
  const raw = await RawWebSocketIo.connect(a.fx.url);
  try {
    await raw.connectNamespace();
    raw.send("0/guarded,");
    assert.equal(await raw.nextText(), '4/guarded,{"message":"not yet"}');
    refuse = false;
    assert.match(await raw.connectNamespace("/guarded"), /^[\w-]+$/);
    assert.equal(raw.isOpen, true);
    await assertUndisturbed(a, 1);
  } finally {
    await raw.close();
    await a.close();
  }
});

refusedOverWebSocket('an event for a namespace not joined (42/other,["a"])', [
  '2/other,["a"]',
]);
refusedOverWebSocket('an event for a namespace that does not exist (42/nope,["a"])', [
  '2/nope,["a"]',
]);
refusedOverWebSocket("an ack for a namespace not joined (43/other,0[])", ["3/other,0[]"]);
refusedOverWebSocket('a CONNECT_ERROR from the client (44{"message":"x"})', [
  '4{"message":"x"}',
]);
refusedOverPolling('an event for a namespace not joined (42/other,["a"])', ['2/other,["a"]']);

// -- acknowledgements --

refusedOverWebSocket("an ACK for an id never issued (430[])", ["30[]"]);
refusedOverWebSocket("a binary ACK for an id never issued", [`61-0[${placeholder(0)}]`, bytes]);
refusedOverPolling("an ACK for an id never issued (430[])", ["30[]"]);

test("websocket: an ACK for an id that expired is ignored, the connection stays", async () => {
  const a = await arena();
  const raw = await RawWebSocketIo.connect(a.fx.url);
  try {
    const sid = await raw.connectNamespace();
    const socket = a.fx.io.sockets.sockets.get(sid)!;
    const expired = new Promise<unknown>((resolve) => {
      socket.timeout(1).emit("question", (err: unknown) => resolve(err));
    });
    const question = await raw.nextText();
    const id = /^2(\d+)\["question"\]$/.exec(question)?.[1];
    assert.ok(id !== undefined, `an event with an ack id, got ${question}`);
    assert.ok(await within(expired, "the ack to expire") instanceof Error);
    raw.send(`3${id}["too late"]`);
    raw.send('27["echo","alive"]');
    assert.equal(await raw.nextText(), '37["alive"]');
    assert.equal(raw.isOpen, true);
    assert.deepEqual(a.errors.get(sid), []);
    await assertUndisturbed(a, 1);
  } finally {
    await raw.close();
    await a.close();
  }
});

test("websocket: a second ACK for the same id is ignored, the connection stays", async () => {
  const a = await arena();
  const raw = await RawWebSocketIo.connect(a.fx.url);
  try {
    const sid = await raw.connectNamespace();
    const socket = a.fx.io.sockets.sockets.get(sid)!;
    const answered = new Promise<unknown>((resolve) => socket.emit("question", resolve));
    const id = /^2(\d+)\[/.exec(await raw.nextText())?.[1];
    raw.send(`3${id}["first"]`);
    assert.equal(await within(answered, "the ack"), "first");
    raw.send(`3${id}["second"]`);
    raw.send('27["echo","alive"]');
    assert.equal(await raw.nextText(), '37["alive"]');
    assert.equal(raw.isOpen, true);
    await assertUndisturbed(a, 1);
  } finally {
    await raw.close();
    await a.close();
  }
});

// -- binary frames out of place --

refusedOverWebSocket("a binary frame when no attachment is expected", [bytes]);
refusedOverWebSocket("a binary frame after a complete binary packet", [
  `51-["a",${placeholder(0)}]`,
  bytes,
  bytes,
]);
refusedOverPolling("a binary frame when no attachment is expected", [bytes]);

// -- CONNECT payloads --

for (const auth of ['"x"', "[1]", "1", "null", "true"]) {
  test(`websocket: a CONNECT with auth ${auth} (40${auth}) closes the connection`, async () => {
    const a = await arena();
    const raw = await RawWebSocketIo.connect(a.fx.url);
    try {
      raw.send(`0${auth}`);
      await within(raw.closed, "the raw WebSocket to close");
      await assertUndisturbed(a);
    } finally {
      await raw.close();
      await a.close();
    }
  });
}
refusedOverWebSocket('a CONNECT to another namespace with auth "x"', ['0/other,"x"']);

// -- sizes --

const huge = `2["echo","${"x".repeat(2000)}"]`;
refusedOverWebSocket("an event over maxHttpBufferSize", [huge], { maxHttpBufferSize: 1000 });
refusedOverWebSocket("an attachment over maxHttpBufferSize", [
  `51-["echo",${placeholder(0)}]`,
  new Uint8Array(2000),
], { maxHttpBufferSize: 1000 });
refusedOverPolling("a POST over maxHttpBufferSize", [huge], { maxHttpBufferSize: 1000 }, 413);

// -- the log --

/** What `console.error` was given while `fn` ran, one string per call. */
async function captureErrorLog(fn: () => Promise<void>): Promise<string[]> {
  const lines: string[] = [];
  const original = console.error;
  console.error = (...args: unknown[]) => lines.push(args.map(String).join(" "));
  try {
    await fn();
  } finally {
    console.error = original;
  }
  return lines;
}

test("websocket: 1,000 packets that make a handler throw log a bounded number of lines", async () => {
  // JSON deeper than 1,000 levels decodes, but cannot be encoded back: each
  // echo throws in the handler, with the ack (a packet) or with an emit
  // (decoded straight to arguments).
  const a = await arena({}, ["websocket"], (io) => {
    io.on("connection", (socket) => {
      socket.on("bounce", (value: unknown) => socket.emit("bounce", value));
    });
  });
  const raw = await RawWebSocketIo.connect(a.fx.url);
  const deep = "[".repeat(1001) + "]".repeat(1001);
  const count = 1000;
  let bystanderId = "";
  try {
    const lines = await captureErrorLog(async () => {
      const sid = await raw.connectNamespace();
      for (let i = 0; i < count / 2; i++) {
        raw.send(`2${i}["echo",${deep}]`);
        raw.send(`2["bounce",${deep}]`);
      }
      raw.send(`2${count}["echo","alive"]`);
      assert.equal(await raw.nextText(), `3${count}["alive"]`);
      assert.equal(raw.isOpen, true);
      assert.deepEqual(a.errors.get(sid), []);
      // Another connection has its own budget: its first error is logged.
      bystanderId = a.bystander.id!;
      a.bystander.emit("bounce", JSON.parse(deep));
      await assertUndisturbed(a, 1);
      await raw.close();
      assert.equal(await a.disconnected(sid), "transport close");
    });
    const threw = lines.filter((line) => / threw: /.test(line));
    const summaries = lines.map((line) => /^webio: (\d+) more errors? of connection /.exec(line))
      .filter((match) => match !== null);
    assert.equal(threw.filter((line) => line.includes(bystanderId)).length, 1);
    // Every error is accounted for, in a few lines: those logged and a count of the rest.
    const suppressed = summaries.reduce((sum, match) => sum + Number(match[1]), 0);
    assert.equal(threw.length + suppressed, count + 1);
    assert.ok(summaries.length >= 1, "the count is logged when the connection closes");
    assert.ok(lines.length <= 20, `${lines.length} lines logged`);
    assert.match(threw[0], /handler for "(echo|bounce)" on socket .* threw: RangeError/);
  } finally {
    await raw.close();
    await a.close();
  }
});
