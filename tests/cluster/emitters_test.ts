/**
 * The official emitters drive a mixed cluster (webio on Deno, webio on Bun,
 * `socket.io` 4.8 on Node) from the test process: `@socket.io/redis-emitter`
 * (on a node-redis 5 client, with the Redis adapter's key) and
 * `@socket.io/postgres-emitter` (on a pg Pool, with the Postgres adapter's
 * channel prefix; patched to add the `nsp` field the adapter routes by, see
 * `addNspToPublishedDocuments`). `emit`, `to(room).emit`, `except(room).emit`, binary,
 * `socketsJoin`, `socketsLeave`, `disconnectSockets` and `serverSideEmit` are
 * checked on the clients of all three nodes. One cluster per emitter.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { createClient } from "redis";
import pg from "pg";
import { Emitter as RedisEmitter } from "@socket.io/redis-emitter";
import { Emitter as PostgresEmitter } from "@socket.io/postgres-emitter";
import { type AdapterKind, connected, NODES, PG_URL, REDIS_URL } from "../_fixtures/cluster.ts";
import {
  all,
  bytesOf,
  type CellResults,
  expectArgs,
  expectDelivery,
  fmt,
  type MatrixSetup,
  perTo,
  roomsOf,
  serverDisconnected,
  setupMatrix,
  T,
  waitRooms,
} from "../_fixtures/cluster_matrix.ts";

/** What both emitters offer (their own types differ in details). */
interface AnyEmitter {
  emit(ev: string, ...args: unknown[]): unknown;
  to(room: string): AnyEmitter;
  in(room: string): AnyEmitter;
  except(room: string): AnyEmitter;
  socketsJoin(rooms: string | string[]): void;
  socketsLeave(rooms: string | string[]): void;
  disconnectSockets(close?: boolean): void;
  serverSideEmit(ev: string, ...args: unknown[]): void;
}

interface EmitterSetup {
  s: MatrixSetup;
  emitter: AnyEmitter;
  close(): Promise<void>;
}

const from = "emitter";

async function redisEmitter(prefix: string) {
  const client = createClient({ url: REDIS_URL });
  client.on("error", () => {});
  await client.connect();
  const emitter = new RedisEmitter(client, { key: prefix }) as unknown as AnyEmitter;
  return { emitter, close: async () => void await client.quit().catch(() => {}) };
}

/**
 * `@socket.io/postgres-emitter` 0.1.1 publishes `{ uid, type, data }`, while
 * `@socket.io/postgres-adapter` 0.5.0 hands a notification to the namespace
 * named by its `nsp` field (`namespaces.get(msg.nsp)`), so nothing the
 * emitter sends reaches any node, `socket.io` on Node included (checked by
 * hand: every op fails on all three nodes without this). This adds the `nsp`
 * the adapter routes by to every document the emitter publishes, before it is
 * encoded (JSON or msgpack).
 */
function addNspToPublishedDocuments(emitter: object): void {
  // deno-lint-ignore no-explicit-any
  const proto = Object.getPrototypeOf((emitter as any).to("x"));
  if (proto.__nspPatched) return;
  const publish = proto.publish;
  proto.publish = function (this: { emitter: { nsp: string } }, doc: Record<string, unknown>) {
    return publish.call(this, { ...doc, nsp: this.emitter.nsp });
  };
  proto.__nspPatched = true;
}

function postgresEmitter(prefix: string) {
  // One connection: the NOTIFYs go out in the order they are sent.
  const pool = new pg.Pool({ connectionString: PG_URL, max: 1 });
  pool.on("error", () => {});
  const emitter = new PostgresEmitter(pool, "/", { channelPrefix: prefix });
  addNspToPublishedDocuments(emitter);
  return Promise.resolve({
    emitter: emitter as unknown as AnyEmitter,
    close: () => pool.end().catch(() => {}),
  });
}

type EmitterOp = (e: EmitterSetup) => Promise<CellResults>;

const sync = (e: EmitterSetup) => (syncTag: string) =>
  void e.emitter.emit("sync", { tag: syncTag, from });

