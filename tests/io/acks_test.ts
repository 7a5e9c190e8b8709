/**
 * Acknowledgements end to end with the official `socket.io-client`: both
 * ways, with binary, with and without timeouts, promise-based, broadcast,
 * and pending acks failing when the socket goes away.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { assertNoSourceTimers } from "../_fixtures/timers.ts";
import {
  type ClientSocket,
  type IoFixture,
  mounts,
  once,
  startIo,
  transportModes,
} from "../_fixtures/io.ts";
import type { Socket } from "../../src/io/socket.ts";

function norm(value: unknown): unknown {
  if (value instanceof ArrayBuffer) return { bytes: [...new Uint8Array(value)] };
  if (ArrayBuffer.isView(value)) {
    return { bytes: [...new Uint8Array(value.buffer, value.byteOffset, value.byteLength)] };
  }
  if (Array.isArray(value)) return value.map(norm);
  if (typeof value === "object" && value !== null) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = norm(v);
    return out;
  }
  return value;
}

/** The server-side socket of the next connection, and its connected client. */
async function connectPair(
  fx: IoFixture,
  nsp = "/",
): Promise<{ socket: Socket; client: ClientSocket }> {
  const socket = once<[Socket]>(fx.io.of(nsp), "connection");
  const client = fx.client(nsp);
  await once(client, "connect");
  return { socket: (await socket)[0], client };
}

/** Calls `fn` with an error-first callback and resolves with its arguments. */
function callbackArgs(fn: (cb: (...args: unknown[]) => void) => void): Promise<unknown[]> {
  return new Promise((resolve) => fn((...args) => resolve(args)));
}

for (const mount of mounts) {
  for (const mode of transportModes) {
    test(`acks ${mount} ${mode.name}: both ways, with JSON and binary`, async () => {
      const fx = startIo({}, mount, { transports: mode.transports });
      try {
        const { socket, client } = await connectPair(fx);

        // Client emits, the server's handler answers (BINARY_ACK to the client).
        socket.on("echo", (...args: unknown[]) => {
          const ack = args.pop() as (...a: unknown[]) => void;
          ack(...args);
        });
        const payload = ["text", 7, { deep: [new Uint8Array([1, 2, 3])] }, new Int16Array([-2])];
        const answer = await callbackArgs((cb) => client.emit("echo", ...payload, cb));
        assert.deepEqual(norm(answer), norm(payload));
        assert.deepEqual(await client.emitWithAck("echo", "one"), "one");
        assert.deepEqual(await client.emitWithAck("echo"), undefined);

        // Server emits, the client answers (BINARY_ACK to the server).
        client.on("ask", (a: unknown, ack: (...args: unknown[]) => void) => {
          ack(a, new Uint8Array([9, 8]), { nested: { b: new Uint8Array([7]).buffer } });
        });
        const back = await callbackArgs((cb) => socket.emit("ask", { q: 1 }, cb));
        assert.equal(back.length, 3);
        assert.deepEqual(back[0], { q: 1 });
        assert.ok(back[1] instanceof Uint8Array);
        assert.deepEqual(
          norm(back),
          norm([{ q: 1 }, new Uint8Array([9, 8]), { nested: { b: new Uint8Array([7]) } }]),
        );

        // Promise form on the server, without a timeout.
        assert.deepEqual(await socket.emitWithAck("ask", "p"), "p");
      } finally {
        await fx.close();
      }
    });
  }
}

