/**
 * The operation matrix of `tests/cluster/*_adapter_test.ts`: every operation
 * of the official API, from every node (webio on Deno, webio on Bun,
 * `socket.io` on Node) to every node, through one official adapter. One
 * cluster per file (started by the first test, closed by the last); one
 * `node:test` test per operation, its 9 from/to cells run concurrently. A
 * test fails with one line per failed cell (`op from -> to: why`) and the
 * nodes' output; the last test prints the whole matrix.
 *
 * Two clients per node (`<node>-0` on WebSocket, `<node>-1` on polling then
 * WebSocket) join, at connect, `main`, `node:<node>`, `client:<name>`, and
 * `leave:<from>` / `rleave:<from>` for each node (what the leave operations
 * remove). Negative checks (who must NOT get an event) run after a `sync`
 * broadcast from the same node reached every client.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import {
  type AdapterKind,
  type ClientSocket,
  type Cluster,
  type ClusterOptions,
  connected,
  type NodeName,
  NODES,
  op,
  startCluster,
  until,
} from "./cluster.ts";

/** One received event. */
interface Received {
  ev: string;
  args: unknown[];
}

export interface MainClient {
  name: string;
  node: NodeName;
  /** The rooms it joined at connect (besides its own id). */
  rooms: string[];
  socket: ClientSocket;
  received: Received[];
}

export interface MatrixSetup {
  cluster: Cluster;
  /** The namespace every client is on. */
  nsp: string;
  clients: MainClient[];
  byName: Map<string, MainClient>;
  /** Client `<node>-0`, which sends the node its operations. */
  driver(node: NodeName): ClientSocket;
}

/** A failure reason per to-node; absent means the cell passed. */
export type CellResults = Partial<Record<NodeName, string>>;

interface OpDef {
  name: string;
  run(s: MatrixSetup, from: NodeName): Promise<CellResults>;
}

export const WAIT = 5000;
/** Above `bun test`'s 5 s default: the first test starts the cluster. */
export const T = { timeout: 60000 };

const BASE_ROOMS = (name: string, node: NodeName) =>
  [
    "main",
    `node:${node}`,
    `client:${name}`,
    ...NODES.flatMap((f) => [`leave:${f}`, `rleave:${f}`]),
  ].sort();

function recordEvents(socket: ClientSocket, name: string, node: NodeName): Received[] {
  const received: Received[] = [];
  socket.onAny((ev: string, ...args: unknown[]) => {
    received.push({ ev, args: typeof args.at(-1) === "function" ? args.slice(0, -1) : args });
  });
  socket.on("ask", (arg: { tag: string; hang?: string }, cb: (a: unknown) => void) => {
    // The fault tests' hanging node: its clients never answer.
    if (arg?.hang !== node) cb({ name, tag: arg?.tag });
  });
  return received;
}

export async function setupMatrix(
  kind: AdapterKind,
  extraRooms: string[] = [],
  opts: ClusterOptions & { nsp?: string } = {},
): Promise<MatrixSetup> {
  const cluster = await startCluster(kind, opts);
  const nsp = opts.nsp ?? "/";
  try {
    const clients: MainClient[] = [];
    for (const node of NODES) {
      for (const i of [0, 1]) {
        const name = `${node}-${i}`;
        const rooms = [...BASE_ROOMS(name, node), ...extraRooms];
        const socket = cluster.client(node, name, rooms, i === 0, nsp);
        clients.push({ name, node, rooms, socket, received: recordEvents(socket, name, node) });
      }
    }
    await Promise.all(clients.map((c) =>
      connected(c.socket).catch((err) => {
        throw new Error(`client ${c.name} could not connect: ${err.message}\n${cluster.logs()}`);
      })
    ));
    const byName = new Map(clients.map((c) => [c.name, c]));
    const setup: MatrixSetup = {
      cluster,
      nsp,
      clients,
      byName,
      driver: (node) => byName.get(`${node}-0`)!.socket,
    };
    // Ready once every node counts the three: the heartbeat adapters learn
    // of the others a little after start. A node that never gets there fails
    // the serverCount test, not the setup.
    await Promise.all(NODES.map((n) =>
      until(async () => {
        try {
          return (await op<number>(setup.driver(n), { name: "serverCount" }, 2000)) === 3;
        } catch {
          return false;
        }
      }, 15000)
    ));
    return setup;
  } catch (err) {
    await cluster.close();
    throw err;
  }
}

