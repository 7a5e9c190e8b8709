/**
 * Faults in a mixed cluster (webio on Deno, webio on Bun, `socket.io` 4.8 on
 * Node) on the official Redis adapter, the nodes started with no
 * `uncaughtException` handler so that anything that would kill one does:
 *
 * - a node SIGKILLed while the two others wait on it (a
 *   `serverSideEmitWithAck` it never answers, an `io.timeout().emitWithAck`
 *   its clients never answer, a `fetchSockets` sent as it dies): each request
 *   settles (resolves or rejects, never hangs), and the survivors keep working
 *   (emit, fetchSockets, serverSideEmitWithAck, serverCount back to 2);
 * - a private Redis (`redis-server --save "" --appendonly no` on a free port)
 *   killed and restarted while the nodes emit: the adapters reconnect, and
 *   what is emitted once it is back reaches every node. The official Redis
 *   adapter leaves the promises of its publishes unhandled: webio gives them a
 *   handler (src/io/_dropped_publishes.ts), so its nodes run with no
 *   `unhandledRejection` handler; the Node node logs them, as an app on the
 *   official server must, or it dies;
 * - garbage published on the adapters' channels (Redis pub/sub, Redis
 *   streams, Postgres NOTIFY) kills no node, and the cluster keeps working.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { createClient } from "redis";
import pg from "pg";
import {
  type AdapterKind,
  type NodeName,
  NODES,
  op,
  PG_URL,
  REDIS_URL,
  until,
} from "../_fixtures/cluster.ts";
import {
  expectArgs,
  expectDelivery,
  fmt,
  matching,
  type MatrixSetup,
  setupMatrix,
} from "../_fixtures/cluster_matrix.ts";
import { freePort } from "../_fixtures/example_process.ts";

const NO_CATCH = { CLUSTER_CATCH_UNCAUGHT: "0" };
/** Above `bun test`'s 5 s default: a test starts a cluster and waits out request timeouts. */
const T = { timeout: 60000 };

/** The same setup, restricted to the clients of `nodes`. */
function only(s: MatrixSetup, nodes: NodeName[]): MatrixSetup {
  return { ...s, clients: s.clients.filter((c) => nodes.includes(c.node)) };
}

/** Checks that `nodes` still work together: emit, fetchSockets, serverSideEmitWithAck. */
async function assertWorking(s: MatrixSetup, nodes: NodeName[], label: string): Promise<void> {
  const live = only(s, nodes);
  const failures: string[] = [];
  for (const n of nodes) {
    const exit = s.cluster.nodes[n].exit;
    if (exit) failures.push(`${n} node exited (${exit.code ?? exit.signal})`);
  }
  await Promise.all(nodes.map(async (from) => {
    const tag = `${label}:emit:${from}`;
    try {
      await op(s.driver(from), { name: "emit", tag });
      const r = await expectDelivery(
        live,
        from,
        "ev",
        tag,
        () => true,
        expectArgs([{ tag, from }]),
      );
      for (const [to, why] of Object.entries(r)) failures.push(`emit ${from} -> ${to}: ${why}`);
      const sockets = await op<{ id: string }[]>(s.driver(from), { name: "fetchSockets" });
      const ids = sockets.map((d) => d.id).sort();
      const expected = live.clients.map((c) => c.socket.id!).sort();
      if (fmt(ids) !== fmt(expected)) {
        failures.push(`fetchSockets from ${from} gave ${fmt(ids)}, expected ${fmt(expected)}`);
      }
      const answers = await op<{ node: string }[]>(s.driver(from), {
        name: "serverSideEmitWithAck",
        tag: `${label}:sse:${from}`,
      });
      const others = nodes.filter((n) => n !== from).sort();
      const got = answers.map((a) => a.node).sort();
      if (fmt(got) !== fmt(others)) {
        failures.push(`serverSideEmitWithAck from ${from} answered by ${fmt(got)}`);
      }
    } catch (err) {
      failures.push(`${from}: ${(err as Error).message}`);
    }
  }));
  if (failures.length) assert.fail(`${label}:\n${failures.join("\n")}\n${s.cluster.logs()}`);
}

/** Waits until every node of `nodes` counts `count` servers. */
async function waitServerCount(s: MatrixSetup, nodes: NodeName[], count: number, ms = 15000) {
  const counts: Record<string, unknown> = {};
  const ok = await until(async () => {
    await Promise.all(nodes.map(async (n) => {
      counts[n] = await op<number>(s.driver(n), { name: "serverCount" }, 2000).catch((e) =>
        String(e)
      );
    }));
    return nodes.every((n) => counts[n] === count);
  }, ms);
  assert.ok(
    ok,
    `serverCount never reached ${count} on every node: ${fmt(counts)}; clients connected: ${
      fmt(s.clients.map((c) => `${c.name}:${c.socket.connected}`))
    }\n${s.cluster.logs()}`,
  );
}

type Settled = { label: string; status: "resolved" | "rejected" | "hung"; detail: string };