const OPS: Record<string, EmitterOp> = {
  async emit(e) {
    const tag = "e-emit";
    e.emitter.emit("ev", { tag, from });
    return await expectDelivery(e.s, sync(e), "ev", tag, () => true, expectArgs([{ tag, from }]));
  },
  async to(e) {
    const results: CellResults = {};
    await Promise.all(NODES.map(async (to) => {
      const tag = `e-to:${to}`;
      e.emitter.to(`node:${to}`).emit("ev", { tag, from });
      const r = await expectDelivery(
        e.s,
        sync(e),
        "ev",
        tag,
        (c) => c.node === to,
        expectArgs([{ tag, from }]),
      );
      const why = Object.values(r).filter(Boolean).join("; ");
      if (why) results[to] = why;
    }));
    return results;
  },
  async except(e) {
    const results: CellResults = {};
    await Promise.all(NODES.map(async (to) => {
      const tag = `e-except:${to}`;
      e.emitter.except(`node:${to}`).emit("ev", { tag, from });
      const r = await expectDelivery(
        e.s,
        sync(e),
        "ev",
        tag,
        (c) => c.node !== to,
        expectArgs([{ tag, from }]),
      );
      const why = Object.values(r).filter(Boolean).join("; ");
      if (why) results[to] = why;
    }));
    return results;
  },
  async binary(e) {
    const tag = "e-binary";
    const bytes = [0, 1, 2, 127, 128, 255];
    e.emitter.emit("bin", { tag, from }, Uint8Array.from(bytes), {
      nested: Uint8Array.from(bytes),
    });
    return await expectDelivery(e.s, sync(e), "bin", tag, () => true, (args, c) => {
      const [payload, bin, obj] = args as [unknown, unknown, { nested?: unknown }];
      if (fmt(payload) !== fmt({ tag, from })) return `${c.name} got payload ${fmt(payload)}`;
      if (fmt(bytesOf(bin)) !== fmt(bytes)) return `${c.name} got ${fmt(bin)}, not the bytes`;
      if (fmt(bytesOf(obj?.nested)) !== fmt(bytes)) {
        return `${c.name} got nested ${fmt(obj)}, not the bytes`;
      }
    });
  },
  socketsJoin: (e) =>
    perTo(async (to) => {
      e.emitter.in(`client:${to}-0`).socketsJoin("ejoined");
      const rooms = await waitRooms(e.s, `${to}-0`, (r) => r.includes("ejoined"));
      if (!rooms.includes("ejoined")) return `${to}-0 never joined: ${fmt(rooms)}`;
      if ((await roomsOf(e.s, `${to}-1`)).includes("ejoined")) return `${to}-1 joined too`;
    }),
  socketsLeave: (e) =>
    perTo(async (to) => {
      e.emitter.in(`client:${to}-0`).socketsLeave("eleave");
      const rooms = await waitRooms(e.s, `${to}-0`, (r) => !r.includes("eleave"));
      if (rooms.includes("eleave")) return `${to}-0 never left: ${fmt(rooms)}`;
      if (!(await roomsOf(e.s, `${to}-1`)).includes("eleave")) return `${to}-1 left too`;
    }),
  disconnectSockets: (e) =>
    perTo(async (to) => {
      const room = `evictim:${to}`;
      const victim = e.s.cluster.client(to, `evictim-${to}`, [room]);
      const reason = new Promise<string>((resolve) => victim.once("disconnect", resolve));
      await connected(victim);
      e.emitter.in(room).disconnectSockets();
      const failure = await serverDisconnected(victim, reason);
      if (failure) return failure;
      const main = e.s.clients.filter((c) => c.node === to && !c.socket.connected);
      if (main.length) return `${main.map((c) => c.name).join(", ")} disconnected too`;
    }),
  async serverSideEmit(e) {
    const tag = "e-sse";
    e.emitter.serverSideEmit("sse", { tag, from });
    return await expectDelivery(
      e.s,
      sync(e),
      "sse-received",
      tag,
      () => true,
      (args, c) => expectArgs([{ tag, from, node: c.node }])(args, c),
    );
  },
};

function emitterTests(
  kind: AdapterKind,
  make: (prefix: string) => Promise<{ emitter: AnyEmitter; close(): Promise<void> }>,
) {
  let setup: Promise<EmitterSetup> | undefined;
  const start = async (): Promise<EmitterSetup> => {
    const s = await setupMatrix(kind, ["eleave"]);
    try {
      const { emitter, close } = await make(s.cluster.prefix);
      return {
        s,
        emitter,
        close: async () => {
          await close();
          await s.cluster.close();
        },
      };
    } catch (err) {
      await s.cluster.close();
      throw err;
    }
  };
  for (const [name, run] of Object.entries(OPS)) {
    test(`${kind} emitter: ${name} reaches every node`, T, async () => {
      setup ??= start();
      const e = await setup;
      let results: CellResults;
      try {
        results = await run(e);
      } catch (err) {
        results = all((err as Error).message);
      }
      const failures = NODES.filter((n) => results[n]).map((n) =>
        `${kind} emitter ${name} -> ${n}: ${results[n]}`
      );
      if (failures.length) assert.fail(`${failures.join("\n")}\n${e.s.cluster.logs()}`);
    });
  }
  test(`${kind} emitter: teardown`, T, async () => {
    const e = await setup?.catch(() => undefined);
    await e?.close();
  });
}

emitterTests("redis", redisEmitter);
emitterTests("postgres", postgresEmitter);