// ---------------------------------------------------------------- checks

const sortKey = (v: unknown) => JSON.stringify(v);
export const fmt = (v: unknown) =>
  JSON.stringify(v, (_k, x) => x instanceof Uint8Array ? [...x] : x);

export function matching(c: MainClient, ev: string, tag: string): Received[] {
  return c.received.filter((r) => r.ev === ev && (r.args[0] as { tag?: string })?.tag === tag);
}

/**
 * Who sends an operation: a node (through its driver client), or a function
 * that broadcasts `sync` with the given tag to every client (an emitter).
 */
export type Sender = NodeName | ((syncTag: string) => Promise<void> | void);

/** Broadcasts `sync` from `from` and waits until every main client got it. */
async function barrier(s: MatrixSetup, from: Sender, tag: string): Promise<string | undefined> {
  const syncTag = `sync:${tag}`;
  try {
    if (typeof from === "function") await from(syncTag);
    else await op(s.driver(from), { name: "sync", tag: syncTag });
  } catch (err) {
    return `sync barrier failed: ${(err as Error).message}`;
  }
  const ok = await until(() => s.clients.every((c) => matching(c, "sync", syncTag).length), WAIT);
  if (!ok) {
    const missing = s.clients.filter((c) => !matching(c, "sync", syncTag).length);
    const who = typeof from === "function" ? "the emitter" : from;
    return `sync barrier from ${who} never reached ${missing.map((c) => c.name).join(", ")}`;
  }
}

/**
 * Waits until every client of `receivers` got `ev` tagged `tag`, then (after
 * a barrier) checks that each got it exactly once, with `check` passing on
 * its arguments, and that no other main client got it.
 */
export async function expectDelivery(
  s: MatrixSetup,
  from: Sender,
  ev: string,
  tag: string,
  receivers: (c: MainClient) => boolean,
  check: (args: unknown[], c: MainClient) => string | undefined,
): Promise<CellResults> {
  const expected = s.clients.filter(receivers);
  await until(() => expected.every((c) => matching(c, ev, tag).length > 0), WAIT);
  const barrierError = await barrier(s, from, tag);
  const results: CellResults = {};
  for (const c of s.clients) {
    const got = matching(c, ev, tag);
    let why: string | undefined;
    if (receivers(c)) {
      if (got.length === 0) why = `${c.name} never got "${ev}"`;
      else if (got.length > 1) why = `${c.name} got "${ev}" ${got.length} times`;
      else why = check(got[0].args, c);
    } else if (got.length) {
      why = `${c.name} got "${ev}" but must not: ${fmt(got[0].args)}`;
    }
    if (why) results[c.node] = results[c.node] ? `${results[c.node]}; ${why}` : why;
  }
  if (barrierError) {
    for (const n of NODES) results[n] ??= barrierError;
  }
  return results;
}

export function expectArgs(expected: unknown[]) {
  return (args: unknown[], c: MainClient) => {
    try {
      assert.deepEqual(args, expected);
    } catch {
      return `${c.name} got ${fmt(args)}, expected ${fmt(expected)}`;
    }
  };
}

export function bytesOf(v: unknown): number[] | undefined {
  if (v instanceof ArrayBuffer) return [...new Uint8Array(v)];
  if (ArrayBuffer.isView(v)) return [...new Uint8Array(v.buffer, v.byteOffset, v.byteLength)];
}

/** Runs `cell` for every to-node; an exception fails that cell. */
export async function perTo(
  cell: (to: NodeName) => Promise<string | undefined>,
): Promise<CellResults> {
  const results: CellResults = {};
  await Promise.all(NODES.map(async (to) => {
    try {
      const why = await cell(to);
      if (why) results[to] = why;
    } catch (err) {
      results[to] = (err as Error).message;
    }
  }));
  return results;
}

