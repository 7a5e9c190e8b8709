/**
 * The official `engine.io-client` against the engine, in every transport
 * mode, on every mount.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { Socket } from "engine.io-client";
import type { EngineOptions } from "../../src/engine/options.ts";
import type { RawData } from "../../src/engine/packet.ts";
import type { EngineSession } from "../../src/engine/session.ts";
import { mounts } from "../_fixtures/serve.ts";
import { closed, deadline, type EngineFixture, startEngine } from "../_fixtures/engine.ts";

const MODES: { name: string; transports: string[] }[] = [
  { name: "polling", transports: ["polling"] },
  { name: "websocket", transports: ["websocket"] },
  { name: "polling+upgrade", transports: ["polling", "websocket"] },
];

/** What the client received, as plain strings and byte arrays. */
function normalize(data: unknown): string | Uint8Array {
  if (typeof data === "string") return data;
  if (data instanceof ArrayBuffer) return new Uint8Array(data);
  if (ArrayBuffer.isView(data)) {
    return new Uint8Array(data.buffer, data.byteOffset, data.byteLength).slice();
  }
  throw new TypeError(`Unexpected message data: ${String(data)}`);
}

interface Connected {
  fx: EngineFixture;
  client: Socket;
  session: EngineSession;
  /** Messages the client received, in order. */
  received: (string | Uint8Array)[];
  /** Resolves once the client has received `n` messages in all. */
  receivedCount(n: number): Promise<void>;
}

/** Serves an engine, connects a client in `transports` mode, and waits for the upgrade if any. */
async function connect(
  mount: (typeof mounts)[number],
  transports: string[],
  options: EngineOptions = {},
  clientOptions: { forceBase64?: boolean } = {},
): Promise<Connected> {
  const fx = startEngine({ pingInterval: 300, pingTimeout: 1000, ...options }, mount);
  const sessionPromise = fx.nextSession();
  const client = new Socket(fx.server.url, { transports, path: "/engine.io/", ...clientOptions });
  const received: (string | Uint8Array)[] = [];
  const countWaiters: [number, () => void][] = [];
  client.on("message", (data: unknown) => {
    received.push(normalize(data));
    for (const [n, resolve] of countWaiters) if (received.length >= n) resolve();
  });
  const upgraded = transports.length > 1
    ? new Promise<void>((resolve) => client.once("upgrade", () => resolve()))
    : Promise.resolve();
  await deadline(
    new Promise<void>((resolve, reject) => {
      client.once("open", () => resolve());
      client.once("error", reject);
    }),
    5000,
    "client open",
  );
  const session = await sessionPromise;
  if (transports.length > 1) {
    const serverUpgrade = session.upgraded
      ? Promise.resolve()
      : new Promise<void>((resolve) => session.once("upgrade", () => resolve()));
    await deadline(Promise.all([upgraded, serverUpgrade]), 5000, "upgrade");
    assert.equal(client.transport.name, "websocket");
    assert.equal(session.transport.name, "websocket");
    assert.equal(session.upgraded, true);
  } else {
    assert.equal(session.transport.name, transports[0]);
  }
  return {
    fx,
    client,
    session,
    received,
    receivedCount: (n) =>
      deadline(
        new Promise<void>((resolve) => {
          if (received.length >= n) resolve();
          else countWaiters.push([n, resolve]);
        }),
        5000,
        `${n} messages at the client`,
      ),
  };
}

/** Collects what the server session receives. */
function serverInbox(session: EngineSession) {
  const inbox: (string | Uint8Array)[] = [];
  const waiters: [number, () => void][] = [];
  session.on("message", (data: RawData) => {
    inbox.push(typeof data === "string" ? data : data.slice());
    for (const [n, resolve] of waiters) if (inbox.length >= n) resolve();
  });
  return {
    inbox,
    count: (n: number) =>
      deadline(
        new Promise<void>((resolve) => {
          if (inbox.length >= n) resolve();
          else waiters.push([n, resolve]);
        }),
        5000,
        `${n} messages at the server`,
      ),
  };
}

const bytes = (n: number, seed: number) => new Uint8Array(n).map((_, i) => (i * 7 + seed) % 256);