for (const mode of transportModes) {
  test(`acks ${mode.name}: socket.timeout() gives (err) on timeout and (null, ...args) on answer`, async () => {
    const fx = startIo({}, "native", { transports: mode.transports });
    try {
      const { socket, client } = await connectPair(fx);
      client.on("answer", (x: number, ack: (...a: unknown[]) => void) => ack(x + 1, "two"));
      client.on("silent", () => {});

      const late = await callbackArgs((cb) => socket.timeout(50).emit("silent", 1, cb));
      assert.equal(late.length, 1);
      assert.ok(late[0] instanceof Error);
      assert.equal((late[0] as Error).message, "operation has timed out");

      const onTime = await callbackArgs((cb) => socket.timeout(5000).emit("answer", 1, cb));
      assert.deepEqual(onTime, [null, 2, "two"]);

      // The timeout flag applies to one emit only.
      const plain = await callbackArgs((cb) => socket.emit("answer", 10, cb));
      assert.deepEqual(plain, [11, "two"]);

      await assert.rejects(socket.timeout(50).emitWithAck("silent"), {
        message: "operation has timed out",
      });
      assert.equal(await socket.timeout(5000).emitWithAck("answer", 4), 5);

      // An ack arriving after its timeout is ignored; the connection lives on.
      client.on("slow", (ack: (v: string) => void) => setTimeout(() => ack("late"), 80));
      await assert.rejects(socket.timeout(10).emitWithAck("slow"), {
        message: "operation has timed out",
      });
      await new Promise((r) => setTimeout(r, 120));
      assert.equal(socket.connected, true);
      assert.equal(await socket.emitWithAck("answer", 0), 1);
    } finally {
      await fx.close();
    }
  });
}

for (const mode of transportModes) {
  test(`acks ${mode.name}: client emitWithAck (and its timeout) against a server handler`, async () => {
    const fx = startIo({}, "native", { transports: mode.transports });
    try {
      const { socket, client } = await connectPair(fx);
      socket.on("sum", (a: number, b: number, ack: (n: number) => void) => ack(a + b));
      socket.on(
        "bytes",
        (n: number, ack: (b: Uint8Array) => void) => ack(new Uint8Array(n).fill(n)),
      );
      socket.on("async", async (x: string, ack: (v: string) => void) => {
        await new Promise((r) => setTimeout(r, 5));
        ack(x.toUpperCase());
      });
      socket.on("never", () => {});

      assert.equal(await client.emitWithAck("sum", 2, 3), 5);
      assert.deepEqual(norm(await client.emitWithAck("bytes", 3)), norm(new Uint8Array([3, 3, 3])));
      assert.equal(await client.emitWithAck("async", "abc"), "ABC");
      assert.equal(await client.timeout(5000).emitWithAck("sum", 1, 1), 2);
      await assert.rejects(client.timeout(30).emitWithAck("never"));
      // Concurrent acks are matched by id, not by order.
      const results = await Promise.all(
        Array.from({ length: 20 }, (_, i) => client.emitWithAck("sum", i, 1000)),
      );
      assert.deepEqual(results, Array.from({ length: 20 }, (_, i) => i + 1000));
    } finally {
      await fx.close();
    }
  });
}

for (const mode of transportModes) {
  test(`acks ${mode.name}: an ack called twice sends one ACK packet`, async () => {
    const fx = startIo({}, "native", { transports: mode.transports });
    try {
      const { socket, client } = await connectPair(fx);
      let ackPackets = 0;
      // Count ACK (3) and BINARY_ACK (6) packets arriving at the client.
      client.io.engine.on("packet", (packet: { type: string; data?: unknown }) => {
        if (packet.type === "message" && typeof packet.data === "string") {
          if (packet.data[0] === "3" || packet.data[0] === "6") ackPackets++;
        }
      });
      socket.on("twice", (ack: (v: string) => void) => {
        ack("first");
        ack("second");
        queueMicrotask(() => ack("third"));
      });
      socket.on("ping", (ack: (v: string) => void) => ack("pong"));
      assert.equal(await client.emitWithAck("twice"), "first");
      // A later round-trip flushes anything a second ack would have sent.
      assert.equal(await client.emitWithAck("ping"), "pong");
      assert.equal(ackPackets, 2);
    } finally {
      await fx.close();
    }
  });
}

