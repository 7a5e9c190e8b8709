/**
 * Options and lifecycle errors: every typed option is checked when the
 * server is made (a `TypeError` or `RangeError` naming the option and the
 * value), a numeric string is a port, a closed server refuses to listen, a
 * busy port is named, and an argument JSON cannot hold names its event.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { once, runtime, startIo } from "../_fixtures/io.ts";
import { freePort } from "../_fixtures/example_process.ts";
import { Server } from "../../src/server.ts";
import { EngineServer } from "../../src/engine/server.ts";
import type { ServerOptions } from "../../src/io/server_options.ts";
import { io as connect } from "socket.io-client";

const refused: [options: Record<string, unknown>, error: ErrorConstructor, message: string][] = [
  [{ pingInterval: "1000" }, TypeError, 'pingInterval must be a positive number, got "1000"'],
  [{ pingInterval: 0 }, RangeError, "pingInterval must be a positive number, got 0"],
  [{ pingTimeout: -5 }, RangeError, "pingTimeout must be a positive number, got -5"],
  [{ pingTimeout: NaN }, TypeError, "pingTimeout must be a positive number, got NaN"],
  [
    { upgradeTimeout: 2 ** 31 },
    RangeError,
    "upgradeTimeout must be at most 2147483647, got 2147483648",
  ],
  [{ connectTimeout: "45s" }, TypeError, 'connectTimeout must be a positive number, got "45s"'],
  [
    { maxHttpBufferSize: Infinity },
    RangeError,
    "maxHttpBufferSize must be a positive number, got Infinity",
  ],
  [{ maxBufferedBytes: -1 }, RangeError, "maxBufferedBytes must be a positive number, got -1"],
  [{ maxAttachments: 2.5 }, RangeError, "maxAttachments must be a non-negative integer, got 2.5"],
  [
    { transports: ["polling", "websockets"] },
    TypeError,
    'every entry of transports must be one of "polling" and "websocket", got "websockets"',
  ],
  [
    { transports: "websocket" },
    TypeError,
    'transports must be an array of "polling" and "websocket", got "websocket"',
  ],
  [
    { transports: [] },
    RangeError,
    'transports must be a non-empty array of "polling" and "websocket", got an array',
  ],
  [{ allowUpgrades: "no" }, TypeError, 'allowUpgrades must be a boolean, got "no"'],
  [{ serveClient: 0 }, TypeError, "serveClient must be a boolean, got 0"],
  [
    { cleanupEmptyChildNamespaces: "yes" },
    TypeError,
    'cleanupEmptyChildNamespaces must be a boolean, got "yes"',
  ],
  [{ path: "socket.io" }, TypeError, 'path must be a string starting with "/", got "socket.io"'],
  [{ path: 42 }, TypeError, 'path must be a string starting with "/", got 42'],
  [{ adapter: {} }, TypeError, "adapter must be a function, got an object"],
  [{ allowRequest: true }, TypeError, "allowRequest must be a function, got true"],
  [{ generateId: "id" }, TypeError, 'generateId must be a function, got "id"'],
  [{ cors: "*" }, TypeError, 'cors must be an object, got "*"'],
  [
    { cors: { origin: 3 } },
    TypeError,
    "cors.origin must be a string, a boolean, a RegExp, an array of them or a function, got 3",
  ],
  [{ cors: { credentials: "true" } }, TypeError, 'cors.credentials must be a boolean, got "true"'],
  [
    { cors: { methods: ["GET", 1] } },
    TypeError,
    "cors.methods must be a string or an array of strings, got an array",
  ],
  [
    { cookie: "io" },
    TypeError,
    'cookie must be a boolean or an object of cookie options, got "io"',
  ],
  [
    { cookie: { sameSite: "lox" } },
    TypeError,
    'cookie.sameSite must be "strict", "lax", "none", true or false, got "lox"',
  ],
  [{ cookie: { expires: "tomorrow" } }, TypeError, 'cookie.expires must be a Date, got "tomorrow"'],
  [
    { httpCompression: { threshold: -1 } },
    RangeError,
    "httpCompression.threshold must be a non-negative number, got -1",
  ],
  [
    { httpCompression: "gzip" },
    TypeError,
    'httpCompression must be a boolean or { threshold }, got "gzip"',
  ],
  [{ initialPacket: 5 }, TypeError, "initialPacket must be a string or a Uint8Array, got 5"],
  [
    { logger: console.log },
    TypeError,
    "logger must be an object with debug, info, warn and error methods, got a function",
  ],
  [{ logger: { error() {} } }, TypeError, "logger.debug must be a function, got undefined"],
];

for (const [options, error, message] of refused) {
  test(`options: new Server() throws ${error.name}: ${message}`, () => {
    assert.throws(() => new Server(options as ServerOptions), (err: Error) => {
      assert.equal(err.constructor, error);
      assert.equal(err.message, `Cannot create server: ${message}`);
      return true;
    });
  });
}

test("options: the engine checks its own options too", () => {
  assert.throws(
    () => new EngineServer({ pingInterval: "1000" as never }),
    new TypeError('Cannot create server: pingInterval must be a positive number, got "1000"'),
  );
});

test("options: the official (req, callback) allowRequest is refused with a message saying so", () => {
  assert.throws(
    () => new Server({ allowRequest: ((_req: Request, _cb: unknown) => true) as never }),
    /allowRequest must take the request alone .* \(the official \(req, callback\) form is not supported\)/,
  );
});

test("options: options that are not an object are refused", () => {
  assert.throws(
    () => new Server(null as never),
    new TypeError("Cannot create server: options must be an object, got null"),
  );
});

test("options: every option with a valid value is accepted", async () => {
  const io = new Server({
    path: "/rt",
    serveClient: false,
    connectTimeout: 1000,
    cleanupEmptyChildNamespaces: true,
    maxAttachments: 0,
    pingInterval: 1000,
    pingTimeout: 1000,
    upgradeTimeout: 1000,
    maxHttpBufferSize: 1e5,
    maxBufferedBytes: 1e6,
    transports: ["websocket"],
    allowUpgrades: false,
    allowRequest: () => true,
    cors: {
      origin: [/example\.com$/, "https://a.test"],
      methods: ["GET", "POST"],
      credentials: true,
      maxAge: "600",
      optionsSuccessStatus: 200,
    },
    cookie: { name: "sid", path: false, sameSite: "strict", expires: new Date(), maxAge: 60 },
    httpCompression: { threshold: 0 },
    initialPacket: new Uint8Array([1]),
    generateId: () => crypto.randomUUID(),
    logger: console,
  });
  await io.close();
});

test("options: the connectTimeout and adapter setters check their value", async () => {
  const io = new Server();
  assert.throws(
    () => io.connectTimeout(-1),
    new RangeError("Cannot set connectTimeout: connectTimeout must be a positive number, got -1"),
  );
  assert.throws(
    () => io.adapter("memory" as never),
    new TypeError('Cannot set adapter: adapter must be a function, got "memory"'),
  );
  await io.close();
});

test(`options: a string pingInterval never reaches a client (${runtime})`, async () => {
  // Before the check, the handshake carried {"pingInterval":"1000"}: now the server is not made.
  assert.throws(() => startIo({ pingInterval: "1000" as never }), TypeError);
  const fx = startIo({ pingInterval: 1000 });
  try {
    const c = fx.client();
    await once(c, "connect");
    // The client's heartbeat setting, from the handshake.
    // deno-lint-ignore no-explicit-any
    assert.equal((c.io.engine as any)._pingInterval, 1000);
  } finally {
    await fx.close();
  }
});

test(`listen: a numeric string is a port, as in the official server (${runtime})`, async () => {
  const port = await freePort();
  const io = new Server(String(port));
  try {
    assert.equal(io.port, port);
    io.on("connection", (socket) => socket.emit("hi", "there"));
    const c = connect(`http://127.0.0.1:${port}`, { forceNew: true, reconnection: false });
    try {
      assert.deepEqual(await once(c, "hi"), ["there"]);
    } finally {
      c.disconnect();
    }
  } finally {
    await io.close();
  }
});

test("listen: a port that is no port is refused, naming it", async () => {
  assert.throws(
    () => new Server("http"),
    new TypeError(
      'Cannot listen: port must be a number, a numeric string or a node:http server, got "http"',
    ),
  );
  assert.throws(
    () => new Server(70000),
    new RangeError("Cannot listen: port must be an integer from 0 to 65535, got 70000"),
  );
  const io = new Server();
  assert.throws(() => io.listen({} as never), TypeError);
  await io.close();
});

test(`listen: after close() it throws instead of refusing every handshake (${runtime})`, async () => {
  const io = new Server(0);
  await io.close();
  assert.throws(
    () => io.listen(0),
    new Error(
      "Cannot listen: the server was closed, and a closed server refuses every handshake; " +
        "create a new Server",
    ),
  );
  assert.equal(io.port, undefined);
});

test(`listen: a busy port is named in the error, code EADDRINUSE (${runtime})`, async () => {
  const first = new Server(0);
  try {
    const port = first.port!;
    assert.throws(() => new Server(port), (err: Error & { code?: string }) => {
      assert.equal(err.message, `Cannot listen on port ${port}: the address is already in use`);
      assert.equal(err.code, "EADDRINUSE");
      assert.ok(err.cause, "the runtime's own error is the cause");
      if (runtime === "deno") assert.ok(err instanceof Deno.errors.AddrInUse);
      return true;
    });
  } finally {
    await first.close();
  }
});

test("emit: a BigInt argument fails with an error naming the event", async () => {
  const io = new Server();
  try {
    for (
      const emit of [
        () => io.emit("big" as never, 1n as never),
        () => io.of("/admin").to("room").emit("big" as never, { n: 1n } as never),
        () => io.emit("big" as never, new Uint8Array(1) as never, 1n as never),
      ]
    ) {
      assert.throws(emit, (err: Error) => {
        assert.ok(err instanceof TypeError);
        assert.match(
          err.message,
          /^Cannot encode event "big": its data cannot be serialised as JSON \(.*BigInt.*\)$/,
        );
        return true;
      });
    }
  } finally {
    await io.close();
  }
});

test(`emit: a socket.emit with a BigInt throws to the caller; the connection lives on (${runtime})`, async () => {
  const fx = startIo();
  try {
    let thrown: unknown;
    fx.io.on("connection", (socket) => {
      socket.on("go", (ack) => {
        try {
          socket.emit("big", 10n);
        } catch (err) {
          thrown = err;
        }
        ack("still here");
      });
    });
    const c = fx.client();
    await once(c, "connect");
    assert.equal(await c.timeout(5000).emitWithAck("go"), "still here");
    assert.ok(thrown instanceof TypeError);
    assert.match((thrown as Error).message, /^Cannot encode event "big": /);
  } finally {
    await fx.close();
  }
});
