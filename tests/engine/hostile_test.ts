/**
 * Hostile input: garbage bodies and frames, unknown packet types, invalid
 * base64, huge batches, oversize payloads, unknown sids, client pings.
 * Each gets the protocol's answer, and afterwards a client that was already
 * connected is undisturbed and a fresh client still works.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { connect } from "node:net";
import type { Socket } from "engine.io-client";
import type { EngineOptions } from "../../src/engine/options.ts";
import { type Mount, mounts } from "../_fixtures/serve.ts";
import { RawWebSocket } from "../_fixtures/raw_ws.ts";
import {
  closed,
  echo,
  echoes,
  echoingClient,
  type Harness,
  openPolling,
  poll,
  post,
  withEngine,
  within,
} from "../_fixtures/engine_http.ts";

/**
 * Serves an echoing engine with two bystanders (WebSocket and polling),
 * runs `attack`, then checks the bystanders and a fresh client.
 */
async function scene(
  mount: Mount,
  options: EngineOptions,
  attack: (h: Harness) => Promise<void>,
): Promise<void> {
  await withEngine(options, mount, async (h) => {
    echo(h.engine);
    const bystanders: Socket[] = [
      await echoingClient(h, ["websocket"]),
      await echoingClient(h, ["polling"]),
    ];
    const bystanderIds = bystanders.map((s) => s.id);
    await attack(h);
    for (const [i, socket] of bystanders.entries()) {
      await echoes(socket, `still here ${i}`);
      assert.ok(h.engine.clients.has(bystanderIds[i]!));
    }
    await echoingClient(h, ["polling", "websocket"]);
  });
}

/** Opens a raw WebSocket session and reads its open packet. */
async function openRawWebSocket(h: Harness): Promise<RawWebSocket> {
  const ws = await RawWebSocket.open(h.ws("EIO=4&transport=websocket"));
  h.defer(() => ws.destroy());
  const open = await within(ws.nextText(), "the open packet");
  assert.equal(open?.[0], "0");
  return ws;
}

/** Resolves with the close code once the server sends a close frame (or drops the connection). */
async function serverClosed(ws: RawWebSocket): Promise<number | undefined> {
  for (;;) {
    const frame = await within(ws.next(), "the server's close");
    if (!frame) return undefined;
    if (frame.opcode === 8) {
      return frame.data.length >= 2 ? (frame.data[0] << 8) | frame.data[1] : undefined;
    }
  }
}

/** The session of the newest raw WebSocket (the last one opened). */
function newest(h: Harness) {
  return [...h.engine.clients.values()].at(-1)!;
}

const GARBAGE_BODIES: (string | Uint8Array)[] = [
  "abc",
  "",
  "\x1e",
  "\x1e\x1e\x1e",
  "7",
  "9hello",
  "4ok\x1e8bad",
  "b!!!",
  "4ok\x1eb%%%",
  "\u0000\u0001\u0002",
  new Uint8Array([0xff, 0xfe, 0x00, 0x1e, 0x80, 0x81]),
];

