/**
 * The server-side `Socket` API end to end with the official
 * `socket.io-client`: identity, handshake, data, rooms, `send`, flags,
 * per-packet middleware, catch-all listeners, reserved names, and user
 * handler errors that must not hurt the connection.
 */
import { RESERVED_EVENTS } from "../../src/parser/packet.ts";
import { test } from "node:test";
import assert from "node:assert/strict";
import { assertNoSourceTimers } from "../_fixtures/timers.ts";
import {
  type ClientSocket,
  type IoFixture,
  mounts,
  once,
  startIo,
  transportModes,
} from "../_fixtures/io.ts";
import { serve } from "../_fixtures/serve.ts";
import type { Socket } from "../../src/io/socket.ts";
import { createTypedServer } from "../../examples/typed.ts";
import { io as connect } from "socket.io-client";

async function connectPair(
  fx: IoFixture,
  nsp = "/",
  opts: Parameters<IoFixture["client"]>[1] = {},
): Promise<{ socket: Socket; client: ClientSocket }> {
  const socket = once<[Socket]>(fx.io.of(nsp), "connection");
  const client = fx.client(nsp, opts);
  await once(client, "connect");
  return { socket: (await socket)[0], client };
}

/** Replaces `console.error` while `fn` runs, returning what was logged. */
async function quietErrors(fn: () => Promise<void>): Promise<unknown[][]> {
  const logged: unknown[][] = [];
  const original = console.error;
  console.error = (...args: unknown[]) => logged.push(args);
  try {
    await fn();
  } finally {
    console.error = original;
  }
  return logged;
}

for (const mount of mounts) {
  for (const mode of transportModes) {
    test(`socket api ${mount} ${mode.name}: id, conn, request, handshake, rooms, connected`, async () => {
      const fx = startIo({}, mount, { transports: mode.transports });
      try {
        const before = Date.now();
        let connectedInMiddleware: boolean | undefined;
        fx.io.use((socket, next) => {
          connectedInMiddleware = socket.connected;
          next();
        });
        const { socket, client } = await connectPair(fx, "/", {
          query: { room: "lobby", n: "1" },
          auth: { token: "abc", nested: { x: [1, 2] } },
        });
        assert.equal(connectedInMiddleware, false);
        assert.equal(socket.connected, true);
        assert.equal(socket.disconnected, false);

        // Identity: the socket id is public, the engine sid is not reused.
        assert.equal(typeof socket.id, "string");
        assert.equal(socket.id, client.id);
        assert.equal(socket.conn.id, client.io.engine.id);
        assert.notEqual(socket.id, socket.conn.id);
        assert.equal(socket.client.id, socket.conn.id);
        assert.equal(socket.conn.readyState, "open");
        assert.equal(socket.nsp, fx.io.sockets);

        assert.ok(socket.request instanceof Request);
        assert.ok(new URL(socket.request.url).pathname.startsWith("/socket.io/"));

        const hs = socket.handshake;
        assert.equal(socket.handshake, hs, "handshake is one stable object");
        assert.equal(hs.headers.host, new URL(fx.url).host);
        assert.equal(typeof hs.time, "string");
        assert.ok(!Number.isNaN(Date.parse(hs.time)));
        assert.equal(typeof hs.issued, "number");
        assert.ok(hs.issued >= before - 1000 && hs.issued <= Date.now());
        assert.match(hs.address, /127\.0\.0\.1/);
        assert.equal(hs.xdomain, hs.headers.origin !== undefined);
        assert.equal(hs.secure, false);
        assert.ok(hs.url.startsWith("/socket.io/?"), hs.url);
        assert.ok(hs.url.includes("room=lobby"), hs.url);
        assert.equal(hs.query.room, "lobby");
        assert.equal(hs.query.n, "1");
        assert.equal(hs.query.EIO, "4");
        assert.equal(hs.query.transport, mode.transports[0]);
        assert.deepEqual(hs.auth, { token: "abc", nested: { x: [1, 2] } });

        // Rooms: its own id first, then joined rooms.
        assert.deepEqual([...socket.rooms], [socket.id]);
        await socket.join(["a", "b"]);
        assert.deepEqual([...socket.rooms].sort(), [socket.id, "a", "b"].sort());
        await socket.leave("a");
        assert.deepEqual([...socket.rooms].sort(), [socket.id, "b"].sort());

        const gone = once(socket, "disconnect");
        client.disconnect();
        assert.deepEqual(await gone, ["client namespace disconnect", undefined]);
        assert.equal(socket.connected, false);
        assert.equal(socket.disconnected, true);
        assert.deepEqual([...socket.rooms], []);
      } finally {
        await fx.close();
      }
    });
  }
}

