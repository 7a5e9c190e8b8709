/**
 * The adapter contract of the official server, on one node: the official
 * in-memory adapter of `socket.io-adapter` 2.5 (the base class of every
 * official cluster adapter) passed as webio's `adapter` option runs
 * unchanged with the official client: broadcasts, rooms, broadcast acks
 * (`nsp._ids`, `socket.acks`), `onAnyOutgoing` (`notifyOutgoingListeners`),
 * remote-socket operations, and its `SessionAwareAdapter` with
 * connection-state recovery. And an adapter that throws or rejects is
 * logged: the process, the other sockets and local delivery carry on.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { Adapter as OfficialAdapter, SessionAwareAdapter } from "socket.io-adapter";
import { type ClientSocket, type IoFixture, once, sleep, startIo } from "../_fixtures/io.ts";
import { Adapter, type BroadcastOptions, type Room } from "../../src/io/adapter.ts";
import type { ServerOptions } from "../../src/io/server_options.ts";
import type { Packet } from "../../src/parser/packet.ts";
import { recordingLogger } from "../_fixtures/recording_logger.ts";
import { Server } from "../../src/server.ts";

async function withIo(options: ServerOptions, fn: (fx: IoFixture) => Promise<void>) {
  const fx = startIo(options, "native", { transports: ["websocket"] });
  try {
    await fn(fx);
  } finally {
    await fx.close();
  }
}

/** Connects `n` clients to "/" and resolves once each is connected. */
async function connectAll(fx: IoFixture, n: number): Promise<ClientSocket[]> {
  const clients = Array.from({ length: n }, () => fx.client());
  await Promise.all(clients.map((c) => once(c, "connect")));
  return clients;
}

test("official adapter: socket.io-adapter's in-memory Adapter runs broadcasts, rooms and except", async () => {
  await withIo({ adapter: OfficialAdapter }, async (fx) => {
    fx.io.on("connection", (socket) => socket.join(socket.handshake.query.room as string));
    const [a, b, c] = await Promise.all(
      ["red", "red", "blue"].map(async (room) => {
        const client = fx.client("/", { query: { room } });
        await once(client, "connect");
        return client;
      }),
    );
    assert.ok(fx.io.of("/").adapter instanceof OfficialAdapter);
    const got = (client: ClientSocket) => once(client, "news");
    const all = [got(a), got(b), got(c)];
    fx.io.emit("news", 1, new Uint8Array([1, 2]));
    for (const args of await Promise.all(all)) {
      assert.equal(args[0], 1);
      assert.deepEqual([...new Uint8Array(args[1] as ArrayBuffer)], [1, 2]);
    }
    const red = [got(a), got(b)];
    let blueGot = false;
    c.on("news", () => blueGot = true);
    fx.io.to("red").emit("news", "red only");
    fx.io.except("red").except("blue").emit("news", "nobody");
    assert.deepEqual(await Promise.all(red), [["red only"], ["red only"]]);
    await sleep(50);
    assert.equal(blueGot, false);
    assert.deepEqual([...fx.io.of("/").adapter.rooms.get("red")!].sort(), [a.id, b.id].sort());
  });
});

test("official adapter: broadcast acks use nsp._ids and socket.acks, with and without timeout", async () => {
  await withIo({ adapter: OfficialAdapter }, async (fx) => {
    const clients = await connectAll(fx, 3);
    clients.forEach((client, i) => client.on("question", (n: number, ack) => ack(n + i)));
    const answers = await fx.io.timeout(2000).emitWithAck("question", 10);
    assert.deepEqual((answers as number[]).sort(), [10, 11, 12]);
    // A client that never answers: the timeout reports the answers that came.
    const silent = fx.client();
    await once(silent, "connect");
    await assert.rejects(fx.io.timeout(100).emitWithAck("question", 0), (err: Error) => {
      assert.equal(err.message, "operation has timed out");
      return true;
    });
    // The ack ids stay unique with the server's own emits to one socket.
    const [socket] = await fx.io.fetchSockets();
    const one = await socket.timeout(2000).emitWithAck("question", 100);
    assert.ok(typeof one === "number");
  });
});

