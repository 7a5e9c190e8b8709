/**
 * Rooms and broadcasting, end to end with the official `socket.io-client`:
 * join/leave, `to`/`in`/`except`, `broadcast`, recipient deduplication,
 * `fetchSockets`, `socketsJoin`/`socketsLeave`, `disconnectSockets`, the
 * adapter's room events, `volatile`, and one encoding per broadcast.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import {
  type ClientSocket,
  type IoFixture,
  mounts,
  once,
  startIo,
  transportModes,
} from "../_fixtures/io.ts";
import { Adapter, type BroadcastOptions } from "../../src/io/adapter.ts";
import type { Packet } from "../../src/parser/packet.ts";
import type { Socket } from "../../src/io/socket.ts";

/** Connects `n` clients to `nsp` and returns them with their server-side sockets. */
async function connectMany(
  fx: IoFixture,
  n: number,
  nsp = "/",
): Promise<{ clients: ClientSocket[]; sockets: Socket[] }> {
  const clients = Array.from({ length: n }, () => fx.client(nsp));
  await Promise.all(clients.map((c) => once(c, "connect")));
  const sockets = clients.map((c) => {
    const s = fx.io.of(nsp).sockets.get(c.id!);
    assert.ok(s, `server socket for ${c.id}`);
    return s as unknown as Socket;
  });
  return { clients, sockets };
}

/** Records the first argument of every `event` a client receives. */
function record(c: ClientSocket, event = "m"): unknown[] {
  const got: unknown[] = [];
  c.on(event, (arg: unknown) => got.push(arg));
  return got;
}

/** Emits a final marker to every client and waits for it: what came before has arrived. */
async function settle(fx: IoFixture, clients: ClientSocket[], nsp = "/"): Promise<void> {
  const seen = clients.map((c) => once(c, "done"));
  fx.io.of(nsp).emit("done");
  await Promise.all(seen);
}

for (const mode of transportModes) {
  test(`rooms ${mode.name}: to/in/except/broadcast reach exactly the right clients, once each`, async () => {
    const fx = startIo({}, "native", { transports: mode.transports });
    try {
      const { clients: [a, b, c], sockets: [sa, sb, sc] } = await connectMany(fx, 3);
      const [gotA, gotB, gotC] = [a, b, c].map((x) => record(x));

      sa.join("r1");
      sb.join(["r1", "r2"]);
      sc.join("r2");
      assert.deepEqual(sa.rooms, new Set([sa.id, "r1"]));
      assert.deepEqual(sb.rooms, new Set([sb.id, "r1", "r2"]));
      assert.deepEqual(sc.rooms, new Set([sc.id, "r2"]));

      sa.to("r1").emit("m", "a to r1"); // the sender is left out
      fx.io.to("r1").emit("m", "io to r1"); // the server includes everyone
      fx.io.in("r1").emit("m", "io in r1");
      fx.io.to(["r1", "r2"]).emit("m", "io to r1+r2"); // b is in both: once
      fx.io.to("r1").to("r2").emit("m", "io to r1 to r2");
      fx.io.except("r2").emit("m", "io except r2");
      fx.io.to("r2").except("r1").emit("m", "io to r2 except r1");
      fx.io.except(["r1", "r2"]).emit("m", "io except r1+r2");
      sa.broadcast.emit("m", "a broadcast");
      sb.to(["r1", "r2"]).emit("m", "b to r1+r2");
      sa.except("r2").emit("m", "a except r2");
      fx.io.emit("m", "io emit");
      fx.io.of("/").to(sc.id).emit("m", "io to c's own room");
      sa.to(sb.id).emit("m", "a to b privately");
      await sb.leave("r1");
      assert.deepEqual(sb.rooms, new Set([sb.id, "r2"]));
      fx.io.to("r1").emit("m", "io to r1 after b left");
      await settle(fx, [a, b, c]);

      assert.deepEqual(gotA, [
        "io to r1",
        "io in r1",
        "io to r1+r2",
        "io to r1 to r2",
        "io except r2",
        "b to r1+r2",
        "io emit",
        "io to r1 after b left",
      ]);
      assert.deepEqual(gotB, [
        "a to r1",
        "io to r1",
        "io in r1",
        "io to r1+r2",
        "io to r1 to r2",
        "a broadcast",
        "io emit",
        "a to b privately",
      ]);
      assert.deepEqual(gotC, [
        "io to r1+r2",
        "io to r1 to r2",
        "io to r2 except r1",
        "a broadcast",
        "b to r1+r2",
        "io emit",
        "io to c's own room",
      ]);
    } finally {
      await fx.close();
    }
  });
}

