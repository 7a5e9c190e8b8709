/**
 * A mixed Socket.IO cluster for the tests of `tests/cluster/`: three child
 * processes joined by one official adapter (Redis, sharded Redis, Redis
 * streams, Postgres, or Redis through ioredis) — webio on Deno, webio on Bun
 * (`cluster_node.ts`) and `socket.io` 4.8 on Node
 * (`../node_clients/cluster_node.mjs`) — each on a free port (the node
 * listens on port 0 and prints `READY <port>`), with a key/channel prefix of
 * its own so that concurrent or stale runs never mix. Also official
 * `socket.io-client` clients on the nodes, and helpers to drive the nodes'
 * `op` handlers (see `cluster_app.mjs`) and to wait for what the clients get.
 */
import { spawn } from "node:child_process";
import process from "node:process";
import { fileURLToPath } from "node:url";
import { io as connect, type Socket as ClientSocket } from "socket.io-client";
import pg from "pg";
import { createClient } from "redis";
import * as msgpackParser from "socket.io-msgpack-parser";
import { ATTACHMENTS_TABLE_SQL } from "./cluster_app.mjs";

export type { ClientSocket };

/** The adapters a cluster can run on. */
export type AdapterKind =
  | "redis"
  | "redis-sharded"
  | "redis-streams"
  | "postgres"
  | "redis-ioredis";

/** The three nodes: webio on Deno, webio on Bun, `socket.io` on Node. */
export const NODES = ["deno", "bun", "node"] as const;
export type NodeName = typeof NODES[number];

export const REDIS_URL = "redis://127.0.0.1:6379";
export const PG_URL = "postgres://postgres@127.0.0.1:5432/test";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const BIN = ROOT + "node_modules/.bin/";

/** A node's child process. */
export interface ClusterNode {
  name: NodeName;
  port: number;
  url: string;
  /** stdout and stderr, one entry per line. */
  lines: string[];
  /** Set once the process exited. */
  exit?: { code: number | null; signal: string | null };
  /** Resolves when the process has exited. */
  exited: Promise<void>;
  kill(signal?: NodeJS.Signals): void;
}

export interface Cluster {
  kind: AdapterKind;
  /** The key / stream name / channel prefix of this run. */
  prefix: string;
  nodes: Record<NodeName, ClusterNode>;
  /** A client on `node` (closed by `close()`). */
  client(
    node: NodeName,
    name: string,
    rooms?: string[],
    websocketOnly?: boolean,
    nsp?: string,
  ): ClientSocket;
  /** The nodes' output, for a failure message. */
  logs(): string;
  close(): Promise<void>;
}

export interface ClusterOptions {
  redisUrl?: string;
  /** Milliseconds a Redis adapter request (fetchSockets, serverSideEmitWithAck, ...) waits. */
  requestsTimeout?: number;
  /** More environment for the nodes. */
  env?: Record<string, string>;
  /** `msgpack`: the nodes and the clients use `socket.io-msgpack-parser`. */
  parser?: "msgpack";
}

/** A prefix no other run uses. */
export function uniquePrefix(kind: string): string {
  const rand = Math.random().toString(36).slice(2, 10);
  return `wio_${kind.replace(/-/g, "_")}_${rand}`;
}

function nodeCommand(name: NodeName): [string, string[]] {
  if (name === "deno") return [BIN + "deno", ["run", "-A", "tests/_fixtures/cluster_node.ts"]];
  if (name === "bun") return [BIN + "bun", ["tests/_fixtures/cluster_node.ts"]];
  return ["node", ["tests/node_clients/cluster_node.mjs"]];
}

