/**
 * The polling-to-WebSocket upgrade, driven by hand with `fetch` and
 * `WebSocket` (the "upgrade" cases of the official v4 test suite, and more).
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import type { EngineOptions } from "../../src/engine/options.ts";
import { mounts } from "../_fixtures/serve.ts";
import {
  BufferedSocket,
  closed,
  deadline,
  type EngineFixture,
  handshake,
  poll,
  post,
  startEngine,
} from "../_fixtures/engine.ts";

/** An echo engine: every message comes back. */
function startEcho(mount: (typeof mounts)[number], options: EngineOptions = {}): EngineFixture {
  const fx = startEngine({ pingInterval: 10_000, pingTimeout: 5000, ...options }, mount);
  fx.engine.on("connection", (session) => session.on("message", (data) => session.send(data)));
  return fx;
}

/** Opens the upgrade WebSocket of `sid` and waits until it is open. */
async function openUpgrade(fx: EngineFixture, sid: string): Promise<BufferedSocket> {
  const ws = new BufferedSocket(`${fx.wsUrl}?EIO=4&transport=websocket&sid=${sid}`);
  await deadline(ws.next("open"), 5000, "upgrade socket open");
  return ws;
}

/** Sends the probe and checks the answer. */
async function probe(ws: BufferedSocket): Promise<void> {
  ws.send("2probe");
  assert.equal(await deadline(ws.message(), 5000, "3probe"), "3probe");
}

