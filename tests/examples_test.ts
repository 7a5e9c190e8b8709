/**
 * Every example program runs and behaves as the Socket.IO introduction
 * describes, driven by the official client.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { io } from "socket.io-client";
import * as msgpackParser from "socket.io-msgpack-parser";
import { type ExampleProcess, runExample } from "./_fixtures/example_process.ts";
import { once, runtime } from "./_fixtures/io.ts";

const clientOpts = { forceNew: true, reconnection: false } as const;

test("greetings: send and emit with bytes, both directions", async () => {
  const ex = await runExample("examples/greetings.ts");
  const socket = io(ex.url.replace("http", "ws"), clientOpts);
  try {
    const message = once<[string]>(socket, "message");
    const greetings = once<unknown[]>(socket, "greetings");
    await once(socket, "connect");
    socket.send("Hello!");
    socket.emit("salutations", "Hello!", { "mr": "john" }, Uint8Array.from([1, 2, 3, 4]));
    assert.deepEqual(await message, ["Hello!"]);
    const [a, b, c] = await greetings;
    assert.equal(a, "Hey!");
    assert.deepEqual(b, { ms: "jane" });
    assert.deepEqual([...new Uint8Array(c as ArrayBuffer)], [4, 3, 3, 1]);
    await ex.waitFor(/^Hello!$/);
    // The salutations line (Bun prints the object over several lines).
    await ex.waitFor(/Uint8Array\(4\) \[ 1, 2, 3, 4 \]/);
  } finally {
    socket.disconnect();
    await ex.stop();
  }
});

test("recovery: a client that drops off gets its id back and every tick it missed", async () => {
  const ex = await runExample("examples/recovery.ts");
  const socket = io(ex.url, { forceNew: true, transports: ["websocket"] });
  try {
    const ticks: number[] = [];
    socket.on("tick", (n: number) => ticks.push(n));
    await once(socket, "connect");
    const id = socket.id;
    await ex.waitFor(`new session ${id}`);
    while (ticks.length < 3) await new Promise((r) => setTimeout(r, 20));
    // Cut the connection under the client; it reconnects by itself.
    socket.io.engine.close();
    await once(socket, "connect");
    assert.equal(socket.recovered, true);
    assert.equal(socket.id, id);
    await ex.waitFor(`recovered ${id} in`);
    const after = ticks.length;
    while (ticks.length < after + 3) await new Promise((r) => setTimeout(r, 20));
    // Nothing lost, nothing twice: the ticks run on without a gap.
    assert.deepEqual(ticks, ticks.map((_, i) => ticks[0] + i));
  } finally {
    socket.disconnect();
    await ex.stop();
  }
});

test("msgpack: the msgpack parser's client gets bytes, acks and broadcasts", async () => {
  const ex = await runExample("examples/msgpack.ts");
  const opts = { ...clientOpts, parser: msgpackParser };
  const socket = io(ex.url, opts);
  const other = io(ex.url, { ...opts, transports: ["polling"] });
  try {
    const [text, bytes] = await once<[string, ArrayBuffer]>(socket, "hello");
    assert.equal(text, "world");
    assert.deepEqual([...new Uint8Array(bytes)], [1, 2, 3]);
    if (!other.connected) await once(other, "connect"); // it may have connected first
    const answer = await socket.emitWithAck("echo", { n: 1 });
    assert.deepEqual(answer, { n: 1 });
    const news = [once<[string]>(socket, "news"), once<[string]>(other, "news")];
    other.emit("shout", "hi");
    assert.deepEqual(await Promise.all(news), [["HI"], ["HI"]]);
    const client = await fetch(ex.url + "/socket.io/socket.io.msgpack.min.js");
    assert.equal(client.status, 200);
    await client.body?.cancel();
  } finally {
    socket.disconnect();
    other.disconnect();
    await ex.stop();
  }
});

test("hello_howdy: hello from the server, howdy and an ack from the client", async () => {
  const ex = await runExample("examples/hello_howdy.ts");
  const socket = io(ex.url, clientOpts);
  try {
    const [hello] = await once<[string]>(socket, "hello");
    assert.equal(hello, "world");
    socket.emit("howdy", "stranger");
    await ex.waitFor(/^stranger$/);
    const answer = await socket.emitWithAck("update item", 1, { name: "updated" });
    assert.deepEqual(answer, { status: "ok" });
  } finally {
    socket.disconnect();
    await ex.stop();
  }
});

test("echo: message echo with connect and disconnect logs", async () => {
  const ex = await runExample("examples/echo.ts");
  const socket = io(ex.url, clientOpts);
  try {
    await once(socket, "connect");
    await ex.waitFor(`connect ${socket.id}`);
    const reply = once<[string]>(socket, "message");
    socket.send("ping");
    assert.deepEqual(await reply, ["Server received: ping"]);
    const id = socket.id;
    socket.disconnect();
    await ex.waitFor(`disconnect ${id} due to client namespace disconnect`);
  } finally {
    socket.disconnect();
    await ex.stop();
  }
});

test("namespaces: /chat rooms, /news, and /admin behind auth", async () => {
  const ex = await runExample("examples/namespaces.ts");
  const alice = io(ex.url + "/chat", clientOpts);
  const bob = io(ex.url + "/chat", clientOpts);
  const carol = io(ex.url + "/chat", clientOpts);
  const news = io(ex.url + "/news", clientOpts);
  const intruder = io(ex.url + "/admin", { ...clientOpts, auth: { token: "nope" } });
  const admin = io(ex.url + "/admin", { ...clientOpts, auth: { token: "let-me-in" } });
  const headline = once(news, "headline");
  const refused = once<[Error & { data?: unknown }]>(intruder, "connect_error");
  const welcome = once(admin, "welcome");
  try {
    await Promise.all([alice, bob, carol].map((s) => once(s, "connect")));
    const joined = once(alice, "joined");
    alice.emit("join", "room1");
    // The example acknowledges nothing: bob joins again until alice, once in the room, hears it.
    let heardJoin = false;
    joined.then(() => heardJoin = true, () => {});
    for (let i = 0; i < 100 && !heardJoin; i++) {
      bob.emit("join", "room1");
      await new Promise((r) => setTimeout(r, 50));
    }
    assert.deepEqual(await joined, [bob.id]);
    let carolHeard = false;
    carol.on("said", () => carolHeard = true);
    const heard = once(alice, "said");
    bob.emit("say", "room1", "hi room1");
    assert.deepEqual(await heard, ["hi room1"]);
    assert.equal(carolHeard, false);

    assert.deepEqual(await headline, ["webio runs the Socket.IO examples"]);
    const [err] = await refused;
    assert.equal(err.message, "not authorized");
    assert.deepEqual(err.data, { content: "Please retry later" });
    assert.deepEqual(await welcome, ["admin"]);
  } finally {
    for (const s of [alice, bob, carol, news, intruder, admin]) s.disconnect();
    await ex.stop();
  }
});

test("hono_app: webio beside a JSON route and a page", async () => {
  const ex = await runExample("examples/hono_app.ts");
  const socket = io(ex.url, clientOpts);
  try {
    await once(socket, "connect");
    assert.equal(await socket.emitWithAck("ping"), "pong");
    const health = await fetch(ex.url + "/api/health").then((r) => r.json());
    assert.deepEqual(health, { ok: true, clients: 1 });
    const page = await fetch(ex.url + "/");
    assert.match(await page.text(), /webio on Hono/);
  } finally {
    socket.disconnect();
    await ex.stop();
  }
});

/**
 * A binding example serves the official client over polling and over
 * WebSocket (hello, then an ack), its own page at `/`, and the browser
 * client at `/socket.io/socket.io.min.js`.
 */
