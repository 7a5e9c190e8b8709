/**
 * The Bun `Conn` gathers a turn's frames per socket into one corked write,
 * in order, with backpressure over what waits and what Bun holds. Run on a
 * fake socket, so on every runtime.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import {
  BunConn,
  type BunSocket,
  enterCallback,
  leaveCallback,
} from "../../src/runtime/_bun_conn.ts";
import type { ConnHandler } from "../../src/engine/conn.ts";
import { SEND_HIGH_WATER_MARK } from "../../src/engine/conn.ts";

/** A socket that records writes; `result` decides what `send` returns. */
class FakeSocket implements BunSocket {
  readyState = 1;
  writes: { frame: string | Uint8Array; corked: boolean }[] = [];
  corks = 0;
  closed: [number | undefined, string | undefined] | undefined;
  held = 0;
  result: (frame: string | Uint8Array) => number = (frame) =>
    typeof frame === "string" ? frame.length + 2 : frame.byteLength + 2;
  #corked = false;
  send(frame: string | Uint8Array): number {
    this.writes.push({ frame, corked: this.#corked });
    return this.result(frame);
  }
  cork(callback: () => void): void {
    this.corks++;
    this.#corked = true;
    try {
      callback();
    } finally {
      this.#corked = false;
    }
  }
  close(code?: number, reason?: string): void {
    this.closed = [code, reason];
    this.readyState = 3;
  }
  getBufferedAmount(): number {
    return this.held;
  }
}

function handler(): ConnHandler & { drains: number } {
  return {
    drains: 0,
    onOpen() {},
    onMessage() {},
    onClose() {},
    onDrain() {
      this.drains++;
    },
  };
}

const turn = () => new Promise<void>((resolve) => setTimeout(resolve, 0));

/**
 * A `Conn` past its first frame (which a new socket writes at once: see
 * the test below), with that write forgotten.
 */
function opened(socket: FakeSocket, h: ConnHandler = handler()): BunConn {
  const conn = new BunConn(h).attach(socket);
  conn.send("40{}");
  socket.writes.length = 0;
  return conn;
}

test("bun conn: a new socket's first frame goes out at once, the next ones at the turn's end", async () => {
  const socket = new FakeSocket();
  const conn = new BunConn(handler()).attach(socket);
  // The open packet, in the open callback: at once, with the 101 answer.
  const previous = enterCallback(conn);
  try {
    conn.send("0{}");
  } finally {
    leaveCallback(previous);
  }
  // The namespace CONNECT answer, which the client waits for: at once too.
  conn.send('40{"sid":"s"}');
  assert.deepEqual(socket.writes.map((w) => w.frame), ["0{}", '40{"sid":"s"}']);
  conn.send("42[1]");
  conn.send("42[2]");
  assert.equal(socket.writes.length, 2, "from then on frames wait for the turn's end");
  await turn();
  assert.deepEqual(socket.writes.map((w) => w.frame).slice(2), ["42[1]", "42[2]"]);
  assert.equal(socket.corks, 1);
});

test("bun conn: a turn's frames go out at its end, in order, in one cork per socket", async () => {
  const a = new FakeSocket();
  const b = new FakeSocket();
  const ca = opened(a);
  const cb = opened(b);
  for (let i = 0; i < 3; i++) {
    assert.equal(ca.send(`4a${i}`), true);
    assert.equal(cb.send(`4b${i}`), true);
  }
  cb.send(new Uint8Array([1, 2]));
  assert.equal(a.writes.length + b.writes.length, 0, "nothing written before the turn ends");
  assert.equal(ca.bufferedAmount, 9);
  await turn();
  assert.deepEqual(a.writes.map((w) => w.frame), ["4a0", "4a1", "4a2"]);
  assert.deepEqual(b.writes.map((w) => w.frame), ["4b0", "4b1", "4b2", new Uint8Array([1, 2])]);
  assert.ok([...a.writes, ...b.writes].every((w) => w.corked));
  assert.deepEqual([a.corks, b.corks], [1, 1]);
  assert.equal(ca.bufferedAmount, 0);
  // A lone frame needs no cork.
  ca.send("4lone");
  await turn();
  assert.equal(a.corks, 1);
  assert.equal(a.writes.at(-1)?.frame, "4lone");
});

test("bun conn: backpressure past the high-water mark, drain once it eases", async () => {
  const socket = new FakeSocket();
  const h = handler();
  const conn = opened(socket, h);
  const big = "x".repeat(SEND_HIGH_WATER_MARK / 2);
  assert.equal(conn.send(big), true);
  assert.equal(conn.send(big), true);
  assert.equal(conn.send("4over"), false, "waiting bytes past the mark");
  // Bun takes it all but holds most of it: drain waits for Bun's callback.
  socket.result = () => -1;
  socket.held = SEND_HIGH_WATER_MARK + 1;
  await turn();
  assert.equal(h.drains, 0);
  assert.equal(conn.send("4more"), false, "what Bun holds counts");
  conn.onDrain(); // Bun's drain callback
  assert.equal(h.drains, 1);
  // Written without backpressure: the owed drain comes right after the flush.
  socket.result = (frame) => (typeof frame === "string" ? frame.length : 1);
  socket.held = 0;
  await turn();
  assert.equal(conn.send(big + big + "x"), false);
  await turn();
  assert.equal(h.drains, 2);
});

test("bun conn: close writes what waits first; a dropped frame closes with 1011", async () => {
  const socket = new FakeSocket();
  const conn = new BunConn(handler()).attach(socket);
  conn.send("4last");
  conn.close(1000);
  assert.deepEqual(socket.writes.map((w) => w.frame), ["4last"]);
  assert.deepEqual(socket.closed, [1000, undefined]);
  assert.equal(conn.send("4after"), false, "a closed socket takes nothing");
  assert.equal(conn.send(""), true);

  const full = new FakeSocket();
  const c2 = opened(full);
  full.result = (frame) => (frame === "4b" ? 0 : 2);
  c2.send("4a");
  c2.send("4b");
  c2.send("4c");
  await turn();
  assert.deepEqual(full.writes.map((w) => w.frame), ["4a", "4b"]);
  assert.deepEqual(full.closed, [1011, "Backpressure limit reached"]);
});

test("bun conn: inside the socket's own callback a frame goes out at once", async () => {
  const socket = new FakeSocket();
  const other = new FakeSocket();
  const conn = opened(socket);
  const otherConn = opened(other);
  const previous = enterCallback(conn);
  try {
    assert.equal(conn.send("4now"), true);
    assert.equal(otherConn.send("4later"), true);
    assert.deepEqual(socket.writes.map((w) => w.frame), ["4now"]);
    assert.equal(other.writes.length, 0);
  } finally {
    leaveCallback(previous);
  }
  conn.send("4after");
  assert.equal(socket.writes.length, 1, "outside the callback it waits again");
  await turn();
  assert.deepEqual(socket.writes.map((w) => w.frame), ["4now", "4after"]);
  assert.deepEqual(other.writes.map((w) => w.frame), ["4later"]);
});