/** Starts one node and waits for its READY line. */
export function startNode(
  name: NodeName,
  kind: AdapterKind,
  prefix: string,
  opts: ClusterOptions = {},
): Promise<ClusterNode> {
  const [cmd, args] = nodeCommand(name);
  const child = spawn(cmd, args, {
    cwd: ROOT,
    env: {
      ...process.env,
      NO_COLOR: "1",
      NODE_ENV: "test",
      CLUSTER_ADAPTER: kind,
      CLUSTER_PREFIX: prefix,
      CLUSTER_NODE: name,
      CLUSTER_REDIS_URL: opts.redisUrl ?? REDIS_URL,
      CLUSTER_PG_URL: PG_URL,
      CLUSTER_REQUESTS_TIMEOUT: String(opts.requestsTimeout ?? 3000),
      CLUSTER_PARSER: opts.parser ?? "",
      ...opts.env,
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const lines: string[] = [];
  let resolveReady: (port: number) => void;
  let rejectReady: (err: Error) => void;
  const ready = new Promise<number>((res, rej) => {
    resolveReady = res;
    rejectReady = rej;
  });
  const onData = (stream: string) => {
    let buffered = "";
    return (chunk: Uint8Array | string) => {
      buffered += chunk.toString();
      const parts = buffered.split("\n");
      buffered = parts.pop()!;
      for (const line of parts) {
        lines.push(stream + line);
        const m = /^READY (\d+)$/.exec(line);
        if (m) resolveReady(Number(m[1]));
      }
    };
  };
  child.stdout!.on("data", onData(""));
  child.stderr!.on("data", onData("! "));
  const node: ClusterNode = {
    name,
    port: 0,
    url: "",
    lines,
    exited: new Promise<void>((resolve) => {
      child.once("exit", (code, signal) => {
        node.exit = { code, signal };
        rejectReady(new Error(`${name} node exited (${code ?? signal}):\n${lines.join("\n")}`));
        resolve();
      });
    }),
    kill(signal = "SIGKILL") {
      if (!node.exit) child.kill(signal);
    },
  };
  const timer = setTimeout(() => {
    rejectReady(new Error(`${name} node never printed READY:\n${lines.join("\n")}`));
  }, 20000);
  return ready.then(
    (port) => {
      clearTimeout(timer);
      node.port = port;
      node.url = `http://127.0.0.1:${port}`;
      return node;
    },
    (err) => {
      clearTimeout(timer);
      node.kill();
      throw err;
    },
  );
}

/** Stops a node: SIGTERM, then SIGKILL if it lingers. */
export async function stopNode(node: ClusterNode): Promise<void> {
  if (node.exit) return;
  node.kill("SIGTERM");
  const timer = setTimeout(() => node.kill("SIGKILL"), 2000);
  await node.exited;
  clearTimeout(timer);
}

/** Creates the Postgres adapter's attachments table, once, before the nodes start. */
export async function ensureAttachmentsTable(): Promise<void> {
  const client = new pg.Client({ connectionString: PG_URL });
  await client.connect();
  try {
    await client.query(ATTACHMENTS_TABLE_SQL);
  } catch (err) {
    // Two runs creating it at once: one of them gets a unique violation.
    if (!/already exists|duplicate key/.test(String(err))) throw err;
  } finally {
    await client.end();
  }
}

/** Starts the three nodes of a cluster on adapter `kind`. */
export async function startCluster(
  kind: AdapterKind,
  opts: ClusterOptions & { prefix?: string } = {},
): Promise<Cluster> {
  const prefix = opts.prefix ?? uniquePrefix(kind);
  if (kind === "postgres") await ensureAttachmentsTable();
  const started = await Promise.allSettled(NODES.map((n) => startNode(n, kind, prefix, opts)));
  const failed = started.filter((s) => s.status === "rejected");
  if (failed.length) {
    await Promise.all(
      started.flatMap((s) => s.status === "fulfilled" ? [stopNode(s.value)] : []),
    );
    throw (failed[0] as PromiseRejectedResult).reason;
  }
  const list = started.map((s) => (s as PromiseFulfilledResult<ClusterNode>).value);
  const nodes = Object.fromEntries(list.map((n) => [n.name, n])) as Record<NodeName, ClusterNode>;
  const clients: ClientSocket[] = [];
  // Never leave a node behind, whatever ends the test process.
  const killAll = () => list.forEach((n) => n.kill("SIGKILL"));
  process.once("exit", killAll);
  return {
    kind,
    prefix,
    nodes,
    client(node, name, rooms = [], websocketOnly = true, nsp = "/") {
      const socket = connect(nodes[node].url + nsp, {
        forceNew: true,
        reconnection: false,
        transports: websocketOnly ? ["websocket"] : ["polling", "websocket"],
        auth: { name, rooms },
        ...(opts.parser === "msgpack" ? { parser: msgpackParser } : {}),
      });
      clients.push(socket);
      return socket;
    },
    logs() {
      return list.map((n) =>
        `--- ${n.name} node${n.exit ? ` (exited ${n.exit.code ?? n.exit.signal})` : ""}:\n` +
        n.lines.slice(-40).join("\n")
      ).join("\n");
    },
    async close() {
      for (const c of clients) c.disconnect();
      await Promise.all(list.map(stopNode));
      process.off("exit", killAll);
      if (kind === "redis-streams") await deleteRedisKey(opts.redisUrl ?? REDIS_URL, prefix);
    },
  };
}

/** Deletes what a run left in Redis (the streams adapter's stream), if Redis is up. */
async function deleteRedisKey(url: string, key: string): Promise<void> {
  const client = createClient({ url, disableClientInfo: true });
  client.on("error", () => {});
  try {
    await client.connect();
    await client.del(key);
  } catch {
    // Redis is gone (a fault test): nothing to clean.
  } finally {
    await client.quit().catch(() => {});
  }
}

/** Resolves once `socket` is connected (rejects on `connect_error` or after `ms`). */
export function connected(socket: ClientSocket, ms = 10000): Promise<void> {
  if (socket.connected) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error("client never connected")), ms);
    socket.once("connect", () => {
      clearTimeout(timer);
      resolve();
    });
    socket.once("connect_error", (err: Error) => {
      clearTimeout(timer);
      reject(err);
    });
  });
}

/** What `runOp` answers. */
export type OpResult = { ok: true; result: unknown } | { ok: false; error: string };

/** Asks the node `socket` is connected to for an operation; rejects with the node's error. */
export async function op<T = unknown>(
  socket: ClientSocket,
  desc: { name: string; tag?: string; [k: string]: unknown },
  ms = 8000,
): Promise<T> {
  let answer: OpResult;
  try {
    answer = await socket.timeout(ms).emitWithAck("op", desc);
  } catch (err) {
    throw new Error(`op ${desc.name} got no answer in ${ms} ms (${(err as Error).message})`);
  }
  if (!answer.ok) throw new Error(`op ${desc.name} failed on the node: ${answer.error}`);
  return answer.result as T;
}

/** Polls `check` until it returns true; false if `ms` passes first. */
export async function until(check: () => boolean | Promise<boolean>, ms = 5000): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (true) {
    if (await check()) return true;
    if (Date.now() > deadline) return false;
    await new Promise((r) => setTimeout(r, 20));
  }
}
