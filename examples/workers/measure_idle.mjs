// What idle WebSocket connections cost a Durable Object running webio, in
// workerd (from npm, through Miniflare): run `node examples/workers/measure_idle.mjs [N]`
// (N clients, default 1000). It bundles examples/workers/measure_worker.ts
// (one object, a ping every 5 seconds), connects N official clients over
// WebSocket, and reads workerd's memory (RSS) and CPU time from /proc:
// with the object awake (every session and socket in memory), and after the
// object was evicted (its WebSockets hibernated; the alarm still pings every
// 5 seconds and pongs are taken without rebuilding anything). Then it times
// an event with every connection in memory, and the first event after the
// eviction, which rebuilds every connection.
import { spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { Miniflare } from "miniflare";
import { io } from "socket.io-client";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
const count = Number(process.argv[2] ?? 1000);
const dir = mkdtempSync(join(tmpdir(), "webio_measure_"));
const bundle = join(dir, "worker.mjs");
const built = spawnSync(join(root, "node_modules/.bin/bun"), [
  "build",
  join(root, "examples/workers/measure_worker.ts"),
  "--target=browser",
  "--format=esm",
  `--outfile=${bundle}`,
], { encoding: "utf8" });
if (built.status !== 0) throw new Error(built.stderr);

const mf = new Miniflare({
  modules: true,
  scriptPath: bundle,
  modulesRoot: dir,
  compatibilityDate: "2026-07-01",
  durableObjects: { IDLE: "IdleObject" },
  host: "127.0.0.1",
  port: 0,
});
const url = (await mf.ready).href.replace(/\/$/, "");
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** workerd's process: the child of this one named workerd. */
const pid = readdirSync("/proc").filter((name) => /^\d+$/.test(name)).find((name) => {
  try {
    const stat = readFileSync(`/proc/${name}/stat`, "utf8");
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return stat.includes("(workerd)") && Number(fields[1]) === process.pid;
  } catch {
    return false;
  }
});
const rss = () =>
  Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, "utf8"))[1]) * 1024;
const cpuMs = () => {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return (Number(fields[11]) + Number(fields[12])) * 10; // utime + stime, 100 ticks a second
};
const evict = async () => {
  const t = performance.now();
  await mf.unsafeEvictDurableObject("", "IdleObject", { name: "idle", webSockets: "hibernate" });
  console.error(`evicted in ${Math.round(performance.now() - t)} ms`);
};
const gcSettle = async () => {
  await sleep(3000);
};
/** CPU milliseconds workerd spends in `seconds` of idling. */
const idleCpu = async (seconds) => {
  const start = cpuMs();
  await sleep(seconds * 1000);
  return cpuMs() - start;
};

// Baseline: the object exists, with no client.
await fetch(`${url}/debug/attachments`).then((r) => r.text());
await gcSettle();
const base = rss();
const baseCpu = await idleCpu(15);

// One after the other: WebSockets opened concurrently to one object keep
// workerd (2026-07-30, locally) from evicting it ("it still has active references").
const clients = [];
for (let i = 0; i < count; i++) {
  const socket = io(url, { transports: ["websocket"], forceNew: true, reconnection: false });
  clients.push(socket);
  await new Promise((resolve, reject) => {
    socket.once("connect", resolve);
    socket.once("connect_error", reject);
  });
}
await gcSettle();
const awake = rss();
const awakeCpu = await idleCpu(15);
const sizes = await fetch(`${url}/debug/attachments`).then((r) => r.json());
// An event's round trip with every connection in memory (each event is
// followed by a pass over all of them, writing the records that changed).
const events = 20;
const e0 = performance.now();
for (let i = 0; i < events; i++) await clients[i % count].timeout(30_000).emitWithAck("hello");
const eventMs = (performance.now() - e0) / events;

await evict();
await gcSettle();
const hibernated = rss();
const hibernatedCpu = await idleCpu(15);

const t0 = performance.now();
await clients[0].timeout(30_000).emitWithAck("hello");
const restoreMs = performance.now() - t0;
await sleep(500);
const restored = rss();

const connected = clients.filter((socket) => socket.connected).length;
for (const socket of clients) socket.disconnect();
await mf.dispose();
rmSync(dir, { recursive: true, force: true });

const perConn = (bytes) => Math.round((bytes - base) / count);
const average = sizes.reduce((a, b) => a + b, 0) / sizes.length;
console.log(JSON.stringify(
  {
    clients: count,
    stillConnected: connected,
    rssBaselineMiB: +(base / 2 ** 20).toFixed(1),
    bytesPerConnectionAwake: perConn(awake),
    bytesPerConnectionHibernated: perConn(hibernated),
    bytesPerConnectionAfterRestore: perConn(restored),
    attachmentCharsAverage: Math.round(average),
    attachmentCharsMax: Math.max(...sizes),
    cpuMsPer15sIdleNoClients: baseCpu,
    cpuMsPer15sIdleAwake: awakeCpu,
    cpuMsPer15sIdleHibernated: hibernatedCpu,
    eventRoundTripAwakeMs: +eventMs.toFixed(2),
    firstEventAfterEvictionMs: Math.round(restoreMs),
  },
  null,
  2,
));
