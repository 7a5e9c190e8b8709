/**
 * A socket whose runtime keeps the heartbeat itself (`Conn.pingedByRuntime`,
 * as a Durable Object's alarm does) gets no heartbeat timer from its
 * session: no ping from the engine and no ping timeout, from the handshake
 * or from the end of an upgrade off polling. Driven in-process through the
 * engine's `RequestInfo.upgrade` with a recording `Conn`.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { EngineServer } from "../../src/engine/server.ts";
import type { Conn, ConnHandler, RequestInfo } from "../../src/engine/conn.ts";
import { sleep } from "../_fixtures/engine.ts";
import { assertNoSourceTimers } from "../_fixtures/timers.ts";

const HEARTBEAT = { pingInterval: 20, pingTimeout: 40 };
const BASE = "http://127.0.0.1/engine.io/?EIO=4";

/** A socket that records what the engine sends it. */
class RecordingConn implements Conn {
  sent: string[] = [];
  closed = false;
  readonly bufferedAmount = 0;
  readonly pingedByRuntime: boolean;
  constructor(pingedByRuntime: boolean) {
    this.pingedByRuntime = pingedByRuntime;
  }
  send(data: string | Uint8Array): boolean {
    this.sent.push(String(data));
    return true;
  }
  close(): void {
    this.closed = true;
  }
}

/** Request facts whose upgrader opens a `RecordingConn` (the last one is in `conns`). */
function upgrading(conns: { conn?: RecordingConn; handler?: ConnHandler }, runtime: boolean) {
  const info: RequestInfo = {
    upgrade: (_request, handler) => {
      const conn = new RecordingConn(runtime);
      conns.conn = conn;
      conns.handler = handler;
      handler.onOpen(conn);
      return new Response(null, { status: 200 });
    },
  };
  return info;
}

function wsRequest(query = ""): Request {
  return new Request(`${BASE}&transport=websocket${query}`, {
    headers: { upgrade: "websocket", connection: "Upgrade" },
  });
}

for (const runtime of [true, false]) {
  const who = runtime ? "the runtime pings" : "the engine pings";
  test(`runtime heartbeat: a WebSocket handshake when ${who}`, async () => {
    const engine = new EngineServer(HEARTBEAT);
    try {
      const socket: { conn?: RecordingConn; handler?: ConnHandler } = {};
      await engine.handleRequest(wsRequest(), upgrading(socket, runtime));
      const [sid] = [...engine.clients.keys()];
      await sleep(HEARTBEAT.pingInterval * 6);
      const pings = socket.conn!.sent.filter((frame) => frame === "2").length;
      if (runtime) {
        assert.equal(pings, 0, "no ping from the engine");
        assert.equal(engine.clients.get(sid)?.readyState, "open", "no ping timeout either");
        // The runtime's own ping is answered by the client; the session takes its pong.
        socket.handler!.onMessage("3");
        assert.equal(engine.clients.get(sid)?.readyState, "open");
      } else {
        assert.ok(pings >= 1, "the engine pinged");
        assert.equal(engine.clients.has(sid), false, "unanswered: ping timeout");
      }
    } finally {
      engine.close();
      await assertNoSourceTimers();
    }
  });

  test(`runtime heartbeat: an upgrade off polling when ${who}`, async () => {
    const engine = new EngineServer(HEARTBEAT);
    try {
      const open = await engine.handleRequest(
        new Request(`${BASE}&transport=polling`),
        upgrading({}, runtime),
      );
      const sid = JSON.parse((await open.text()).slice(1)).sid as string;
      const session = engine.clients.get(sid)!;
      const socket: { conn?: RecordingConn; handler?: ConnHandler } = {};
      await engine.handleRequest(wsRequest(`&sid=${sid}`), upgrading(socket, runtime));
      socket.handler!.onMessage("2probe");
      assert.deepEqual(socket.conn!.sent, ["3probe"]);
      socket.handler!.onMessage("5");
      assert.equal(session.upgraded, true);
      // Answer the engine's pings (if any) until well past a ping timeout.
      for (let i = 0; i < 8; i++) {
        await sleep(HEARTBEAT.pingInterval);
        if (socket.conn!.sent.at(-1) === "2") socket.handler!.onMessage("3");
      }
      const pings = socket.conn!.sent.filter((frame) => frame === "2").length;
      assert.equal(session.readyState, "open");
      if (runtime) assert.equal(pings, 0, "no ping from the engine after the upgrade");
      else assert.ok(pings >= 1, "the engine pinged over the new socket");
    } finally {
      engine.close();
      await assertNoSourceTimers();
    }
  });
}