async function settle(label: string, p: Promise<unknown>): Promise<Settled> {
  try {
    return { label, status: "resolved", detail: fmt(await p) };
  } catch (err) {
    const message = (err as Error).message;
    return { label, status: /got no answer/.test(message) ? "hung" : "rejected", detail: message };
  }
}

for (const victim of NODES) {
  test(`faults: the ${victim} node SIGKILLed while the others wait on it`, T, async () => {
    const s = await setupMatrix("redis", [], { env: NO_CATCH, requestsTimeout: 2000 });
    try {
      const survivors = NODES.filter((n) => n !== victim);
      const node = s.cluster.nodes[victim];
      const pending = survivors.flatMap((from) => [
        settle(
          `serverSideEmitWithAck from ${from}`,
          op(
            s.driver(from),
            { name: "serverSideEmitHang", tag: `hang:${from}`, hang: victim },
            15000,
          ),
        ),
        settle(
          `timeout(3000).emitWithAck from ${from}`,
          op(s.driver(from), {
            name: "broadcastWithAck",
            tag: `bhang:${from}`,
            hang: victim,
            timeout: 3000,
          }, 15000),
        ),
      ]);
      // In the middle: the victim and its clients got the requests, and hold them.
      const victims = s.clients.filter((c) => c.node === victim);
      const got = await until(() =>
        survivors.every((from) =>
          node.lines.includes(`GOT sse-hang hang:${from}`) &&
          victims.every((c) => matching(c, "ask", `bhang:${from}`).length)
        )
      );
      assert.ok(got, `the ${victim} node never got the requests:\n${s.cluster.logs()}`);
      node.kill("SIGKILL");
      const fetches = survivors.map((from) =>
        settle(
          `fetchSockets from ${from} as ${victim} dies`,
          op(s.driver(from), { name: "fetchSockets" }, 15000),
        )
      );
      const results = await Promise.all([...pending, ...fetches]);
      const report = results.map((r) => `${r.label}: ${r.status} ${r.detail}`).join("\n");
      console.log(`${victim} killed:\n${report}`);
      const hung = results.filter((r) => r.status === "hung");
      assert.equal(hung.length, 0, `requests that never settled:\n${report}\n${s.cluster.logs()}`);
      await node.exited;
      await waitServerCount(s, survivors, 2);
      await assertWorking(s, survivors, `after ${victim} was killed`);
    } finally {
      await s.cluster.close();
    }
  });
}

/** A private redis-server on a free port, which a test may kill and restart. */
async function startRedis(port?: number) {
  port ??= await freePort();
  let proc: ReturnType<typeof spawn> | undefined;
  let exited: Promise<void> = Promise.resolve();
  const start = async () => {
    const child = spawn("redis-server", [
      "--port",
      String(port),
      "--bind",
      "127.0.0.1",
      "--save",
      "",
      "--appendonly",
      "no",
    ], { stdio: ["ignore", "pipe", "pipe"] });
    proc = child;
    exited = new Promise((resolve) => child.once("exit", () => resolve()));
    let out = "";
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`redis-server never ready:\n${out}`)), 10000);
      child.stdout!.on("data", (d: Uint8Array) => {
        out += d.toString();
        if (out.includes("Ready to accept connections")) {
          clearTimeout(timer);
          resolve();
        }
      });
      child.once("exit", () => {
        clearTimeout(timer);
        reject(new Error(`redis-server exited:\n${out}`));
      });
    });
  };
  const stop = async () => {
    proc?.kill("SIGKILL");
    await exited;
  };
  await start();
  return {
    url: `redis://127.0.0.1:${port}`,
    async restart() {
      await stop();
      await start();
    },
    stop,
  };
}

test(
  "faults: Redis killed and restarted while the nodes emit; later events reach every node",
  { timeout: 120000 },
  async () => {
    try {
      await redisRestartScenario();
    } catch (err) {
      // Now and then (about 1 run in 8 here, more under load) the Bun node's
      // node-redis client comes back from the restart out of step with Redis:
      // PUBSUB NUMSUB gets another command's reply, so the adapter counts NaN
      // servers, forever. The client's reply queue is node-redis's own (oven-sh/bun
      // #21622 reports node-redis pub/sub stuck after reconnects on Bun only);
      // that exact failure gets one more try on a new cluster and a new Redis.
      if (!/serverCount never reached 3 on every node: .*"bun":null/.test(String(err))) throw err;
      console.warn("faults: node-redis on Bun lost step with Redis after the restart; once more");
      await redisRestartScenario();
    }
  },
);

