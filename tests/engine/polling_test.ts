/**
 * The polling transport's error paths, each closing its session as the
 * official server does: overlapping GETs and POSTs, oversize bodies, an
 * aborted held poll, a client close packet, requests on an upgraded
 * session. Ported from the official compliance suite
 * (docs/engine.io-protocol/v4-test-suite) and `packages/engine.io/test/server.js`.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { EngineServer } from "../../src/engine/server.ts";
import { mounts } from "../_fixtures/serve.ts";
import { RawRequest, rawRequest } from "../_fixtures/raw_http.ts";
import { RawWebSocket } from "../_fixtures/raw_ws.ts";
import {
  assertRefusal,
  closed,
  echo,
  openPolling,
  openWebSocket,
  poll,
  post,
  upgradeRaw,
  withEngine,
  within,
} from "../_fixtures/engine_http.ts";

for (const mount of mounts) {
  test(`${mount}: a second concurrent GET gets 400, the first gets a close packet, the session closes`, async () => {
    await withEngine({}, mount, async (h) => {
      const { sid, session } = await openPolling(h);
      const ended = closed(session);
      const held = h.arrived((r) => r.method === "GET" && r.url.includes(sid));
      const first = poll(h, sid);
      await within(held, "the first poll");
      const second = await poll(h, `${sid}&t=burst`);
      assert.equal(second.status, 400);
      await second.body?.cancel();
      const firstRes = await within(first, "the first poll's answer");
      assert.equal(firstRes.status, 200);
      assert.equal(await firstRes.text(), "1");
      assert.deepEqual(await within(ended, "the session close"), {
        reason: "transport error",
        description: "overlap from client",
      });
      const after = await poll(h, sid);
      assert.equal(after.status, 400);
      await after.body?.cancel();
      assert.equal(h.engine.clientsCount, 0);
    });
  });

  test(`${mount}: a second concurrent POST gets 400 and the session closes`, async () => {
    await withEngine({}, mount, async (h) => {
      const { sid, session } = await openPolling(h);
      const ended = closed(session);
      const arrived = h.arrived((r) => r.method === "POST");
      const first = new RawRequest(h.eio(`EIO=4&transport=polling&sid=${sid}`), {
        method: "POST",
        hold: true,
      });
      h.defer(() => first.destroy());
      first.write("4par");
      await within(arrived, "the first POST");
      const second = await post(h, sid, "4second");
      assert.equal(second.status, 400);
      await second.body?.cancel();
      assert.deepEqual(await within(ended, "the session close"), {
        reason: "transport error",
        description: "data request overlap from client",
      });
      first.destroy();
      assert.equal(h.engine.clientsCount, 0);
    });
  });

  test(`${mount}: a POST over maxHttpBufferSize gets 413 (with a length, and streamed without one)`, async () => {
    await withEngine({ maxHttpBufferSize: 100 }, mount, async (h) => {
      const messages: unknown[] = [];
      h.engine.on("connection", (s) => s.on("message", (m) => messages.push(m)));

      const a = await openPolling(h);
      assert.equal(a.open.maxPayload, 100);
      const endedA = closed(a.session);
      const res = await post(h, a.sid, "4" + "x".repeat(150));
      assert.equal(res.status, 413);
      await res.body?.cancel();
      assert.equal((await within(endedA, "the close after 413")).reason, "transport error");

      const b = await openPolling(h);
      const endedB = closed(b.session);
      const chunked = await within(
        rawRequest(h.eio(`EIO=4&transport=polling&sid=${b.sid}`), {
          method: "POST",
          chunks: ["4" + "y".repeat(60), "y".repeat(60)],
        }),
        "the answer to a chunked POST",
      );
      assert.equal(chunked.status, 413);
      assert.equal((await within(endedB, "the close after 413")).reason, "transport error");

      // Exactly at the limit is fine.
      const c = await openPolling(h);
      const ok = await post(h, c.sid, "4" + "z".repeat(99));
      assert.equal(ok.status, 200);
      assert.equal(await ok.text(), "ok");
      assert.deepEqual(messages, ["z".repeat(99)]);
    });
  });

  test(`${mount}: a poll on an upgraded session gets 400 and the WebSocket goes on`, async () => {
    await withEngine({}, mount, async (h) => {
      echo(h.engine);
      const { sid, session } = await openPolling(h);
      const upgraded = new Promise((resolve) => session.once("upgrade", resolve));
      const ws = await upgradeRaw(h, sid);
      await within(upgraded, "the upgrade");
      await assertRefusal(await poll(h, sid), 400, 3, "Bad request");
      await assertRefusal(await post(h, sid, "4x"), 400, 3, "Bad request");
      ws.send("4hello");
      assert.equal(await within(ws.nextText(), "the echo"), "4hello");
    });
  });

  test(`${mount}: the probe releases the pending poll with a noop`, async () => {
    await withEngine({}, mount, async (h) => {
      echo(h.engine);
      const { sid } = await openPolling(h);
      const ws = await RawWebSocket.open(h.ws(`EIO=4&transport=websocket&sid=${sid}`));
      h.defer(() => ws.destroy());
      ws.send("2probe");
      assert.equal(await within(ws.nextText(), "3probe"), "3probe");
      const res = await poll(h, sid);
      assert.equal(res.status, 200);
      assert.equal(await res.text(), "6");
      ws.send("5");
      ws.send("4hello");
      assert.equal(await within(ws.nextText(), "the echo"), "4hello");
    });
  });

  test(`${mount}: a second WebSocket on an upgraded session is closed`, async () => {
    await withEngine({}, mount, async (h) => {
      echo(h.engine);
      const { sid, session } = await openPolling(h);
      const upgraded = new Promise((resolve) => session.once("upgrade", resolve));
      const ws = await upgradeRaw(h, sid);
      await within(upgraded, "the upgrade");
      const second = openWebSocket(h.ws(`EIO=4&transport=websocket&sid=${sid}`));
      await within(second.closed, "the second WebSocket's close");
      ws.send("4hello");
      assert.equal(await within(ws.nextText(), "the echo"), "4hello");
      assert.equal(h.engine.clientsCount, 1);
    });
  });

  test(`${mount}: an aborted pending poll closes the session`, async () => {
    await withEngine({}, mount, async (h) => {
      const { sid, session } = await openPolling(h);
      const ended = closed(session);
      const controller = new AbortController();
      const held = h.arrived((r) => r.method === "GET" && r.url.includes(sid));
      const pending = poll(h, sid, { signal: controller.signal }).then(
        (res) => res.text(),
        () => "aborted",
      );
      await within(held, "the poll");
      assert.equal(session.transport.writable, true);
      controller.abort();
      assert.equal(await pending, "aborted");
      assert.deepEqual(await within(ended, "the session close"), {
        reason: "transport error",
        description: "poll connection closed prematurely",
      });
      assert.equal(h.engine.clientsCount, 0);
      const after = await poll(h, sid);
      assert.equal(after.status, 400);
      await after.body?.cancel();
    });
  });

  test(`${mount}: a close packet releases the pending poll with a noop and closes the session`, async () => {
    await withEngine({}, mount, async (h) => {
      const { sid, session } = await openPolling(h);
      const ended = closed(session);
      const held = h.arrived((r) => r.method === "GET" && r.url.includes(sid));
      const pending = poll(h, sid);
      await within(held, "the poll");
      const res = await post(h, sid, "1");
      assert.equal(await res.text(), "ok");
      const pollRes = await within(pending, "the released poll");
      assert.equal(pollRes.status, 200);
      assert.equal(await pollRes.text(), "6");
      assert.equal((await within(ended, "the session close")).reason, "transport close");
      const after = await poll(h, sid);
      assert.equal(after.status, 400);
      await after.body?.cancel();
    });
  });

  test(`${mount}: a method other than GET or POST on a session gets 500`, async () => {
    await withEngine({}, mount, async (h) => {
      const { sid } = await openPolling(h);
      const res = await poll(h, sid, { method: "PUT" });
      assert.equal(res.status, 500);
      await res.body?.cancel();
    });
  });
}

// Both ways of holding a poll, in-process, so each runtime exercises both.
test("a held poll without a runtime signal streams its answer; cancelling it closes the session", async () => {
  const engine = new EngineServer();
  try {
    const base = "http://in.process/engine.io/?EIO=4&transport=polling";
    const open = await (await engine.handleRequest(new Request(base))).text();
    const sid = JSON.parse(open.slice(1)).sid;
    const session = engine.clients.get(sid)!;

    const first = await engine.handleRequest(new Request(`${base}&sid=${sid}`));
    assert.equal(first.status, 200);
    assert.equal(first.headers.get("content-type"), "text/plain; charset=UTF-8");
    assert.equal(session.transport.writable, true);
    session.send("later");
    assert.equal(await first.text(), "4later");

    const ended = closed(session);
    const second = await engine.handleRequest(new Request(`${base}&sid=${sid}`));
    await second.body!.cancel();
    assert.deepEqual(await within(ended, "the session close"), {
      reason: "transport error",
      description: "poll connection closed prematurely",
    });
    assert.equal(engine.clientsCount, 0);
  } finally {
    engine.close();
  }
});

test("a held poll with a runtime signal answers later; its abort closes the session", async () => {
  const engine = new EngineServer();
  try {
    const base = "http://in.process/engine.io/?EIO=4&transport=polling";
    const open = await (await engine.handleRequest(new Request(base))).text();
    const sid = JSON.parse(open.slice(1)).sid;
    const session = engine.clients.get(sid)!;

    const first = engine.handleRequest(new Request(`${base}&sid=${sid}`), {
      signal: new AbortController().signal,
    });
    assert.equal(session.transport.writable, true);
    session.send("later");
    assert.equal(await (await first).text(), "4later");

    const ended = closed(session);
    const controller = new AbortController();
    const second = engine.handleRequest(new Request(`${base}&sid=${sid}`), {
      signal: controller.signal,
    });
    controller.abort();
    await (await second).body?.cancel();
    assert.deepEqual(await within(ended, "the session close"), {
      reason: "transport error",
      description: "poll connection closed prematurely",
    });
  } finally {
    engine.close();
  }
});