async function assertBindingServes(ex: ExampleProcess, hello: string, page: string) {
  for (const transports of [["polling"], ["websocket"]]) {
    const socket = io(ex.url, { ...clientOpts, transports });
    try {
      const greeting = once<[string]>(socket, "hello");
      await once(socket, "connect");
      assert.equal(socket.io.engine.transport.name, transports[0]);
      assert.deepEqual(await greeting, [hello]);
      assert.equal(await socket.timeout(5000).emitWithAck("ping"), "pong");
    } finally {
      socket.disconnect();
    }
  }
  const home = await fetch(ex.url + "/");
  assert.equal(home.status, 200);
  assert.equal(await home.text(), page);
  const client = await fetch(ex.url + "/socket.io/socket.io.min.js");
  assert.equal(client.status, 200);
  assert.match(client.headers.get("content-type") ?? "", /javascript/);
  assert.match(await client.text(), /Socket\.IO v4\.8/);
}

test("admin_ui: the UI's page at /admin/, its /admin namespace behind basic auth", async () => {
  const ex = await runExample("examples/admin_ui.ts");
  const wrong = io(ex.url + "/admin", {
    ...clientOpts,
    auth: { username: "admin", password: "x" },
  });
  const admin = io(ex.url + "/admin", {
    ...clientOpts,
    auth: { username: "admin", password: "changeit" },
  });
  let user: ReturnType<typeof io> | undefined;
  try {
    const page = await fetch(ex.url + "/admin/");
    assert.equal(page.status, 200);
    assert.match(await page.text(), /<title>Socket\.IO Admin UI<\/title>/);
    const [err] = await once<[Error]>(wrong, "connect_error");
    assert.equal(err.message, "invalid credentials");
    const [config] = await once<[{ supportedFeatures: string[] }]>(admin, "config");
    assert.ok(config.supportedFeatures.includes("ALL_EVENTS"));
    const connected = once<[{ nsp: string; rooms: string[] }]>(admin, "socket_connected");
    user = io(ex.url, clientOpts);
    await once(user, "connect");
    const [socket] = await connected;
    assert.equal(socket.nsp, "/");
    assert.equal(await user.timeout(5000).emitWithAck("ping"), "pong");
  } finally {
    for (const s of [wrong, admin, user]) s?.disconnect();
    await ex.stop();
  }
});

