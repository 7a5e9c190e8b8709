/**
 * `fetchSockets()` and its `RemoteSocket`s, end to end with the official
 * `socket.io-client`: on one server the fetched sockets are the `Socket`
 * objects, and a socket of another node (the details a cluster adapter
 * sends) is a `RemoteSocket` reaching it through the adapter; both behave
 * as the `RemoteSocket` type says. Also `emitWithAck` on the server, a
 * namespace and a room (one answer per client), and `nsp.server`.
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
import { Adapter, type AdapterSocket, type BroadcastOptions } from "../../src/io/adapter.ts";
import { RemoteSocket } from "../../src/io/broadcast.ts";
import type { Socket } from "../../src/io/socket.ts";
import type { DefaultEventsMap } from "../../src/io/typed_events.ts";

/** Events of the type checks below. */
interface Events {
  m: (text: string) => void;
  ask: (x: number, ack: (y: number) => void) => void;
}

/**
 * A local `Socket` has every member of `RemoteSocket`, with assignable
 * types: what `fetchSockets()` gives on one server fits its declared type.
 * (A compile-time check: `deno task check` fails if it stops holding.)
 */
export function localSocketIsRemoteSocket(
  typed: Socket<Events, Events, DefaultEventsMap, { name: string }>,
  untyped: Socket,
): RemoteSocket<Events, { name: string }>[] {
  const loose: RemoteSocket = untyped;
  return [typed, loose];
}

/** Connects a client to `nsp` that answers `ask` with `x + plus` and ignores `silent`. */
async function answering(
  fx: IoFixture,
  plus: number,
  nsp = "/",
): Promise<{ client: ClientSocket; socket: Socket }> {
  const client = fx.client(nsp, { auth: { plus } });
  client.on("ask", (x: number, ack: (y: number) => void) => ack(x + plus));
  client.on("silent", () => {});
  await once(client, "connect");
  const socket = fx.io.of(nsp).sockets.get(client.id!);
  assert.ok(socket, `server socket for ${client.id}`);
  return { client, socket: socket as unknown as Socket };
}

/** Calls `emit` with a callback last and resolves with the callback's arguments. */
function callbackArgs(emit: (cb: (...args: unknown[]) => void) => void): Promise<unknown[]> {
  return new Promise((resolve) => emit((...args) => resolve(args)));
}

/** What a cluster adapter's `fetchSockets` sends for the sockets of another node. */
class DetailsAdapter extends Adapter {
  override async fetchSockets(opts: BroadcastOptions): Promise<AdapterSocket[]> {
    const local = (await super.fetchSockets(opts)) as unknown as Socket[];
    const details = local.map((s) => ({
      id: s.id,
      handshake: s.handshake,
      rooms: [...s.rooms],
      data: s.data,
    }));
    return details as unknown as AdapterSocket[];
  }
}

/** The checks every fetched socket passes, local or remote. */
async function exercise(
  fx: IoFixture,
  fetched: RemoteSocket,
  client: ClientSocket,
  socket: Socket,
): Promise<void> {
  assert.equal(fetched.id, socket.id);
  assert.deepEqual(fetched.handshake.auth, { plus: 1 });
  assert.deepEqual(fetched.rooms, new Set([socket.id, "room"]));
  assert.deepEqual(fetched.data, { name: "a" });

  const got = once<[string]>(client, "m");
  assert.equal(fetched.emit("m", "hi"), true);
  assert.deepEqual(await got, ["hi"]);

  // An ack callback gets the answer alone, as with Socket.emit.
  assert.deepEqual(await callbackArgs((cb) => fetched.emit("ask", 1, cb)), [2]);
  // After timeout(): one answer (not a list), or an error when none comes.
  assert.equal(await fetched.timeout(5000).emitWithAck("ask", 5), 6);
  assert.deepEqual(await callbackArgs((cb) => fetched.timeout(5000).emit("ask", 7, cb)), [
    null,
    8,
  ]);
  await assert.rejects(fetched.timeout(50).emitWithAck("silent"), {
    message: "operation has timed out",
  });
  const [err] = await callbackArgs((cb) => fetched.timeout(50).emit("silent", cb));
  assert.ok(err instanceof Error);

  fetched.join(["r2", "r3"]);
  fetched.leave("room");
  assert.deepEqual(socket.rooms, new Set([socket.id, "r2", "r3"]));
  assert.deepEqual(
    (await fx.io.in("r2").fetchSockets()).map((s) => s.id),
    [socket.id],
  );

  const gone = once<[string]>(client, "disconnect");
  assert.equal(fetched.disconnect(), fetched);
  assert.equal((await gone)[0], "io server disconnect");
  assert.equal(socket.connected, false);
}

