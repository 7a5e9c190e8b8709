/**
 * The cluster test app, shared by the webio node (`cluster_node.ts`, on Deno
 * and Bun) and the `socket.io` 4.8 node (`../node_clients/cluster_node.mjs`,
 * on Node): the official adapter the `CLUSTER_ADAPTER` kind names (Redis,
 * sharded Redis, Redis streams, Postgres, Redis through ioredis), and the
 * handlers every node installs. Plain JavaScript, so that Node loads it as is.
 *
 * A client drives its node with an `op` event: `{ name, tag, ... }` and an
 * ack, answered `{ ok: true, result }` or `{ ok: false, error }`. The node
 * performs the operation with the official API (`io.emit`, `io.to()`,
 * `io.except()`, `fetchSockets()`, `serverSideEmit()`, `emitWithAck()`,
 * `socketsJoin()`, the remote sockets' `emit/join/leave/disconnect`, ...).
 * Every event it sends carries the op's `tag` and the sending node's name.
 * Server-side events (`sse`, `sse-ack`) are relayed to the node's own
 * clients as `sse-received`, so a test sees which nodes got them. The same
 * handlers run on `/` (through the Server's methods) and on `/chat` (through
 * the namespace's).
 */
import process from "node:process";

/** Environment of a cluster node. */
export function clusterEnv() {
  const env = process.env;
  return {
    kind: env.CLUSTER_ADAPTER ?? "redis",
    prefix: env.CLUSTER_PREFIX ?? "webio-cluster",
    node: env.CLUSTER_NODE ?? "node",
    redisUrl: env.CLUSTER_REDIS_URL ?? "redis://127.0.0.1:6379",
    pgUrl: env.CLUSTER_PG_URL ?? "postgres://postgres@127.0.0.1:5432/test",
    requestsTimeout: Number(env.CLUSTER_REQUESTS_TIMEOUT ?? 3000),
    /** `msgpack` for `socket.io-msgpack-parser` between the nodes and their clients. */
    parser: env.CLUSTER_PARSER ?? "",
  };
}

/**
 * The server options both apps pass besides the adapter.
 *
 * @param {ReturnType<typeof clusterEnv>} env
 * @returns {Promise<any>}
 */
export async function serverOptions(env) {
  const opts = { pingInterval: 10000 };
  if (env.parser === "msgpack") {
    const mod = await import("socket.io-msgpack-parser");
    return { ...opts, parser: mod.default ?? mod };
  }
  return opts;
}

/**
 * Connects the adapter's clients and creates the official adapter.
 *
 * @param {ReturnType<typeof clusterEnv>} env
 * @returns {Promise<{ adapter: any, close: () => Promise<void> }>}
 */
export async function createClusterAdapter(env) {
  const { kind, prefix, redisUrl, requestsTimeout } = env;
  // node-redis clients skip `CLIENT SETINFO` (Redis 7.2+; this Redis may be
  // older): after a Redis restart its error reply, on Bun, was seen to
  // surface as an unhandled rejection and leave the client's replies askew.
  if (kind === "redis" || kind === "redis-sharded") {
    const { createClient } = await import("redis");
    const { createAdapter, createShardedAdapter } = await import("@socket.io/redis-adapter");
    const pub = createClient({ url: redisUrl, disableClientInfo: true });
    const sub = pub.duplicate();
    pub.on("error", (err) => console.error(`[redis pub] ${err}`));
    sub.on("error", (err) => console.error(`[redis sub] ${err}`));
    await Promise.all([pub.connect(), sub.connect()]);
    const adapter = kind === "redis"
      ? createAdapter(pub, sub, { key: prefix, requestsTimeout })
      : createShardedAdapter(pub, sub, { channelPrefix: prefix, subscriptionMode: "dynamic" });
    return {
      adapter,
      close: async () => {
        await Promise.allSettled([pub.quit(), sub.quit()]);
      },
    };
  }
  if (kind === "redis-ioredis") {
    const { Redis } = await import("ioredis");
    const { createAdapter } = await import("@socket.io/redis-adapter");
    const pub = new Redis(redisUrl);
    const sub = pub.duplicate();
    pub.on("error", (err) => console.error(`[ioredis pub] ${err}`));
    sub.on("error", (err) => console.error(`[ioredis sub] ${err}`));
    // The adapter subscribes at once: create it once both clients are ready.
    await Promise.all(
      [pub, sub].map((c) =>
        c.status === "ready" ? undefined : new Promise((resolve) => c.once("ready", resolve))
      ),
    );
    const adapter = createAdapter(pub, sub, { key: prefix, requestsTimeout });
    return {
      adapter,
      close: async () => {
        await Promise.allSettled([pub.quit(), sub.quit()]);
      },
    };
  }
  if (kind === "redis-streams") {
    const { createClient } = await import("redis");
    const { createAdapter } = await import("@socket.io/redis-streams-adapter");
    const client = createClient({ url: redisUrl, disableClientInfo: true });
    client.on("error", (err) => console.error(`[redis] ${err}`));
    await client.connect();
    const adapter = createAdapter(client, {
      streamName: prefix,
      heartbeatInterval: 500,
      heartbeatTimeout: 3000,
      blockTimeInMs: 200,
    });
    return {
      adapter,
      close: async () => {
        await Promise.allSettled([client.quit()]);
      },
    };
  }
  if (kind === "postgres") {
    const pg = (await import("pg")).default;
    const { createAdapter } = await import("@socket.io/postgres-adapter");
    const pool = new pg.Pool({ connectionString: env.pgUrl, max: 4 });
    pool.on("error", (err) => console.error(`[pg] ${err}`));
    // The test fixture creates the table before starting the nodes; this
    // only covers a node started by hand.
    await pool.query(ATTACHMENTS_TABLE_SQL).catch(() => {});
    const adapter = createAdapter(pool, {
      channelPrefix: prefix,
      heartbeatInterval: 500,
      heartbeatTimeout: 3000,
    });
    return {
      adapter,
      close: async () => {
        await pool.end().catch(() => {});
      },
    };
  }
  throw new Error(`unknown CLUSTER_ADAPTER ${kind}`);
}