for (const mount of mounts) {
  for (const mode of MODES) {
    const name = `${mount} ${mode.name}`;

    test(`${name}: text and binary messages flow both ways, in order`, async () => {
      const c = await connect(mount, mode.transports);
      try {
        const outgoing: (string | Uint8Array)[] = [
          "hello",
          bytes(3, 1),
          "€uro 😀",
          bytes(1000, 2),
          "",
          new Uint8Array(0),
          "last",
        ];
        const server = serverInbox(c.session);
        for (const message of outgoing) c.client.send(message);
        await server.count(outgoing.length);
        assert.deepEqual(server.inbox, outgoing);

        const incoming = outgoing.map((m) =>
          typeof m === "string" ? `re:${m}` : m.slice().reverse()
        );
        for (const message of incoming) assert.equal(c.session.send(message), true);
        await c.receivedCount(incoming.length);
        assert.deepEqual(c.received, incoming);
      } finally {
        c.client.close();
        await c.fx.close();
      }
    });

    test(`${name}: a forceBase64 client's binary messages flow both ways`, async () => {
      // engine.io-client's "should be able to receive binary data when
      // bouncing it back and forcing base64": over WebSocket it sends binary
      // as b + base64 text frames, which the server decodes as bytes.
      const c = await connect(mount, mode.transports, {}, { forceBase64: true });
      try {
        const outgoing = [bytes(5, 0), "text", new Uint8Array(0), bytes(3000, 9)];
        const server = serverInbox(c.session);
        // Fails at once, rather than at the deadline, if a frame is refused.
        const refused = closed(c.session).then(([reason]) => {
          throw new Error(`the session closed: ${reason}`);
        });
        for (const message of outgoing) c.client.send(message);
        await Promise.race([server.count(outgoing.length), refused]);
        assert.deepEqual(server.inbox, outgoing);
        for (const message of server.inbox) c.session.send(message);
        await c.receivedCount(outgoing.length);
        assert.deepEqual(c.received, outgoing);
        assert.equal(c.session.readyState, "open");
      } finally {
        c.client.close();
        await c.fx.close();
      }
    });

    test(`${name}: messages near maxHttpBufferSize pass both ways`, async () => {
      const max = 100_000;
      const c = await connect(mount, mode.transports, { maxHttpBufferSize: max });
      try {
        // Polling carries binary as base64 (4 chars per 3 bytes) within the same limit.
        const text = "t".repeat(max - 16);
        const binary = bytes(Math.floor((max - 16) * 3 / 4), 3);
        const server = serverInbox(c.session);
        c.client.send(text);
        c.client.send(binary);
        await server.count(2);
        assert.equal(server.inbox[0], text);
        assert.deepEqual(server.inbox[1], binary);

        // The server's own sends are not limited by maxHttpBufferSize.
        const big = bytes(3 * max, 4);
        c.session.send(text);
        c.session.send(big);
        await c.receivedCount(2);
        assert.equal(c.received[0], text);
        assert.deepEqual(c.received[1], big);
      } finally {
        c.client.close();
        await c.fx.close();
      }
    });

    test(`${name}: a client close ends the session with "transport close"`, async () => {
      const c = await connect(mount, mode.transports);
      try {
        const serverClosed = closed(c.session);
        const clientClosed = new Promise((resolve) => c.client.once("close", resolve));
        c.client.close();
        assert.deepEqual(await clientClosed, "forced close");
        const [reason] = await deadline(serverClosed, 5000, "server close");
        assert.equal(reason, "transport close");
        assert.equal(c.fx.engine.clientsCount, 0);
      } finally {
        await c.fx.close();
      }
    });

    test(`${name}: session.close() ends the session with "forced close" after queued messages`, async () => {
      const c = await connect(mount, mode.transports);
      try {
        const serverClosed = closed(c.session);
        const clientClosed = new Promise<string>((resolve) =>
          c.client.once("close", (reason: string) => resolve(reason))
        );
        c.session.send("before close 1");
        c.session.send(bytes(5, 5));
        c.session.close();
        assert.equal(c.session.send("after close"), false);
        const [reason] = await deadline(serverClosed, 5000, "server close");
        assert.equal(reason, "forced close");
        assert.equal(await deadline(clientClosed, 5000, "client close"), "transport close");
        assert.deepEqual(c.received, ["before close 1", bytes(5, 5)]);
        assert.equal(c.fx.engine.clientsCount, 0);
      } finally {
        c.client.close();
        await c.fx.close();
      }
    });

    test(`${name}: sendFrame writes an encoded message as send does, observed or not`, async () => {
      const c = await connect(mount, mode.transports);
      try {
        // Unobserved, a message may skip the queue; observed, every one is a packet.
        assert.equal(c.session.sendFrame("4plain"), true);
        assert.equal(c.session.sendFrame(bytes(3, 6)), true);
        const created: unknown[] = [];
        const onCreate = (packet: unknown) => created.push(packet);
        c.session.on("packetCreate", onCreate);
        assert.equal(c.session.sendFrame("4seen"), true);
        assert.equal(c.session.send("also seen"), true);
        c.session.off("packetCreate", onCreate);
        assert.equal(c.session.sendFrame("4end"), true);
        await c.receivedCount(5);
        assert.deepEqual(c.received, ["plain", bytes(3, 6), "seen", "also seen", "end"]);
        assert.deepEqual(created, [
          { type: "message", data: "seen" },
          { type: "message", data: "also seen" },
        ]);
      } finally {
        c.client.close();
        await c.fx.close();
      }
    });

    test(`${name}: the session outlives several heartbeats`, async () => {
      const c = await connect(mount, mode.transports, { pingInterval: 50, pingTimeout: 1000 });
      try {
        let beats = 0;
        await deadline(
          new Promise<void>((resolve) =>
            c.session.on("heartbeat", () => {
              if (++beats === 4) resolve();
            })
          ),
          5000,
          "four heartbeats",
        );
        assert.equal(c.session.readyState, "open");
        c.client.send("still here");
        const server = serverInbox(c.session);
        await server.count(1);
      } finally {
        c.client.close();
        await c.fx.close();
      }
    });
  }
}