/**
 * Runs a server-side emit with acks (operation `name`) from `from`: exactly one answer
 * from each other node, `{ tag, from, node }`, and none from `from` itself.
 */
async function serverAnswers(
  s: MatrixSetup,
  from: NodeName,
  name: string,
  tag: string,
): Promise<CellResults> {
  const answers = await op<{ node: string }[]>(s.driver(from), { name, tag });
  if (!Array.isArray(answers)) return all(`got ${fmt(answers)}, not an array`);
  return await perTo((to) => {
    const mine = answers.filter((a) => a?.node === to);
    if (to === from) {
      return Promise.resolve(mine.length ? `the emitting node answered itself` : undefined);
    }
    if (mine.length !== 1) {
      return Promise.resolve(`${mine.length} answers from ${to} in ${fmt(answers)}`);
    }
    try {
      assert.deepEqual(mine[0], { tag, from, node: to });
    } catch {
      return Promise.resolve(`answer ${fmt(mine[0])}`);
    }
    return Promise.resolve(undefined);
  });
}

/** The same failure for every to-node. */
export const all = (why: string): CellResults => Object.fromEntries(NODES.map((n) => [n, why]));

export async function roomsOf(s: MatrixSetup, name: string): Promise<string[]> {
  return await op<string[]>(s.byName.get(name)!.socket, { name: "rooms" });
}

/** Polls client `name`'s rooms (on its own node) until `want` holds. */
export async function waitRooms(
  s: MatrixSetup,
  name: string,
  want: (rooms: string[]) => boolean,
): Promise<string[]> {
  let rooms: string[] = [];
  await until(async () => want(rooms = await roomsOf(s, name)), WAIT);
  return rooms;
}

/**
 * Why a victim was not disconnected by the server within `WAIT` (its
 * `disconnect` reason promised by `reason`), or undefined when it was.
 */
export async function serverDisconnected(
  victim: { disconnect(): unknown },
  reason: Promise<string>,
): Promise<string | undefined> {
  const got = await Promise.race([
    reason,
    new Promise<undefined>((r) => setTimeout(() => r(undefined), WAIT)),
  ]);
  if (got === undefined) {
    victim.disconnect();
    return "the victim was never disconnected";
  }
  if (got !== "io server disconnect") return `the victim was disconnected with "${got}"`;
}

async function victimDisconnect(
  s: MatrixSetup,
  from: NodeName,
  kind: "disconnectSockets" | "remoteDisconnect",
): Promise<CellResults> {
  return await perTo(async (to) => {
    const room = `victim:${kind}:${from}>${to}`;
    const victim = s.cluster.client(to, `victim-${from}-${to}`, [room], true, s.nsp);
    const reason = new Promise<string>((resolve) => victim.once("disconnect", resolve));
    await connected(victim);
    const result = await op<string[] | null>(s.driver(from), { name: kind, room });
    if (kind === "remoteDisconnect" && (!Array.isArray(result) || result.length !== 1)) {
      victim.disconnect();
      return `fetchSockets in ${room} gave ${fmt(result)}, expected the victim's id`;
    }
    return await serverDisconnected(victim, reason);
  });
}

// ---------------------------------------------------------------- operations