for (const mount of mounts) {
  test(`rooms ${mount}: fetchSockets, socketsJoin, socketsLeave with to/in/except`, async () => {
    const fx = startIo({}, mount);
    try {
      const { sockets: [sa, sb, sc] } = await connectMany(fx, 3);
      sa.data = { name: "a" };
      sa.join("r1");
      sb.join(["r1", "r2"]);
      sc.join("r2");
      const ids = async (p: Promise<unknown[]>) => new Set((await p).map((s) => (s as Socket).id));

      const all = await fx.io.fetchSockets();
      assert.deepEqual(new Set(all.map((s) => s.id)), new Set([sa.id, sb.id, sc.id]));
      // Local sockets come back as themselves, with their data.
      assert.equal(all.find((s) => s.id === sa.id), sa);
      assert.deepEqual(all.find((s) => s.id === sa.id)?.data, { name: "a" });
      assert.deepEqual(await ids(fx.io.in("r2").fetchSockets()), new Set([sb.id, sc.id]));
      assert.deepEqual(
        await ids(fx.io.to(["r1", "r2"]).fetchSockets()),
        new Set([sa.id, sb.id, sc.id]),
      );
      assert.deepEqual(await ids(fx.io.except("r1").fetchSockets()), new Set([sc.id]));
      assert.deepEqual(await ids(fx.io.in("nowhere").fetchSockets()), new Set());

      fx.io.in("r2").socketsJoin(["r3", "r4"]);
      assert.deepEqual(sa.rooms, new Set([sa.id, "r1"]));
      assert.deepEqual(sb.rooms, new Set([sb.id, "r1", "r2", "r3", "r4"]));
      assert.deepEqual(sc.rooms, new Set([sc.id, "r2", "r3", "r4"]));
      fx.io.socketsJoin("everyone");
      assert.deepEqual(
        await ids(fx.io.in("everyone").fetchSockets()),
        new Set([sa.id, sb.id, sc.id]),
      );
      fx.io.in("r3").except("r1").socketsLeave(["r3", "r4"]);
      assert.deepEqual(sc.rooms, new Set([sc.id, "r2", "everyone"]));
      assert.deepEqual(sb.rooms, new Set([sb.id, "r1", "r2", "r3", "r4", "everyone"]));
      fx.io.socketsLeave("everyone");
      assert.deepEqual(sa.rooms, new Set([sa.id, "r1"]));
      assert.equal(fx.io.sockets.adapter.rooms.has("everyone"), false);
      // A namespace's rooms are its own.
      assert.deepEqual(await ids(fx.io.of("/other").in("r1").fetchSockets()), new Set());
    } finally {
      await fx.close();
    }
  });
}