async function redisRestartScenario(): Promise<void> {
  const redis = await startRedis();
  // The official Redis adapter never handles the promise of
  // `pubClient.publish()` (dist/index.js, broadcast() and every request), and
  // node-redis rejects the publishes in flight when Redis goes away: an
  // unhandled rejection, which kills a process that does not handle
  // `unhandledRejection`. The webio nodes run without such a handler (webio
  // handles those promises); the Node node logs them.
  const env = { CLUSTER_CATCH_UNCAUGHT_WEBIO: "0" };
  const s = await setupMatrix("redis", [], { redisUrl: redis.url, env }).catch(
    async (err) => {
      await redis.stop();
      throw err;
    },
  );
  let loading = true;
  const load = Promise.all(NODES.map(async (from) => {
    for (let i = 0; loading; i++) {
      await op(s.driver(from), { name: "emit", tag: `load:${from}:${i}` }, 3000).catch(() => {});
      await new Promise((r) => setTimeout(r, 10));
    }
  }));
  try {
    // Under load: every client is getting events from every node.
    const loaded = await until(() =>
      s.clients.every((c) =>
        NODES.every((from) =>
          c.received.filter((r) =>
            r.ev === "ev" &&
            String((r.args[0] as { tag: string }).tag).startsWith(`load:${from}:`)
          ).length >= 3
        )
      )
    );
    assert.ok(loaded, `the load never reached every client:\n${s.cluster.logs()}`);
    await redis.restart();
    await waitServerCount(s, [...NODES], 3);
    loading = false;
    await load;
    await assertWorking(s, [...NODES], "after the Redis restart");
  } finally {
    loading = false;
    await load;
    await s.cluster.close();
    await redis.stop();
  }
}

/**
 * Garbage on the channels of adapter `kind`, published from the test process.
 * `tolerated`: what the official adapter itself discards (a decode error it
 * catches), after which the cluster must keep working. Otherwise "poison":
 * what breaks the official adapter on every runtime, `socket.io` on Node
 * included (the Redis adapter decodes a broadcast outside any try/catch, in
 * node-redis's reply parser, which then fails with "Could not parse" and
 * stays broken; the streams adapter keeps re-reading an entry whose handler
 * threw): then only "no node dies" is checked.
 */
async function publishGarbage(
  kind: AdapterKind,
  prefix: string,
  tolerated: boolean,
): Promise<void> {
  const bytes = [
    new Uint8Array([0xc1, 0xff, 0x00, 0x93, 0x01]), // never-used msgpack byte, then a cut array
    new Uint8Array([0x93, 0x01]), // an array of 3 with 1 element
    new TextEncoder().encode("{not json"),
  ];
  if (kind === "postgres") {
    // The adapter catches whatever its notification handler throws.
    const client = new pg.Client({ connectionString: PG_URL });
    await client.connect();
    try {
      const payloads = [
        "{not json",
        "null",
        '{"uid":"x","type":3,"nsp":"/","data":null}',
        '{"uid":"x","type":3,"nsp":"/","attachmentId":"999999999"}',
        '{"uid":"x","type":7,"nsp":"/","data":{"requestId":"r","opts":null}}',
      ];
      for (const payload of payloads) {
        await client.query("SELECT pg_notify($1, $2)", [`${prefix}#/`, payload]);
      }
    } finally {
      await client.end();
    }
    return;
  }
  const client = createClient({ url: REDIS_URL });
  client.on("error", () => {});
  await client.connect();
  try {
    if (kind === "redis-streams") {
      if (tolerated) {
        for (const b of bytes) {
          // No nsp: skipped; data that does not decode: discarded.
          await client.xAdd(prefix, "*", { garbage: Buffer.from(b) });
          await client.xAdd(prefix, "*", { uid: "x", nsp: "/", type: "3", data: "{not json" });
        }
        await client.xAdd(prefix, "*", { uid: "x", nsp: "/", type: "999" });
      } else {
        await client.xAdd(prefix, "*", { uid: "x", nsp: "/", type: "3", data: "{}" });
      }
      return;
    }
    const channels = tolerated
      ? [`${prefix}-request#/#`, `${prefix}-response#/#`]
      : [`${prefix}#/#`, `${prefix}#/#main#`];
    for (const channel of channels) {
      for (const b of bytes) await client.publish(channel, Buffer.from(b));
    }
  } finally {
    await client.quit().catch(() => {});
  }
}

for (const kind of ["redis", "redis-streams", "postgres"] as AdapterKind[]) {
  test(`faults: garbage on the ${kind} adapter's channels kills no node`, T, async () => {
    const s = await setupMatrix(kind, [], { env: NO_CATCH });
    try {
      await publishGarbage(kind, s.cluster.prefix, true);
      // A round of real traffic from every node, which the garbage preceded.
      await assertWorking(s, [...NODES], `after tolerated garbage on ${kind}`);
      if (kind !== "postgres") {
        await publishGarbage(kind, s.cluster.prefix, false);
        // Traffic after the poison (which breaks the adapter on every runtime).
        await Promise.all(
          NODES.map((from) => op(s.driver(from), { name: "fetchSockets" }, 8000).catch(() => {})),
        );
      }
      const dead = NODES.filter((n) => s.cluster.nodes[n].exit);
      assert.deepEqual(dead, [], `nodes killed by the garbage:\n${s.cluster.logs()}`);
    } finally {
      await s.cluster.close();
    }
  });
}
