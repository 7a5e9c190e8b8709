/**
 * The cases of the official Socket.IO v5 protocol test suite (socket.io's
 * `docs/socket.io-protocol/v5-test-suite`: its "Engine.IO protocol" and
 * "Socket.IO protocol" sections), run with the clients that suite runs under
 * Node: `node-fetch` 3 with its default agent (on Node 20 the global agent
 * keeps connections alive) and the `ws` package. Our own port: the facts
 * carry over, the code is ours. Where the suite waits for the server to
 * close a WebSocket for a reason other than the heartbeat, pings are
 * answered meanwhile, so that a ping timeout cannot pass for that reason.
 *
 * Usage:
 *
 * ```sh
 * node tests/node_clients/protocol_suite.mjs http://127.0.0.1:3000 \
 *   [--ping-interval=300] [--ping-timeout=200]
 * ```
 *
 * The server must be configured as the suite expects: pingInterval 300 and
 * pingTimeout 200 (or the values given), maxHttpBufferSize 1e6, a
 * connectTimeout above pingInterval + pingTimeout (the suite's: 1000), a
 * `/custom` namespace, and on both namespaces an `auth` event with the
 * handshake's auth, a `message` echo as `message-back`, and a
 * `message-with-ack` acknowledged with its arguments. Prints one line per case and
 * "<passed>/<cases> passed"; exits 1 listing the failures.
 */
import assert from "node:assert/strict";
import process from "node:process";
import { setTimeout as sleep } from "node:timers/promises";
import { parseArgs } from "node:util";
import fetch from "node-fetch";
import WebSocket from "ws";

const { values: flags, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    "ping-interval": { type: "string", default: "300" },
    "ping-timeout": { type: "string", default: "200" },
  },
});
const PING_INTERVAL = Number(flags["ping-interval"]);
const PING_TIMEOUT = Number(flags["ping-timeout"]);
const MAX_PAYLOAD = 1000000;
/** Longest a case may run (the ping-timeout cases wait for the heartbeat). */
const CASE_DEADLINE = 5000 + PING_INTERVAL + PING_TIMEOUT;

const base = positionals[0];
if (!base) {
  console.error("usage: node protocol_suite.mjs <http://host:port> [--ping-timeout=ms]");
  process.exit(2);
}
const HTTP = `${base}/socket.io/?EIO=4`;
const WS = HTTP.replace(/^http/, "ws");

/** Sockets a case opened, closed when it ends. */
const opened = new Set();

/**
 * A `ws` socket whose frames and close are awaited one by one: text frames
 * as strings, binary ones as `Uint8Array`.
 */
class Frames {
  #ws;
  #queue = [];
  #waiters = [];
  #closed = false;
  /** The error `ws` reported (a refused upgrade: "Unexpected server response"). */
  error;
  /** Whether the handshake ever completed. */
  wasOpen = false;
  /** Resolves on `open`, rejects if the socket closes first. */
  open;
  /** Resolves once the socket closed, whoever closed it. */
  closed;

