/**
 * Events end to end with the official `socket.io-client`: any number of JSON
 * and binary arguments round-trip deep-equal in both directions, on every
 * transport mode and mount.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { assertNoSourceTimers } from "../_fixtures/timers.ts";
import { type ClientSocket, mounts, once, startIo, transportModes } from "../_fixtures/io.ts";

/**
 * Binary decodes as `Uint8Array` on the server and as `ArrayBuffer` or
 * `Buffer` on the client: compare binary values by their bytes only.
 */
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

interface Case {
  name: string;
  args: () => unknown[];
}

const cases: Case[] = [
  { name: "zero args", args: () => [] },
  { name: "one string", args: () => ["hello"] },
  {
    name: "JSON scalars and structures",
    args: () => [
      1,
      -2.5,
      true,
      false,
      null,
      "",
      "héllo wörld 🌍",
      { a: { b: [1, "2", { c: null }] } },
      [],
      {},
    ],
  },
  { name: "many args", args: () => Array.from({ length: 40 }, (_, i) => i % 2 ? i : `arg${i}`) },
  { name: "Uint8Array", args: () => [new Uint8Array([0, 1, 2, 253, 254, 255])] },
  { name: "empty Uint8Array", args: () => [new Uint8Array(0)] },
  { name: "ArrayBuffer", args: () => [new Uint8Array([9, 8, 7]).buffer] },
  { name: "Int16Array", args: () => [new Int16Array([1, -2, 32767, -32768])] },
  { name: "Float64Array", args: () => [new Float64Array([Math.PI, -0.5])] },
  { name: "DataView", args: () => [new DataView(new Uint8Array([5, 6, 7, 8]).buffer, 1, 2)] },
  { name: "view with an offset", args: () => [new Uint8Array([0, 1, 2, 3, 4, 5]).subarray(2, 5)] },
  {
    name: "binary nested deep in objects and arrays",
    args: () => [{
      level1: {
        level2: [{ level3: { bytes: new Uint8Array([1, 2, 3]), label: "x" } }, 7],
        list: [new Uint8Array([4]), "y", [new Uint8Array([5, 6])]],
      },
    }],
  },
  {
    name: "binary mixed with JSON in several args",
    args: () => [
      "file",
      new Uint8Array([1, 2]),
      { name: "a.bin", size: 2, parts: [new Uint8Array([3]).buffer] },
      42,
      [new Int16Array([-1]), null, "z"],
    ],
  },
  {
    name: "ten attachments",
    args: () => Array.from({ length: 10 }, (_, i) => new Uint8Array([i, i + 1])),
  },
  { name: "large binary", args: () => [new Uint8Array(200_000).map((_, i) => i % 251)] },
  { name: "large string", args: () => ["x".repeat(100_000)] },
];

/** The next `ev` on `c`; fails at once if the client is disconnected first. */
function waitEvent(c: ClientSocket, ev: string, what = ev): Promise<unknown[]> {
  return new Promise((resolve, reject) => {
    const onDisconnect = (reason: string) => {
      c.off(ev, onEvent);
      reject(new Error(`disconnected (${reason}) while waiting for ${what}`));
    };
    const onEvent = (...args: unknown[]) => {
      c.off("disconnect", onDisconnect);
      resolve(args);
    };
    c.once(ev, onEvent);
    c.once("disconnect", onDisconnect);
  });
}

for (const mount of mounts) {
  for (const mode of transportModes) {
    test(`events ${mount} ${mode.name}: JSON and binary args round-trip both ways`, async () => {
      const fx = startIo({}, mount, { transports: mode.transports });
      try {
        fx.io.on("connection", (socket) => {
          // Client to server: echo the decoded arguments back.
          socket.on("in", (...args: unknown[]) => socket.emit("echo", ...args));
          // Server to client: the server's own values, typed arrays and all.
          socket.on("want", (i: number) => socket.emit("case", ...cases[i].args()));
        });
        const c = fx.client();
        await once(c, "connect");
        for (const [i, kase] of cases.entries()) {
          const echoed = waitEvent(c, "echo", kase.name);
          c.emit("in", ...kase.args());
          assert.deepEqual(norm(await echoed), norm(kase.args()), `client to server: ${kase.name}`);

          const received = waitEvent(c, "case", kase.name);
          c.emit("want", i);
          assert.deepEqual(
            norm(await received),
            norm(kase.args()),
            `server to client: ${kase.name}`,
          );
        }
      } finally {
        await fx.close();
      }
    });
  }
}

