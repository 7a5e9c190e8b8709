/**
 * webio in a Cloudflare Durable Object, run in workerd (from npm, through
 * Miniflare, offline) by tests/_fixtures/workers_runner.mjs, and driven by
 * the official `socket.io-client`: WebSocket, long-polling and the upgrade,
 * binary events, acks both ways, namespaces, rooms and broadcasts, the
 * alarm's heartbeat, and an eviction of the object (its WebSockets
 * hibernate) after which the clients keep their ids, rooms and `data`, and
 * get the next broadcast from the re-created object.
 *
 * Each test uses its own object (`?app=<name>`), so tests do not see each
 * other's sockets.
 */
import { after, afterEach, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { io, type Socket as ClientSocket } from "socket.io-client";
import { startWorkerd, type WorkerdProcess } from "../_fixtures/workers_process.ts";
import { once } from "../_fixtures/io.ts";

const BINDINGS = "IO=IoObject,FAST=FastIoObject";

/** What the fixture's `whoami` answers. */
interface Who {
  id: string;
  rooms: string[];
  data: unknown;
  instance: number;
  recovered: boolean;
  transport: string;
}

/** Emits and resolves with the acknowledgement's arguments. */
function ask<T = unknown>(socket: ClientSocket, event: string, ...args: unknown[]): Promise<T> {
  return socket.timeout(10_000).emitWithAck(event, ...args) as Promise<T>;
}

/** The bytes of a binary value as the client gives it (Buffer or ArrayBuffer). */
function bytes(value: unknown): number[] {
  if (value instanceof ArrayBuffer) return [...new Uint8Array(value)];
  const view = value as ArrayBufferView;
  return [...new Uint8Array(view.buffer, view.byteOffset, view.byteLength)];
}

describe("workers: webio in a Durable Object, in workerd", () => {
  let workerd: WorkerdProcess;
  const clients: ClientSocket[] = [];

  /** A client of object `app`, connected. */
  async function connect(
    app: string,
    transports: ("polling" | "websocket")[],
    nsp = "/",
  ): Promise<ClientSocket> {
    const socket = io(workerd.url + nsp, {
      transports,
      forceNew: true,
      reconnection: false,
      query: { app },
    });
    clients.push(socket);
    await once(socket, "connect", 15_000);
    return socket;
  }

  before(async () => {
    workerd = await startWorkerd("tests/_fixtures/workers_app.ts", BINDINGS);
  });

  // Each test leaves no client behind.
  afterEach(() => {
    for (const socket of clients.splice(0)) socket.disconnect();
  });

  after(async () => {
    await workerd?.stop();
  });

  /** Binary events and acks both ways over `transport`. */
  function testAcks(transport: "polling" | "websocket"): void {
    test(`${transport}: binary events and acks both ways`, async () => {
      const socket = await connect(`acks-${transport}`, [transport]);
      const who = await ask<Who>(socket, "whoami");
      assert.equal(who.transport, transport);
      assert.equal(who.id, socket.id);

      // Client to server, with bytes, acknowledged by the server with the same.
      const [text, data, nested] = await new Promise<[string, unknown, { deep: unknown }]>(
        (resolve) => {
          const payload = { deep: Uint8Array.from([255, 0]) };
          socket.emit(
            "echo",
            "bytes",
            Uint8Array.from([1, 2, 3]),
            payload,
            (...args: unknown[]) => {
              resolve(args as [string, unknown, { deep: unknown }]);
            },
          );
        },
      );
      assert.equal(text, "bytes");
      assert.deepEqual(bytes(data), [1, 2, 3]);
      assert.deepEqual(bytes(nested.deep), [255, 0]);

      // Server to client: the server asks, the client answers, the server passes it on.
      socket.on("question", (question: string, ack: (answer: string) => void) => {
        ack(`answer to ${question}`);
      });
      assert.equal(await ask(socket, "ask me", "q1"), "answer to q1");
    });
  }

  test("heartbeat: the object's alarm pings WebSocket clients, also across an eviction", async () => {
    const app = "fast-heartbeat";
    const socket = await connect(app, ["websocket"]);
    let pings = 0;
    socket.io.engine.on("ping", () => pings++);
    // A client unpinged for pingInterval + pingTimeout (3.3 s) would close itself;
    // three pings in a row prove the alarm sends them.
    while (pings < 3) await once(socket.io.engine, "ping", 5_000);
    await workerd.evict("FastIoObject", app);
    const after = pings;
    while (pings < after + 3) await once(socket.io.engine, "ping", 5_000);
    assert.equal(socket.connected, true);
    const who = await ask<Who>(socket, "whoami");
    assert.equal(who.id, socket.id);
  });

  test("heartbeat: a WebSocket client that stops answering pings is closed with ping timeout", async () => {
    const app = "fast-silent";
    const watcher = await connect(app, ["websocket"]);
    await ask(watcher, "join", "watchers");
    const left = once<[string, string]>(watcher, "left", 20_000);

    // A raw client: the Engine.IO handshake and a Socket.IO CONNECT, then silence.
    const url = workerd.url.replace("http", "ws") +
      `/socket.io/?EIO=4&transport=websocket&app=${app}`;
    const raw = new WebSocket(url);
    const frames: string[] = [];
    const connected = new Promise<string>((resolve) => {
      raw.onmessage = (event) => {
        const frame = String(event.data);
        frames.push(frame);
        if (frame.startsWith("0")) raw.send("40");
        if (frame.startsWith("40")) resolve(JSON.parse(frame.slice(2)).sid);
      };
    });
    const closed = new Promise<void>((resolve) => raw.onclose = () => resolve());
    const sid = await connected;

    const [id, reason] = await left;
    assert.equal(id, sid);
    assert.equal(reason, "ping timeout");
    await closed;
    assert.ok(frames.includes("2"), "the alarm pinged the silent client");
  });

  testAcks("websocket");

  test("namespaces: one connection carries / and /admin, each with its rooms", async () => {
    const main = await connect("nsps", ["websocket"]);
    const admin = main.io.socket("/admin"); // the same WebSocket; connects by itself
    clients.push(admin);
    await once(admin, "connect", 15_000);
    await ask(admin, "join", "ops");
    const who = await ask<Who>(admin, "whoami");
    assert.equal(who.id, admin.id);
    assert.deepEqual(who.rooms, [admin.id, "ops"].sort());
  });

  test("hibernation: after an eviction clients keep id, rooms and data, and get the next broadcast", async () => {
    const app = "hibernate";
    const a = await connect(app, ["websocket"]);
    const b = await connect(app, ["websocket"]);
    const adminA = a.io.socket("/admin");
    clients.push(adminA);
    await once(adminA, "connect", 15_000);
    await ask(a, "join", "lobby");
    await ask(b, "join", "lobby");
    await ask(adminA, "join", "ops");
    await ask(a, "set", { name: "ada", level: 3 });
    const before = await ask<Who>(a, "whoami");
    const adminBefore = await ask<{ id: string; rooms: string[] }>(adminA, "whoami");
    assert.equal(before.recovered, false);

    await workerd.evict("IoObject", app);

    // The next event wakes the object: b's broadcast reaches a in the new object.
    const news = once<[string, number, string]>(a, "news", 15_000);
    const instance = await ask<number>(b, "news", "lobby", "after sleep");
    const [payload, from] = await news;
    assert.equal(payload, "after sleep");
    assert.equal(from, instance);
    assert.ok(instance > before.instance, "the object was re-created");

    const after = await ask<Who>(a, "whoami");
    assert.equal(after.id, before.id);
    assert.equal(after.id, a.id);
    assert.deepEqual(after.rooms, before.rooms);
    assert.deepEqual(after.data, { name: "ada", level: 3 });
    assert.equal(after.instance, instance);
    assert.equal(after.recovered, true);
    assert.equal(a.connected, true);
    const adminAfter = await ask<{ id: string; rooms: string[]; instance: number }>(
      adminA,
      "whoami",
    );
    assert.equal(adminAfter.id, adminBefore.id);
    assert.deepEqual(adminAfter.rooms, adminBefore.rooms);

    // Acks and binary still work both ways in the new object.
    a.on("question", (q: string, ack: (answer: string) => void) => ack(`re: ${q}`));
    assert.equal(await ask(a, "ask me", "awake?"), "re: awake?");
    assert.deepEqual(bytes(await ask(b, "echo", Uint8Array.from([9, 8]))), [9, 8]);
  });

  // Long-polling last: a polling session keeps a timer (its heartbeat), and an object with a
  // pending timer is not evicted.
  testAcks("polling");

  test("upgrade: a polling client moves to WebSocket and keeps its session", async () => {
    const socket = await connect("upgrade", ["polling", "websocket"]);
    if (socket.io.engine.transport.name !== "websocket") await once(socket.io.engine, "upgrade");
    const who = await ask<Who>(socket, "whoami");
    assert.equal(who.transport, "websocket");
    assert.equal(who.id, socket.id);
    assert.deepEqual(bytes(await ask<unknown>(socket, "echo", Uint8Array.from([7]))), [7]);
  });

  test("rooms: a room's broadcast reaches its members only, across transports", async () => {
    const a = await connect("rooms", ["websocket"]);
    const b = await connect("rooms", ["polling"]);
    const c = await connect("rooms", ["websocket"]);
    await ask(a, "join", "red");
    await ask(b, "join", "red");
    await ask(c, "join", "blue");
    const cEvents: string[] = [];
    c.onAny((event: string) => cEvents.push(event));

    const got = once<unknown[]>(b, "room message");
    a.emit("to room", "red", "hello red");
    // With connectionStateRecovery each event ends with its offset, as officially.
    assert.deepEqual((await got).slice(0, 2), ["hello red", a.id]);

    // Everything after reaches c in order: its first event must be the news.
    const news = once(c, "news");
    await ask(a, "news", "blue", "after");
    await news;
    assert.deepEqual(cEvents, ["news"], "c is not in red");
  });

  test("bad input: a malformed frame closes its own connection only; an unknown sid gets 400", async () => {
    const app = "hostile";
    const bystander = await connect(app, ["websocket"]);
    const url = workerd.url.replace("http", "ws") +
      `/socket.io/?EIO=4&transport=websocket&app=${app}`;
    const raw = new WebSocket(url);
    const closed = new Promise<void>((resolve) => raw.onclose = () => resolve());
    await new Promise<void>((resolve) => {
      raw.onmessage = (event) => {
        const frame = String(event.data);
        if (frame.startsWith("0")) raw.send("40");
        if (frame.startsWith("40")) resolve();
      };
    });
    raw.send('42["x",'); // not JSON
    await closed;
    const who = await ask<Who>(bystander, "whoami");
    assert.equal(who.id, bystander.id, "the other client carries on");

    const response = await fetch(
      `${workerd.url}/socket.io/?EIO=4&transport=polling&sid=unknown&app=${app}`,
    );
    assert.equal(response.status, 400);
    assert.deepEqual(await response.json(), { code: 1, message: "Session ID unknown" });
  });
});