test("socket api: handshake without query or auth, and on a custom namespace", async () => {
  const fx = startIo({}, "native", { transports: ["websocket"] });
  try {
    const { socket } = await connectPair(fx, "/admin", { auth: { role: "admin" } });
    assert.deepEqual(socket.handshake.auth, { role: "admin" });
    assert.equal(socket.nsp.name, "/admin");
    const plain = await connectPair(fx, "/");
    assert.deepEqual(plain.socket.handshake.auth, {});
    assert.deepEqual(Object.keys(plain.socket.handshake.query).sort(), ["EIO", "transport"]);
    // Two namespaces over one manager share the engine connection, not the socket id.
    const c1 = fx.client("/");
    const c2 = c1.io.socket("/admin");
    fx.clients.push(c2);
    const sockets: Socket[] = [];
    const both = new Promise<void>((resolve) => {
      const add = (s: Socket) => sockets.push(s) === 2 && resolve();
      fx.io.of("/").once("connection", add);
      fx.io.of("/admin").once("connection", add);
    });
    c2.connect();
    await both;
    assert.equal(sockets[0].conn, sockets[1].conn);
    assert.notEqual(sockets[0].id, sockets[1].id);
  } finally {
    await fx.close();
  }
});

test("socket api: data set in middleware is seen by handlers and fetchSockets", async () => {
  const fx = startIo({}, "native", { transports: ["websocket"] });
  try {
    fx.io.use((socket, next) => {
      (socket.data as Record<string, unknown>).user = socket.handshake.auth.user;
      next();
    });
    const { socket } = await connectPair(fx, "/", { auth: { user: "ann" } });
    assert.deepEqual(socket.data, { user: "ann" });
    socket.data = { user: "bob" };
    const [fetched] = await fx.io.fetchSockets();
    assert.deepEqual(fetched.data, { user: "bob" });
  } finally {
    await fx.close();
  }
});

for (const mode of transportModes) {
  test(`socket api ${mode.name}: send and the message event, both ways`, async () => {
    const fx = startIo({}, "native", { transports: mode.transports });
    try {
      const { socket, client } = await connectPair(fx);
      const toClient = once(client, "message");
      socket.send("hi", 1, new Uint8Array([2]));
      const [hi, one, bytes] = await toClient;
      assert.deepEqual([hi, one, [...new Uint8Array(bytes as ArrayBuffer)]], ["hi", 1, [2]]);
      const toServer = once(socket, "message");
      client.send("yo", { a: 1 });
      assert.deepEqual(await toServer, ["yo", { a: 1 }]);
      const written = once(client, "message");
      socket.write("w");
      assert.deepEqual(await written, ["w"]);
    } finally {
      await fx.close();
    }
  });
}

for (const mode of transportModes) {
  test(`socket api ${mode.name}: volatile drops only when the transport is busy`, async () => {
    const fx = startIo({}, "native", { transports: mode.transports });
    try {
      const { socket, client } = await connectPair(fx);
      if (mode.name === "upgrade" && socket.conn.transport.name !== "websocket") {
        await once(socket.conn, "upgrade");
      }
      const seen: string[] = [];
      client.onAny((ev: string) => seen.push(ev));
      const last = once(client, "after");
      socket.emit("before");
      // Over polling the write above took the transport: a volatile emit is dropped.
      // Over WebSocket the transport stays writable: it goes out.
      socket.volatile.emit("volatile");
      socket.emit("after");
      await last;
      const expected = mode.name === "polling"
        ? ["before", "after"]
        : ["before", "volatile", "after"];
      assert.deepEqual(seen, expected);
      // The flag applies to one emit only.
      const next = once(client, "plain");
      socket.emit("plain");
      await next;
    } finally {
      await fx.close();
    }
  });
}

