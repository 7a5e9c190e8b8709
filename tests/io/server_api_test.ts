/**
 * The `Server` API end to end with the official `socket.io-client`: the ways
 * to serve it (explicit `handleRequest`, `new Server(port)`, `listen`,
 * `bun()`, `hono()`), the main namespace's shortcuts, single-node
 * `serverSideEmit`, and a `close()` that leaves nothing running.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { createServer } from "node:net";
import { Hono } from "hono";
import { io as connect, type Socket as ClientSocket } from "socket.io-client";
import { mounts, once, runtime, startIo, transportModes } from "../_fixtures/io.ts";
import { Server } from "../../src/server.ts";
import { bunRequestInfo, type BunServer, bunWebSocketHandlers } from "../../src/runtime/bun.ts";
import { denoRequestInfo } from "../../src/runtime/deno.ts";

type Transports = ("polling" | "websocket")[];

/** A port nobody listens on right now. */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once("error", reject);
    probe.listen(0, "127.0.0.1", () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
  });
}

/** Whether something still listens on `port`. */
async function isListening(port: number): Promise<boolean> {
  return await new Promise((resolve) => {
    const probe = createServer();
    probe.once("error", () => resolve(true));
    probe.listen(port, "127.0.0.1", () => probe.close(() => resolve(false)));
  });
}

/** A client of `url`, not reconnecting. */
function client(url: string, transports: Transports): ClientSocket {
  return connect(url, { forceNew: true, reconnection: false, transports });
}

/** Connects, checks an event both ways, and disconnects. */
async function roundTrip(io: Server, url: string, transports: Transports): Promise<void> {
  io.on("connection", (socket) => socket.on("ping", (n: number, ack) => ack(n + 1)));
  const c = client(url, transports);
  try {
    await once(c, "connect");
    assert.equal(await c.emitWithAck("ping", 41), 42);
  } finally {
    c.disconnect();
  }
}

// deno-lint-ignore no-explicit-any
const Bun = (globalThis as any).Bun;

interface Served {
  url: string;
  stop(): Promise<void>;
}

/** Serves `fetch` (and Bun's `websocket`) on a free port of this runtime. */
function serveFetch(
  fetch: (request: Request, extra: unknown) => Promise<Response | undefined> | Response,
  websocket?: unknown,
): Served {
  if (runtime === "bun") {
    const server = Bun.serve({ port: 0, hostname: "127.0.0.1", fetch, websocket });
    return { url: `http://127.0.0.1:${server.port}`, stop: () => server.stop(true) };
  }
  const server = Deno.serve(
    { port: 0, hostname: "127.0.0.1", onListen() {} },
    fetch as (r: Request, i: Deno.ServeHandlerInfo) => Promise<Response>,
  );
  return { url: `http://127.0.0.1:${server.addr.port}`, stop: () => server.shutdown() };
}

for (const mode of transportModes) {
  test(`server api ${mode.name}: new Server(opts) served through an explicit handleRequest`, async () => {
    const io = new Server({ pingInterval: 1000 });
    const served = serveFetch(
      (request, extra) =>
        io.handleRequest(
          request,
          runtime === "bun"
            ? bunRequestInfo(request, extra as BunServer)
            : denoRequestInfo(extra as Deno.ServeHandlerInfo),
        ),
      runtime === "bun" ? bunWebSocketHandlers(io) : undefined,
    );
    try {
      assert.equal(io.port, undefined, "nothing listens by itself");
      await roundTrip(io, served.url, mode.transports);
      const other = await fetch(served.url + "/elsewhere");
      assert.equal(other.status, 404);
      await other.body?.cancel();
    } finally {
      await io.close();
      await served.stop();
    }
  });
}

test("server api: new Server(port) listens by itself, and close() lets the port go", async () => {
  const port = await freePort();
  const io = new Server(port, { pingInterval: 1000 });
  try {
    assert.equal(io.port, port);
    assert.equal(await isListening(port), true);
    await roundTrip(io, `http://127.0.0.1:${port}`, ["websocket"]);
    await roundTrip(io, `http://127.0.0.1:${port}`, ["polling"]);
  } finally {
    await io.close();
  }
  assert.equal(io.port, undefined);
  assert.equal(await isListening(port), false);
});

test("server api: io.listen(port) starts the server once, attach is its alias", async () => {
  const port = await freePort();
  const io = new Server();
  try {
    assert.equal(io.listen(port), io);
    assert.throws(() => io.listen(port), /already listening/);
    assert.throws(() => io.attach(port), /already listening/);
    await roundTrip(io, `http://127.0.0.1:${port}`, ["polling", "websocket"]);
  } finally {
    let called = false;
    await io.close(() => called = true);
    assert.equal(called, true);
  }
  assert.equal(await isListening(port), false);
  // A closed server can listen again: attach() is listen().
  const again = new Server();
  try {
    assert.equal(again.attach(port), again);
    await roundTrip(again, `http://127.0.0.1:${port}`, ["websocket"]);
  } finally {
    await again.close();
  }
});

test("server api: io.bun() is the fetch and websocket pair for Bun.serve", {
  skip: runtime !== "bun" && "Bun only",
}, async () => {
  const io = new Server();
  const { fetch, websocket } = io.bun();
  const served = serveFetch(fetch as (r: Request, s: unknown) => Promise<Response>, websocket);
  try {
    for (const mode of transportModes) {
      await roundTrip(io, served.url, mode.transports);
    }
  } finally {
    await io.close();
    await served.stop();
  }
});