/** The table the Postgres adapter and emitter keep binary and large payloads in. */
export const ATTACHMENTS_TABLE_SQL = `CREATE TABLE IF NOT EXISTS socket_io_attachments (
  id          bigserial UNIQUE,
  created_at  timestamptz DEFAULT NOW(),
  payload     bytea
);`;

/**
 * Installs the test handlers on `io` (a webio or `socket.io` Server).
 *
 * @param {any} io
 * @param {string} node the node's name (deno, bun, node)
 */
export function installHandlers(io, node) {
  for (const nsp of [io.of("/"), io.of(CHAT)]) installNamespace(io, nsp, node);
}

/** The other namespace the tests use (each namespace has its own adapter). */
export const CHAT = "/chat";

/**
 * @param {any} io
 * @param {any} nsp
 * @param {string} node
 */
function installNamespace(io, nsp, node) {
  // On "/", the server's own methods (io.emit, io.on, ...); elsewhere the namespace's.
  const target = nsp.name === "/" ? io : nsp;
  target.on("connection", (socket) => {
    const auth = socket.handshake.auth ?? {};
    socket.data = { name: auth.name, node };
    if (Array.isArray(auth.rooms) && auth.rooms.length) socket.join(auth.rooms);
    socket.on("op", async (op, ack) => {
      if (typeof ack !== "function") return;
      try {
        ack({ ok: true, result: await runOp(target, node, socket, op) });
      } catch (err) {
        ack({ ok: false, error: String(err?.stack ?? err) });
      }
    });
  });
  // Server-side events from the other nodes, relayed to this node's clients.
  target.on("sse", (arg) => {
    target.local.emit("sse-received", { tag: arg?.tag, from: arg?.from, node });
  });
  target.on("sse-ack", (arg, cb) => {
    if (typeof cb === "function") cb({ tag: arg?.tag, from: arg?.from, node });
  });
  // For the fault tests: the node named by `hang` never answers.
  target.on("sse-hang", (arg, cb) => {
    console.log(`GOT sse-hang ${arg?.tag}`);
    if (arg?.hang !== node && typeof cb === "function") {
      cb({ tag: arg?.tag, from: arg?.from, node });
    }
  });
}

/**
 * @param {any} s a Socket or RemoteSocket
 */
function describeSocket(s) {
  return { id: s.id, rooms: [...s.rooms].sort(), data: s.data, auth: s.handshake.auth };
}

/**
 * Performs one operation.
 *
 * @param {any} io the Server (for "/"), or the namespace
 * @param {string} node
 * @param {any} socket the socket that asked
 * @param {any} op
 */
async function runOp(io, node, socket, op) {
  const { tag } = op;
  const payload = { tag, from: node };
  switch (op.name) {
    case "emit":
      io.emit("ev", payload);
      return null;
    case "to":
      io.to(op.room).emit("ev", payload);
      return null;
    case "except":
      io.except(op.room).emit("ev", payload);
      return null;
    case "binary":
      io.emit("bin", payload, Uint8Array.from(op.bytes), { nested: Uint8Array.from(op.bytes) });
      return null;
    case "sync":
      io.emit("sync", payload);
      return null;
    case "fetchSockets": {
      const sockets = await (op.room ? io.in(op.room) : io).fetchSockets();
      return sockets.map(describeSocket);
    }
    case "serverCount":
      return await socket.nsp.adapter.serverCount();
    case "serverSideEmit":
      io.serverSideEmit("sse", payload);
      return null;
    case "serverSideEmitWithAck":
      return await io.serverSideEmitWithAck("sse-ack", payload);
    case "serverSideEmitCallback":
      // The callback form: (err, responses), err when some node did not answer in time.
      return await new Promise((resolve, reject) => {
        io.serverSideEmit("sse-ack", payload, (err, responses) => {
          if (err) reject(err);
          else resolve(responses);
        });
      });
    case "broadcastWithAck":
      return await io.timeout(op.timeout ?? 4000).emitWithAck("ask", { ...payload, hang: op.hang });
    case "serverSideEmitHang":
      return await io.serverSideEmitWithAck("sse-hang", { ...payload, hang: op.hang });
    case "socketsJoin":
      io.in(op.room).socketsJoin(op.join);
      return null;
    case "socketsLeave":
      io.in(op.room).socketsLeave(op.leave);
      return null;
    case "disconnectSockets":
      io.in(op.room).disconnectSockets(op.close ?? false);
      return null;
    case "remoteEmitWithAck": {
      const sockets = await io.in(op.room).fetchSockets();
      return await Promise.all(
        sockets.map((s) => s.timeout(op.timeout ?? 4000).emitWithAck("ask", payload)),
      );
    }
    case "remoteEmit":
    case "remoteJoin":
    case "remoteLeave":
    case "remoteDisconnect": {
      const sockets = await io.in(op.room).fetchSockets();
      for (const s of sockets) {
        if (op.name === "remoteEmit") s.emit("ev", payload);
        else if (op.name === "remoteJoin") s.join(op.join);
        else if (op.name === "remoteLeave") s.leave(op.leave);
        else s.disconnect(op.close ?? false);
      }
      return sockets.map((s) => s.id);
    }
    case "rooms":
      // Local: the asking socket's own rooms, as its node sees them.
      return [...socket.rooms].sort();
    default:
      throw new Error(`unknown op ${op.name}`);
  }
}
