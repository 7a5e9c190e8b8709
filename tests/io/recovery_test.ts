/**
 * Connection-state recovery (`connectionStateRecovery`) with the official
 * `socket.io-client`: a client cut off and back within the window gets its
 * socket id, rooms, `data` and every packet it missed, in order, once; after
 * the window, with a guessed pid or offset, or after a disconnect that is
 * not recovered, it is a new session. Off by default.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import {
  type ClientSocket,
  type IoFixture,
  once,
  sleep,
  startIo,
  transportModes,
} from "../_fixtures/io.ts";
import type { ServerOptions } from "../../src/io/server_options.ts";
import type { Socket } from "../../src/io/socket.ts";
import { SessionStore } from "../../src/io/_session_store.ts";
import { Adapter, type Session, type SessionToPersist } from "../../src/io/adapter.ts";
import { Server } from "../../src/server.ts";

/** The client's private session state (what it echoes on reconnect). */
interface ClientState {
  _pid?: string;
  _lastOffset?: string;
}

const state = (client: ClientSocket) => client as unknown as ClientState;

/** Client options that reconnect quickly after a cut. */
const RECONNECT = {
  reconnection: true,
  reconnectionDelay: 50,
  reconnectionDelayMax: 50,
  randomizationFactor: 0,
};

/** Cuts the client's connection as a network failure would; it reconnects by itself. */
function cut(client: ClientSocket): void {
  client.io.engine.close();
}

async function withIo(
  options: ServerOptions,
  transports: ("polling" | "websocket")[],
  fn: (fx: IoFixture) => Promise<void>,
): Promise<void> {
  const fx = startIo(options, "native", { transports });
  try {
    await fn(fx);
  } finally {
    await fx.close();
  }
}