test("official adapter: onAnyOutgoing hears broadcasts (notifyOutgoingListeners)", async () => {
  await withIo({ adapter: OfficialAdapter }, async (fx) => {
    const heard: unknown[][] = [];
    fx.io.on("connection", (socket) => socket.onAnyOutgoing((...args) => heard.push(args)));
    const [client] = await connectAll(fx, 1);
    const got = once(client, "news");
    fx.io.emit("news", "x");
    await got;
    assert.deepEqual(heard, [["news", "x"]]);
  });
});

test("official adapter: fetchSockets, socketsJoin, socketsLeave and disconnectSockets", async () => {
  await withIo({ adapter: OfficialAdapter }, async (fx) => {
    const [a, b] = await connectAll(fx, 2);
    const aId = a.id!;
    fx.io.in(aId).socketsJoin(["room1", "room2"]);
    const inRoom = await fx.io.in("room1").fetchSockets();
    assert.deepEqual(inRoom.map((s) => s.id), [aId]);
    assert.deepEqual([...inRoom[0].rooms].sort(), [aId, "room1", "room2"].sort());
    fx.io.in("room1").socketsLeave("room2");
    assert.deepEqual([...fx.io.of("/").adapter.sids.get(aId)!].sort(), [aId, "room1"].sort());
    const gone = once(b, "disconnect");
    fx.io.except("room1").disconnectSockets();
    assert.equal((await gone)[0], "io server disconnect");
    assert.equal(a.connected, true);
    assert.deepEqual((await fx.io.fetchSockets()).map((s) => s.id), [aId]);
  });
});

test("official adapter: SessionAwareAdapter recovers a session with connectionStateRecovery", async () => {
  await withIo(
    { adapter: SessionAwareAdapter, connectionStateRecovery: {} },
    async (fx) => {
      fx.io.on("connection", (socket) => {
        if (!socket.recovered) socket.join("stream");
      });
      const client = fx.client("/", {
        reconnection: true,
        reconnectionDelay: 20,
        reconnectionDelayMax: 20,
      });
      await once(client, "connect");
      const firstId = client.id;
      const got: unknown[] = [];
      client.on("tick", (n: number) => got.push(n));
      fx.io.to("stream").emit("tick", 1);
      while (got.length < 1) await sleep(5);
      const [socket] = fx.io.of("/").sockets.values();
      client.io.engine.close(); // a network cut: the client reconnects by itself
      await once(socket, "disconnect");
      fx.io.to("stream").emit("tick", 2); // missed, kept by the official adapter
      await once(client, "connect");
      while (got.length < 2) await sleep(5);
      assert.equal(client.id, firstId);
      assert.equal((client as unknown as { recovered: boolean }).recovered, true);
      assert.deepEqual(got, [1, 2]);
    },
  );
});

/** An adapter whose cluster side is down: every async part rejects, some parts throw. */
class FailingClusterAdapter extends Adapter {
  override init(): Promise<void> {
    return Promise.reject(new Error("init: redis unreachable"));
  }
  override broadcast(packet: Packet, opts: BroadcastOptions): Promise<void> {
    super.broadcast(packet, opts); // local delivery, then the publish fails
    return Promise.reject(new Error("publish: redis unreachable"));
  }
  override addAll(id: string, rooms: Set<Room>): Promise<void> | void {
    super.addAll(id, rooms);
    if (rooms.has("doomed")) return Promise.reject(new Error("addAll: redis unreachable"));
  }
  override delAll(id: string): void {
    super.delAll(id);
    throw new Error("delAll: adapter bug");
  }
  override addSockets(): void {
    throw new Error("addSockets: adapter bug");
  }
  override serverSideEmit(): Promise<void> {
    return Promise.reject(new Error("serverSideEmit: redis unreachable"));
  }
  override close(): Promise<void> {
    return Promise.reject(new Error("close: redis unreachable"));
  }
}

/** Asserts that each of `calls` was logged as a failed adapter call. */
function assertLogged(logger: ReturnType<typeof recordingLogger>, calls: string[]): void {
  const lines = logger.calls.error.map(([message]) => String(message));
  for (const what of calls) {
    assert.ok(
      lines.some((line) => line.includes(`adapter ${what}`)),
      `${what} was logged: ${JSON.stringify(lines)}`,
    );
  }
}

