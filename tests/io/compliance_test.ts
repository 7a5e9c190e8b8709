/**
 * The Socket.IO v5 protocol compliance suite (socket.io's
 * `docs/socket.io-protocol/v5-test-suite`, "Socket.IO protocol" section),
 * case by case, at the frame level: plain `WebSocket` as in the suite, and
 * the same frames over plain `fetch` long-polling.
 *
 * The fixture server is the one the suite expects: a `/custom` namespace, and
 * on both namespaces an `auth` event with the handshake's auth, a `message`
 * echo as `message-back`, and a `message-with-ack` that acknowledges with its
 * own arguments. The heartbeat interval is the suite's 300 ms (its timeout longer), and
 * connectTimeout short, to keep the file fast.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { assertNoSourceTimers } from "../_fixtures/timers.ts";
import { type IoFixture, type Mount, mounts, startIo } from "../_fixtures/io.ts";
import type { Socket } from "../../src/io/socket.ts";

const PING_INTERVAL = 300;
// Generous, so a loaded machine never turns a slow answer into "ping timeout".
const PING_TIMEOUT = 2000;
/** The suite's "no handshake" case needs the server to give up quickly. */
const CONNECT_TIMEOUT = 1000;

function startSuiteServer(mount: Mount): IoFixture {
  const fx = startIo({
    pingInterval: PING_INTERVAL,
    pingTimeout: PING_TIMEOUT,
    connectTimeout: CONNECT_TIMEOUT,
  }, mount);
  const onConnection = (socket: Socket) => {
    socket.emit("auth", socket.handshake.auth);
    socket.on("message", (...args: unknown[]) => socket.emit("message-back", ...args));
    socket.on("message-with-ack", (...args: unknown[]) => {
      const ack = args.pop() as (...a: unknown[]) => void;
      ack(...args);
    });
  };
  fx.io.of("/").on("connection", onConnection);
  fx.io.of("/custom").on("connection", onConnection);
  return fx;
}

/** One Engine.IO frame as the suite sees it: text, or the bytes of a binary message. */
type Frame = string | Uint8Array;

/** A raw Engine.IO v4 connection, frame by frame, like the suite's `WebSocket`. */
interface RawConnection {
  /** Sends one frame (`"40"`, `'42["message"]'`, or bytes). */
  send(frame: Frame): Promise<void>;
  /** The next frame, pings (`"2"`) included. */
  next(): Promise<Frame>;
  /** Resolves once the server has closed the session. */
  closed(): Promise<void>;
  /** Ends the session from the client side. */
  close(): Promise<void>;
}