for (const mount of mounts) {
  test(`${mount}: upgrades from polling to WebSocket (probe, noop to the poll, upgrade)`, async () => {
    const fx = startEcho(mount);
    try {
      const sid = await handshake(fx);
      const session = fx.engine.clients.get(sid)!;
      const upgrading = new Promise((resolve) => session.once("upgrading", resolve));
      const upgraded = new Promise((resolve) => session.once("upgrade", resolve));
      const ws = await openUpgrade(fx, sid);
      await probe(ws);
      await upgrading;
      assert.equal(session.upgrading, true);
      assert.equal(session.transport.name, "polling");

      // A poll made during the upgrade is released with a noop.
      assert.deepEqual(await poll(fx, sid), { status: 200, body: "6" });

      ws.send("5");
      ws.send("4hello");
      assert.equal(await ws.message(), "4hello");
      await upgraded;
      assert.equal(session.transport.name, "websocket");
      assert.equal(session.upgraded, true);
      assert.equal(session.upgrading, false);

      ws.send(new Uint8Array([1, 2, 3, 4]));
      assert.deepEqual(
        new Uint8Array(await ws.message() as ArrayBuffer),
        new Uint8Array([1, 2, 3, 4]),
      );
      await ws.close();
    } finally {
      await fx.close();
    }
  });

  test(`${mount}: a poll pending when the probe arrives is released with a noop`, async () => {
    const fx = startEcho(mount);
    try {
      const sid = await handshake(fx);
      const pending = poll(fx, sid);
      const ws = await openUpgrade(fx, sid);
      await probe(ws);
      assert.deepEqual(await deadline(pending, 5000, "pending poll"), { status: 200, body: "6" });
      ws.send("5");
      await ws.close();
    } finally {
      await fx.close();
    }
  });

  test(`${mount}: messages sent during the upgrade arrive over the WebSocket, in order`, async () => {
    const fx = startEcho(mount);
    try {
      const sid = await handshake(fx);
      const session = fx.engine.clients.get(sid)!;
      const ws = await openUpgrade(fx, sid);
      await probe(ws);
      assert.deepEqual(await poll(fx, sid), { status: 200, body: "6" });
      // The client has paused polling: these wait in the session's queue.
      session.send("during 1");
      session.send(new Uint8Array([9, 9]));
      session.send("during 2");
      assert.ok(session.bufferedBytes > 0);
      ws.send("5");
      assert.equal(await ws.message(), "4during 1");
      assert.deepEqual(new Uint8Array(await ws.message() as ArrayBuffer), new Uint8Array([9, 9]));
      assert.equal(await ws.message(), "4during 2");
      assert.equal(session.bufferedBytes, 0);
      await ws.close();
    } finally {
      await fx.close();
    }
  });

  test(`${mount}: HTTP requests with the same sid are refused after the upgrade`, async () => {
    const fx = startEcho(mount);
    try {
      const sid = await handshake(fx);
      const session = fx.engine.clients.get(sid)!;
      const upgraded = new Promise((resolve) => session.once("upgrade", resolve));
      const ws = await openUpgrade(fx, sid);
      await probe(ws);
      ws.send("5");
      await upgraded;
      assert.equal((await poll(fx, sid)).status, 400);
      assert.equal((await post(fx, sid, "4hello")).status, 400);
      // The session lives on over the WebSocket.
      ws.send("4hello");
      assert.equal(await ws.message(), "4hello");
      await ws.close();
    } finally {
      await fx.close();
    }
  });

  test(`${mount}: a second WebSocket with the same sid is refused after the upgrade`, async () => {
    const fx = startEcho(mount);
    try {
      const sid = await handshake(fx);
      const session = fx.engine.clients.get(sid)!;
      const upgraded = new Promise((resolve) => session.once("upgrade", resolve));
      const ws = await openUpgrade(fx, sid);
      await probe(ws);
      ws.send("5");
      await upgraded;
      const second = new BufferedSocket(`${fx.wsUrl}?EIO=4&transport=websocket&sid=${sid}`);
      await deadline(second.next("close"), 5000, "second socket refused");
      ws.send("4hello");
      assert.equal(await ws.message(), "4hello");
      assert.equal(session.transport.name, "websocket");
      await ws.close();
    } finally {
      await fx.close();
    }
  });

  test(`${mount}: a second upgrade attempt during an upgrade is refused`, async () => {
    const fx = startEcho(mount);
    try {
      const sid = await handshake(fx);
      const session = fx.engine.clients.get(sid)!;
      const ws = await openUpgrade(fx, sid);
      await probe(ws);
      const second = new BufferedSocket(`${fx.wsUrl}?EIO=4&transport=websocket&sid=${sid}`);
      await deadline(second.next("close"), 5000, "second socket refused");
      // The first upgrade still completes.
      const upgraded = new Promise((resolve) => session.once("upgrade", resolve));
      ws.send("5");
      await upgraded;
      ws.send("4still one");
      assert.equal(await ws.message(), "4still one");
      await ws.close();
    } finally {
      await fx.close();
    }
  });

  test(`${mount}: without "5" within upgradeTimeout the WebSocket closes and polling goes on`, async () => {
    const fx = startEcho(mount, { upgradeTimeout: 100 });
    try {
      const sid = await handshake(fx);
      const session = fx.engine.clients.get(sid)!;
      const ws = await openUpgrade(fx, sid);
      await probe(ws);
      await deadline(ws.next("close"), 5000, "upgrade socket closed by timeout");
      assert.equal(session.upgrading, false);
      assert.equal(session.upgraded, false);
      assert.equal(session.transport.name, "polling");
      assert.equal(session.readyState, "open");
      assert.deepEqual(await post(fx, sid, "4after timeout"), { status: 200, body: "ok" });
      assert.deepEqual(await poll(fx, sid), { status: 200, body: "4after timeout" });
    } finally {
      await fx.close();
    }
  });

  test(`${mount}: a WebSocket that never probes is closed after upgradeTimeout`, async () => {
    const fx = startEcho(mount, { upgradeTimeout: 100 });
    try {
      const sid = await handshake(fx);
      const ws = await openUpgrade(fx, sid);
      await deadline(ws.next("close"), 5000, "upgrade socket closed by timeout");
      assert.deepEqual(await post(fx, sid, "4ok"), { status: 200, body: "ok" });
      assert.deepEqual(await poll(fx, sid), { status: 200, body: "4ok" });
    } finally {
      await fx.close();
    }
  });

  test(`${mount}: a message instead of "5" aborts the upgrade; the session stays on polling`, async () => {
    const fx = startEcho(mount);
    try {
      const sid = await handshake(fx);
      const session = fx.engine.clients.get(sid)!;
      const ws = await openUpgrade(fx, sid);
      await probe(ws);
      ws.send("4too early");
      await deadline(ws.next("close"), 5000, "upgrade socket closed");
      assert.equal(session.upgrading, false);
      assert.equal(session.transport.name, "polling");
      assert.deepEqual(await post(fx, sid, "4fine"), { status: 200, body: "ok" });
      assert.deepEqual(await poll(fx, sid), { status: 200, body: "4fine" });
    } finally {
      await fx.close();
    }
  });

  test(`${mount}: closing the upgrade WebSocket aborts the upgrade; another may follow`, async () => {
    const fx = startEcho(mount);
    try {
      const sid = await handshake(fx);
      const session = fx.engine.clients.get(sid)!;
      const first = await openUpgrade(fx, sid);
      await probe(first);
      await first.close();
      await deadline(
        (async () => {
          while (session.upgrading) await new Promise((r) => setTimeout(r, 5));
        })(),
        5000,
        "upgrade aborted",
      );
      assert.equal(session.readyState, "open");
      const second = await openUpgrade(fx, sid);
      await probe(second);
      second.send("5");
      second.send("4second");
      assert.equal(await second.message(), "4second");
      assert.equal(session.transport.name, "websocket");
      await second.close();
    } finally {
      await fx.close();
    }
  });

  test(`${mount}: a session closed mid-upgrade closes the upgrade WebSocket too`, async () => {
    const fx = startEcho(mount);
    try {
      const sid = await handshake(fx);
      const session = fx.engine.clients.get(sid)!;
      const ws = await openUpgrade(fx, sid);
      await probe(ws);
      const sessionClosed = closed(session);
      session.terminate("transport error", "test");
      assert.deepEqual(await sessionClosed, ["transport error", "test"]);
      await deadline(ws.next("close"), 5000, "upgrade socket closed");
      assert.equal(session.upgrading, false);
      assert.equal(fx.engine.clientsCount, 0);
    } finally {
      await fx.close();
    }
  });
}