export const OPERATIONS: OpDef[] = [
  {
    name: "emit",
    async run(s, from) {
      const tag = `emit:${from}`;
      await op(s.driver(from), { name: "emit", tag });
      return await expectDelivery(s, from, "ev", tag, () => true, expectArgs([{ tag, from }]));
    },
  },
  {
    name: "to",
    async run(s, from) {
      const parts = await Promise.all(NODES.map(async (to) => {
        const tag = `to:${from}>${to}`;
        await op(s.driver(from), { name: "to", tag, room: `node:${to}` });
        const r = await expectDelivery(
          s,
          from,
          "ev",
          tag,
          (c) => c.node === to,
          expectArgs([{ tag, from }]),
        );
        // A wrong receiver on node X is the fault of the (from, to) cell.
        const why = Object.values(r).filter(Boolean).join("; ");
        return [to, why] as const;
      }));
      return Object.fromEntries(parts.filter(([, why]) => why));
    },
  },
  {
    name: "except",
    async run(s, from) {
      const parts = await Promise.all(NODES.map(async (to) => {
        const tag = `except:${from}>${to}`;
        await op(s.driver(from), { name: "except", tag, room: `node:${to}` });
        const r = await expectDelivery(
          s,
          from,
          "ev",
          tag,
          (c) => c.node !== to,
          expectArgs([{ tag, from }]),
        );
        const why = Object.values(r).filter(Boolean).join("; ");
        return [to, why] as const;
      }));
      return Object.fromEntries(parts.filter(([, why]) => why));
    },
  },
  {
    name: "binary",
    async run(s, from) {
      const tag = `binary:${from}`;
      const bytes = [0, 1, 2, 127, 128, 255];
      await op(s.driver(from), { name: "binary", tag, bytes });
      return await expectDelivery(s, from, "bin", tag, () => true, (args, c) => {
        const [payload, bin, obj] = args as [unknown, unknown, { nested?: unknown }];
        try {
          assert.deepEqual(payload, { tag, from });
        } catch {
          return `${c.name} got payload ${fmt(payload)}`;
        }
        if (args.length !== 3) return `${c.name} got ${args.length} arguments: ${fmt(args)}`;
        const top = bytesOf(bin);
        if (!top) return `${c.name} got the bytes as ${fmt(bin)}, not as binary`;
        if (fmt(top) !== fmt(bytes)) return `${c.name} got bytes ${fmt(top)}`;
        const nested = bytesOf(obj?.nested);
        if (!nested) return `${c.name} got the nested bytes as ${fmt(obj)}, not as binary`;
        if (fmt(nested) !== fmt(bytes)) return `${c.name} got nested bytes ${fmt(nested)}`;
      });
    },
  },
  {
    name: "fetchSockets",
    async run(s, from) {
      type Desc = { id: string; rooms: string[]; data: unknown; auth: unknown };
      const everyone = await op<Desc[]>(s.driver(from), { name: "fetchSockets" }).catch((
        err,
      ) => err as Error);
      return await perTo(async (to) => {
        const mine = s.clients.filter((c) => c.node === to);
        const expected = mine.map((c) => ({
          id: c.socket.id!,
          rooms: [...c.rooms, c.socket.id!].sort(),
          data: { name: c.name, node: to },
          auth: { name: c.name, rooms: c.rooms },
        })).sort((a, b) => sortKey(a) < sortKey(b) ? -1 : 1);
        const got = await op<Desc[]>(s.driver(from), { name: "fetchSockets", room: `node:${to}` });
        const sorted = [...got].sort((a, b) => sortKey(a) < sortKey(b) ? -1 : 1);
        try {
          assert.deepEqual(sorted, expected);
        } catch {
          return `io.in("node:${to}").fetchSockets() gave ${fmt(sorted)}, expected ${
            fmt(expected)
          }`;
        }
        if (everyone instanceof Error) return `io.fetchSockets(): ${everyone.message}`;
        const ids = new Set(everyone.map((d) => d.id));
        const missing = mine.filter((c) => !ids.has(c.socket.id!));
        if (missing.length) {
          return `io.fetchSockets() lacks ${missing.map((c) => c.name).join(", ")}`;
        }
        if (everyone.length !== s.clients.length) {
          return `io.fetchSockets() gave ${everyone.length} sockets, expected ${s.clients.length}`;
        }
      });
    },
  },
  {
    name: "serverCount",
    async run(s, from) {
      const count = await op<number>(s.driver(from), { name: "serverCount" });
      return count === 3 ? {} : all(`serverCount() gave ${count}, expected 3`);
    },
  },
  {
    name: "serverSideEmit",
    async run(s, from) {
      const tag = `sse:${from}`;
      await op(s.driver(from), { name: "serverSideEmit", tag });
      return await expectDelivery(
        s,
        from,
        "sse-received",
        tag,
        (c) => c.node !== from,
        (args, c) => expectArgs([{ tag, from, node: c.node }])(args, c),
      );
    },
  },
  {
    name: "serverSideEmitWithAck",
    run: (s, from) => serverAnswers(s, from, "serverSideEmitWithAck", `sseack:${from}`),
  },
  {
    name: "serverSideEmitCallback",
    run: (s, from) => serverAnswers(s, from, "serverSideEmitCallback", `ssecb:${from}`),
  },
  {
    name: "broadcastWithAck",
    async run(s, from) {
      const tag = `bwa:${from}`;
      const answers = await op<{ name: string; tag: string }[]>(s.driver(from), {
        name: "broadcastWithAck",
        tag,
      });
      if (!Array.isArray(answers)) return all(`got ${fmt(answers)}, not an array`);
      const results: CellResults = {};
      for (const to of NODES) {
        const why: string[] = [];
        for (const c of s.clients.filter((c) => c.node === to)) {
          const mine = answers.filter((a) => a?.name === c.name);
          if (mine.length !== 1) why.push(`${mine.length} answers from ${c.name}`);
          else if (mine[0].tag !== tag) why.push(`answer ${fmt(mine[0])}`);
        }
        if (why.length) results[to] = `${why.join("; ")} in ${fmt(answers)}`;
      }
      if (answers.length !== s.clients.length && !Object.keys(results).length) {
        return all(`${answers.length} answers, expected ${s.clients.length}: ${fmt(answers)}`);
      }
      return results;
    },
  },
  {
    name: "socketsJoin",
    run: (s, from) =>
      perTo(async (to) => {
        const room = `joined:${from}`;
        await op(s.driver(from), { name: "socketsJoin", room: `client:${to}-0`, join: room });
        const rooms = await waitRooms(s, `${to}-0`, (r) => r.includes(room));
        if (!rooms.includes(room)) return `${to}-0 never joined ${room}: ${fmt(rooms)}`;
        const other = await roomsOf(s, `${to}-1`);
        if (other.includes(room)) return `${to}-1 joined ${room} too`;
      }),
  },
  {
    name: "socketsLeave",
    run: (s, from) =>
      perTo(async (to) => {
        const room = `leave:${from}`;
        await op(s.driver(from), { name: "socketsLeave", room: `client:${to}-0`, leave: room });
        const rooms = await waitRooms(s, `${to}-0`, (r) => !r.includes(room));
        if (rooms.includes(room)) return `${to}-0 never left ${room}: ${fmt(rooms)}`;
        const other = await roomsOf(s, `${to}-1`);
        if (!other.includes(room)) return `${to}-1 left ${room} too`;
      }),
  },
  {
    name: "remoteEmit",
    async run(s, from) {
      const parts = await Promise.all(NODES.map(async (to) => {
        const tag = `remoteEmit:${from}>${to}`;
        const target = s.byName.get(`${to}-1`)!;
        let why = "";
        try {
          const ids = await op<string[]>(s.driver(from), {
            name: "remoteEmit",
            tag,
            room: `client:${to}-1`,
          });
          if (fmt(ids) !== fmt([target.socket.id])) why = `fetchSockets gave ${fmt(ids)}; `;
          const r = await expectDelivery(
            s,
            from,
            "ev",
            tag,
            (c) => c === target,
            expectArgs([{ tag, from }]),
          );
          why += Object.values(r).filter(Boolean).join("; ");
        } catch (err) {
          why = (err as Error).message;
        }
        return [to, why] as const;
      }));
      return Object.fromEntries(parts.filter(([, why]) => why));
    },
  },
  {
    name: "remoteEmitWithAck",
    run: (s, from) =>
      perTo(async (to) => {
        const tag = `remoteEmitWithAck:${from}>${to}`;
        const answers = await op<unknown[]>(s.driver(from), {
          name: "remoteEmitWithAck",
          tag,
          room: `client:${to}-1`,
        });
        try {
          // One answer, not an array: a remote socket's ack behaves like a socket's.
          assert.deepEqual(answers, [{ name: `${to}-1`, tag }]);
        } catch {
          return `answers ${fmt(answers)}, expected [${fmt({ name: `${to}-1`, tag })}]`;
        }
      }),
  },
  {
    name: "remoteJoin",
    run: (s, from) =>
      perTo(async (to) => {
        const room = `rjoined:${from}`;
        const ids = await op<string[]>(s.driver(from), {
          name: "remoteJoin",
          room: `client:${to}-1`,
          join: room,
        });
        if (ids.length !== 1) return `fetchSockets gave ${fmt(ids)}`;
        const rooms = await waitRooms(s, `${to}-1`, (r) => r.includes(room));
        if (!rooms.includes(room)) return `${to}-1 never joined ${room}: ${fmt(rooms)}`;
        const other = await roomsOf(s, `${to}-0`);
        if (other.includes(room)) return `${to}-0 joined ${room} too`;
      }),
  },
  {
    name: "remoteLeave",
    run: (s, from) =>
      perTo(async (to) => {
        const room = `rleave:${from}`;
        const ids = await op<string[]>(s.driver(from), {
          name: "remoteLeave",
          room: `client:${to}-1`,
          leave: room,
        });
        if (ids.length !== 1) return `fetchSockets gave ${fmt(ids)}`;
        const rooms = await waitRooms(s, `${to}-1`, (r) => !r.includes(room));
        if (rooms.includes(room)) return `${to}-1 never left ${room}: ${fmt(rooms)}`;
        const other = await roomsOf(s, `${to}-0`);
        if (!other.includes(room)) return `${to}-0 left ${room} too`;
      }),
  },
  {
    name: "disconnectSockets",
    run: (s, from) => victimDisconnect(s, from, "disconnectSockets"),
  },
  {
    name: "remoteDisconnect",
    run: (s, from) => victimDisconnect(s, from, "remoteDisconnect"),
  },
];