for (const mount of mounts) {
  test(`remote socket ${mount}: io.in(room).fetchSockets() gives the local sockets, which emit, ack, join, leave and disconnect`, async () => {
    const fx = startIo({}, mount, { transports: ["websocket"] });
    try {
      const a = await answering(fx, 1);
      const b = await answering(fx, 2);
      a.socket.join("room");
      a.socket.data = { name: "a" };
      const fetched = await fx.io.in("room").fetchSockets();
      assert.equal(fetched.length, 1);
      assert.equal(fetched[0], a.socket as unknown);
      await exercise(fx, fetched[0], a.client, a.socket);
      assert.equal(b.socket.connected, true);
    } finally {
      await fx.close();
    }
  });

  test(`remote socket ${mount}: another node's socket (a cluster adapter's details) becomes a RemoteSocket that reaches it`, async () => {
    const fx = startIo({ adapter: DetailsAdapter }, mount, { transports: ["websocket"] });
    try {
      const a = await answering(fx, 1);
      const b = await answering(fx, 2);
      a.socket.join("room");
      a.socket.data = { name: "a" };
      const fetched = await fx.io.in("room").fetchSockets();
      assert.equal(fetched.length, 1);
      assert.ok(fetched[0] instanceof RemoteSocket);
      await exercise(fx, fetched[0], a.client, a.socket);

      // disconnect(true) closes the whole connection.
      const [other] = await fx.io.fetchSockets();
      assert.equal(other.id, b.socket.id);
      const gone = once(b.client, "disconnect");
      other.disconnect(true);
      await gone;
      assert.equal(b.socket.connected, false);
    } finally {
      await fx.close();
    }
  });
}

for (const mode of transportModes) {
  test(`remote socket ${mode.name}: emitWithAck on the server, a namespace and a room resolves with one answer per client`, async () => {
    const fx = startIo({}, "native", { transports: mode.transports });
    try {
      const a = await answering(fx, 1);
      const b = await answering(fx, 2);
      fx.io.of("/x");
      await answering(fx, 10, "/x");
      b.socket.join("room");
      const sorted = (p: Promise<unknown[]>) =>
        p.then((r) => (r as number[]).sort((x, y) => x - y));

      assert.deepEqual(await sorted(fx.io.emitWithAck("ask", 100)), [101, 102]);
      assert.deepEqual(await sorted(fx.io.timeout(5000).emitWithAck("ask", 100)), [101, 102]);
      assert.deepEqual(await fx.io.of("/x").emitWithAck("ask", 100), [110]);
      assert.deepEqual(await fx.io.of("/x").timeout(5000).emitWithAck("ask", 1), [11]);
      assert.deepEqual(await fx.io.to("room").emitWithAck("ask", 100), [102]);
      assert.deepEqual(await fx.io.in("room").timeout(5000).emitWithAck("ask", 0), [2]);
      assert.deepEqual(await a.socket.broadcast.timeout(5000).emitWithAck("ask", 0), [2]);
      assert.deepEqual(await fx.io.to("nobody").emitWithAck("ask", 0), []);
      // Without a timeout a broadcast's ack callback gets the answers alone, as typed.
      const [answers, ...more] = await callbackArgs((cb) => fx.io.emit("ask", 1, cb));
      assert.deepEqual((answers as number[]).sort((x, y) => x - y), [2, 3]);
      assert.deepEqual(more, []);
      assert.deepEqual(
        await callbackArgs((cb) => fx.io.to("room").timeout(5000).emit("ask", 1, cb)),
        [
          null,
          [3],
        ],
      );
      await assert.rejects(fx.io.timeout(50).emitWithAck("silent"), {
        message: "operation has timed out",
      });

      // A namespace's server is the server.
      assert.equal(fx.io.of("/x").server, fx.io);
      assert.equal(a.socket.nsp, fx.io.sockets);
    } finally {
      await fx.close();
    }
  });
}