for (const mode of transportModes) {
  test(`events ${mode.name}: the server sees exactly the client's values, binary as Uint8Array`, async () => {
    const fx = startIo({}, "native", { transports: mode.transports });
    try {
      const got = new Promise<unknown[]>((resolve) => {
        fx.io.on("connection", (socket) => socket.on("in", (...args: unknown[]) => resolve(args)));
      });
      const c = fx.client();
      c.emit("in", "a", { n: 1, b: new Uint8Array([1, 2]) }, new Int16Array([-1]), [
        new ArrayBuffer(2),
      ]);
      const args = await got;
      assert.equal(args.length, 4);
      assert.equal(args[0], "a");
      const obj = args[1] as { n: number; b: unknown };
      assert.equal(obj.n, 1);
      assert.ok(obj.b instanceof Uint8Array);
      assert.deepEqual([...obj.b], [1, 2]);
      assert.ok(args[2] instanceof Uint8Array);
      assert.deepEqual([...(args[2] as Uint8Array)], [255, 255]);
      assert.ok((args[3] as unknown[])[0] instanceof Uint8Array);
      assert.equal(((args[3] as unknown[])[0] as Uint8Array).byteLength, 2);
    } finally {
      await fx.close();
    }
  });
}

for (const mode of transportModes) {
  test(`events ${mode.name}: custom namespace and odd event names carry binary both ways`, async () => {
    const fx = startIo({}, "native", { transports: mode.transports });
    try {
      fx.io.of("/chat").on("connection", (socket) => {
        socket.onAny((ev: string, ...args: unknown[]) => socket.emit(`re:${ev}`, ...args));
      });
      const c = fx.client("/chat");
      await once(c, "connect");
      for (const ev of ["with space", "ünïcödé 🚀", "a,b/c", "42", "message"]) {
        const back = waitEvent(c, `re:${ev}`);
        c.emit(ev, new Uint8Array([7]), { ev });
        assert.deepEqual(norm(await back), norm([new Uint8Array([7]), { ev }]), ev);
      }
    } finally {
      await fx.close();
    }
  });
}

for (const transports of [["websocket"], ["polling", "websocket"]] as const) {
  test(`events forceBase64 ${transports.join("+")}: binary args and acks round-trip over WebSocket`, async () => {
    // Such a client sends its attachments over WebSocket as b + base64 text frames.
    const fx = startIo({}, "native");
    try {
      fx.io.on("connection", (socket) => {
        socket.on("in", (...args: unknown[]) => socket.emit("echo", ...args));
        socket.on("ask", (value: unknown, ack: (v: unknown) => void) => ack(value));
      });
      const c = fx.client("/", { forceBase64: true, transports: [...transports] });
      await once(c, "connect");
      const engine = c.io.engine;
      if (engine.transport.name !== "websocket") await once(engine, "upgrade");
      assert.equal(engine.transport.name, "websocket");
      const args = ["file", new Uint8Array([0, 1, 254, 255]), { part: new Uint8Array(3000) }];
      const echoed = waitEvent(c, "echo");
      c.emit("in", ...args);
      assert.deepEqual(norm(await echoed), norm(args));
      const answer = await c.timeout(5000).emitWithAck("ask", new Uint8Array([7, 8, 9]));
      assert.deepEqual(norm(answer), norm(new Uint8Array([7, 8, 9])));
      assert.equal(c.connected, true);
    } finally {
      await fx.close();
    }
  });
}

test("events: many events in a burst arrive in order on both sides", async () => {
  for (const mode of transportModes) {
    const fx = startIo({}, "native", { transports: mode.transports });
    try {
      const count = 200;
      fx.io.on("connection", (socket) => {
        let expected = 0;
        socket.on("seq", (n: number, bytes: Uint8Array) => {
          if (n !== expected++ || bytes[0] !== n % 256) socket.emit("bad", n);
          if (n === count - 1) {
            for (let i = 0; i < count; i++) socket.emit("seq", i, new Uint8Array([i % 256]));
          }
        });
      });
      const c = fx.client();
      const bad: number[] = [];
      c.on("bad", (n: number) => bad.push(n));
      const done = new Promise<number[]>((resolve) => {
        const seen: number[] = [];
        c.on("seq", (n: number) => {
          seen.push(n);
          if (seen.length === count) resolve(seen);
        });
      });
      for (let i = 0; i < count; i++) c.emit("seq", i, new Uint8Array([i % 256]));
      assert.deepEqual(await done, Array.from({ length: count }, (_, i) => i), mode.name);
      assert.deepEqual(bad, [], `${mode.name}: the server saw events out of order`);
    } finally {
      await fx.close();
    }
  }
});

test("no timer started by src/ outlives the closed servers", () => assertNoSourceTimers());
