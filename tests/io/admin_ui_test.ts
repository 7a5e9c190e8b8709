/**
 * The official `@socket.io/admin-ui` server part, unchanged, on webio: an
 * official `socket.io-client` connected to its `/admin` namespace (as the
 * UI is) gets the configuration, the sockets, the stats and the live events,
 * and its actions (`join`, `leave`, `_disconnect`, `emit`) reach real
 * clients; in development and production modes, with and without its basic
 * authentication (a bcrypt hash, checked by `bcryptjs`).
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { instrument } from "@socket.io/admin-ui";
import { type ClientSocket, type IoFixture, once, startIo } from "../_fixtures/io.ts";
import type { Server } from "../../src/server.ts";
import type { ServerOptions } from "../../src/io/server_options.ts";

/** `bcryptjs.hashSync("changeit", 6)`: the admin's password for the auth tests. */
const PASSWORD_HASH = "$2a$06$neE.I3a8z5c.NGBxKtfOE.l6OdEumzOJi8I2HfLck0kCZ7zfoK0.G";

type InstrumentOptions = Parameters<typeof instrument>[1];

/** `instrument(io, opts)`: its types name the official `Server`, hence the cast. */
function instrumentWebio(io: Server, opts: InstrumentOptions): void {
  instrument(io as unknown as Parameters<typeof instrument>[0], opts);
}

/** A webio server with a chatty main namespace, instrumented with `opts`. */
function startInstrumented(opts: InstrumentOptions, options: ServerOptions = {}): IoFixture {
  const f = startIo(options);
  f.io.on("connection", (socket) => {
    socket.data.name = "alice"; // set after admin-ui's own (prepended) listener: socket_updated
    socket.on("hi", (text) => socket.emit("hello", `${text}!`));
  });
  instrumentWebio(f.io, opts);
  return f;
}

/** Collects every `event` of `socket`, so that none is missed between awaits. */
function record(socket: ClientSocket, event: string): unknown[][] {
  const seen: unknown[][] = [];
  socket.on(event, (...args: unknown[]) => seen.push(args));
  return seen;
}