test("adapter faults: a failing broadcast, init and serverSideEmit are logged; local delivery goes on", async () => {
  const logger = recordingLogger();
  await withIo({ adapter: FailingClusterAdapter, logger }, async (fx) => {
    fx.io.on("connection", (socket) => socket.join("room"));
    const [a, b] = await connectAll(fx, 2);
    const both = [once(a, "news"), once(b, "news")];
    fx.io.to("room").emit("news", "still delivered");
    assert.deepEqual(await Promise.all(both), [["still delivered"], ["still delivered"]]);
    fx.io.serverSideEmit("ping");
    await sleep(20);
    const next = once(b, "news");
    fx.io.emit("news", "after the faults");
    assert.deepEqual(await next, ["after the faults"]);
    assertLogged(logger, ["init()", "broadcast()", "serverSideEmit()"]);
  });
});

test("adapter faults: a throwing addSockets and delAll and a rejected join are logged; the other sockets go on", async () => {
  const logger = recordingLogger();
  await withIo({ adapter: FailingClusterAdapter, logger }, async (fx) => {
    const [a, b] = await connectAll(fx, 2);
    fx.io.socketsJoin("other"); // throws inside the adapter
    const [socketA] = fx.io.of("/").sockets.values();
    void socketA.join("doomed"); // rejects: logged, not an unhandled rejection
    const gone = once(a, "disconnect");
    a.disconnect(); // delAll throws
    await gone;
    await sleep(50);
    const next = once(b, "news");
    fx.io.emit("news", "after the faults");
    assert.deepEqual(await next, ["after the faults"]);
    assert.equal(fx.io.of("/").sockets.size, 1);
    assertLogged(logger, ["addSockets()", "addAll()", "delAll()"]);
  });
});

test("official adapter: nsp._onServerSideEmit gives another node's event to the typed listeners", async () => {
  interface ServerSide {
    ping: (n: number, reply: (answer: string) => void) => void;
  }
  const io = new Server<Record<string, never>, Record<string, never>, ServerSide>();
  io.on("ping", (n, reply) => reply(`main ${n + 1}`));
  io.of("/chat").on("ping", (n, reply) => reply(`chat ${n}`));
  // @ts-expect-error: the listener's types come from ServerSideEvents
  io.on("ping", (n: string) => n);
  const answers: string[] = [];
  // What a cluster adapter does with a message from another node (official contract).
  io.of("/")._onServerSideEmit(["ping", 1, (a: string) => answers.push(a)]);
  io.of("/chat")._onServerSideEmit(["ping", 2, (a: string) => answers.push(a)]);
  io.of("/")._onServerSideEmit([]); // malformed: ignored
  assert.deepEqual(answers, ["main 2", "chat 2"]);
  await io.close();
});

/** An adapter that drops its publishes' promises, as `@socket.io/redis-adapter` 8 does. */
function droppingAdapter(pubClient: { publish(channel: string, msg: string): Promise<number> }) {
  return class DroppingAdapter extends Adapter {
    pubClient = pubClient;
    override broadcast(packet: Packet, opts: BroadcastOptions): void {
      this.pubClient.publish("channel", "msg"); // the promise dropped
      super.broadcast(packet, opts);
    }
  };
}

test("adapter faults: a publish whose promise the adapter drops (Redis gone) is logged, not an unhandled rejection", async () => {
  const logger = recordingLogger();
  const pubClient = {
    publish: (_channel: string, _msg: string) =>
      Promise.reject(new Error("Socket closed unexpectedly")),
  };
  await withIo({ adapter: droppingAdapter(pubClient), logger }, async (fx) => {
    const [client] = await connectAll(fx, 1);
    const got = once(client, "news");
    fx.io.emit("news", 1);
    assert.deepEqual(await got, [1]);
    await sleep(20);
    assertLogged(logger, ["publish()"]);
    // The caller that awaits still sees the rejection.
    await assert.rejects(pubClient.publish("c", "m"), /Socket closed unexpectedly/);
  });
});