for (const mode of transportModes) {
  test(`acks ${mode.name}: io.timeout().emit() collects every client's answer`, async () => {
    const fx = startIo({}, "native", { transports: mode.transports });
    try {
      const clients: ClientSocket[] = [];
      for (let i = 0; i < 3; i++) {
        const c = fx.client("/", { auth: { n: i } });
        c.on("who", (prefix: string, ack: (v: unknown) => void) => ack(`${prefix}${i}`));
        c.on("bin", (ack: (v: unknown) => void) => ack(new Uint8Array([i])));
        clients.push(c);
      }
      await Promise.all(clients.map((c) => once(c, "connect")));

      const [err, responses] = await callbackArgs((cb) => fx.io.timeout(5000).emit("who", "c", cb));
      assert.equal(err, null);
      assert.deepEqual((responses as string[]).sort(), ["c0", "c1", "c2"]);

      const answers = await fx.io.timeout(5000).emitWithAck("who", "p");
      assert.deepEqual((answers as string[]).sort(), ["p0", "p1", "p2"]);

      const bins = await fx.io.timeout(5000).emitWithAck("bin");
      assert.deepEqual((bins as Uint8Array[]).map((b) => b[0]).sort(), [0, 1, 2]);
      assert.ok((bins as unknown[]).every((b) => b instanceof Uint8Array));

      // One client does not answer: the promise rejects, the callback gets an error.
      clients[1].off("who");
      clients[1].on("who", () => {});
      await assert.rejects(fx.io.timeout(50).emitWithAck("who", "x"), {
        message: "operation has timed out",
      });
      const [err2, partial] = await callbackArgs((cb) => fx.io.timeout(250).emit("who", "y", cb));
      assert.ok(err2 instanceof Error);
      assert.deepEqual((partial as string[]).sort(), ["y0", "y2"]);

      // No recipient at all: answered at once with no responses.
      assert.deepEqual(await fx.io.to("nobody").timeout(5000).emitWithAck("who", "z"), []);
    } finally {
      await fx.close();
    }
  });
}

for (const mode of transportModes) {
  test(`acks ${mode.name}: pending timed acks fail when the socket disconnects`, async () => {
    const fx = startIo({}, "native", { transports: mode.transports });
    try {
      const { socket, client } = await connectPair(fx);
      client.on("hold", () => {});
      const viaCallback = callbackArgs((cb) => socket.timeout(30_000).emit("hold", cb));
      const viaPromise = socket.timeout(30_000).emitWithAck("hold");
      viaPromise.catch(() => {});
      const disconnected = once(socket, "disconnect");
      client.disconnect();
      await disconnected;
      const [err] = await viaCallback;
      assert.ok(err instanceof Error);
      await assert.rejects(viaPromise, Error);
    } finally {
      await fx.close();
    }
  });
}

test("acks: on a custom namespace, ids do not clash with the main namespace's", async () => {
  const fx = startIo({}, "native", { transports: ["websocket"] });
  try {
    const main = await connectPair(fx, "/");
    const chat = await connectPair(fx, "/chat");
    main.client.on("q", (ack: (v: string) => void) => ack("main"));
    chat.client.on("q", (ack: (v: string) => void) => ack("chat"));
    const [a, b, c, d] = await Promise.all([
      main.socket.emitWithAck("q"),
      chat.socket.emitWithAck("q"),
      chat.socket.emitWithAck("q"),
      main.socket.emitWithAck("q"),
    ]);
    assert.deepEqual([a, b, c, d], ["main", "chat", "chat", "main"]);
    chat.socket.on("x", (v: number, ack: (n: number) => void) => ack(v * 2));
    assert.equal(await chat.client.emitWithAck("x", 21), 42);
  } finally {
    await fx.close();
  }
});

test("acks: an ack callback that throws does not break the socket", async () => {
  const fx = startIo({}, "native", { transports: ["websocket"] });
  const errors: unknown[] = [];
  const original = console.error;
  console.error = (...args: unknown[]) => errors.push(args);
  try {
    const { socket, client } = await connectPair(fx);
    client.on("q", (ack: (v: string) => void) => ack("a"));
    const called = new Promise<void>((resolve) => {
      socket.emit("q", () => {
        resolve();
        throw new Error("boom in ack");
      });
    });
    await called;
    assert.equal(await socket.emitWithAck("q"), "a");
    assert.equal(socket.connected, true);
    assert.ok(errors.length >= 1);
  } finally {
    console.error = original;
    await fx.close();
  }
});

test("no timer started by src/ outlives the closed servers", () => assertNoSourceTimers());