for (const mode of transportModes) {
  test(`rooms ${mode.name}: disconnectSockets by room, then with close`, async () => {
    const fx = startIo({}, "native", { transports: mode.transports });
    try {
      const { clients: [a, b, c], sockets: [sa, sb, sc] } = await connectMany(fx, 3);
      // a also joins /admin on the same connection.
      fx.io.of("/admin");
      const aAdmin = a.io.socket("/admin");
      fx.clients.push(aAdmin);
      await once(aAdmin, "connect");
      sb.join("kick");
      sc.join("kick");
      const reasons = new Map<string, string>();
      for (const s of [sa, sb, sc]) s.on("disconnect", (r) => reasons.set(s.id, r));

      const gone = [b, c].map((x) => once<string[]>(x, "disconnect").then(([r]) => r));
      fx.io.in("kick").disconnectSockets();
      assert.deepEqual(await Promise.all(gone), ["io server disconnect", "io server disconnect"]);
      assert.equal(reasons.get(sb.id), "server namespace disconnect");
      assert.equal(reasons.get(sc.id), "server namespace disconnect");
      assert.equal(a.connected, true);
      assert.deepEqual([...fx.io.sockets.sockets.keys()], [sa.id]);
      assert.equal(fx.io.sockets.adapter.rooms.has("kick"), false);

      // Without close the connection stays for other namespaces; with it, it goes.
      const adminGone = once<string[]>(aAdmin, "disconnect");
      const aGone = once<string[]>(a, "disconnect");
      fx.io.disconnectSockets(true);
      // Over polling the DISCONNECT packets may share a payload with the engine's
      // close packet, which the client handles first (as with the official server).
      const expected = mode.name === "websocket"
        ? ["io server disconnect"]
        : ["io server disconnect", "transport close"];
      assert.ok(expected.includes((await aGone)[0]));
      assert.ok(expected.includes((await adminGone)[0]));
      assert.equal(reasons.get(sa.id), "server namespace disconnect");
      assert.equal(sa.conn.readyState === "closed" || sa.conn.readyState === "closing", true);
      assert.equal(fx.io.of("/admin").sockets.size, 0);
    } finally {
      await fx.close();
    }
  });
}

test("rooms: the adapter reports create-room, join-room, leave-room and delete-room", async () => {
  const fx = startIo();
  try {
    const events: string[] = [];
    const adapter = fx.io.of("/").adapter;
    adapter.on("create-room", (room) => events.push(`create ${room}`));
    adapter.on("join-room", (room, id) => events.push(`join ${room} ${id}`));
    adapter.on("leave-room", (room, id) => events.push(`leave ${room} ${id}`));
    adapter.on("delete-room", (room) => events.push(`delete ${room}`));
    const { clients: [a, b], sockets: [sa, sb] } = await connectMany(fx, 2);
    const [x, y] = [sa.id, sb.id];
    assert.deepEqual(
      events.splice(0).sort(),
      [
        `create ${x}`,
        `create ${y}`,
        `join ${x} ${x}`,
        `join ${y} ${y}`,
      ].sort(),
    );

    sa.join("room");
    sa.join("room"); // already in: nothing
    sb.join(["room", "other"]);
    sa.leave("room");
    sa.leave("room"); // not in: nothing
    sb.leave("room");
    assert.deepEqual(events.splice(0), [
      "create room",
      `join room ${x}`,
      `join room ${y}`,
      "create other",
      `join other ${y}`,
      `leave room ${x}`,
      `leave room ${y}`,
      "delete room",
    ]);

    // Disconnecting leaves every room; `disconnecting` still sees them.
    let roomsWhileDisconnecting: Set<string> | undefined;
    sb.on("disconnecting", () => roomsWhileDisconnecting = new Set(sb.rooms));
    const gone = once(sb, "disconnect");
    b.disconnect();
    await gone;
    assert.deepEqual(roomsWhileDisconnecting, new Set([y, "other"]));
    assert.deepEqual(
      events.splice(0).sort(),
      [
        `delete ${y}`,
        "delete other",
        `leave ${y} ${y}`,
        `leave other ${y}`,
      ].sort(),
    );
    assert.deepEqual(sb.rooms, new Set());
    assert.equal(a.connected, true);
  } finally {
    await fx.close();
  }
});

