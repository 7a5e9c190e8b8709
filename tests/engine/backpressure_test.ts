/**
 * Backpressure: a client that stops reading never grows the server's memory
 * past `maxBufferedBytes`, and a client that resumes gets everything, in
 * order. The WebSocket client is a raw TCP socket that can stop reading.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { SEND_HIGH_WATER_MARK } from "../../src/engine/conn.ts";
import { bunHandler, type BunWebSocket } from "../../src/runtime/bun.ts";
import { EngineServer } from "../../src/engine/server.ts";
import type { EngineSession } from "../../src/engine/session.ts";
import type { WebSocketTransport } from "../../src/engine/websocket.ts";
import { mounts, runtime } from "../_fixtures/serve.ts";
import { RawWebSocket } from "../_fixtures/raw_ws.ts";
import { closed, deadline, handshake, poll, sleep, startEngine } from "../_fixtures/engine.ts";
import { assertNoSourceTimers } from "../_fixtures/timers.ts";

const CHUNK = 16 * 1024;
const QUIET = { pingInterval: 60_000, pingTimeout: 60_000 };
const decoder = new TextDecoder();

/** Opens a WebSocket-only session on a raw socket and reads the open packet. */
async function openRaw(wsUrl: string): Promise<RawWebSocket> {
  const raw = await RawWebSocket.open(`${wsUrl}?EIO=4&transport=websocket`);
  const open = await deadline(raw.nextText(), 5000, "open packet");
  assert.ok(open?.startsWith("0{"));
  return raw;
}

/** The i-th message of a numbered stream: text, with every 10th binary. */
function numbered(i: number, size: number): string | Uint8Array {
  if (i % 10 === 9) {
    const bytes = new Uint8Array(size).fill(i % 256);
    new DataView(bytes.buffer).setUint32(0, i);
    return bytes;
  }
  return `${i}:`.padEnd(size, "x");
}

/** Reads `count` numbered WebSocket frames and checks each is the next one. */
async function readNumbered(raw: RawWebSocket, count: number, size: number): Promise<void> {
  for (let i = 0; i < count; i++) {
    const frame = await deadline(raw.next(), 10_000, `frame ${i}`);
    assert.ok(frame, `connection ended before frame ${i}`);
    const expected = numbered(i, size);
    if (typeof expected === "string") {
      assert.equal(frame.opcode, 1, `frame ${i} is text`);
      const text = decoder.decode(frame.data);
      assert.equal(text.length, size + 1, `frame ${i} length`);
      assert.equal(text.slice(0, 12), "4" + expected.slice(0, 11), `frame ${i} in order`);
    } else {
      assert.equal(frame.opcode, 2, `frame ${i} is binary`);
      assert.equal(new DataView(frame.data.buffer, frame.data.byteOffset).getUint32(0), i);
      assert.equal(frame.data.byteLength, size);
    }
  }
}

/**
 * Sends numbered messages to a client that does not read, yielding now and
 * then so the runtime can write. Returns what was seen meanwhile.
 */
async function sendWhilePaused(session: EngineSession, count: number, size: number) {
  const transport = session.transport as WebSocketTransport;
  let maxQueued = 0;
  let maxRuntime = 0;
  let sawBackpressure = false;
  let volatileDropped = false;
  for (let i = 0; i < count; i++) {
    assert.equal(session.send(numbered(i, size)), true);
    maxQueued = Math.max(maxQueued, session.bufferedBytes);
    maxRuntime = Math.max(maxRuntime, transport.bufferedAmount);
    if (!transport.writable) {
      sawBackpressure = true;
      // A volatile message is dropped rather than queued while busy.
      if (!volatileDropped) volatileDropped = !session.send("volatile", { volatile: true });
    }
    if (i % 8 === 7) await sleep(0);
  }
  return { maxQueued, maxRuntime, sawBackpressure, volatileDropped };
}