test("socket api: compress(false) reaches the engine for one emit only", async () => {
  const fx = startIo({}, "native", { transports: ["websocket"] });
  try {
    const { socket, client } = await connectPair(fx);
    const flags: (boolean | undefined)[] = [];
    const conn = socket.conn;
    // The Socket.IO layer hands the engine encoded frames.
    const sendFrame = conn.sendFrame.bind(conn);
    conn.sendFrame = (frame, opts) => {
      flags.push(opts?.compress);
      return sendFrame(frame, opts);
    };
    const got = once(client, "b");
    socket.compress(false).emit("a", "x".repeat(2000));
    socket.emit("b");
    await got;
    assert.equal(flags.length, 2);
    assert.equal(flags[0], false);
    assert.notEqual(flags[1], false);
  } finally {
    await fx.close();
  }
});

for (const mode of transportModes) {
  test(`socket api ${mode.name}: use() middleware passes, modifies, and rejects packets`, async () => {
    const fx = startIo({}, "native", { transports: mode.transports });
    try {
      const { socket, client } = await connectPair(fx);
      const order: string[] = [];
      socket.use((packet, next) => {
        order.push(`mw1:${packet[0]}`);
        if (packet[0] === "modify") packet[1] = "changed";
        next();
      });
      socket.use(([event], next) => {
        order.push(`mw2:${event}`);
        if (event === "forbidden") next(new Error("unauthorized event"));
        else next();
      });
      socket.use(([event], next) => {
        if (event === "async") setTimeout(() => next(), 5);
        else next();
      });
      const errors: Error[] = [];
      socket.on("error", (err) => {
        errors.push(err);
        socket.emit("rejected", err.message);
      });
      socket.on("modify", (value: string, ack: (v: string) => void) => ack(value));
      socket.on("forbidden", () => order.push("HANDLER forbidden"));
      socket.on("async", (ack: (v: string) => void) => ack("async ok"));
      socket.on("plain", (a: number, b: Uint8Array, ack: (n: number) => void) => ack(a + b[0]));

      assert.equal(await client.emitWithAck("modify", "original"), "changed");
      const rejected = once(client, "rejected");
      client.emit("forbidden", 1);
      assert.deepEqual(await rejected, ["unauthorized event"]);
      assert.equal(errors.length, 1);
      assert.ok(errors[0] instanceof Error);
      assert.equal(await client.emitWithAck("async"), "async ok");
      assert.equal(await client.emitWithAck("plain", 1, new Uint8Array([2])), 3);
      assert.ok(!order.includes("HANDLER forbidden"));
      assert.deepEqual(order.filter((o) => o.startsWith("mw")), [
        "mw1:modify",
        "mw2:modify",
        "mw1:forbidden",
        "mw2:forbidden",
        "mw1:async",
        "mw2:async",
        "mw1:plain",
        "mw2:plain",
      ]);
      assert.equal(socket.connected, true);
    } finally {
      await fx.close();
    }
  });
}

test("socket api: a middleware that throws is reported as an error, the socket lives on", async () => {
  const fx = startIo({}, "native", { transports: ["websocket"] });
  try {
    const { socket, client } = await connectPair(fx);
    socket.use(([event], next) => {
      if (event === "bad") throw new Error("middleware threw");
      next();
    });
    const error = once<[Error]>(socket, "error");
    socket.on("ok", (ack: (v: number) => void) => ack(1));
    client.emit("bad");
    assert.equal((await error)[0].message, "middleware threw");
    assert.equal(await client.emitWithAck("ok"), 1);
  } finally {
    await fx.close();
  }
});