for (const mount of mounts) {
  test(`${mount}: garbage POST bodies get 400 and close only their session`, async () => {
    await scene(mount, {}, async (h) => {
      for (const body of GARBAGE_BODIES) {
        const { sid, session } = await openPolling(h);
        const messages: unknown[] = [];
        session.on("message", (m) => messages.push(m));
        const ended = closed(session);
        const res = await post(h, sid, body as BodyInit);
        assert.equal(res.status, 400, JSON.stringify(body));
        await res.body?.cancel();
        assert.equal((await within(ended, "the close")).reason, "parse error");
        assert.deepEqual(messages, [], "a refused payload delivers nothing");
        const after = await poll(h, sid);
        assert.equal(after.status, 400);
        await after.body?.cancel();
      }
    });
  });

  test(`${mount}: a binary (octet-stream) POST is refused: v4 sends base64 text`, async () => {
    await scene(mount, {}, async (h) => {
      const { sid, session } = await openPolling(h);
      const ended = closed(session);
      const res = await post(h, sid, new Uint8Array([1, 2, 3]), {
        "content-type": "application/octet-stream",
      });
      assert.equal(res.status, 400);
      await res.body?.cancel();
      assert.deepEqual(await within(ended, "the close"), {
        reason: "transport error",
        description: "invalid content",
      });
    });
  });

  test(`${mount}: a client ping is an error in v4 and closes the session (polling and WebSocket)`, async () => {
    await scene(mount, {}, async (h) => {
      const { sid, session } = await openPolling(h);
      const ended = closed(session);
      const res = await post(h, sid, "2");
      await res.body?.cancel();
      assert.deepEqual(await within(ended, "the close"), {
        reason: "transport error",
        description: "invalid heartbeat direction",
      });

      const ws = await openRawWebSocket(h);
      const wsEnded = closed(newest(h));
      ws.send("2");
      assert.equal(
        (await within(wsEnded, "the WebSocket session close")).reason,
        "transport error",
      );
      await serverClosed(ws);
    });
  });

  test(`${mount}: a huge batch in one POST is delivered in order`, async () => {
    await scene(mount, {}, async (h) => {
      const { sid, session } = await openPolling(h);
      const messages: unknown[] = [];
      session.on("message", (m) => messages.push(m));
      const count = 5000;
      const batch = Array.from({ length: count }, (_, i) => `4m${i}`);
      batch.push(...Array.from({ length: 20000 }, () => "6")); // noops
      const res = await post(h, sid, batch.join("\x1e"));
      assert.equal(res.status, 200);
      assert.equal(await res.text(), "ok");
      assert.equal(messages.length, count);
      assert.equal(messages[0], "m0");
      assert.equal(messages[count - 1], `m${count - 1}`);
      assert.ok(messages.every((m, i) => m === `m${i}`));
      // The echoes come back in one poll.
      const polled = await poll(h, sid);
      const echoed = (await polled.text()).split("\x1e");
      assert.equal(echoed.length, count);
      assert.equal(echoed[count - 1], `4m${count - 1}`);
      assert.equal(session.readyState, "open");
    });
  });

  test(`${mount}: a batch over maxHttpBufferSize gets 413 and delivers nothing`, async () => {
    await scene(mount, { maxHttpBufferSize: 100_000 }, async (h) => {
      const { sid, session } = await openPolling(h);
      const messages: unknown[] = [];
      session.on("message", (m) => messages.push(m));
      const ended = closed(session);
      const batch = Array.from({ length: 30_000 }, (_, i) => `4${i}`).join("\x1e");
      assert.ok(batch.length > 100_000);
      const res = await post(h, sid, batch);
      assert.equal(res.status, 413);
      await res.body?.cancel();
      await within(ended, "the close");
      assert.deepEqual(messages, []);
    });
  });

  test(`${mount}: garbage WebSocket frames close only their session`, async () => {
    await scene(mount, {}, async (h) => {
      for (const frame of ["abc", "", "7", "9hello", "\u0000", "b!!!"]) {
        const ws = await openRawWebSocket(h);
        const session = newest(h);
        const ended = closed(session);
        ws.send(frame);
        assert.equal(
          (await within(ended, `the close after ${JSON.stringify(frame)}`)).reason,
          "parse error",
        );
        await serverClosed(ws);
      }
      // A binary frame is a message, whatever its bytes.
      const ws = await openRawWebSocket(h);
      ws.sendBinary(new Uint8Array([0xff, 0x00, 0x1e]));
      const back = await within(ws.next(), "the binary echo");
      assert.deepEqual(back?.data, new Uint8Array([0xff, 0x00, 0x1e]));
    });
  });

  test(`${mount}: a b + base64 WebSocket text frame is a binary message (forceBase64 clients)`, async () => {
    await scene(mount, {}, async (h) => {
      const ws = await openRawWebSocket(h);
      const session = newest(h);
      const messages: unknown[] = [];
      session.on("message", (m) => messages.push(m));
      ws.send("bAQID");
      ws.send("b");
      ws.send("4after");
      const echoes = [];
      for (let i = 0; i < 3; i++) echoes.push(await within(ws.next(), "an echo"));
      assert.deepEqual(messages, [new Uint8Array([1, 2, 3]), new Uint8Array(0), "after"]);
      assert.deepEqual(echoes.map((f) => [f?.opcode, f?.data]), [
        [2, new Uint8Array([1, 2, 3])],
        [2, new Uint8Array(0)],
        [1, new TextEncoder().encode("4after")],
      ]);
      assert.equal(session.readyState, "open");
      // Invalid base64 is still a parse error, for its session only.
      for (const frame of ["b!!!", "bA", "b=AQID", "bAQ=D"]) {
        const bad = await openRawWebSocket(h);
        const badSession = newest(h);
        const badMessages: unknown[] = [];
        badSession.on("message", (m) => badMessages.push(m));
        const ended = closed(badSession);
        bad.send(frame);
        assert.equal((await within(ended, `the close after ${frame}`)).reason, "parse error");
        assert.deepEqual(badMessages, []);
        await serverClosed(bad);
      }
      ws.send("4still");
      assert.deepEqual(
        (await within(ws.next(), "the last echo"))?.data,
        new TextEncoder().encode("4still"),
      );
    });
  });

  test(`${mount}: a close packet over WebSocket closes the session (compliance suite)`, async () => {
    await scene(mount, {}, async (h) => {
      const ws = await openRawWebSocket(h);
      const ended = closed(newest(h));
      ws.send("1");
      await within(ended, "the session close");
      await serverClosed(ws);
    });
  });

  test(`${mount}: a WebSocket message over maxHttpBufferSize closes the socket`, async () => {
    await scene(mount, { maxHttpBufferSize: 1000 }, async (h) => {
      for (const big of [new Uint8Array(5000), "4" + "x".repeat(5000)]) {
        const ws = await openRawWebSocket(h);
        const session = newest(h);
        const messages: unknown[] = [];
        session.on("message", (m) => messages.push(m));
        const ended = closed(session);
        if (typeof big === "string") ws.send(big);
        else ws.sendBinary(big);
        await within(ended, "the session close");
        await serverClosed(ws);
        assert.deepEqual(messages, []);
      }
    });
  });

  test(`${mount}: unknown and odd sids get 400 with code 1 on every transport`, async () => {
    await scene(mount, {}, async (h) => {
      const sids = ["nope", "__proto__", "constructor", "toString", "x".repeat(5000), "%00"];
      for (const sid of sids) {
        for (const init of [{}, { method: "POST", body: "4hi" }]) {
          const res = await fetch(h.eio(`EIO=4&transport=polling&sid=${sid}`), init);
          assert.equal(res.status, 400);
          assert.equal((await res.json()).code, 1);
        }
        const ws = new WebSocket(h.ws(`EIO=4&transport=websocket&sid=${sid}`));
        ws.onerror = () => {};
        await within(new Promise((resolve) => ws.addEventListener("close", resolve)), "refusal");
      }
    });
  });

  test(`${mount}: packets a client must not send do not disturb others`, async () => {
    await scene(mount, {}, async (h) => {
      for (const body of ["0", "0{}", "5", "3", "6", "4ok\x1e6\x1e3"]) {
        const { sid } = await openPolling(h);
        const res = await post(h, sid, body);
        assert.ok(res.status === 200 || res.status === 400, body);
        await res.body?.cancel();
      }
    });
  });

  test(`${mount}: bytes that are not HTTP do not bring the server down`, async () => {
    await scene(mount, {}, async (h) => {
      const { port } = new URL(h.url);
      for (
        const junk of [
          "GARBAGE\r\n\r\n",
          "\x16\x03\x01\x00\xa5\x01\x00\x00",
          "GET /engine.io/?EIO=4 HTTP/1.1\r\nHost\r\n\r\n",
        ]
      ) {
        await within(
          new Promise<void>((resolve) => {
            const socket = connect({ host: "127.0.0.1", port: Number(port) });
            socket.on("error", () => resolve());
            socket.on("close", () => resolve());
            socket.on("data", () => socket.destroy());
            socket.on("connect", () => socket.end(junk));
          }),
          "the junk connection to end",
        );
      }
    });
  });
}