for (const mount of mounts) {
  test(`${mount} websocket: a client that stops reading is closed with "transport error" at maxBufferedBytes`, async () => {
    const max = 1_000_000;
    const fx = startEngine({ ...QUIET, maxBufferedBytes: max }, mount);
    let raw: RawWebSocket | undefined;
    try {
      const sessionPromise = fx.nextSession();
      raw = await openRaw(fx.wsUrl);
      raw.pause();
      const session = await sessionPromise;
      const sessionClosed = closed(session);
      const transport = session.transport as WebSocketTransport;
      const message = "x".repeat(CHUNK);
      let maxQueued = 0;
      let maxRuntime = 0;
      let sawBackpressure = false;
      // Kernel buffers take a few MB before the runtime sees backpressure.
      for (let i = 0; session.readyState === "open" && i < 10_000; i++) {
        session.send(message);
        maxQueued = Math.max(maxQueued, session.bufferedBytes);
        maxRuntime = Math.max(maxRuntime, transport.bufferedAmount);
        if (!transport.writable) sawBackpressure = true;
        if (i % 8 === 7) await sleep(0);
      }
      assert.deepEqual(await deadline(sessionClosed, 5000, "overflow close"), [
        "transport error",
        "write buffer full",
      ]);
      assert.ok(sawBackpressure, "the runtime reported backpressure");
      assert.ok(maxQueued <= max, `queued ${maxQueued} > ${max}`);
      assert.ok(maxQueued > max - 2 * CHUNK, `queue filled up to the limit (${maxQueued})`);
      assert.ok(
        maxRuntime <= SEND_HIGH_WATER_MARK + CHUNK + 16,
        `the runtime held ${maxRuntime} bytes`,
      );
      assert.equal(session.bufferedBytes, 0);
      assert.equal(session.send("after close"), false);
    } finally {
      raw?.destroy();
      await fx.close();
    }
  });

  test(`${mount} polling: a client that stops polling is closed with "transport error" at maxBufferedBytes`, async () => {
    const max = 200_000;
    const fx = startEngine({ ...QUIET, maxBufferedBytes: max }, mount);
    try {
      const sid = await handshake(fx);
      const session = fx.engine.clients.get(sid)!;
      const sessionClosed = closed(session);
      const message = "y".repeat(1000);
      let maxQueued = 0;
      let accepted = 0;
      while (session.readyState === "open" && session.send(message)) {
        accepted++;
        maxQueued = Math.max(maxQueued, session.bufferedBytes);
      }
      assert.equal(session.send(message), false, "sends after the overflow are refused");
      assert.deepEqual(await deadline(sessionClosed, 5000, "overflow close"), [
        "transport error",
        "write buffer full",
      ]);
      assert.ok(maxQueued <= max, `queued ${maxQueued} > ${max}`);
      assert.equal(accepted, Math.floor(max / (message.length + 1)));
      assert.equal((await poll(fx, sid)).status, 400);
    } finally {
      await fx.close();
    }
  });

  test(`${mount} polling: a client that polls again gets every queued message, in order`, async () => {
    const fx = startEngine(QUIET, mount);
    try {
      const sid = await handshake(fx);
      const session = fx.engine.clients.get(sid)!;
      const count = 300;
      for (let i = 0; i < count; i++) session.send(numbered(i, 100));
      assert.ok(session.bufferedBytes > 0);
      const { body } = await poll(fx, sid);
      const packets = body.split("\x1e");
      assert.equal(packets.length, count);
      for (let i = 0; i < count; i++) {
        const expected = numbered(i, 100);
        if (typeof expected === "string") assert.equal(packets[i], "4" + expected);
        else assert.equal(packets[i][0], "b", `packet ${i} is binary`);
      }
      assert.equal(session.bufferedBytes, 0);
    } finally {
      await fx.close();
    }
  });

  test(`${mount} websocket: a reader that resumes gets every message in order (no loss under backpressure)`, async () => {
    const fx = startEngine({ ...QUIET, maxBufferedBytes: 64e6 }, mount);
    let raw: RawWebSocket | undefined;
    try {
      const sessionPromise = fx.nextSession();
      raw = await openRaw(fx.wsUrl);
      raw.pause();
      const session = await sessionPromise;
      const size = 32 * 1024;
      const count = 1000; // 32 MB: more than kernel buffers and the runtime hold
      const seen = await sendWhilePaused(session, count, size);
      assert.ok(seen.sawBackpressure, "the runtime reported backpressure");
      assert.ok(seen.volatileDropped, "a volatile message was dropped while busy");
      assert.ok(seen.maxQueued > 0, "messages waited in the session's queue");
      assert.ok(seen.maxRuntime > 0, "the runtime reports its buffered bytes");
      assert.ok(seen.maxRuntime <= SEND_HIGH_WATER_MARK + size + 16);
      const drained = new Promise<void>((resolve) => session.once("drain", () => resolve()));
      raw.resume();
      await readNumbered(raw, count, size);
      await deadline(drained, 5000, "drain");
      assert.equal(session.bufferedBytes, 0);
      assert.equal((session.transport as WebSocketTransport).writable, true);
      // Nothing else was sent (the volatile message is gone for good).
      session.send("end");
      assert.equal(await raw.nextText(), "4end");
    } finally {
      raw?.destroy();
      await fx.close();
    }
  });
}

if (runtime === "bun") {
  test("bun: backpressure follows send()'s -1 and the drain callback", async () => {
    const engine = new EngineServer({ ...QUIET, maxBufferedBytes: 64e6 });
    const results = new Map<number | string, number>();
    let drains = 0;
    const pair = bunHandler(engine);
    const websocket = {
      ...pair.websocket,
      open(ws: BunWebSocket) {
        const send = ws.send.bind(ws);
        ws.send = (data, compress) => {
          const result = send(data, compress);
          const key = result > 0 ? "sent" : result;
          results.set(key, (results.get(key) ?? 0) + 1);
          return result;
        };
        pair.websocket.open(ws);
      },
      drain(ws: BunWebSocket) {
        drains++;
        pair.websocket.drain(ws);
      },
    };
    // deno-lint-ignore no-explicit-any
    const bun = (globalThis as any).Bun;
    const server = bun.serve({
      port: 0,
      hostname: "127.0.0.1",
      fetch: pair.fetch,
      websocket,
    });
    const sessionPromise = new Promise<EngineSession>((r) => engine.once("connection", r));
    let raw: RawWebSocket | undefined;
    try {
      raw = await openRaw(`ws://127.0.0.1:${server.port}/engine.io/`);
      raw.pause();
      const session = await sessionPromise;
      const size = 32 * 1024;
      const count = 1000;
      const seen = await sendWhilePaused(session, count, size);
      assert.ok(seen.sawBackpressure);
      assert.ok((results.get(-1) ?? 0) > 0, "send() returned -1");
      assert.equal(results.get(0), undefined, "no frame was dropped");
      raw.resume();
      await readNumbered(raw, count, size);
      assert.ok(drains > 0, "drain was called");
      assert.equal(session.bufferedBytes, 0);
    } finally {
      raw?.destroy();
      engine.close();
      await server.stop(true);
      await assertNoSourceTimers();
    }
  });
}