/** Formats the matrix: one row per op and from-node, one column per to-node. */
export function formatMatrix(
  kind: string,
  matrix: Map<string, Record<NodeName, CellResults | string>>,
): string {
  const lines = [`${kind} matrix (rows: op / from, columns: to):`];
  lines.push(`${"op".padEnd(24)}${"from".padEnd(6)}${NODES.map((n) => n.padEnd(6)).join("")}`);
  for (const [name, byFrom] of matrix) {
    for (const from of NODES) {
      const r = byFrom[from];
      const cells = NODES.map((to) =>
        (typeof r === "string" ? "FAIL" : r?.[to] ? "FAIL" : r ? "ok" : "-").padEnd(6)
      );
      lines.push(`${name.padEnd(24)}${from.padEnd(6)}${cells.join("")}`);
    }
  }
  return lines.join("\n");
}

/** Registers the matrix tests of adapter `kind` (one `test` per operation, then teardown). */
export function clusterMatrixTests(
  kind: AdapterKind,
  operations: OpDef[] = OPERATIONS,
  nsp = "/",
  parser?: "msgpack",
): void {
  const label = `${kind} adapter${nsp === "/" ? "" : `, ${nsp}`}${
    parser ? `, ${parser} parser` : ""
  }`;
  let setup: Promise<MatrixSetup> | undefined;
  const matrix = new Map<string, Record<NodeName, CellResults | string>>();
  for (const def of operations) {
    test(`${label}: ${def.name} from every node to every node`, T, async () => {
      setup ??= setupMatrix(kind, [], { nsp, parser });
      const s = await setup;
      const byFrom = {} as Record<NodeName, CellResults | string>;
      matrix.set(def.name, byFrom);
      await Promise.all(NODES.map(async (from) => {
        try {
          byFrom[from] = await def.run(s, from);
        } catch (err) {
          byFrom[from] = (err as Error).message;
        }
      }));
      const failures: string[] = [];
      for (const from of NODES) {
        const r = byFrom[from];
        if (typeof r === "string") failures.push(`${def.name} ${from} -> every node: ${r}`);
        else {
          for (const to of NODES) {
            if (r[to]) failures.push(`${def.name} ${from} -> ${to}: ${r[to]}`);
          }
        }
      }
      if (failures.length) {
        assert.fail(
          `${label}, ${failures.length} failed cells:\n${failures.join("\n")}\n` +
            s.cluster.logs(),
        );
      }
    });
  }
  test(`${label}: teardown`, T, async () => {
    console.log(formatMatrix(label, matrix));
    const s = await setup?.catch(() => undefined);
    await s?.cluster.close();
  });
}
