/**
 * What the three kinds of cluster node of bench/cluster.ts share: the
 * official adapter named by `CLUSTER_ADAPTER`, with its key prefix from
 * `CLUSTER_PREFIX` (one per run), and the handlers: those of every bench
 * server (`_app.ts`: `bcast` is `io.emit`) and two that answer the driver
 * once a fan-out with acks is complete:
 *
 * - `bcast-ack`: `io.timeout(5000).emitWithAck("q", payload)` to every client
 *   of every node; acknowledged with the number of answers (-1 on timeout).
 * - `sse-ack`: `io.serverSideEmitWithAck("ping")` to the other nodes (each
 *   answers at once; the adapter's `requestsTimeout`, 5 s); acknowledged with
 *   the number of answers.
 */
import { type AppServer, setup } from "./_app.ts";

/** The adapter kinds of the bench. */
export const ADAPTERS = ["redis", "redis-sharded", "redis-streams", "postgres"] as const;

/** The environment of a cluster node. */
export interface ClusterEnv {
  adapter: string;
  prefix: string;
  redisUrl: string;
  pgUrl: string;
}

/** The cluster settings from the environment. */
export function clusterEnv(env: Record<string, string | undefined>): ClusterEnv {
  return {
    adapter: env.CLUSTER_ADAPTER ?? "redis",
    prefix: env.CLUSTER_PREFIX ?? "webio-bench",
    redisUrl: env.CLUSTER_REDIS_URL ?? "redis://127.0.0.1:6379",
    pgUrl: env.CLUSTER_PG_URL ?? "postgres://postgres@127.0.0.1:5432/test",
  };
}

/**
 * The official adapter (a function of the namespace, as both servers take
 * it) and a function that closes its clients. Its type is left open: webio
 * and socket.io each declare their own adapter class.
 */
export async function createClusterAdapter(
  env: ClusterEnv,
  // deno-lint-ignore no-explicit-any
): Promise<{ adapter: any; close: () => Promise<void> }> {
  const { adapter, prefix, redisUrl } = env;
  if (adapter === "redis" || adapter === "redis-sharded") {
    const { createClient } = await import("redis");
    const { createAdapter, createShardedAdapter } = await import("@socket.io/redis-adapter");
    const pub = createClient({ url: redisUrl });
    const sub = pub.duplicate();
    pub.on("error", (err: unknown) => console.error(`[redis pub] ${err}`));
    sub.on("error", (err: unknown) => console.error(`[redis sub] ${err}`));
    await Promise.all([pub.connect(), sub.connect()]);
    return {
      adapter: adapter === "redis"
        ? createAdapter(pub, sub, { key: prefix })
        : createShardedAdapter(pub, sub, { channelPrefix: prefix, subscriptionMode: "dynamic" }),
      close: async () => void await Promise.allSettled([pub.quit(), sub.quit()]),
    };
  }
  if (adapter === "redis-streams") {
    const { createClient } = await import("redis");
    const { createAdapter } = await import("@socket.io/redis-streams-adapter");
    const client = createClient({ url: redisUrl });
    client.on("error", (err: unknown) => console.error(`[redis] ${err}`));
    await client.connect();
    return {
      adapter: createAdapter(client, { streamName: prefix }),
      close: async () => void await Promise.allSettled([client.quit()]),
    };
  }
  if (adapter === "postgres") {
    const pg = (await import("pg")).default;
    const { createAdapter } = await import("@socket.io/postgres-adapter");
    const pool = new pg.Pool({ connectionString: env.pgUrl, max: 4 });
    pool.on("error", (err: unknown) => console.error(`[pg] ${err}`));
    await pool.query(
      "CREATE TABLE IF NOT EXISTS socket_io_attachments (id bigserial UNIQUE, " +
        "created_at timestamptz DEFAULT NOW(), payload bytea)",
    ).catch(() => {});
    return {
      adapter: createAdapter(pool, { channelPrefix: prefix }),
      close: async () => void await pool.end().catch(() => {}),
    };
  }
  throw new Error(`unknown CLUSTER_ADAPTER ${adapter}`);
}

/** A listener of any arguments. */
// deno-lint-ignore no-explicit-any
type AnyListener = (...args: any[]) => void;

/** The part of a server the cluster handlers use (webio's `Server` and socket.io's alike). */
export interface ClusterServer extends AppServer {
  on(event: string, listener: AnyListener): unknown;
  timeout(ms: number): { emitWithAck(event: string, ...args: unknown[]): Promise<unknown[]> };
  serverSideEmitWithAck(event: string, ...args: unknown[]): Promise<unknown[]>;
}

/** The bench's handlers, and the cluster's own. */
export function setupCluster(io: ClusterServer): void {
  setup(io);
  io.on("connection", (socket) => {
    socket.on("bcast-ack", async (payload: unknown, ack: (n: number) => void) => {
      try {
        ack((await io.timeout(5000).emitWithAck("q", payload)).length);
      } catch {
        ack(-1);
      }
    });
    socket.on("sse-ack", async (_payload: unknown, ack: (n: number) => void) => {
      try {
        ack((await io.serverSideEmitWithAck("ping")).length);
      } catch {
        ack(-1);
      }
    });
  });
  io.on("ping", (ack: unknown) => {
    if (typeof ack === "function") ack(1);
  });
}