async function waitUntil(cond: () => boolean, what: string, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting until ${what}`);
    await sleep(5);
  }
}

test("recovery: off by default, no pid, no offset, and a reconnect is a new session", async () => {
  await withIo({}, ["websocket"], async (fx) => {
    let first: Socket | undefined;
    fx.io.on("connection", (socket) => {
      first ??= socket;
      socket.emit("hello", 1);
    });
    assert.equal(fx.io.opts.connectionStateRecovery, undefined);
    const client = fx.client("/", RECONNECT);
    const [arg, ...rest] = await once<unknown[]>(client, "hello");
    assert.deepEqual([arg, ...rest], [1]); // no offset appended
    assert.equal(state(client)._pid, undefined);
    assert.equal(first!.recovered, false);
    const oldId = client.id;
    cut(client);
    await once(client, "connect");
    assert.ok(!client.recovered);
    assert.notEqual(client.id, oldId);
  });
});

for (const mode of transportModes) {
  test(`recovery ${mode.name}: a cut during a stream of room broadcasts loses, repeats and reorders nothing`, async () => {
    await withIo({ connectionStateRecovery: {} }, mode.transports, async (fx) => {
      const serverSockets: Socket[] = [];
      fx.io.on("connection", (socket) => {
        serverSockets.push(socket);
        if (!socket.recovered) {
          socket.join("stream");
          socket.data.name = "alice";
        }
        socket.emit("welcome", socket.recovered);
      });
      let n = 0;
      const timer = setInterval(() => fx.io.to("stream").emit("tick", n++), 2);
      try {
        const client = fx.client("/", RECONNECT);
        const ticks: number[] = [];
        const offsets: string[] = [];
        client.on("tick", (value: number, offset: string) => {
          ticks.push(value);
          offsets.push(offset);
        });
        await once(client, "connect");
        assert.equal(typeof state(client)._pid, "string");
        await waitUntil(() => ticks.length >= 20, "20 ticks");
        const oldId = client.id;
        const disconnected = once(client, "disconnect");
        cut(client);
        await disconnected;
        const lastBefore = ticks[ticks.length - 1];
        await once(client, "connect");
        assert.ok(n - 1 > lastBefore + 1, "ticks were sent while the client was away");
        assert.equal(client.recovered, true);
        assert.equal(client.id, oldId);
        const seen = ticks.length;
        await waitUntil(() => ticks.length >= seen + 20, "20 more ticks");
        clearInterval(timer);
        const last = n - 1;
        await waitUntil(() => ticks[ticks.length - 1] === last, `tick ${last}`);
        // From the first tick after it joined the room, every one, once, in order.
        assert.deepEqual(
          ticks,
          Array.from({ length: last - ticks[0] + 1 }, (_, i) => ticks[0] + i),
        );
        assert.equal(new Set(offsets).size, offsets.length);

        assert.equal(serverSockets.length, 2);
        const [before, after] = serverSockets;
        assert.equal(before.recovered, false);
        assert.equal(after.recovered, true);
        assert.equal(after.id, before.id);
        assert.deepEqual([...after.rooms].sort(), [after.id, "stream"].sort());
        assert.deepEqual(after.data, { name: "alice" });
      } finally {
        clearInterval(timer);
      }
    });
  });
}

test("recovery: events to one socket missed during the cut are replayed before new ones", async () => {
  await withIo({ connectionStateRecovery: {} }, ["websocket"], async (fx) => {
    const sockets: Socket[] = [];
    fx.io.on("connection", (socket) => {
      sockets.push(socket);
      socket.emit("connected", sockets.length);
    });
    const client = fx.client("/", RECONNECT);
    const got: unknown[] = [];
    client.onAny((ev: string, ...args: unknown[]) => got.push([ev, args[0]]));
    await once(client, "connect");
    await waitUntil(() => got.length === 1, "connected");
    const [socket] = sockets;
    cut(client);
    await once(socket, "disconnect");
    // Sent while the client is away: kept, then replayed.
    socket.emit("missed", 1);
    fx.io.emit("missed", 2);
    socket.volatile.emit("volatile", 3); // volatile: not kept
    await once(client, "connect");
    await waitUntil(() => got.length === 4, "4 events");
    assert.deepEqual(got, [["connected", 1], ["missed", 1], ["missed", 2], ["connected", 2]]);
    assert.equal(sockets[1].recovered, true);
  });
});

for (const name of ["/", "/chat"]) {
  test(`recovery: own events in ${name} lost on the way while the server saw the client connected are replayed`, async () => {
    await withIo({ connectionStateRecovery: {} }, ["websocket"], async (fx) => {
      const sockets: Socket[] = [];
      fx.io.of(name).on("connection", (socket) => {
        sockets.push(socket);
        if (sockets.length === 1) socket.emit("first", 0);
      });
      const client = fx.client(name, RECONNECT);
      const got: unknown[][] = [];
      client.onAny((ev: string, ...args: unknown[]) => got.push([ev, ...args]));
      await once(client, "connect");
      await waitUntil(() => got.length === 1, "first");
      const lostFrom = state(client)._lastOffset!;
      // Written on the fast path (the socket is connected): kept as encoded text.
      sockets[0].emit("lost", { nested: [1, "two", null] }, "x");
      sockets[0].emit("lost", 2);
      await waitUntil(() => got.length === 3, "the two events");
      // As if both had been lost in the network: the client presents the older offset.
      cut(client);
      state(client)._lastOffset = lostFrom;
      await once(client, "connect");
      await waitUntil(() => got.length === 5, "the replay");
      // The same events with the same offsets (the client's listeners see them last).
      assert.deepEqual(got.slice(3), got.slice(1, 3));
      assert.deepEqual(got[1], ["lost", { nested: [1, "two", null] }, "x", got[1][3]]);
      assert.equal(sockets[1].recovered, true);
    });
  });
}

test("recovery: after maxDisconnectionDuration the client gets a new session and nothing replayed", async () => {
  await withIo(
    { connectionStateRecovery: { maxDisconnectionDuration: 100 } },
    ["websocket"],
    async (fx) => {
      const sockets: Socket[] = [];
      fx.io.on("connection", (socket) => {
        sockets.push(socket);
        socket.emit("hello");
      });
      const client = fx.client("/", {
        ...RECONNECT,
        reconnectionDelay: 400,
        reconnectionDelayMax: 400,
      });
      const got: string[] = [];
      client.onAny((ev: string) => got.push(ev));
      await once(client, "hello");
      const oldId = client.id;
      cut(client);
      await once(sockets[0], "disconnect");
      fx.io.emit("missed");
      await once(client, "connect");
      assert.ok(!client.recovered);
      assert.notEqual(client.id, oldId);
      assert.equal(sockets[1].recovered, false);
      await waitUntil(() => got.length === 2, "hello");
      assert.deepEqual(got, ["hello", "hello"]);
    },
  );
});

test("recovery: a guessed pid or offset gets nothing, and a session is given back only once", async () => {
  await withIo({ connectionStateRecovery: {} }, ["websocket"], async (fx) => {
    const sockets: Socket[] = [];
    fx.io.on("connection", (socket) => {
      sockets.push(socket);
      socket.join("secret");
    });
    const alice = fx.client("/", { reconnection: false });
    await once(alice, "connect");
    fx.io.to("secret").emit("news", 1);
    await once(alice, "news");
    const { _pid: pid, _lastOffset: offset } = state(alice);
    assert.equal(typeof pid, "string");
    assert.equal(typeof offset, "string");
    const aliceId = alice.id;
    cut(alice);
    await once(sockets[0], "disconnect");
    fx.io.to("secret").emit("news", 2); // what alice misses

    const attempt = async (auth: Record<string, unknown>) => {
      const client = fx.client("/", { auth });
      const got: unknown[] = [];
      client.onAny((ev: string, ...args: unknown[]) => got.push([ev, args[0]]));
      await once(client, "connect");
      await sleep(20);
      const id = client.id;
      client.disconnect();
      // The client only knows it recovered when it had the pid itself: ask the server.
      return { recovered: sockets[sockets.length - 1].recovered, id, got };
    };
    const wrongPid = await attempt({ pid: "AAAAAAAAAAAAAAAAAAAA", offset });
    assert.equal(wrongPid.recovered, false);
    assert.notEqual(wrongPid.id, aliceId);
    assert.deepEqual(wrongPid.got, []);
    const wrongOffset = await attempt({ pid, offset: "123456789" });
    assert.equal(wrongOffset.recovered, false);
    assert.deepEqual(wrongOffset.got, []);
    const notAString = await attempt({ pid, offset: Number(offset) });
    assert.equal(notAString.recovered, false);

    // The real pair still works (the guesses did not spend it)...
    const real = await attempt({ pid, offset });
    assert.equal(real.recovered, true);
    assert.equal(real.id, aliceId);
    assert.deepEqual(real.got, [["news", 2]]);
    // ...once: "io client disconnect" is not recovered, and the pair is spent.
    const again = await attempt({ pid, offset });
    assert.equal(again.recovered, false);
    assert.deepEqual(again.got, []);
  });
});

test("recovery: middlewares are skipped by default and run with skipMiddlewares: false", async () => {
  for (const skipMiddlewares of [undefined, false]) {
    await withIo({ connectionStateRecovery: { skipMiddlewares } }, ["websocket"], async (fx) => {
      const seen: { recovered: boolean; id: string; data: unknown }[] = [];
      fx.io.use((socket, next) => {
        seen.push({ recovered: socket.recovered, id: socket.id, data: { ...socket.data } });
        next();
      });
      fx.io.on("connection", (socket) => {
        if (!socket.recovered) socket.data.n = 1;
        socket.emit("hello");
      });
      const client = fx.client("/", RECONNECT);
      await once(client, "hello");
      const id = client.id;
      cut(client);
      await once(client, "connect");
      assert.equal(client.recovered, true);
      assert.equal(client.id, id);
      if (skipMiddlewares === false) {
        assert.equal(seen.length, 2);
        assert.deepEqual(seen[1], { recovered: true, id, data: { n: 1 } });
      } else {
        assert.equal(seen.length, 1);
      }
    });
  }
});

test("recovery: a middleware may still refuse a recovered socket with skipMiddlewares: false", async () => {
  await withIo(
    { connectionStateRecovery: { skipMiddlewares: false } },
    ["websocket"],
    async (fx) => {
      fx.io.use((socket, next) =>
        next(socket.recovered ? new Error("come back later") : undefined)
      );
      fx.io.on("connection", (socket) => socket.emit("hello"));
      const client = fx.client("/", RECONNECT);
      await once(client, "hello");
      cut(client);
      const [err] = await once<[Error]>(client, "connect_error");
      assert.equal(err.message, "come back later");
    },
  );
});

test("recovery: server-side disconnect() and a client namespace disconnect are not recovered", async () => {
  await withIo({ connectionStateRecovery: {} }, ["websocket"], async (fx) => {
    const sockets: Socket[] = [];
    fx.io.on("connection", (socket) => {
      sockets.push(socket);
      socket.emit("hello");
    });
    const client = fx.client("/", { reconnection: false });
    await once(client, "hello");
    sockets[0].disconnect();
    await once(client, "disconnect");
    client.connect(); // echoes its pid and offset
    await once(client, "hello");
    assert.ok(!client.recovered);
    assert.equal(sockets[1].recovered, false);
    client.disconnect(); // "client namespace disconnect"
    await once(sockets[1], "disconnect");
    client.connect();
    await once(client, "hello");
    assert.ok(!client.recovered);
    assert.equal(sockets[2].recovered, false);
  });
});

test("recovery: an adapter whose persistSession and restoreSession answer with promises (a cluster's)", async () => {
  const calls: string[] = [];
  class AsyncAdapter extends Adapter {
    override persistSession(session: SessionToPersist): Promise<void> {
      calls.push("persist");
      return new Promise((resolve) => setTimeout(() => resolve(super.persistSession(session)), 5));
    }
    override restoreSession(pid: string, offset: string): Promise<Session | null> {
      calls.push("restore");
      const session = super.restoreSession(pid, offset);
      return new Promise((resolve) => setTimeout(() => resolve(session), 5));
    }
  }
  await withIo(
    { connectionStateRecovery: {}, adapter: AsyncAdapter },
    ["websocket"],
    async (fx) => {
      fx.io.on("connection", (socket) => socket.emit("hello", socket.recovered));
      const client = fx.client("/", RECONNECT);
      const [first] = await once<[boolean]>(client, "hello");
      assert.equal(first, false);
      const id = client.id;
      cut(client);
      const [again] = await once<[boolean]>(client, "hello");
      assert.equal(again, true);
      assert.equal(client.id, id);
      assert.deepEqual(calls, ["persist", "restore"]);
    },
  );
});

test("recovery: the store keeps at most maxStoredPackets packets and maxStoredBytes bytes", () => {
  const store = new SessionStore({ maxStoredPackets: 3 });
  const everyone = { rooms: new Set<string>() };
  const send = (s: SessionStore, n: number, bytes = 1) => {
    const data: unknown[] = ["tick", n];
    data.push(s.nextOffset());
    s.keep(data, everyone, bytes);
    return data[2] as string;
  };
  const offsets = [0, 1, 2, 3, 4].map((n) => send(store, n));
  store.persist({ sid: "s", pid: "p", rooms: ["s"], data: {} });
  assert.equal(store.restore("p", offsets[0]), null); // dropped: over the count
  assert.equal(store.restore("p", offsets[1]), null);
  const session = store.restore("p", offsets[2]);
  assert.deepEqual(session?.missedPackets.map((d) => d[1]), [3, 4]);

  const bytes = new SessionStore({ maxStoredBytes: 100 });
  const first = send(bytes, 0, 60);
  const second = send(bytes, 1, 30);
  send(bytes, 2, 30); // 120 bytes: the first goes
  bytes.persist({ sid: "s", pid: "p", rooms: ["s"], data: {} });
  assert.equal(bytes.restore("p", first), null);
  assert.deepEqual(bytes.restore("p", second)?.missedPackets.map((d) => d[1]), [2]);
});

test("recovery: only the packets for the session's rooms are replayed", () => {
  const store = new SessionStore({});
  const send = (rooms: string[], except: string[], n: number) => {
    const data: unknown[] = ["e", n, store.nextOffset()];
    store.keep(data, { rooms: new Set(rooms), except: new Set(except) }, 1);
    return data[2] as string;
  };
  const start = send([], [], 0);
  send(["a"], [], 1);
  send(["b"], [], 2);
  send([], ["a"], 3);
  send(["sid"], [], 4);
  send([], [], 5);
  store.persist({ sid: "sid", pid: "p", rooms: ["sid", "a"], data: {} });
  assert.deepEqual(store.restore("p", start)?.missedPackets.map((d) => d[1]), [1, 4, 5]);
});

test("recovery: connectionStateRecovery is checked and its defaults filled in", async () => {
  assert.throws(
    () => new Server({ connectionStateRecovery: { maxDisconnectionDuration: "1" as never } }),
    {
      name: "TypeError",
      message:
        'Cannot create server: connectionStateRecovery.maxDisconnectionDuration must be a positive number, got "1"',
    },
  );
  assert.throws(
    () => new Server({ connectionStateRecovery: { maxStoredPackets: -1 } }),
    RangeError,
  );
  const io = new Server({ connectionStateRecovery: { skipMiddlewares: false } });
  assert.deepEqual(io.opts.connectionStateRecovery, {
    maxDisconnectionDuration: 120000,
    skipMiddlewares: false,
  });
  await io.close();
});

test("recovery store: a ring that grows, wraps and keeps the newest packets in order", () => {
  const store = new SessionStore({ maxDisconnectionDuration: 60_000, maxStoredPackets: 100 });
  const everyone = { rooms: new Set<string>() };
  for (let i = 0; i < 250; i++) store.keep(["tick", i, store.nextOffset()], everyone, 10);
  store.persist({ sid: "s", pid: "p", rooms: ["s"], data: {} });
  // The oldest kept packet is 150: an offset before it is gone, one inside it replays the rest.
  assert.equal(store.restore("p", "149"), null);
  store.persist({ sid: "s", pid: "p", rooms: ["s"], data: {} });
  const session = store.restore("p", "239");
  assert.deepEqual(session?.missedPackets.map((d) => d[1]), [
    240,
    241,
    242,
    243,
    244,
    245,
    246,
    247,
    248,
    249,
  ]);
  const none = new SessionStore({ maxDisconnectionDuration: 60_000, maxStoredPackets: 0 });
  none.keep(["tick", 0, none.nextOffset()], everyone, 10);
  none.persist({ sid: "s", pid: "p", rooms: ["s"], data: {} });
  assert.equal(none.restore("p", "0"), null);
});