test("socket api: an async middleware that rejects refuses the packet; next() counts once", async () => {
  const fx = startIo({}, "native", { transports: ["websocket"] });
  try {
    const { socket, client } = await connectPair(fx);
    socket.use(async ([event], next) => {
      await Promise.resolve();
      if (event === "bad") throw new Error("async middleware threw");
      next();
      next(); // ignored
    });
    let handled = 0;
    socket.on("ok", (ack: (n: number) => void) => ack(++handled));
    const error = once<[Error]>(socket, "error");
    client.emit("bad");
    assert.equal((await error)[0].message, "async middleware threw");
    assert.equal(await client.emitWithAck("ok"), 1);
    assert.equal(await client.emitWithAck("ok"), 2);
  } finally {
    await fx.close();
  }
});

test("socket api: disconnecting sees the rooms; closing again from it is harmless", async () => {
  const fx = startIo({}, "native", { transports: ["websocket"] });
  try {
    const { socket, client } = await connectPair(fx);
    await socket.join("r");
    const events: string[] = [];
    socket.on("disconnecting", (reason) => {
      events.push(`disconnecting:${reason}:${[...socket.rooms].includes("r")}`);
      socket.disconnect();
    });
    socket.on("disconnect", (reason) => events.push(`disconnect:${reason}`));
    const clientSide = once(client, "disconnect");
    socket.disconnect();
    assert.deepEqual(await clientSide, ["io server disconnect", undefined]);
    assert.deepEqual(events, [
      "disconnecting:server namespace disconnect:true",
      "disconnect:server namespace disconnect",
    ]);
    assert.equal(fx.io.sockets.adapter.rooms.has("r"), false);
  } finally {
    await fx.close();
  }
});

test("socket api: emitting after disconnect sends nothing and fails a timed ack", async () => {
  const fx = startIo({}, "native", { transports: ["websocket"] });
  try {
    const { socket, client } = await connectPair(fx);
    const gone = once(socket, "disconnect");
    client.disconnect();
    await gone;
    assert.equal(socket.emit("late", 1), true);
    await assert.rejects(socket.timeout(60_000).emitWithAck("late"), {
      message: "socket has been disconnected",
    });
  } finally {
    await fx.close();
  }
});

test("socket api: data that cannot be encoded throws from emit and registers no ack", async () => {
  const fx = startIo({}, "native", { transports: ["websocket"] });
  try {
    const { socket, client } = await connectPair(fx);
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    let called = false;
    assert.throws(() => socket.timeout(5).emit("x", cyclic, () => called = true));
    assert.throws(() => socket.emit("x", { big: 1n }));
    // The socket still works, and the flags of the failed emit did not leak.
    client.on("q", (ack: (v: string) => void) => ack("fine"));
    assert.equal(await socket.emitWithAck("q"), "fine");
    await new Promise((r) => setTimeout(r, 20));
    assert.equal(called, false);
  } finally {
    await fx.close();
  }
});

for (const mode of transportModes) {
  test(`socket api ${mode.name}: onAny, prependAny, offAny, listenersAny`, async () => {
    const fx = startIo({}, "native", { transports: mode.transports });
    try {
      const { socket, client } = await connectPair(fx);
      const calls: string[] = [];
      const first = (ev: string, ...args: unknown[]) => calls.push(`first:${ev}:${args.length}`);
      const second = (ev: string) => calls.push(`second:${ev}`);
      const pre = (ev: string) => calls.push(`pre:${ev}`);
      socket.onAny(first);
      socket.onAny(second);
      socket.prependAny(pre);
      assert.deepEqual(socket.listenersAny(), [pre, first, second]);
      socket.on("ev", (_a: unknown, ack?: (v: string) => void) => ack?.("done"));

      // The catch-all sees the ack function as the last argument, as in the official server.
      assert.equal(await client.emitWithAck("ev", new Uint8Array([1])), "done");
      assert.deepEqual(calls, ["pre:ev", "first:ev:2", "second:ev"]);

      calls.length = 0;
      socket.offAny(first);
      assert.deepEqual(socket.listenersAny(), [pre, second]);
      socket.listenersAny().length = 0; // a copy: does not change the socket
      assert.equal(socket.listenersAny().length, 2);
      await client.emitWithAck("ev", 1);
      assert.deepEqual(calls, ["pre:ev", "second:ev"]);

      calls.length = 0;
      socket.offAny();
      assert.deepEqual(socket.listenersAny(), []);
      await client.emitWithAck("ev", 1);
      assert.deepEqual(calls, []);
    } finally {
      await fx.close();
    }
  });
}

