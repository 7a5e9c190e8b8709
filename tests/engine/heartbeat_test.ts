/**
 * Heartbeat: the server pings every `pingInterval` and closes a session
 * whose client does not answer within `pingTimeout` (the "heartbeat" cases
 * of the official v4 test suite, and more).
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { EngineServer } from "../../src/engine/server.ts";
import { bunHandler, bunIdleTimeout, bunWebSocketHandlers } from "../../src/runtime/bun.ts";
import { honoHandler } from "../../src/runtime/hono.ts";
import { Hono } from "hono";
import { mounts, runtime } from "../_fixtures/serve.ts";
import {
  closed,
  deadline,
  handshake,
  openEngineWebSocket as openWebSocket,
  poll,
  post,
  sleep,
  startEngine,
} from "../_fixtures/engine.ts";
import { assertNoSourceTimers } from "../_fixtures/timers.ts";

const FAST = { pingInterval: 50, pingTimeout: 200 };

for (const mount of mounts) {
  test(`${mount} polling: the server pings every pingInterval; pongs keep the session`, async () => {
    const fx = startEngine({ pingInterval: 50, pingTimeout: 1000 }, mount);
    try {
      const sid = await handshake(fx);
      const session = fx.engine.clients.get(sid)!;
      let beats = 0;
      session.on("heartbeat", () => beats++);
      for (let i = 0; i < 3; i++) {
        assert.deepEqual(await poll(fx, sid), { status: 200, body: "2" });
        assert.deepEqual(await post(fx, sid, "3"), { status: 200, body: "ok" });
      }
      assert.equal(beats, 3);
      assert.equal(session.readyState, "open");
      assert.equal(fx.engine.clientsCount, 1);
    } finally {
      await fx.close();
    }
  });

  test(`${mount} polling: no pong within pingTimeout closes with "ping timeout"`, async () => {
    const fx = startEngine(FAST, mount);
    try {
      const sid = await handshake(fx);
      const session = fx.engine.clients.get(sid)!;
      const [reason] = await deadline(closed(session), 5000, "ping timeout");
      assert.equal(reason, "ping timeout");
      assert.equal(fx.engine.clientsCount, 0);
      assert.equal((await poll(fx, sid)).status, 400);
    } finally {
      await fx.close();
    }
  });

  test(`${mount} polling: a ping that was received but not answered closes with "ping timeout"`, async () => {
    const fx = startEngine(FAST, mount);
    try {
      const sid = await handshake(fx);
      const session = fx.engine.clients.get(sid)!;
      const sessionClosed = closed(session);
      assert.deepEqual(await poll(fx, sid), { status: 200, body: "2" });
      const [reason] = await deadline(sessionClosed, 5000, "ping timeout");
      assert.equal(reason, "ping timeout");
    } finally {
      await fx.close();
    }
  });

  test(`${mount} polling: close() while a pong is awaited keeps the ping deadline ("ping timeout")`, async () => {
    const fx = startEngine(FAST, mount);
    try {
      const sid = await handshake(fx);
      const session = fx.engine.clients.get(sid)!;
      const sessionClosed = closed(session);
      assert.deepEqual(await poll(fx, sid), { status: 200, body: "2" });
      // As Socket.IO's connect timeout does: the client never polls again.
      session.close();
      const [reason] = await deadline(sessionClosed, 5000, "ping timeout");
      assert.equal(reason, "ping timeout");
    } finally {
      await fx.close();
    }
  });

  test(`${mount} polling: a client ping closes the session (v4: only the server pings)`, async () => {
    const fx = startEngine({ pingInterval: 10_000, pingTimeout: 5000 }, mount);
    try {
      const sid = await handshake(fx);
      const session = fx.engine.clients.get(sid)!;
      const sessionClosed = closed(session);
      await post(fx, sid, "2");
      assert.deepEqual(await deadline(sessionClosed, 5000, "close"), [
        "transport error",
        "invalid heartbeat direction",
      ]);
      assert.equal((await poll(fx, sid)).status, 400);
    } finally {
      await fx.close();
    }
  });

  test(`${mount} websocket: the server pings every pingInterval; pongs keep the session`, async () => {
    const fx = startEngine({ pingInterval: 50, pingTimeout: 1000 }, mount);
    try {
      const sessionPromise = fx.nextSession();
      const ws = await openWebSocket(fx.wsUrl);
      const session = await sessionPromise;
      let beats = 0;
      session.on("heartbeat", () => beats++);
      for (let i = 0; i < 3; i++) {
        assert.equal(await deadline(ws.message(), 5000, "ping"), "2");
        ws.send("3");
      }
      // The third pong is in flight; the fourth ping proves it arrived.
      assert.equal(await deadline(ws.message(), 5000, "ping"), "2");
      assert.equal(beats, 3);
      assert.equal(session.readyState, "open");
      await ws.close();
    } finally {
      await fx.close();
    }
  });

  test(`${mount} websocket: no pong within pingTimeout closes with "ping timeout"`, async () => {
    const fx = startEngine(FAST, mount);
    try {
      const sessionPromise = fx.nextSession();
      const ws = await openWebSocket(fx.wsUrl);
      const session = await sessionPromise;
      const sessionClosed = closed(session);
      assert.equal(await deadline(ws.message(), 5000, "ping"), "2");
      await deadline(ws.next("close"), 5000, "socket closed by the server");
      assert.deepEqual(await sessionClosed, ["ping timeout", undefined]);
      assert.equal(fx.engine.clientsCount, 0);
    } finally {
      await fx.close();
    }
  });

  test(`${mount} websocket: a client ping closes the session (v4: only the server pings)`, async () => {
    const fx = startEngine({ pingInterval: 10_000, pingTimeout: 5000 }, mount);
    try {
      const sessionPromise = fx.nextSession();
      const ws = await openWebSocket(fx.wsUrl);
      const session = await sessionPromise;
      const sessionClosed = closed(session);
      ws.send("2");
      await deadline(ws.next("close"), 5000, "socket closed by the server");
      assert.deepEqual(await sessionClosed, ["transport error", "invalid heartbeat direction"]);
    } finally {
      await fx.close();
    }
  });

  test(`${mount} websocket: other packets received after a ping postpone the ping timeout`, async () => {
    // As in the official server: a client busy sending is not dropped because
    // its pong is late; it is once it falls quiet.
    const fx = startEngine({ pingInterval: 50, pingTimeout: 400 }, mount);
    try {
      const sessionPromise = fx.nextSession();
      const ws = await openWebSocket(fx.wsUrl);
      const session = await sessionPromise;
      const sessionClosed = closed(session);
      assert.equal(await deadline(ws.message(), 5000, "ping"), "2");
      for (let i = 0; i < 25; i++) {
        ws.send(`4busy ${i}`);
        await sleep(40);
      }
      assert.equal(session.readyState, "open");
      assert.deepEqual(await deadline(sessionClosed, 5000, "ping timeout"), [
        "ping timeout",
        undefined,
      ]);
    } finally {
      await fx.close();
    }
  });
}

test("Bun's idle timeouts are set so they never cut a long poll or a quiet WebSocket", () => {
  const engine = new EngineServer({ pingInterval: 25_000, pingTimeout: 20_000 });
  // Bun.serve's idleTimeout (seconds) outlives the longest poll.
  assert.ok(bunIdleTimeout(engine) * 1000 > engine.opts.pingInterval + engine.opts.pingTimeout);
  // Past Bun's 255-second cap: no idle timeout at all.
  assert.equal(bunIdleTimeout(new EngineServer({ pingInterval: 300_000 })), 0);
  // WebSockets: Bun's own idle timeout and pings are off; the heartbeat decides.
  const handlers = bunWebSocketHandlers(engine);
  assert.equal(handlers.idleTimeout, 0);
  assert.equal(handlers.sendPings, false);
  engine.close();
});

if (runtime === "bun") {
  const name = "bun: a long poll outlives a short Bun.serve idleTimeout (native and Hono)";
  test(name, { timeout: 30_000 }, async () => {
    // Both servers are given idleTimeout: 2 s; the poll is held 7 s, until
    // the ping. bunHandler and honoHandler lift the timeout per request.
    const engine = new EngineServer({ pingInterval: 7000, pingTimeout: 5000 });
    // deno-lint-ignore no-explicit-any
    const bun = (globalThis as any).Bun;
    const native = bunHandler(engine);
    const app = new Hono();
    const hono = honoHandler(engine);
    app.all("*", (c) => hono.handler(c));
    const servers = [
      bun.serve({ port: 0, hostname: "127.0.0.1", idleTimeout: 2, ...native }),
      bun.serve({
        port: 0,
        hostname: "127.0.0.1",
        idleTimeout: 2,
        fetch: app.fetch,
        websocket: hono.websocket,
      }),
    ];
    try {
      await Promise.all(servers.map(async (server) => {
        const base = `http://127.0.0.1:${server.port}/engine.io/?EIO=4&transport=polling`;
        const open = await (await fetch(base)).text();
        const sid = JSON.parse(open.slice(1)).sid;
        const response = await deadline(fetch(`${base}&sid=${sid}`), 15_000, "long poll");
        assert.equal(response.status, 200);
        assert.equal(await response.text(), "2");
      }));
    } finally {
      engine.close();
      await Promise.all(servers.map((server) => server.stop(true)));
      await assertNoSourceTimers();
    }
  });
}