test("deno_serve: Deno.serve with the app's route beside webio's handler", {
  skip: runtime !== "deno",
}, async () => {
  const ex = await runExample("examples/deno_serve.ts");
  try {
    await assertBindingServes(ex, "from Deno.serve", "webio on Deno.serve");
  } finally {
    await ex.stop();
  }
});

test("bun_serve: Bun.serve with the app's route beside io.bun()", {
  skip: runtime !== "bun",
}, async () => {
  const ex = await runExample("examples/bun_serve.ts");
  try {
    await assertBindingServes(ex, "from Bun.serve", "webio on Bun.serve");
  } finally {
    await ex.stop();
  }
});

test(`node_http: new Server(httpServer) beside the server's own listener (${runtime})`, async () => {
  const ex = await runExample("examples/node_http.ts");
  try {
    await assertBindingServes(ex, "from node:http", "webio on node:http");
  } finally {
    await ex.stop();
  }
});

test("options: CORS, heartbeat and size settings in the handshake; allowRequest refuses", async () => {
  const ex = await runExample("examples/options.ts");
  const welcome = io(ex.url, { ...clientOpts, query: { token: "s3cret" } });
  const intruder = io(ex.url, { ...clientOpts, query: { token: "nope" } });
  const refusal = once<[Error]>(intruder, "connect_error");
  try {
    await once(welcome, "connect");
    assert.equal(await welcome.timeout(5000).emitWithAck("ping"), "pong");
    const [err] = await refusal;
    assert.equal(err.message, "xhr poll error");

    const origin = "https://app.example.com";
    const handshake = `${ex.url}/socket.io/?EIO=4&transport=polling`;
    const open = await fetch(handshake + "&token=s3cret", { headers: { Origin: origin } });
    assert.equal(open.status, 200);
    assert.equal(open.headers.get("access-control-allow-origin"), origin);
    assert.equal(open.headers.get("access-control-allow-credentials"), "true");
    const { pingInterval, pingTimeout, maxPayload } = JSON.parse((await open.text()).slice(1));
    assert.deepEqual([pingInterval, pingTimeout, maxPayload], [10_000, 5_000, 100_000]);

    const refused = await fetch(handshake + "&token=nope", { headers: { Origin: origin } });
    assert.equal(refused.status, 403);
    assert.deepEqual(await refused.json(), { code: 4, message: "Bad token" });
  } finally {
    welcome.disconnect();
    intruder.disconnect();
    await ex.stop();
  }
});