for (const mode of transportModes) {
  test(`socket api ${mode.name}: onAnyOutgoing sees emits and broadcasts, not acks`, async () => {
    const fx = startIo({}, "native", { transports: mode.transports });
    try {
      const a = await connectPair(fx);
      const b = await connectPair(fx);
      const out: unknown[][] = [];
      const listener = (...args: unknown[]) => out.push(args);
      const pre = (ev: string) => out.push([`pre:${ev}`]);
      a.socket.onAnyOutgoing(listener);
      a.socket.prependAnyOutgoing(pre);
      assert.deepEqual(a.socket.listenersAnyOutgoing(), [pre, listener]);
      a.socket.on("q", (ack: (v: string) => void) => ack("answer"));
      await a.socket.join("room");

      const got = (c: ClientSocket, ev: string) => once(c, ev);
      let arrived = got(a.client, "direct");
      a.socket.emit("direct", 1, new Uint8Array([2]));
      await arrived;
      arrived = got(a.client, "all");
      fx.io.emit("all", "x");
      await arrived;
      arrived = got(a.client, "room");
      fx.io.to("room").emit("room", "y");
      await arrived;
      arrived = got(a.client, "fromB");
      b.socket.broadcast.emit("fromB", "z");
      await arrived;
      assert.equal(await a.client.emitWithAck("q"), "answer"); // an ack: not outgoing
      a.client.on("withAck", (ack: (v: number) => void) => ack(1));
      await a.socket.emitWithAck("withAck");

      assert.equal(out.length, 10);
      assert.deepEqual(out[0], ["pre:direct"]);
      assert.deepEqual(out[1].slice(0, 2), ["direct", 1]);
      assert.ok(out[1][2] instanceof Uint8Array);
      assert.deepEqual(out.slice(2, 8), [
        ["pre:all"],
        ["all", "x"],
        ["pre:room"],
        ["room", "y"],
        ["pre:fromB"],
        ["fromB", "z"],
      ]);
      assert.equal(out[8][0], "pre:withAck");
      assert.equal(out[9][0], "withAck");

      out.length = 0;
      a.socket.offAnyOutgoing(pre);
      assert.deepEqual(a.socket.listenersAnyOutgoing(), [listener]);
      a.socket.offAnyOutgoing();
      assert.deepEqual(a.socket.listenersAnyOutgoing(), []);
      arrived = got(a.client, "quiet");
      a.socket.emit("quiet");
      await arrived;
      assert.deepEqual(out, []);
    } finally {
      await fx.close();
    }
  });
}

test("socket api: reserved event names throw on emit", async () => {
  const fx = startIo({}, "native", { transports: ["websocket"] });
  try {
    const { socket } = await connectPair(fx);
    const emit = socket.emit as (ev: string, ...args: unknown[]) => boolean;
    const broadcast = fx.io.emit as (ev: string, ...args: unknown[]) => boolean;
    for (
      const ev of RESERVED_EVENTS
    ) {
      assert.throws(() => emit.call(socket, ev), { message: `"${ev}" is a reserved event name` });
      assert.throws(() => broadcast.call(fx.io, ev), {
        message: `"${ev}" is a reserved event name`,
      });
    }
    assert.equal(socket.emit("error"), true, "`error` may be emitted to the client");
    assert.equal(socket.emit("fine"), true);
  } finally {
    await fx.close();
  }
});

