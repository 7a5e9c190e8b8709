/**
 * Closing: by the client (the "close" cases of the official v4 test suite),
 * by `session.close()`, and by `engine.close()`, which must leave no session
 * and no timer behind.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { mounts } from "../_fixtures/serve.ts";
import {
  BufferedSocket,
  closed,
  deadline,
  handshake,
  openEngineWebSocket as openWebSocket,
  poll,
  post,
  startEngine,
} from "../_fixtures/engine.ts";
import { RawWebSocket } from "../_fixtures/raw_ws.ts";
import { pendingSourceTimers } from "../_fixtures/timers.ts";

const QUIET = { pingInterval: 10_000, pingTimeout: 5000 };

for (const mount of mounts) {
  test(`${mount} polling: a client close packet ends the session; the pending poll gets a noop`, async () => {
    const fx = startEngine(QUIET, mount);
    try {
      const sid = await handshake(fx);
      const session = fx.engine.clients.get(sid)!;
      const sessionClosed = closed(session);
      const pending = poll(fx, sid);
      // Let the GET reach the server before the POST.
      await deadline(
        (async () => {
          while (session.transport.writable === false) await new Promise((r) => setTimeout(r, 2));
        })(),
        5000,
        "poll pending",
      );
      const [pollResult, postResult] = await Promise.all([pending, post(fx, sid, "1")]);
      assert.deepEqual(postResult, { status: 200, body: "ok" });
      assert.deepEqual(pollResult, { status: 200, body: "6" });
      assert.deepEqual(await sessionClosed, ["transport close", undefined]);
      assert.equal((await poll(fx, sid)).status, 400);
    } finally {
      await fx.close();
    }
  });

  test(`${mount} websocket: a client close packet ends the session and the socket`, async () => {
    const fx = startEngine(QUIET, mount);
    try {
      const sessionPromise = fx.nextSession();
      const ws = await openWebSocket(fx.wsUrl);
      const session = await sessionPromise;
      const sessionClosed = closed(session);
      ws.send("1");
      await deadline(ws.next("close"), 5000, "socket closed by the server");
      assert.deepEqual(await sessionClosed, ["transport close", undefined]);
      assert.equal(fx.engine.clientsCount, 0);
    } finally {
      await fx.close();
    }
  });

  test(`${mount} websocket: a socket closed by the client ends the session with "transport close"`, async () => {
    const fx = startEngine(QUIET, mount);
    try {
      const sessionPromise = fx.nextSession();
      const ws = await openWebSocket(fx.wsUrl);
      const session = await sessionPromise;
      const sessionClosed = closed(session);
      await ws.close();
      assert.deepEqual(await deadline(sessionClosed, 5000, "close"), [
        "transport close",
        undefined,
      ]);
    } finally {
      await fx.close();
    }
  });

  test(`${mount} websocket: a dropped TCP connection ends the session with "transport close"`, async () => {
    const fx = startEngine(QUIET, mount);
    try {
      const sessionPromise = fx.nextSession();
      const raw = await RawWebSocket.open(`${fx.wsUrl}?EIO=4&transport=websocket`);
      const session = await sessionPromise;
      const sessionClosed = closed(session);
      raw.destroy();
      assert.deepEqual(await deadline(sessionClosed, 5000, "close"), [
        "transport close",
        undefined,
      ]);
    } finally {
      await fx.close();
    }
  });

  test(`${mount} polling: session.close() answers the waiting poll with queued messages then "1"`, async () => {
    const fx = startEngine(QUIET, mount);
    try {
      const sid = await handshake(fx);
      const session = fx.engine.clients.get(sid)!;
      const sessionClosed = closed(session);
      const pending = poll(fx, sid);
      await deadline(
        (async () => {
          while (!session.transport.writable) await new Promise((r) => setTimeout(r, 2));
        })(),
        5000,
        "poll pending",
      );
      // The poll is waiting: the first send answers it, the rest queue.
      session.send("a");
      session.send("b");
      session.close();
      assert.equal(session.readyState, "closing");
      assert.equal(session.send("c"), false);
      assert.deepEqual(await pending, { status: 200, body: "4a" });
      assert.deepEqual(await poll(fx, sid), { status: 200, body: "4b\x1e1" });
      assert.deepEqual(await sessionClosed, ["forced close", undefined]);
      assert.equal((await poll(fx, sid)).status, 400);
    } finally {
      await fx.close();
    }
  });

  test(`${mount} polling: session.close() without a waiting poll sends "1" on the next poll`, async () => {
    const fx = startEngine(QUIET, mount);
    try {
      const sid = await handshake(fx);
      const session = fx.engine.clients.get(sid)!;
      const sessionClosed = closed(session);
      session.close();
      assert.equal(fx.engine.clientsCount, 1, "open until the close packet is delivered");
      assert.deepEqual(await poll(fx, sid), { status: 200, body: "1" });
      assert.deepEqual(await sessionClosed, ["forced close", undefined]);
      assert.equal(fx.engine.clientsCount, 0);
    } finally {
      await fx.close();
    }
  });

  test(`${mount} polling: session.close() gives up on a client that never polls again`, async () => {
    const fx = startEngine({ pingInterval: 50, pingTimeout: 50 }, mount);
    try {
      const sid = await handshake(fx);
      const session = fx.engine.clients.get(sid)!;
      const sessionClosed = closed(session);
      session.close();
      assert.deepEqual(await deadline(sessionClosed, 5000, "close"), ["forced close", undefined]);
      assert.equal((await poll(fx, sid)).status, 400);
    } finally {
      await fx.close();
    }
  });

  test(`${mount} websocket: session.close() sends queued messages, "1", then closes the socket`, async () => {
    const fx = startEngine(QUIET, mount);
    try {
      const sessionPromise = fx.nextSession();
      const ws = await openWebSocket(fx.wsUrl);
      const session = await sessionPromise;
      const sessionClosed = closed(session);
      session.send("a");
      session.send(new Uint8Array([1]));
      session.close();
      assert.equal(session.send("c"), false);
      assert.equal(await ws.message(), "4a");
      assert.deepEqual(new Uint8Array(await ws.message() as ArrayBuffer), new Uint8Array([1]));
      assert.equal(await ws.message(), "1");
      await deadline(ws.next("close"), 5000, "socket closed by the server");
      assert.deepEqual(await sessionClosed, ["forced close", undefined]);
    } finally {
      await fx.close();
    }
  });

  test(`${mount}: engine.close() closes every session, clears every timer, refuses new ones`, async () => {
    const fx = startEngine({ pingInterval: 100, pingTimeout: 100 }, mount);
    const sockets: BufferedSocket[] = [];
    try {
      // A polling session with a waiting poll, an idle polling session, a
      // WebSocket session, and a session in the middle of an upgrade.
      const waitingSid = await handshake(fx);
      const waiting = fx.engine.clients.get(waitingSid)!;
      const pending = poll(fx, waitingSid);
      await deadline(
        (async () => {
          while (!waiting.transport.writable) await new Promise((r) => setTimeout(r, 2));
        })(),
        5000,
        "poll pending",
      );
      const idleSid = await handshake(fx);
      const wsSession = fx.nextSession();
      const ws = await openWebSocket(fx.wsUrl);
      sockets.push(ws);
      const upgradingSid = await handshake(fx);
      const upgrade = new BufferedSocket(
        `${fx.wsUrl}?EIO=4&transport=websocket&sid=${upgradingSid}`,
      );
      sockets.push(upgrade);
      await upgrade.next("open");
      upgrade.send("2probe");
      assert.equal(await upgrade.message(), "3probe");

      const sessions = [...fx.engine.clients.values()];
      assert.equal(sessions.length, 4);
      assert.ok(sessions.includes(await wsSession));
      assert.ok(pendingSourceTimers().length > 0, "heartbeat and upgrade timers run");
      const reasons = sessions.map((session) => closed(session).then(([reason]) => reason));

      fx.engine.close();

      assert.equal(fx.engine.clientsCount, 0);
      for (const reason of await Promise.all(reasons)) {
        assert.ok(["server shutting down", "forced close"].includes(reason), reason);
      }
      assert.deepEqual(await pending, { status: 200, body: "1" });
      assert.equal((await poll(fx, idleSid)).status, 400);
      await deadline(ws.next("close"), 5000, "WebSocket closed");
      await deadline(upgrade.next("close"), 5000, "upgrade WebSocket closed");
      // The listener's own timers (idle keep-alive connections) outlive the engine.
      const engineTimers = pendingSourceTimers().filter((t) => !t.includes("/src/runtime/"));
      assert.equal(engineTimers.length, 0, engineTimers.join("\n"));
      // New handshakes are refused.
      const refused = await fetch(`${fx.url}?EIO=4&transport=polling`);
      assert.equal(refused.status, 400);
      await refused.body?.cancel();
    } finally {
      for (const socket of sockets) await socket.close();
      await fx.close(); // checks again: no session, no timer
    }
  });
}