/** `deadline` keeps a broken case from hanging the file. */
function deadline<T>(promise: Promise<T>, what: string, ms = 3000): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out waiting for ${what}`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

class WebSocketConnection implements RawConnection {
  #ws: WebSocket;
  #frames: Frame[] = [];
  #waiters: ((frame: Frame | undefined) => void)[] = [];
  #closed: Promise<void>;
  #ended = false;

  constructor(url: string) {
    this.#ws = new WebSocket(`${url.replace("http", "ws")}/socket.io/?EIO=4&transport=websocket`);
    this.#ws.binaryType = "arraybuffer";
    this.#ws.addEventListener("message", (event) => {
      const data = event.data;
      const frame = typeof data === "string" ? data : new Uint8Array(data as ArrayBuffer);
      const waiter = this.#waiters.shift();
      if (waiter) waiter(frame);
      else this.#frames.push(frame);
    });
    this.#ws.addEventListener("error", () => {});
    this.#closed = new Promise((resolve) => {
      this.#ws.addEventListener("close", () => {
        this.#ended = true;
        for (const waiter of this.#waiters.splice(0)) waiter(undefined);
        resolve();
      });
    });
  }

  async send(frame: Frame): Promise<void> {
    if (this.#ws.readyState === WebSocket.CONNECTING) {
      await new Promise((resolve) => this.#ws.addEventListener("open", resolve, { once: true }));
    }
    this.#ws.send(frame);
  }

  next(): Promise<Frame> {
    const frame = this.#frames.shift();
    if (frame !== undefined) return Promise.resolve(frame);
    if (this.#ended) return Promise.reject(new Error("connection closed"));
    return deadline(
      new Promise<Frame>((resolve, reject) => {
        this.#waiters.push((f) =>
          f === undefined ? reject(new Error("connection closed")) : resolve(f)
        );
      }),
      "a frame",
    );
  }

  closed(): Promise<void> {
    return deadline(this.#closed, "the server to close the WebSocket");
  }

  async close(): Promise<void> {
    if (!this.#ended) this.#ws.close();
    await this.#closed;
  }
}

class PollingConnection implements RawConnection {
  #url: string;
  #sid: string | undefined;
  #frames: Frame[] = [];
  #ended = false;

  constructor(url: string) {
    this.#url = `${url}/socket.io/?EIO=4&transport=polling`;
  }

  async send(frame: Frame): Promise<void> {
    const body = typeof frame === "string" ? frame : "b" + btoa(String.fromCharCode(...frame));
    const response = await fetch(`${this.#url}&sid=${await this.#session()}`, {
      method: "POST",
      body,
    });
    await response.text();
    if (response.status !== 200) this.#ended = true;
  }

  async next(): Promise<Frame> {
    while (this.#frames.length === 0) {
      if (this.#ended) throw new Error("connection closed");
      await deadline(this.#poll(), "a poll");
    }
    return this.#frames.shift()!;
  }

  async closed(): Promise<void> {
    await deadline(
      (async () => {
        while (!this.#ended) {
          this.#frames.length = 0;
          await this.#poll();
        }
      })(),
      "the server to close the session",
    );
  }

  async close(): Promise<void> {
    if (this.#ended || this.#sid === undefined) return;
    await this.send("1");
    this.#ended = true;
  }

  async #session(): Promise<string> {
    if (this.#sid === undefined) await this.#poll();
    return this.#sid!;
  }

  async #poll(): Promise<void> {
    const url = this.#sid === undefined ? this.#url : `${this.#url}&sid=${this.#sid}`;
    const response = await fetch(url);
    const text = await response.text();
    if (response.status !== 200) {
      this.#ended = true;
      return;
    }
    for (const packet of text.split("\x1e")) {
      if (packet[0] === "b") {
        this.#frames.push(Uint8Array.from(atob(packet.slice(1)), (c) => c.charCodeAt(0)));
      } else if (packet === "1") {
        this.#ended = true;
      } else if (packet !== "6") {
        if (packet[0] === "0") this.#sid ??= JSON.parse(packet.slice(1)).sid;
        this.#frames.push(packet);
      }
    }
  }
}

const transports = {
  websocket: (url: string): RawConnection => new WebSocketConnection(url),
  polling: (url: string): RawConnection => new PollingConnection(url),
};

/** The next frame that is not a ping; pings are answered, as a client would. */
async function nextMessage(conn: RawConnection): Promise<Frame> {
  for (;;) {
    const frame = await conn.next();
    if (frame !== "2") return frame;
    await conn.send("3");
  }
}

/** The next `count` frames that are not pings. */
async function nextMessages(conn: RawConnection, count: number): Promise<Frame[]> {
  const frames: Frame[] = [];
  while (frames.length < count) frames.push(await nextMessage(conn));
  return frames;
}

/** Reads the engine handshake, connects to the main namespace, reads CONNECT and `auth`. */
async function initSocketIOConnection(conn: RawConnection): Promise<void> {
  assert.match(String(await conn.next()), /^0\{/); // Engine.IO handshake
  await conn.send("40");
  assert.match(String(await nextMessage(conn)), /^40\{/); // Socket.IO handshake
  assert.equal(await nextMessage(conn), '42["auth",{}]');
}

function text(frame: Frame): string {
  assert.equal(typeof frame, "string", "expected a text frame");
  return frame as string;
}

type Case = (conn: RawConnection) => Promise<void>;

const cases: Record<string, Case> = {
  // -- connect --
  "should allow connection to the main namespace": async (conn) => {
    await conn.next(); // Engine.IO handshake
    await conn.send("40");
    const data = text(await nextMessage(conn));
    assert.ok(data.startsWith("40"));
    const handshake = JSON.parse(data.substring(2));
    assert.deepEqual(Object.keys(handshake), ["sid"]);
    assert.equal(typeof handshake.sid, "string");
    assert.equal(await nextMessage(conn), '42["auth",{}]');
  },
  "should allow connection to the main namespace with a payload": async (conn) => {
    await conn.next();
    await conn.send('40{"token":"123"}');
    const data = text(await nextMessage(conn));
    assert.ok(data.startsWith("40"));
    const handshake = JSON.parse(data.substring(2));
    assert.deepEqual(Object.keys(handshake), ["sid"]);
    assert.equal(typeof handshake.sid, "string");
    assert.equal(await nextMessage(conn), '42["auth",{"token":"123"}]');
  },
  "should allow connection to a custom namespace": async (conn) => {
    await conn.next();
    await conn.send("40/custom,");
    const data = text(await nextMessage(conn));
    assert.ok(data.startsWith("40/custom,"));
    const handshake = JSON.parse(data.substring(10));
    assert.deepEqual(Object.keys(handshake), ["sid"]);
    assert.equal(typeof handshake.sid, "string");
    assert.equal(await nextMessage(conn), '42/custom,["auth",{}]');
  },
  "should allow connection to a custom namespace with a payload": async (conn) => {
    await conn.next();
    await conn.send('40/custom,{"token":"abc"}');
    const data = text(await nextMessage(conn));
    assert.ok(data.startsWith("40/custom,"));
    const handshake = JSON.parse(data.substring(10));
    assert.deepEqual(Object.keys(handshake), ["sid"]);
    assert.equal(typeof handshake.sid, "string");
    assert.equal(await nextMessage(conn), '42/custom,["auth",{"token":"abc"}]');
  },
  "should disallow connection to an unknown namespace": async (conn) => {
    await conn.next();
    await conn.send("40/random");
    assert.equal(await nextMessage(conn), '44/random,{"message":"Invalid namespace"}');
  },
  "should disallow connection with an invalid handshake": async (conn) => {
    await conn.next();
    await conn.send("4abc");
    await conn.closed();
  },
  "should close the connection if no handshake is received": async (conn) => {
    await conn.next();
    await conn.closed();
  },

  // -- disconnect --
  "should disconnect from the main namespace": async (conn) => {
    await initSocketIOConnection(conn);
    await conn.send("41");
    // Nothing answers a DISCONNECT: the next frame is the engine's ping.
    assert.equal(await conn.next(), "2");
  },
  "should connect then disconnect from a custom namespace": async (conn) => {
    await initSocketIOConnection(conn);
    assert.equal(await conn.next(), "2"); // ping
    await conn.send("3");
    await conn.send("40/custom");
    assert.match(text(await nextMessage(conn)), /^40\/custom,\{"sid":/); // Socket.IO handshake
    assert.equal(await nextMessage(conn), '42/custom,["auth",{}]');
    await conn.send("41/custom");
    await conn.send('42["message","message to main namespace"]');
    assert.equal(await nextMessage(conn), '42["message-back","message to main namespace"]');
  },

  // -- message --
  "should send a plain-text packet": async (conn) => {
    await initSocketIOConnection(conn);
    await conn.send('42["message",1,"2",{"3":[true]}]');
    assert.equal(await nextMessage(conn), '42["message-back",1,"2",{"3":[true]}]');
  },
  "should send a packet with binary attachments": async (conn) => {
    await initSocketIOConnection(conn);
    await conn.send(
      '452-["message",{"_placeholder":true,"num":0},{"_placeholder":true,"num":1}]',
    );
    await conn.send(Uint8Array.from([1, 2, 3]));
    await conn.send(Uint8Array.from([4, 5, 6]));
    const packets = await nextMessages(conn, 3);
    assert.equal(
      packets[0],
      '452-["message-back",{"_placeholder":true,"num":0},{"_placeholder":true,"num":1}]',
    );
    assert.deepEqual(packets[1], Uint8Array.from([1, 2, 3]));
    assert.deepEqual(packets[2], Uint8Array.from([4, 5, 6]));
  },
  "should send a plain-text packet with an ack": async (conn) => {
    await initSocketIOConnection(conn);
    await conn.send('42456["message-with-ack",1,"2",{"3":[false]}]');
    assert.equal(await nextMessage(conn), '43456[1,"2",{"3":[false]}]');
  },
  "should send a packet with binary attachments and an ack": async (conn) => {
    await initSocketIOConnection(conn);
    await conn.send(
      '452-789["message-with-ack",{"_placeholder":true,"num":0},{"_placeholder":true,"num":1}]',
    );
    await conn.send(Uint8Array.from([1, 2, 3]));
    await conn.send(Uint8Array.from([4, 5, 6]));
    const packets = await nextMessages(conn, 3);
    assert.equal(
      packets[0],
      '462-789[{"_placeholder":true,"num":0},{"_placeholder":true,"num":1}]',
    );
    assert.deepEqual(packets[1], Uint8Array.from([1, 2, 3]));
    assert.deepEqual(packets[2], Uint8Array.from([4, 5, 6]));
  },
  "should close the connection upon invalid format (unknown packet type)": async (conn) => {
    await initSocketIOConnection(conn);
    await conn.send("4abc");
    await conn.closed();
  },
  "should close the connection upon invalid format (invalid payload format)": async (conn) => {
    await initSocketIOConnection(conn);
    await conn.send("42{}");
    await conn.closed();
  },
  "should close the connection upon invalid format (invalid ack id)": async (conn) => {
    await initSocketIOConnection(conn);
    await conn.send('42abc["message-with-ack",1,"2",{"3":[false]}]');
    await conn.closed();
  },

  // -- beyond the suite, in the same spirit --
  "should send a custom-namespace packet with binary attachments and an ack": async (conn) => {
    await initSocketIOConnection(conn);
    await conn.send("40/custom,");
    assert.match(text(await nextMessage(conn)), /^40\/custom,\{"sid":/);
    assert.equal(await nextMessage(conn), '42/custom,["auth",{}]');
    await conn.send('451-/custom,12["message-with-ack",{"a":{"_placeholder":true,"num":0}}]');
    await conn.send(Uint8Array.from([9]));
    const packets = await nextMessages(conn, 2);
    assert.equal(packets[0], '461-/custom,12[{"a":{"_placeholder":true,"num":0}}]');
    assert.deepEqual(packets[1], Uint8Array.from([9]));
  },
  "should keep the session after a client DISCONNECT and allow a new CONNECT": async (conn) => {
    await initSocketIOConnection(conn);
    await conn.send("41");
    await conn.send("40");
    assert.match(text(await nextMessage(conn)), /^40\{"sid":/);
    assert.equal(await nextMessage(conn), '42["auth",{}]');
    await conn.send('42["message","again"]');
    assert.equal(await nextMessage(conn), '42["message-back","again"]');
  },
};

for (const mount of mounts) {
  for (const transport of ["websocket", "polling"] as const) {
    for (const [name, run] of Object.entries(cases)) {
      test(`compliance ${mount} ${transport}: ${name}`, async () => {
        const fx = startSuiteServer(mount);
        const conn = transports[transport](fx.url);
        try {
          await run(conn);
        } finally {
          await conn.close();
          await fx.close();
        }
      });
    }
  }
}

test("no timer started by src/ outlives the closed servers", () => assertNoSourceTimers());