for (const mode of transportModes) {
  test(`socket api ${mode.name}: a throwing or rejecting handler keeps the connection`, async () => {
    const fx = startIo({}, "native", { transports: mode.transports });
    try {
      const logged = await quietErrors(async () => {
        const { socket, client } = await connectPair(fx);
        socket.on("sync", () => {
          throw new Error("sync boom");
        });
        socket.on("async", async () => {
          await Promise.resolve();
          throw new Error("async boom");
        });
        socket.onAny((ev: string) => {
          if (ev === "any") throw new Error("any boom");
        });
        socket.on("ok", (n: number, ack: (v: number) => void) => ack(n));
        const closed = new Promise<void>((resolve) => {
          socket.on("disconnect", () => resolve());
        });
        client.emit("sync");
        client.emit("async");
        client.emit("any");
        assert.equal(await client.emitWithAck("ok", 1), 1);
        await new Promise((r) => setTimeout(r, 10));
        assert.equal(await client.emitWithAck("ok", 2), 2);
        assert.equal(socket.connected, true);
        assert.equal(client.connected, true);
        client.disconnect();
        await closed;
      });
      const text = logged.map((args) => args.map(String).join(" ")).join("\n");
      assert.match(text, /sync boom/);
      assert.match(text, /async boom/);
      assert.match(text, /any boom/);
    } finally {
      await fx.close();
    }
  });
}

test("socket api: a throwing connection handler or disconnect handler harms nothing", async () => {
  const fx = startIo({}, "native", { transports: ["websocket"] });
  await quietErrors(async () => {
    try {
      fx.io.on("connection", (socket) => {
        socket.on("disconnect", () => {
          throw new Error("disconnect boom");
        });
        throw new Error("connection boom");
      });
      const { socket, client } = await connectPair(fx);
      socket.on("ok", (ack: (v: string) => void) => ack("ok"));
      assert.equal(await client.emitWithAck("ok"), "ok");
      socket.disconnect();
      assert.equal(socket.connected, false);
      assert.equal(fx.io.sockets.sockets.size, 0);
      const again = await connectPair(fx);
      assert.equal(again.socket.connected, true);
    } finally {
      await fx.close();
    }
  });
});

test("socket api: rooms joined in a middleware apply on connect; a refused socket leaves none", async () => {
  const fx = startIo({}, "native", { transports: ["websocket"] });
  try {
    fx.io.use((socket, next) => {
      socket.join(["early", `user:${socket.handshake.auth.user}`]);
      socket.leave("early");
      socket.join("early");
      assert.deepEqual([...socket.rooms].sort(), ["early", `user:${socket.handshake.auth.user}`]);
      if (socket.handshake.auth.user === "mallory") next(new Error("refused"));
      else next();
    });
    const { socket, client } = await connectPair(fx, "/", { auth: { user: "ann" } });
    assert.deepEqual([...socket.rooms].sort(), [socket.id, "early", "user:ann"].sort());
    const news = once(client, "news");
    fx.io.to("user:ann").emit("news", 1);
    assert.deepEqual(await news, [1]);

    const refused = fx.client("/", { auth: { user: "mallory" } });
    const [err] = await once<[Error]>(refused, "connect_error");
    assert.equal(err.message, "refused");
    assert.equal(fx.io.sockets.adapter.rooms.has("user:mallory"), false);
    assert.deepEqual([...fx.io.sockets.adapter.rooms.get("early") ?? []], [socket.id]);
  } finally {
    await fx.close();
  }
});

test("socket api: the typed example serves the documented events", async () => {
  const log = console.log;
  console.log = () => {}; // the example logs disconnections
  try {
    await typedExample();
  } finally {
    console.log = log;
  }
});

async function typedExample(): Promise<void> {
  for (const mount of mounts) {
    const io = createTypedServer();
    const server = serve(io, mount);
    const client = connect(server.url, {
      forceNew: true,
      reconnection: false,
      transports: ["websocket"],
    });
    try {
      const basic = once<[number, string, ArrayBuffer]>(client, "basicEmit");
      const noArg = once(client, "noArg");
      client.on("withAck", (d: string, cb: (e: number) => void) => cb(Number(d) * 2));
      await once(client, "connect");
      await noArg;
      const [a, b, c] = await basic;
      assert.deepEqual([a, b, [...new Uint8Array(c)]], [1, "2", [3]]);
      assert.equal(await client.emitWithAck("hello", "ann"), "hello ann");
    } finally {
      client.disconnect();
      await io.close();
      await server.shutdown();
    }
  }
}

test("no timer started by src/ outlives the closed servers", () => assertNoSourceTimers());