  constructor(url) {
    const ws = new WebSocket(url);
    this.#ws = ws;
    opened.add(ws);
    this.open = new Promise((resolve, reject) => {
      ws.once("open", () => {
        this.wasOpen = true;
        resolve();
      });
      ws.once("close", () => reject(new Error("closed before open")));
    });
    this.open.catch(() => {});
    this.closed = new Promise((resolve) => ws.once("close", resolve));
    ws.on("error", (err) => {
      this.error = err;
    });
    ws.on("message", (data, isBinary) => {
      const frame = isBinary
        ? new Uint8Array(data.buffer, data.byteOffset, data.byteLength)
        : data.toString();
      const waiter = this.#waiters.shift();
      if (waiter) waiter.resolve(frame);
      else this.#queue.push(frame);
    });
    ws.once("close", () => {
      this.#closed = true;
      for (const waiter of this.#waiters.splice(0)) waiter.reject(new Error("socket closed"));
    });
  }

  /** The next frame, pings included. */
  next() {
    if (this.#queue.length > 0) return Promise.resolve(this.#queue.shift());
    if (this.#closed) return Promise.reject(new Error("socket closed"));
    return new Promise((resolve, reject) => this.#waiters.push({ resolve, reject }));
  }

  /** The next frame that is not a ping; a ping is answered as a client would. */
  async message() {
    for (;;) {
      const frame = await this.next();
      if (frame !== "2") return frame;
      this.send("3").catch(() => {});
    }
  }

  /**
   * Resolves once the socket closed, other frames skipped and pings
   * answered meanwhile: what closes it is then never the heartbeat.
   */
  async closedAnsweringPings() {
    for (;;) {
      try {
        await this.message();
      } catch {
        return; // closed
      }
    }
  }

  /** Sends one frame once the socket is open. */
  async send(frame) {
    await this.open;
    this.#ws.send(frame);
  }
}

/** Opens a WebSocket session and returns it with its handshake. */
async function openWebSocketSession(query = "&transport=websocket") {
  const socket = new Frames(WS + query);
  const handshake = await socket.next();
  assert.match(handshake, /^0\{/);
  return { socket, handshake: JSON.parse(handshake.slice(1)) };
}

/** Opens a polling session and returns its id. */
async function openPollingSession() {
  const response = await fetch(`${HTTP}&transport=polling`);
  assert.equal(response.status, 200);
  const body = await response.text();
  assert.match(body, /^0\{/);
  return JSON.parse(body.slice(1)).sid;
}

/** Asserts `url` over `method` is refused with a 400. */
async function expect400(url, init) {
  const response = await fetch(url, init);
  assert.equal(response.status, 400, `${init?.method ?? "GET"} ${url}`);
}

/** Asserts the WebSocket upgrade of `url` is refused. */
async function expectRefusedUpgrade(url) {
  const socket = new Frames(url);
  await socket.closed;
  assert.equal(socket.wasOpen, false, `${url} opened`);
  assert.match(String(socket.error), /Unexpected server response: 400/);
}

function assertOpenPacket(handshake, upgrades) {
  assert.deepEqual(
    Object.keys(handshake).sort(),
    ["maxPayload", "pingInterval", "pingTimeout", "sid", "upgrades"],
  );
  assert.equal(typeof handshake.sid, "string");
  assert.deepEqual(handshake.upgrades, upgrades);
  assert.equal(handshake.pingInterval, PING_INTERVAL);
  assert.equal(handshake.pingTimeout, PING_TIMEOUT);
  assert.equal(handshake.maxPayload, MAX_PAYLOAD);
}

/** Upgrades polling session `sid` to a WebSocket (probe, then upgrade). */
async function upgrade(sid) {
  const socket = new Frames(`${WS}&transport=websocket&sid=${sid}`);
  await socket.open;
  await socket.send("2probe");
  assert.equal(await socket.next(), "3probe");
  await socket.send("5");
  return socket;
}

/** Connects a WebSocket session to the main namespace (CONNECT, then `auth`). */
async function socketIoSession() {
  const { socket } = await openWebSocketSession();
  await socket.send("40");
  assert.match(await socket.message(), /^40\{"sid":"/);
  assert.equal(await socket.message(), '42["auth",{}]');
  return socket;
}

/** CONNECT to `nsp` with `payload`; checks the answer and the `auth` event. */
async function connectCase(send, prefix, auth) {
  const { socket } = await openWebSocketSession();
  await socket.send(send);
  const answer = await socket.message();
  assert.ok(answer.startsWith(prefix), answer);
  const body = JSON.parse(answer.slice(prefix.length));
  assert.deepEqual(Object.keys(body), ["sid"]);
  assert.equal(typeof body.sid, "string");
  const nsp = prefix === "40" ? "" : prefix.slice(2);
  assert.equal(await socket.message(), `42${nsp}["auth",${auth}]`);
}

/** Sends `frames`, then reads as many non-ping frames back. */
async function roundTrip(socket, frames, count) {
  for (const frame of frames) await socket.send(frame);
  const answers = [];
  while (answers.length < count) answers.push(await socket.message());
  return answers;
}

const bytes = (...values) => Uint8Array.from(values);

/** `[section, name, run]`, in the suite's order. */
const cases = [
  // Engine.IO: handshake over polling.
  ["engine.io handshake polling", "opens a session", async () => {
    const response = await fetch(`${HTTP}&transport=polling`);
    assert.equal(response.status, 200);
    const body = await response.text();
    assert.ok(body.startsWith("0"), body);
    assertOpenPacket(JSON.parse(body.slice(1)), ["websocket"]);
  }],
  ["engine.io handshake polling", "refuses a missing or invalid EIO", async () => {
    await expect400(`${base}/socket.io/?transport=polling`);
    await expect400(`${base}/socket.io/?EIO=abc&transport=polling`);
  }],
  ["engine.io handshake polling", "refuses a missing or invalid transport", async () => {
    await expect400(HTTP);
    await expect400(`${HTTP}&transport=abc`);
  }],
  ["engine.io handshake polling", "refuses a handshake by POST or PUT", async () => {
    await expect400(`${HTTP}&transport=polling`, { method: "post" });
    await expect400(`${HTTP}&transport=polling`, { method: "put" });
  }],
  // Engine.IO: handshake over WebSocket.
  ["engine.io handshake websocket", "opens a session", async () => {
    const { handshake } = await openWebSocketSession();
    assertOpenPacket(handshake, []);
  }],
  ["engine.io handshake websocket", "refuses a missing or invalid EIO", async () => {
    await expectRefusedUpgrade(`${base.replace(/^http/, "ws")}/socket.io/?transport=websocket`);
    await expectRefusedUpgrade(
      `${base.replace(/^http/, "ws")}/socket.io/?EIO=abc&transport=websocket`,
    );
  }],
  ["engine.io handshake websocket", "refuses a missing or invalid transport", async () => {
    await expectRefusedUpgrade(WS);
    await expectRefusedUpgrade(`${WS}&transport=abc`);
  }],
  // Engine.IO: heartbeat.
  ["engine.io heartbeat polling", "pings, and pongs keep the session", async () => {
    const sid = await openPollingSession();
    for (let i = 0; i < 3; i++) {
      const poll = await fetch(`${HTTP}&transport=polling&sid=${sid}`);
      assert.equal(poll.status, 200);
      assert.equal(await poll.text(), "2");
      const pong = await fetch(`${HTTP}&transport=polling&sid=${sid}`, {
        method: "post",
        body: "3",
      });
      assert.equal(pong.status, 200);
    }
  }],
  ["engine.io heartbeat polling", "closes a session that never pongs", async () => {
    const sid = await openPollingSession();
    // The server gives up pingInterval + pingTimeout after the handshake;
    // a little more so that its timer has surely run.
    await sleep(PING_INTERVAL + PING_TIMEOUT + 250);
    await expect400(`${HTTP}&transport=polling&sid=${sid}`);
  }],
  ["engine.io heartbeat websocket", "pings, and pongs keep the session", async () => {
    const { socket } = await openWebSocketSession();
    for (let i = 0; i < 3; i++) {
      assert.equal(await socket.next(), "2");
      await socket.send("3");
    }
  }],
  ["engine.io heartbeat websocket", "closes a session that never pongs", async () => {
    const { socket } = await openWebSocketSession();
    await socket.closed;
  }],
  // Engine.IO: close.
  ["engine.io close polling", "a CLOSE ends the session and the pending poll", async () => {
    const sid = await openPollingSession();
    const [poll, close] = await Promise.all([
      fetch(`${HTTP}&transport=polling&sid=${sid}`),
      fetch(`${HTTP}&transport=polling&sid=${sid}`, { method: "post", body: "1" }),
    ]);
    assert.equal(close.status, 200);
    assert.equal(poll.status, 200);
    assert.equal(await poll.text(), "6");
    await expect400(`${HTTP}&transport=polling&sid=${sid}`);
  }],
  ["engine.io close websocket", "a CLOSE ends the session", async () => {
    const { socket } = await openWebSocketSession();
    await socket.send("1");
    await socket.closedAnsweringPings();
  }],
  // Engine.IO: upgrade.
  ["engine.io upgrade", "upgrades a polling session to WebSocket", async () => {
    await upgrade(await openPollingSession());
  }],
  ["engine.io upgrade", "refuses polling requests of an upgraded session", async () => {
    const sid = await openPollingSession();
    await upgrade(sid);
    await expect400(`${HTTP}&transport=polling&sid=${sid}`);
  }],
  ["engine.io upgrade", "refuses a second WebSocket for an upgraded session", async () => {
    const sid = await openPollingSession();
    await upgrade(sid);
    const second = new Frames(`${WS}&transport=websocket&sid=${sid}`);
    await second.closed;
  }],
  // Beyond the suite: what makes its polling cases pass with a keep-alive
  // agent. A request that asks to close its connection gets an answer that
  // says so (RFC 9112, 9.6), else the client reuses the closing socket.
  ["http", "answers Connection: close with Connection: close", async () => {
    const close = { headers: { connection: "close" } };
    const open = await fetch(`${HTTP}&transport=polling`, close);
    assert.equal(open.status, 200);
    assert.equal(open.headers.get("connection"), "close");
    const refused = await fetch(`${HTTP}&transport=abc`, close);
    assert.equal(refused.status, 400);
    assert.equal(refused.headers.get("connection"), "close");
  }],

  // Socket.IO: connect.
  ["socket.io connect", "connects to the main namespace", () => connectCase("40", "40", "{}")],
  [
    "socket.io connect",
    "connects to the main namespace with a payload",
    () => connectCase('40{"token":"123"}', "40", '{"token":"123"}'),
  ],
  [
    "socket.io connect",
    "connects to a custom namespace",
    () => connectCase("40/custom,", "40/custom,", "{}"),
  ],
  [
    "socket.io connect",
    "connects to a custom namespace with a payload",
    () => connectCase('40/custom,{"token":"abc"}', "40/custom,", '{"token":"abc"}'),
  ],
  ["socket.io connect", "refuses an unknown namespace", async () => {
    const { socket } = await openWebSocketSession();
    await socket.send("40/random");
    assert.equal(await socket.message(), '44/random,{"message":"Invalid namespace"}');
  }],
  ["socket.io connect", "closes upon an invalid handshake", async () => {
    const { socket } = await openWebSocketSession();
    await socket.send("4abc");
    await socket.closedAnsweringPings();
  }],
  ["socket.io connect", "closes when no CONNECT comes", async () => {
    const { socket } = await openWebSocketSession();
    await socket.closedAnsweringPings();
  }],
  // Socket.IO: disconnect.
  ["socket.io disconnect", "a DISCONNECT of the main namespace gets no answer", async () => {
    const socket = await socketIoSession();
    await socket.send("41");
    assert.equal(await socket.next(), "2"); // the next frame is the heartbeat
  }],
  ["socket.io disconnect", "a custom namespace disconnects, the main one stays", async () => {
    const socket = await socketIoSession();
    assert.equal(await socket.next(), "2");
    await socket.send("3");
    await socket.send("40/custom");
    assert.match(await socket.message(), /^40\/custom,\{"sid":"/);
    assert.equal(await socket.message(), '42/custom,["auth",{}]');
    const [echo] = await roundTrip(socket, [
      "41/custom",
      '42["message","message to main namespace"]',
    ], 1);
    assert.equal(echo, '42["message-back","message to main namespace"]');
  }],
  // Socket.IO: message.
  ["socket.io message", "echoes a plain-text EVENT", async () => {
    const socket = await socketIoSession();
    const [echo] = await roundTrip(socket, ['42["message",1,"2",{"3":[true]}]'], 1);
    assert.equal(echo, '42["message-back",1,"2",{"3":[true]}]');
  }],
  ["socket.io message", "echoes a BINARY_EVENT with its attachments", async () => {
    const socket = await socketIoSession();
    const answers = await roundTrip(socket, [
      '452-["message",{"_placeholder":true,"num":0},{"_placeholder":true,"num":1}]',
      bytes(1, 2, 3),
      bytes(4, 5, 6),
    ], 3);
    assert.deepEqual(answers, [
      '452-["message-back",{"_placeholder":true,"num":0},{"_placeholder":true,"num":1}]',
      bytes(1, 2, 3),
      bytes(4, 5, 6),
    ]);
  }],
  ["socket.io message", "acknowledges a plain-text EVENT", async () => {
    const socket = await socketIoSession();
    const [ack] = await roundTrip(socket, ['42456["message-with-ack",1,"2",{"3":[false]}]'], 1);
    assert.equal(ack, '43456[1,"2",{"3":[false]}]');
  }],
  ["socket.io message", "acknowledges a BINARY_EVENT with a BINARY_ACK", async () => {
    const socket = await socketIoSession();
    const answers = await roundTrip(socket, [
      '452-789["message-with-ack",{"_placeholder":true,"num":0},{"_placeholder":true,"num":1}]',
      bytes(1, 2, 3),
      bytes(4, 5, 6),
    ], 3);
    assert.deepEqual(answers, [
      '462-789[{"_placeholder":true,"num":0},{"_placeholder":true,"num":1}]',
      bytes(1, 2, 3),
      bytes(4, 5, 6),
    ]);
  }],
  ["socket.io message", "closes upon an unknown packet type", async () => {
    const socket = await socketIoSession();
    await socket.send("4abc");
    await socket.closedAnsweringPings();
  }],
  ["socket.io message", "closes upon an invalid payload", async () => {
    const socket = await socketIoSession();
    await socket.send("42{}");
    await socket.closedAnsweringPings();
  }],
  ["socket.io message", "closes upon an invalid ack id", async () => {
    const socket = await socketIoSession();
    await socket.send('42abc["message-with-ack",1,"2",{"3":[false]}]');
    await socket.closedAnsweringPings();
  }],
];

async function runCase(run) {
  let timer;
  const deadline = new Promise((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`no result within ${CASE_DEADLINE} ms`)),
      CASE_DEADLINE,
    );
  });
  try {
    await Promise.race([run(), deadline]);
  } finally {
    clearTimeout(timer);
    for (const ws of opened) ws.terminate();
    opened.clear();
  }
}

const failures = [];
for (const [section, name, run] of cases) {
  const title = `${section}: ${name}`;
  try {
    await runCase(run);
    console.log(`ok - ${title}`);
  } catch (err) {
    failures.push(title);
    console.log(`not ok - ${title}\n  ${String(err?.stack ?? err).replaceAll("\n", "\n  ")}`);
  }
}
console.log(`${cases.length - failures.length}/${cases.length} passed`);
if (failures.length > 0) {
  console.log(`failed:\n${failures.map((title) => `  ${title}`).join("\n")}`);
}
process.exit(failures.length > 0 ? 1 : 0);