for (const mode of transportModes) {
  test(`server api ${mode.name}: io.hono() mounts under a Hono app next to other routes`, async () => {
    const io = new Server();
    const app = new Hono();
    const { handler, websocket } = io.hono();
    app.get("/", (c) => c.text("home"));
    app.all("/socket.io/*", (c) => handler(c));
    const served = serveFetch(
      (request, extra) => app.fetch(request, extra),
      runtime === "bun" ? websocket : undefined,
    );
    try {
      const home = await fetch(served.url + "/");
      assert.equal(await home.text(), "home");
      await roundTrip(io, served.url, mode.transports);
    } finally {
      await io.close();
      await served.stop();
    }
  });
}

for (const mount of mounts) {
  test(`server api ${mount}: the main namespace's shortcuts on io`, async () => {
    const fx = startIo({}, mount);
    try {
      const order: string[] = [];
      fx.io.use((socket, next) => {
        order.push("middleware");
        socket.data = { checked: true };
        next();
      });
      fx.io.on("connection", (socket) => {
        order.push("connection");
        socket.on("answer", (ack) => ack(socket.data));
      });
      const a = fx.client();
      const b = fx.client();
      await Promise.all([once(a, "connect"), once(b, "connect")]);
      assert.equal(fx.io.engine.clientsCount, 2);
      assert.deepEqual(order, ["middleware", "connection", "middleware", "connection"]);
      assert.equal(fx.io.sockets, fx.io.of("/"));
      assert.equal(fx.io._nsps.get("/"), fx.io.sockets);
      assert.equal(fx.io.path(), "/socket.io");
      assert.equal(fx.io.connectTimeout(), 45000);
      assert.equal(fx.io.connectTimeout(30000).connectTimeout(), 30000);
      assert.deepEqual(await fx.io.allSockets(), new Set([a.id, b.id]));
      fx.io.sockets.sockets.get(a.id!)!.join("r");
      assert.deepEqual(await fx.io.in("r").allSockets(), new Set([a.id]));

      const messages = [a, b].map((c) => once(c, "message"));
      assert.equal(fx.io.send("hello", 1), fx.io);
      assert.deepEqual(await Promise.all(messages), [["hello", 1], ["hello", 1]]);
      const written = once(a, "message");
      fx.io.write("written");
      assert.deepEqual(await written, ["written"]);
      const compressed = once(a, "c");
      fx.io.compress(false).emit("c", "uncompressed");
      assert.deepEqual(await compressed, ["uncompressed"]);
      const local = once(b, "l");
      fx.io.local.emit("l", "local");
      assert.deepEqual(await local, ["local"]);

      // Acks from every client; on timeout the error carries the answers that came
      // (their content is checked in adapter_test.ts, without a network race).
      a.on("q", (ack: (v: string) => void) => ack("a"));
      b.on("q", (ack: (v: string) => void) => ack("b"));
      const answers = await fx.io.timeout(5000).emitWithAck("q");
      assert.deepEqual(answers.sort(), ["a", "b"]);
      b.off("q");
      b.on("q", () => {}); // b never answers
      const err = await fx.io.timeout(50).emitWithAck("q").then(
        () => assert.fail("should time out"),
        (e: Error & { responses?: unknown[] }) => e,
      );
      assert.equal(err.message, "operation has timed out");
      assert.ok(Array.isArray(err.responses));
      const viaCallback = await new Promise<unknown[]>((resolve, reject) =>
        fx.io.timeout(5000).to(a.id!).emit(
          "q",
          (e: Error | null, r: unknown[]) => e ? reject(e) : resolve(r),
        )
      );
      assert.deepEqual(viaCallback, ["a"]);
      assert.deepEqual(await fx.io.timeout(50).to("empty room").emitWithAck("q"), []);
      assert.deepEqual(await a.emitWithAck("answer"), { checked: true });

      // One node: other servers never answer, and there are none.
      assert.equal(fx.io.serverSideEmit("sync", 1), true);
      assert.deepEqual(await fx.io.serverSideEmitWithAck("sync"), []);
      const viaAck = await new Promise((resolve) =>
        fx.io.serverSideEmit("sync", (err: Error | null, res: unknown[]) => resolve([err, res]))
      );
      assert.deepEqual(viaAck, [null, []]);
      assert.throws(() => fx.io.serverSideEmit("connection"), /reserved event name/);
      assert.equal(await fx.io.sockets.adapter.serverCount(), 1);
      assert.throws(() => fx.io.emit("disconnect"), /reserved event name/);
    } finally {
      await fx.close();
    }
  });
}

test("server api: io.close() closes every connection and refuses new ones", async () => {
  const fx = startIo({}, "native", { transports: ["websocket"] });
  try {
    const a = fx.client();
    const b = fx.client("/", { transports: ["polling"] });
    await Promise.all([once(a, "connect"), once(b, "connect")]);
    const gone = [once(a, "disconnect"), once(b, "disconnect")];
    await fx.io.close();
    await Promise.all(gone);
    assert.equal(fx.io.engine.clientsCount, 0);
    assert.equal(fx.io.sockets.sockets.size, 0);
    const late = fx.client();
    const [err] = await once<[Error]>(late, "connect_error");
    assert.ok(err instanceof Error);
    assert.equal(fx.io.engine.clientsCount, 0);
  } finally {
    await fx.close();
  }
});