/** Resolves once `seen` holds an entry that `match` accepts. */
async function waitFor(
  seen: unknown[][],
  match: (args: unknown[]) => boolean,
  what: string,
): Promise<unknown[]> {
  const deadline = Date.now() + 5000;
  while (Date.now() < deadline) {
    const found = seen.find(match);
    if (found) return found;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error(`timed out waiting for ${what}: ${JSON.stringify(seen)}`);
}

interface SerializedSocket {
  id: string;
  clientId: string;
  transport: string;
  nsp: string;
  data: Record<string, unknown>;
  handshake: { address: string; headers: Record<string, string>; query: Record<string, string> };
  rooms: string[];
}

test("admin-ui, development mode: config, all_sockets, socket_connected, events, rooms, disconnects", async () => {
  const f = startInstrumented({ auth: false, mode: "development" });
  try {
    const user = f.client("/", { transports: ["polling", "websocket"] });
    await once(user, "connect");
    const admin = f.client("/admin", { transports: ["websocket"] });
    const allSockets = once<[SerializedSocket[]]>(admin, "all_sockets");
    const [config] = await once<[{ supportedFeatures: string[] }]>(admin, "config");
    assert.deepEqual(config.supportedFeatures.sort(), [
      "AGGREGATED_EVENTS",
      "ALL_EVENTS",
      "DISCONNECT",
      "EMIT",
      "JOIN",
      "LEAVE",
      "MDISCONNECT",
      "MJOIN",
      "MLEAVE",
    ]);
    const [all] = await allSockets;
    const listed = all.find((s) => s.id === user.id)!;
    assert.ok(listed, "the connected user is listed");
    assert.equal(listed.nsp, "/");
    assert.equal(listed.clientId, user.io.engine.id!.slice(0, 12));
    assert.deepEqual(listed.data, { name: "alice" });
    assert.deepEqual(listed.rooms, [user.id]);
    assert.equal(listed.handshake.address, "127.0.0.1");
    assert.equal(listed.handshake.query.EIO, "4");
    assert.ok(all.some((s) => s.nsp === "/admin"), "the admin socket is listed too");

    const connected = record(admin, "socket_connected");
    const updated = record(admin, "socket_updated");
    const received = record(admin, "event_received");
    const sent = record(admin, "event_sent");
    const joined = record(admin, "room_joined");
    const left = record(admin, "room_left");
    const gone = record(admin, "socket_disconnected");

    // A new client over polling that upgrades: its transport changes in the UI.
    const bob = f.client("/", { transports: ["polling", "websocket"] });
    await once(bob, "connect");
    const [s] = await waitFor(connected, ([s]) => (s as SerializedSocket).id === bob.id, "bob");
    assert.equal((s as SerializedSocket).transport, "polling");
    await waitFor(
      updated,
      ([u]) =>
        (u as { id: string; data?: unknown }).id === bob.id &&
        JSON.stringify((u as { data?: unknown }).data) === '{"name":"alice"}',
      "socket_updated with the data set by the app's connection handler",
    );
    await waitFor(
      updated,
      ([u]) => (u as { transport?: string }).transport === "websocket",
      "socket_updated for the upgrade",
    );

    bob.emit("hi", "there");
    await once(bob, "hello");
    await waitFor(
      received,
      ([nsp, id, args]) =>
        nsp === "/" && id === bob.id && JSON.stringify(args) === '["hi","there"]',
      "event_received",
    );
    await waitFor(
      sent,
      ([nsp, id, args]) =>
        nsp === "/" && id === bob.id && JSON.stringify(args) === '["hello","there!"]',
      "event_sent",
    );

    // The UI's actions, with a filter (the socket's own room) as the UI sends them.
    admin.emit("join", "/", "team", bob.id);
    await waitFor(
      joined,
      ([nsp, room, id]) => nsp === "/" && room === "team" && id === bob.id,
      "join",
    );
    const [team] = await f.io.in("team").fetchSockets().then((l) => [l.map((x) => x.id)]);
    assert.deepEqual(team, [bob.id]);
    admin.emit("leave", "/", "team", bob.id);
    await waitFor(
      left,
      ([nsp, room, id]) => nsp === "/" && room === "team" && id === bob.id,
      "leave",
    );
    assert.equal((await f.io.in("team").fetchSockets()).length, 0);

    // Without a filter: every socket of the namespace.
    admin.emit("join", "/", "everyone");
    await waitFor(joined, ([, room, id]) => room === "everyone" && id === user.id, "join all");
    await waitFor(joined, ([, room, id]) => room === "everyone" && id === bob.id, "join all");

    const message = once(user, "notice");
    admin.emit("emit", "/", "everyone", "notice", "from the admin");
    assert.deepEqual(await message, ["from the admin"]);

    const bobId = bob.id; // the client forgets it once disconnected
    const bobGone = once(bob, "disconnect");
    admin.emit("_disconnect", "/", false, bobId);
    assert.deepEqual(await bobGone, ["io server disconnect", undefined]);
    await waitFor(
      gone,
      ([nsp, id, reason]) =>
        nsp === "/" && id === bobId && reason === "server namespace disconnect",
      "disconnected",
    );
    assert.ok(user.connected, "only the filtered socket was disconnected");

    // With close: the whole connection (as officially, each namespace is told first).
    const userGone = once(user, "disconnect");
    const engineClosed = once(user.io.engine, "close");
    admin.emit("_disconnect", "/", true);
    assert.equal((await userGone)[0], "io server disconnect");
    await engineClosed;
    assert.ok(admin.connected, "the admin namespace stays connected");

    // A namespace created later is instrumented too (new_namespace).
    const late = f.io.of("/late");
    late.on("connection", () => {});
    const other = f.client("/late");
    await once(other, "connect");
    await waitFor(connected, ([s]) => (s as SerializedSocket).nsp === "/late", "/late socket");
  } finally {
    await f.close();
  }
});

test("admin-ui: server_stats carries the namespaces, client counts and aggregated events", async () => {
  const f = startInstrumented({ auth: false, mode: "development", serverId: "webio-1" });
  try {
    const user = f.client("/", { transports: ["polling"] });
    await once(user, "connect");
    user.emit("hi", "x");
    await once(user, "hello");
    const admin = f.client("/admin");
    // The first stats went out before the admin connected; the next come every 2 s.
    const [stats] = await once<[{
      serverId: string;
      hostname: string;
      pid: number;
      uptime: number;
      clientsCount: number;
      pollingClientsCount: number;
      aggregatedEvents: { type: string; count: number }[];
      namespaces: { name: string; socketsCount: number }[];
    }]>(admin, "server_stats", 5000);
    assert.equal(stats.serverId, "webio-1");
    assert.equal(typeof stats.hostname, "string");
    assert.equal(typeof stats.pid, "number");
    assert.ok(stats.uptime > 0);
    assert.equal(stats.clientsCount, 2);
    assert.ok(stats.pollingClientsCount >= 1, "the polling user counts");
    assert.deepEqual(
      stats.namespaces.sort((a, b) => a.name.localeCompare(b.name)),
      [{ name: "/", socketsCount: 1 }, { name: "/admin", socketsCount: 1 }],
    );
    const types = new Set(stats.aggregatedEvents.map((e) => e.type));
    for (const type of ["rawConnection", "packetsIn", "bytesIn", "packetsOut", "bytesOut"]) {
      assert.ok(types.has(type), `aggregated ${type}: ${[...types]}`);
    }
  } finally {
    await f.close();
  }
});

test("admin-ui, production mode: no per-socket events, but the actions work", async () => {
  const f = startInstrumented({ auth: false, mode: "production" });
  try {
    const admin = f.client("/admin");
    const [config] = await once<[{ supportedFeatures: string[] }]>(admin, "config");
    assert.ok(!config.supportedFeatures.includes("ALL_EVENTS"));
    assert.ok(config.supportedFeatures.includes("AGGREGATED_EVENTS"));
    const connected = record(admin, "socket_connected");
    const user = f.client("/");
    await once(user, "connect");
    admin.emit("join", "/", "r1");
    admin.emit("emit", "/", "r1", "notice", 1);
    assert.deepEqual(await once(user, "notice"), [1]);
    const gone = once(user, "disconnect");
    admin.emit("_disconnect", "/", false, "r1");
    assert.equal((await gone)[0], "io server disconnect");
    assert.deepEqual(connected, []);
  } finally {
    await f.close();
  }
});

test("admin-ui, basic auth: wrong credentials refused, right ones get a session that reconnects", async () => {
  const f = startInstrumented({
    auth: { type: "basic", username: "admin", password: PASSWORD_HASH },
    mode: "development",
  });
  try {
    const wrong = f.client("/admin", { auth: { username: "admin", password: "nope" } });
    const [err] = await once<[Error]>(wrong, "connect_error");
    assert.equal(err.message, "invalid credentials");

    const right = f.client("/admin", { auth: { username: "admin", password: "changeit" } });
    const session = once<[string]>(right, "session");
    await once(right, "connect");
    const [sessionId] = await session;
    assert.match(sessionId, /^[0-9a-f]{16}$/);

    const again = f.client("/admin", { auth: { sessionId } });
    await once(again, "config");
    const stale = f.client("/admin", { auth: { sessionId: "0123456789abcdef" } });
    assert.equal((await once<[Error]>(stale, "connect_error"))[0].message, "invalid credentials");
  } finally {
    await f.close();
  }
});
