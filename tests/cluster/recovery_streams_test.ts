/**
 * Connection-state recovery across nodes with `@socket.io/redis-streams-adapter`
 * (which keeps sessions and packets in Redis): a client cut off from one
 * webio node and reconnecting to another gets its socket id, rooms, `data`
 * and the broadcasts it missed, in order, with `socket.recovered` true; a
 * guessed pid gets a new session. Two webio nodes in this process (so on the
 * runtime running the test, Deno or Bun), Redis on 127.0.0.1:6379.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { createClient } from "redis";
import { createAdapter } from "@socket.io/redis-streams-adapter";
import { io as connect, type Socket as ClientSocket } from "socket.io-client";
import { Server } from "../../src/server.ts";
import type { Socket } from "../../src/io/socket.ts";
import { once, sleep } from "../_fixtures/io.ts";

const REDIS_URL = "redis://127.0.0.1:6379";

interface Node {
  io: Server;
  url: string;
  close(): Promise<void>;
}

/** A webio node on a free port, on the streams adapter of `stream`. */
async function startNode(stream: string): Promise<Node> {
  const redis = createClient({ url: REDIS_URL });
  redis.on("error", () => {}); // a closing client's errors are not the test's
  await redis.connect();
  const io = new Server(0, {
    adapter: createAdapter(redis, { streamName: stream, sessionKeyPrefix: `${stream}:session:` }),
    connectionStateRecovery: { maxDisconnectionDuration: 10_000 },
  });
  return {
    io,
    url: `http://127.0.0.1:${io.port}`,
    async close() {
      await io.close();
      await redis.quit().catch(() => {});
    },
  };
}

/** The client's private recovery state. */
const state = (client: ClientSocket) => client as unknown as { _pid?: string; recovered: boolean };

async function waitUntil(cond: () => boolean, what: string, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting until ${what}`);
    await sleep(10);
  }
}

test("recovery across nodes (redis-streams adapter): id, rooms, data and missed broadcasts come back on another node", async () => {
  const stream = `webio-test-recovery-${crypto.randomUUID()}`;
  const a = await startNode(stream);
  const b = await startNode(stream);
  const clients: ClientSocket[] = [];
  try {
    for (const node of [a, b]) {
      node.io.on("connection", (socket: Socket) => {
        if (socket.recovered) return;
        socket.join("stream");
        socket.data = { name: "alice" };
      });
    }
    const client = connect(a.url, {
      forceNew: true,
      transports: ["websocket"],
      reconnectionDelay: 50,
      reconnectionDelayMax: 50,
    });
    clients.push(client);
    const got: number[] = [];
    client.on("tick", (n: number) => got.push(n));
    await once(client, "connect");
    const firstId = client.id;
    let n = 0;
    const tick = () => a.io.to("stream").emit("tick", n++);
    tick();
    tick();
    await waitUntil(() => got.length === 2, "the first ticks");
    // Cut off from node a; the next connection goes to node b.
    const [socketOnA] = a.io.of("/").sockets.values();
    (client.io as unknown as { uri: string }).uri = b.url;
    client.io.engine.close();
    await once(socketOnA, "disconnect");
    tick(); // missed, from node a
    b.io.to("stream").emit("tick", n++); // missed, from node b
    await once(client, "connect");
    await waitUntil(() => got.length === 4, "the missed ticks");
    assert.equal(state(client).recovered, true);
    assert.equal(client.id, firstId);
    const [socketOnB] = b.io.of("/").sockets.values();
    assert.equal(socketOnB.recovered, true);
    assert.deepEqual([...socketOnB.rooms].sort(), [firstId, "stream"].sort());
    assert.deepEqual(socketOnB.data, { name: "alice" });
    tick(); // and the next one, live
    await waitUntil(() => got.length === 5, "a live tick");
    assert.deepEqual(got, [0, 1, 2, 3, 4]);

    // A client presenting a guessed pid gets a new session.
    const guesser = connect(b.url, {
      forceNew: true,
      transports: ["websocket"],
      reconnection: false,
    });
    clients.push(guesser);
    state(guesser)._pid = "guessed";
    (guesser as unknown as { _lastOffset: string })._lastOffset = "0-0";
    await once(guesser, "connect");
    assert.equal(state(guesser).recovered, false);
    assert.notEqual(guesser.id, firstId);
  } finally {
    for (const c of clients) c.disconnect();
    await Promise.all([a.close(), b.close()]);
    const redis = createClient({ url: REDIS_URL });
    await redis.connect();
    const keys = await redis.keys(`${stream}*`);
    if (keys.length > 0) await redis.del(keys);
    await redis.quit();
  }
});