for (const mode of transportModes) {
  test(`rooms ${mode.name}: volatile broadcasts go out only to clients ready to receive`, async () => {
    const fx = startIo({}, "native", { transports: mode.transports });
    try {
      const { clients, sockets } = await connectMany(fx, 2);
      if (mode.name === "upgrade") {
        await Promise.all(
          sockets.map((s) => s.conn.upgraded ? undefined : once(s.conn, "upgrade")),
        );
      }
      const got = clients.map((c) => record(c, "v"));
      for (let i = 0; i < 5; i++) fx.io.volatile.emit("v", i);
      fx.io.to(sockets[0].id).volatile.emit("v", "to a");
      await settle(fx, clients);
      if (mode.name === "polling") {
        // One long poll answers at most one message; the rest were dropped, not queued.
        for (const g of got) assert.ok(g.length <= 1, `got ${JSON.stringify(g)}`);
      } else {
        assert.deepEqual(got[0], [0, 1, 2, 3, 4, "to a"]);
        assert.deepEqual(got[1], [0, 1, 2, 3, 4]);
      }
    } finally {
      await fx.close();
    }
  });
}

for (const mode of transportModes) {
  test(`rooms ${mode.name}: a broadcast is encoded once and the same frames reach every session`, async () => {
    const fx = startIo({}, "native", { transports: mode.transports });
    try {
      const { clients, sockets } = await connectMany(fx, 3);
      const frames: unknown[][] = sockets.map(() => []);
      sockets.forEach((s, i) =>
        s.conn.on("packetCreate", (p) => {
          if (p.type === "message") frames[i].push(p.data);
        })
      );
      const received = clients.map((c) => once<[string, ArrayBuffer]>(c, "bin"));
      const bytes = new Uint8Array([1, 2, 3]).buffer; // encoding makes a new view of it
      fx.io.emit("bin", "text", bytes);
      const args = await Promise.all(received);
      for (const [text, data] of args) {
        assert.equal(text, "text");
        assert.deepEqual([...new Uint8Array(data)], [1, 2, 3]);
      }
      // Header frame and attachment: each session got the very same objects.
      for (const f of frames) assert.equal(f.length, 2);
      assert.ok(frames[0][1] instanceof Uint8Array);
      for (const f of frames) {
        assert.equal(f[0], frames[0][0]);
        assert.equal(f[1], frames[0][1]);
      }
    } finally {
      await fx.close();
    }
  });
}

test("rooms: a custom adapter class sees every broadcast with its targets", async () => {
  const seen: { data: unknown; rooms: string[]; except: string[] }[] = [];
  class SpyAdapter extends Adapter {
    override broadcast(packet: Packet, opts: BroadcastOptions): void {
      seen.push({
        data: packet.data,
        rooms: [...opts.rooms],
        except: [...(opts.except ?? [])],
      });
      super.broadcast(packet, opts);
    }
  }
  const fx = startIo({ adapter: SpyAdapter });
  try {
    assert.ok(fx.io.of("/").adapter instanceof SpyAdapter);
    const { clients: [a], sockets: [sa] } = await connectMany(fx, 1);
    const got = record(a);
    fx.io.to("r").emit("m", 1);
    sa.broadcast.emit("m", 2);
    fx.io.emit("m", 3);
    await settle(fx, [a]);
    assert.deepEqual(got, [3]);
    assert.deepEqual(seen.slice(0, 3), [
      { data: ["m", 1], rooms: ["r"], except: [] },
      { data: ["m", 2], rooms: [], except: [sa.id] },
      { data: ["m", 3], rooms: [], except: [] },
    ]);

    // io.adapter(cls) swaps the class: existing and future namespaces get a new one.
    class OtherAdapter extends Adapter {}
    assert.equal(fx.io.adapter(), SpyAdapter);
    assert.equal(fx.io.adapter(OtherAdapter), fx.io);
    assert.equal(fx.io.adapter(), OtherAdapter);
    assert.ok(fx.io.of("/").adapter instanceof OtherAdapter);
    assert.ok(fx.io.of("/later").adapter instanceof OtherAdapter);
  } finally {
    await fx.close();
  }
});
