/**
 * Clusters side by side: three server processes of one kind (webio on Bun,
 * webio on Deno, socket.io 4.8 on Node) behind the same official adapter,
 * one load generator spreading its clients over the three. Every server is
 * pinned to core 0, the generator and (by default) a private Redis started
 * for the run to core 1. Run by Bun; see bench/README.md ("Clusters").
 *
 *   bun bench/cluster.ts [--quick] [--repeat N] [--adapter redis|redis-sharded|redis-streams|postgres]
 *                        [--clusters webio-bun,webio-deno,socketio-node] [--scenarios a,b]
 *                        [--redis-url URL] [--redis-core C] [--profile] [--duration S] [--warmup S]
 *                        [--port N] [--out DIR]
 */

import { spawnSync } from "node:child_process";
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { cpus, loadavg, totalmem } from "node:os";
import { join, resolve } from "node:path";
import { type TopFunction, topFunctions } from "./lib/profile_top.ts";
import type { RunResult } from "./lib/report.ts";
import {
  BUN,
  DENO,
  GENERATOR_CORE,
  NODE,
  pinned,
  ROOT,
  type Runtime,
  SERVER_CORE,
  serverCommand,
  type Started,
  startPinned,
  stopPinned,
} from "./lib/spawn.ts";
import { parseArgs } from "./lib/args.ts";

const NODES = 3;

// -- options --

const { flag, value, list } = parseArgs();

/** A kind of cluster node. */
interface Kind {
  label: string;
  runtime: Runtime;
  entry: string;
}

const KINDS: Record<string, Kind> = {
  "webio-bun": {
    label: "webio on Bun (Bun.serve + io.bun())",
    runtime: "bun",
    entry: "bench/servers/cluster_webio_bun.ts",
  },
  "webio-deno": {
    label: "webio on Deno (new Server() + io.listen(port))",
    runtime: "deno",
    entry: "bench/servers/cluster_webio_deno.ts",
  },
  "socketio-node": {
    label: "socket.io 4.8 on Node (node:http)",
    runtime: "node",
    entry: "bench/servers/cluster_socketio_node.ts",
  },
};
const REFERENCE = "socketio-node";

/** A scenario: the generator's scenario and its options. */
interface Scenario {
  what: (o: Record<string, number | string>) => string;
  loadgen: string;
  full: Record<string, number | string>;
  quick: Record<string, number | string>;
  /** What the driver's answer must say (the number of acks the server got). */
  answers?: (o: Record<string, number | string>) => number;
}

const SCENARIOS: Record<string, Scenario> = {
  "cluster-broadcast": {
    what: (o) =>
      `a client on node 1 sends \`bcast\`, its server does \`io.emit\` to ${o.clients} clients ` +
      `spread over the 3 nodes; ${o.window} broadcasts in flight; deliveries/s`,
    loadgen: "broadcast",
    full: { clients: 300, window: 16, payload: 32 },
    quick: { clients: 90, window: 16, payload: 32 },
  },
  "cluster-ack": {
    what: (o) =>
      `a client on node 1 sends \`bcast-ack\`, its server does ` +
      `\`io.timeout(5000).emitWithAck("q")\` to ${o.clients} clients over the 3 nodes (all ` +
      `answer), then acks the client; ${o.window} in flight; round trips/s`,
    loadgen: "fanout-ack",
    full: { clients: 30, window: 8, payload: 32, event: "bcast-ack" },
    quick: { clients: 15, window: 8, payload: 32, event: "bcast-ack" },
    answers: (o) => Number(o.clients),
  },
  "cluster-sse": {
    what: (o) =>
      `a client on node 1 sends \`sse-ack\`, its server does ` +
      `\`io.serverSideEmitWithAck("ping")\` (the 2 other nodes answer), then acks the client; ` +
      `${o.window} in flight; round trips/s (the adapter alone: no client fan-out)`,
    loadgen: "fanout-ack",
    full: { clients: 3, window: 16, payload: 32, event: "sse-ack" },
    quick: { clients: 3, window: 16, payload: 32, event: "sse-ack" },
    answers: () => NODES - 1,
  },
};

const quick = flag("quick");
const profile = flag("profile");
const repeat = Math.max(1, Number(value("repeat", "1")));
const adapter = value("adapter", "redis");
const kindNames = list("clusters", Object.keys(KINDS));
const scenarioNames = list("scenarios", Object.keys(SCENARIOS));
const warmup = Number(value("warmup", quick ? "2" : "3"));
const duration = Number(value("duration", quick ? "2" : "8"));
const redisCore = value("redis-core", GENERATOR_CORE);
const externalRedis = value("redis-url", undefined);
let port = Number(value("port", "23000"));
const stamp = new Date().toISOString().replace(/[:]/g, "-").slice(0, 19);
const outDir = resolve(ROOT, value("out", quick ? "bench/results/tmp" : "bench/results"));
const profDir = join(ROOT, "bench/results/tmp/prof", `cluster-${stamp}`);
const usesRedis = adapter !== "postgres";

for (const k of kindNames) if (!KINDS[k]) die(`unknown cluster kind ${k}`);
for (const s of scenarioNames) if (!SCENARIOS[s]) die(`unknown scenario ${s}`);
if (!["redis", "redis-sharded", "redis-streams", "postgres"].includes(adapter)) {
  die(`unknown adapter ${adapter}`);
}

function die(msg: string): never {
  console.error(msg);
  process.exit(2);
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function sh(cmd: string): string {
  const r = spawnSync("sh", ["-c", cmd], { cwd: ROOT, encoding: "utf8" });
  return (r.stdout || "").trim();
}

// -- Redis --

/** The Redis of the run: a private one pinned to `redisCore`, or `--redis-url`'s. */
async function startRedis(): Promise<{ url: string; pid: number; stop(): Promise<void> }> {
  if (externalRedis) {
    const info = sh(`redis-cli -u '${externalRedis}' info server`);
    const pid = Number(/process_id:(\d+)/.exec(info)?.[1]);
    return { url: externalRedis, pid, stop: async () => {} };
  }
  const redisPort = port++;
  const cmd = [
    "redis-server",
    "--port",
    String(redisPort),
    "--bind",
    "127.0.0.1",
    "--save",
    "",
    "--appendonly",
    "no",
  ];
  const child = pinned(redisCore, cmd, { stdio: ["ignore", "pipe", "pipe"] });
  let out = "";
  await new Promise<void>((ok, fail) => {
    const timer = setTimeout(() => fail(new Error(`redis-server did not start: ${out}`)), 10000);
    child.stdout!.on("data", (d) => {
      out += d;
      if (out.includes("Ready to accept connections")) {
        clearTimeout(timer);
        ok();
      }
    });
    child.on("exit", (code) => fail(new Error(`redis-server exited ${code}: ${out}`)));
  });
  const started: Started = { child, pid: child.pid!, stderr: () => out };
  return {
    url: `redis://127.0.0.1:${redisPort}`,
    pid: child.pid!,
    stop: () => stopPinned(started),
  };
}

// -- one run: three nodes, one generator --

/** What one run of one cluster kind reports. */
interface ClusterRun extends RunResult {
  kind: string;
  repeat: number;
  serverCpuPctEach?: number[];
  watchCpuPct?: number;
  serverPeakRssKb?: number;
}

async function runCluster(
  kind: string,
  scenario: string,
  redis: { url: string; pid: number } | undefined,
  round: number,
): Promise<ClusterRun> {
  const spec = KINDS[kind];
  const sc = SCENARIOS[scenario];
  const opts = quick ? sc.quick : sc.full;
  // Short: Postgres truncates channel names to 63 bytes (the adapter appends `#/`).
  const prefix = `webio-bench-${stamp.replace(/[-:]/g, "")}-${kindNames.indexOf(kind)}${
    scenarioNames.indexOf(scenario)
  }${round}`;
  const ports = Array.from({ length: NODES }, () => port++);
  const servers: Started[] = [];
  const base = { kind, repeat: round };
  try {
    const started = await Promise.allSettled(ports.map((p, i) => {
      const dir = join(profDir, kind, scenario, `node${i + 1}`);
      if (profile) mkdirSync(dir, { recursive: true });
      const cmd = serverCommand(spec.runtime, spec.entry, profile ? dir : undefined);
      return startPinned(`${kind} node ${i + 1}`, SERVER_CORE, cmd, {
        ...process.env,
        PORT: String(p),
        NODE_ENV: "production",
        DENO_NO_UPDATE_CHECK: "1",
        CLUSTER_ADAPTER: adapter,
        CLUSTER_PREFIX: prefix,
        ...(redis ? { CLUSTER_REDIS_URL: redis.url } : {}),
      }, 30000);
    }));
    for (const s of started) if (s.status === "fulfilled") servers.push(s.value);
    const failed = started.find((s) => s.status === "rejected");
    if (failed) return { ...base, error: String((failed as PromiseRejectedResult).reason) };
    // The adapters subscribe once created: let them settle before the first broadcast.
    await sleep(1000);
    const result = await runGenerator(
      sc.loadgen,
      opts,
      ports,
      servers.map((s) => s.pid),
      redis?.pid,
    );
    const dead = servers.find((s) => s.child.exitCode !== null || s.child.signalCode !== null);
    if (dead) result.error ??= `a node died: ${dead.stderr().slice(-300)}`;
    let peak = 0;
    for (const s of servers) {
      try {
        const status = readFileSync(`/proc/${s.pid}/status`, "utf8");
        peak = Math.max(peak, Number(/^VmHWM:\s+(\d+)/m.exec(status)?.[1]));
      } catch { /* gone */ }
    }
    result.serverPeakRssKb = peak;
    // Sanity: every node delivered its share, every answer counted every ack.
    const perNode = result.deliveriesPerNode as number[] | undefined;
    if (!result.error && perNode) {
      const total = perNode.reduce((a, b) => a + b, 0);
      if (perNode.some((n) => n < total / NODES / 2)) {
        result.error = `uneven deliveries per node: ${perNode.join(", ")}`;
      }
    }
    if (!result.error && sc.answers) {
      const want = sc.answers(opts);
      if (result.errors || result.lastAnswers !== want) {
        result.error = `answers ${result.lastAnswers} (want ${want}), ${result.errors} timeouts`;
      }
    }
    const stderr = servers.map((s) => s.stderr()).join("").trim();
    if (stderr) result.serverStderr = stderr.slice(-600);
    return { ...base, ...result };
  } catch (err) {
    return { ...base, error: String((err as Error)?.stack ?? err) };
  } finally {
    await Promise.all(servers.map((s) => stopPinned(s, profile ? 15000 : 3000)));
  }
}

function runGenerator(
  scenario: string,
  opts: Record<string, number | string>,
  ports: number[],
  pids: number[],
  watchPid: number | undefined,
): Promise<ClusterRun> {
  const args = [
    "bench/loadgen.ts",
    "--scenario",
    scenario,
    "--port",
    ports.join(","),
    "--pid",
    pids.join(","),
    ...(watchPid ? ["--watch-pid", String(watchPid)] : []),
    "--transport",
    "bun-tcp",
    "--warmup",
    String(warmup),
    "--duration",
    String(duration),
    "--timeout",
    String(warmup + duration + 60),
  ];
  for (const [k, v] of Object.entries(opts)) args.push(`--${k}`, String(v));
  const child = pinned(GENERATOR_CORE, [BUN, ...args], { stdio: ["ignore", "pipe", "pipe"] });
  let out = "";
  let err = "";
  child.stdout!.on("data", (d) => out += d);
  child.stderr!.on("data", (d) => err = (err + d).slice(-4000));
  return new Promise((done) => {
    child.on("exit", (code) => {
      const line = out.split("\n").find((l) => l.startsWith("RESULT "));
      if (!line) {
        return done({ kind: "", repeat: 0, error: `generator exited ${code}: ${err.slice(-500)}` });
      }
      done(JSON.parse(line.slice(7)));
    });
  });
}

// -- where the time goes --

/** Who a profile's self time is credited to: the first frame up the stack with a known owner. */
const OWNERS: [string, RegExp][] = [
  ["adapter", /@socket\.io\/[a-z-]*adapter|socket\.io-adapter|notepack\.io/],
  [
    "db client",
    /@redis\/|node_modules\/redis\/|node_modules\/pg[-/]|node_modules\/cluster-key-slot/,
  ],
  ["webio", /\/work\/main\/src\/|\/src\/(io|engine|parser|runtime)\//],
  ["socket.io", /node_modules\/(socket\.io|engine\.io|socket\.io-parser)\//],
  ["bench app", /bench\/servers\//],
  // `ws` is socket.io's WebSocket, but socket.io-adapter also calls it (a pre-encoded frame
  // per broadcast, which webio does not use): it goes to its caller's owner, else socket.io.
  ["ws", /node_modules\/ws\//],
];

/**
 * The busy time of a `.cpuprofile` by owner: each sample's self time goes to
 * the nearest frame (itself or up its stack) of the adapter, its Redis/pg
 * client, webio, socket.io (with engine.io and ws) or the bench's handlers;
 * what has none (the runtime's own loop, GC, module loading) is "runtime".
 * Native frames (a socket write, `JSON.stringify`) go to their caller's owner.
 */
function ownerShares(file: string): Record<string, number> {
  const profile = JSON.parse(readFileSync(file, "utf8")) as {
    nodes: { id: number; callFrame: { functionName: string; url: string }; children?: number[] }[];
    samples: number[];
    timeDeltas?: number[];
  };
  const nodes = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const ownerOf = new Map<number, string>();
  const owner = (id: number): string => {
    let o = ownerOf.get(id);
    if (o) return o;
    const url = nodes.get(id)!.callFrame.url;
    o = OWNERS.find(([, re]) => re.test(url))?.[0];
    if (!o || o === "ws") {
      const up = parent.get(id);
      const above = up === undefined ? "runtime" : owner(up);
      o = o === "ws" && above === "runtime" ? "socket.io" : above;
    }
    ownerOf.set(id, o);
    return o;
  };
  const deltas = profile.timeDeltas ?? [];
  const sorted = deltas.filter((d) => d > 0).sort((a, b) => a - b);
  const cap = 2 * (sorted[sorted.length >> 1] ?? 1000); // as profile_top.ts: Bun has no (idle)
  const us: Record<string, number> = {};
  let total = 0;
  for (let i = 0; i < profile.samples.length; i++) {
    const id = profile.samples[i];
    if (nodes.get(id)!.callFrame.functionName === "(idle)") continue;
    const dt = Math.min(deltas[i + 1] ?? deltas[i] ?? 0, cap);
    const o = owner(id);
    us[o] = (us[o] ?? 0) + dt;
    total += dt;
  }
  const out: Record<string, number> = {};
  for (const [o, t] of Object.entries(us)) out[o] = Math.round((t / (total || 1)) * 1000) / 10;
  return out;
}

// -- the report --

/** The whole run, as written to `cluster-<date>.json`. */
interface ClusterReport {
  date: string;
  quick: boolean;
  seconds?: number;
  adapter: string;
  redis: string;
  machine: Record<string, unknown>;
  versions: Record<string, string>;
  warmup: number;
  duration: number;
  repeat: number;
  scenarios: Record<string, { options: Record<string, number | string>; runs: ClusterRun[] }>;
  profiles?: Record<
    string,
    { file: string; top: TopFunction[]; owners: Record<string, number> }
  >;
}

const fmt = (x: number | null | undefined, d = 0) =>
  x === undefined || x === null || Number.isNaN(x)
    ? "—"
    : x.toLocaleString("en-US", { maximumFractionDigits: d, minimumFractionDigits: d });

/** The median run (by rate) of each kind, its rates, and the ratio to the reference. */
function summarize(runs: ClusterRun[], kind: string) {
  const mine = runs.filter((r) => r.kind === kind);
  const ok = mine.filter((r) => !r.error && typeof r.rate === "number");
  ok.sort((a, b) => a.rate! - b.rate!);
  const mid = ok[Math.floor((ok.length - 1) / 2)];
  return { runs: mine, ok, mid, rates: ok.map((r) => r.rate!) };
}

function markdown(report: ClusterReport): string {
  const L: string[] = [];
  const v = report.versions;
  const m = report.machine;
  L.push(`# webio cluster benchmark ${report.date.slice(0, 10)}${report.quick ? " (quick)" : ""}`);
  L.push("");
  L.push(
    `- Date: ${report.date}; took ${report.seconds} s; warm-up ${report.warmup} s, measured ` +
      `${report.duration} s per run; ${
        report.repeat > 1
          ? `median of ${report.repeat} interleaved runs (min–max beside it)`
          : "one run"
      } per cell.`,
  );
  L.push(
    `- Machine: ${m.nproc} cores, ${m.cpu}, ${m.memGiB} GiB; load average ` +
      `${(m.loadavgAtStart as number[]).join(" ")} at start, ` +
      `${(m.loadavgAtEnd as number[] | undefined)?.join(" ")} at end.`,
  );
  L.push(
    `- Versions: webio ${v.webio}; Node ${v.node}; ${v.deno}; Bun ${v.bun}; socket.io ` +
      `${v["socket.io"]}; @socket.io/redis-adapter ${v["@socket.io/redis-adapter"]}; redis ` +
      `(node-redis) ${v.redis}; @socket.io/redis-streams-adapter ` +
      `${v["@socket.io/redis-streams-adapter"]}; @socket.io/postgres-adapter ` +
      `${v["@socket.io/postgres-adapter"]}; pg ${v.pg}; ${v["redis-server"]}.`,
  );
  L.push(
    `- Adapter: \`${report.adapter}\`, a key prefix per run. ${report.redis}. 3 nodes of each ` +
      `kind pinned to core ${SERVER_CORE}; the generator (bun + bun-tcp) to core ` +
      `${GENERATOR_CORE}. "servers CPU %" is the sum of the 3 nodes (one core = 100 %), each ` +
      `node's in brackets.`,
  );
  L.push("");
  L.push("## Summary: × socket.io on Node with the same adapter (median rates)");
  L.push("");
  const scen = Object.keys(report.scenarios);
  L.push(`| cluster | ${scen.join(" | ")} |`);
  L.push(`|---|${scen.map(() => "---:").join("|")}|`);
  for (const kind of kindNamesOf(report)) {
    const cells = scen.map((s) => {
      const runs = report.scenarios[s].runs;
      const a = summarize(runs, kind).mid?.rate;
      const b = summarize(runs, REFERENCE).mid?.rate;
      return a && b ? `${fmt(a / b, 2)}×` : "—";
    });
    L.push(`| ${kind} | ${cells.join(" | ")} |`);
  }
  L.push("");
  for (const [name, { options, runs }] of Object.entries(report.scenarios)) {
    const sc = SCENARIOS[name];
    L.push(`## ${name}: ${sc.what(options)}`);
    L.push("");
    const ack = sc.loadgen === "fanout-ack";
    const unit = runs.find((r) => r.unit)?.unit ?? "ops/s";
    L.push(
      `| cluster | ${unit} | min–max | × ${REFERENCE} | servers CPU % | µs CPU/op | ` +
        `Redis CPU % | gen CPU % |${ack ? " latency p50 / p99 ms | `q` deliveries/s |" : ""}`,
    );
    L.push(`|---|---:|---:|---:|---:|---:|---:|---:|${ack ? "---:|---:|" : ""}`);
    const ref = summarize(runs, REFERENCE).mid?.rate;
    for (const kind of kindNamesOf(report)) {
      const { runs: mine, mid, rates } = summarize(runs, kind);
      if (!mid) {
        const why = String(mine.find((r) => r.error)?.error ?? "missing")
          // deno-lint-ignore no-control-regex
          .replace(/\x1b\[[0-9;]*m/g, "").replace(/\s+/g, " ").replace(/\|/g, "/").slice(-200);
        L.push(`| ${kind} | error: ${why} |`);
        continue;
      }
      const each = mid.serverCpuPctEach?.map((x) => fmt(x)).join(", ");
      const failed = mine.length - rates.length;
      L.push(
        `| ${kind} | ${fmt(mid.rate)}${failed ? ` (${failed} failed)` : ""} | ${
          rates.length > 1 ? `${fmt(Math.min(...rates))}–${fmt(Math.max(...rates))}` : "—"
        } | ${ref ? `${fmt(mid.rate! / ref, 2)}×` : "—"} | ${fmt(mid.serverCpuPct)} (${each}) | ${
          fmt(mid.serverCpuUsPerOp, 1)
        } | ${fmt(mid.watchCpuPct)} | ${fmt(mid.genCpuPct)} |${
          ack
            ? ` ${fmt(mid.latencyMsP50 as number, 1)} / ${fmt(mid.latencyMsP99 as number, 1)} | ${
              fmt((mid.deliveriesPerSec as number) || undefined)
            } |`
            : ""
        }`,
      );
    }
    const errors = runs.filter((r) => r.error);
    if (errors.length) {
      L.push("");
      for (const r of errors) {
        // deno-lint-ignore no-control-regex
        const why = String(r.error).replace(/\x1b\[[0-9;]*m/g, "").replace(/\s+/g, " ")
          .slice(0, 300);
        L.push(`- ${r.kind} run ${r.repeat + 1} failed: ${why}`);
      }
    }
    L.push("");
  }
  if (report.profiles) {
    L.push("## CPU profiles: whose code the time is in");
    L.push("");
    L.push(
      "Busy time of each profiled node (the whole process: start-up included), by the owner of " +
        "the nearest frame up the stack: the official adapter (with notepack.io and " +
        "socket.io-adapter), its Redis/pg client, webio, socket.io (engine.io, ws), the " +
        "bench's handlers, or none (the runtime: event loop, GC, module loading, native I/O " +
        "called from it).",
    );
    L.push("");
    const owners = ["adapter", "db client", "webio", "socket.io", "bench app", "runtime"];
    L.push(`| node | ${owners.join(" % | ")} % |`);
    L.push(`|---|${owners.map(() => "---:").join("|")}|`);
    for (const [key, p] of Object.entries(report.profiles)) {
      L.push(`| ${key} | ${owners.map((o) => fmt(p.owners[o] ?? 0, 1)).join(" | ")} |`);
    }
    L.push("");
    // The same shares as server CPU per operation: node 1's for its own CPU, node 2's for
    // nodes 2 and 3 (they do the same work), over the median run's µs CPU/op.
    L.push(
      "The same, as µs of server CPU per operation (all 3 nodes; node 2's shares stand for " +
        "node 3; from the median run of this report, under the profiler):",
    );
    L.push("");
    L.push(`| scenario | cluster | µs CPU/op | ${owners.join(" | ")} |`);
    L.push(`|---|---|---:|${owners.map(() => "---:").join("|")}|`);
    for (const [scenario, { runs }] of Object.entries(report.scenarios)) {
      for (const kind of kindNamesOf(report)) {
        const mid = summarize(runs, kind).mid;
        const p1 = report.profiles[`${kind} ${scenario} node 1`]?.owners;
        const p2 = report.profiles[`${kind} ${scenario} node 2`]?.owners;
        const each = mid?.serverCpuPctEach;
        if (!mid?.serverCpuUsPerOp || !p1 || !p2 || !each) continue;
        const total = each[0] + each[1] + each[2];
        const cost = (o: string) =>
          (mid.serverCpuUsPerOp! * ((p1[o] ?? 0) * each[0] + (p2[o] ?? 0) * (each[1] + each[2]))) /
          total / 100;
        L.push(
          `| ${scenario} | ${kind} | ${fmt(mid.serverCpuUsPerOp, 1)} | ${
            owners.map((o) => fmt(cost(o), 1)).join(" | ")
          } |`,
        );
      }
    }
    L.push("");
    L.push("## CPU profiles: top functions by self time");
    for (const [key, p] of Object.entries(report.profiles)) {
      L.push("");
      L.push(`### ${key} (${p.file.replace(ROOT + "/", "")})`);
      L.push("");
      L.push("| self % | total % | function | where |");
      L.push("|---:|---:|---|---|");
      for (const t of p.top) L.push(`| ${t.selfPct} | ${t.totalPct} | ${t.name} | ${t.where} |`);
    }
    L.push("");
  }
  return L.join("\n") + "\n";
}

function kindNamesOf(report: ClusterReport): string[] {
  const seen = new Set<string>();
  for (const s of Object.values(report.scenarios)) for (const r of s.runs) seen.add(r.kind);
  return [...seen];
}

function versionOf(pkg: string): string {
  try {
    return JSON.parse(readFileSync(join(ROOT, "node_modules", pkg, "package.json"), "utf8"))
      .version;
  } catch {
    return "missing";
  }
}

// -- main --

async function main(): Promise<void> {
  spawnSync("taskset", ["-a", "-cp", GENERATOR_CORE, String(process.pid)], { stdio: "ignore" });
  const t0 = Date.now();
  const pkg = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8"));
  const report: ClusterReport = {
    date: new Date().toISOString(),
    quick,
    adapter,
    redis: "",
    machine: {
      nproc: cpus().length,
      cpu: cpus()[0]?.model ?? "unknown",
      memGiB: Math.round(totalmem() / 2 ** 30),
      loadavgAtStart: loadavg().map((x) => Math.round(x * 100) / 100),
    },
    versions: {
      webio: `${pkg.version} (${sh("git rev-parse --short HEAD")}${
        sh("git status --porcelain -- src mod.ts") ? ", uncommitted changes" : ""
      })`,
      node: sh(`${NODE} --version`),
      deno: sh(`${DENO} --version`).split("\n")[0],
      bun: sh(`${BUN} --version`),
      "redis-server": sh("redis-server --version").split(" ").slice(0, 3).join(" "),
      ...Object.fromEntries(
        [
          "socket.io",
          "@socket.io/redis-adapter",
          "redis",
          "@socket.io/redis-streams-adapter",
          "@socket.io/postgres-adapter",
          "pg",
        ].map((p) => [p, versionOf(p)]),
      ),
    },
    warmup,
    duration,
    repeat,
    scenarios: {},
  };
  const redis = usesRedis ? await startRedis() : undefined;
  report.redis = !redis
    ? "PostgreSQL: the system's server (not pinned; its CPU is not measured)"
    : externalRedis
    ? `Redis: ${externalRedis} (pid ${redis.pid}, where the system started it, not pinned)`
    : `Redis: a private \`redis-server --save '' --appendonly no\` pinned to core ${redisCore}`;
  console.log(JSON.stringify({ ...report, scenarios: undefined }));
  try {
    for (const scenario of scenarioNames) {
      const sc = SCENARIOS[scenario];
      const runs: ClusterRun[] = [];
      report.scenarios[scenario] = { options: quick ? sc.quick : sc.full, runs };
      // Interleaved: every kind once, then every kind again.
      for (let round = 0; round < repeat; round++) {
        for (const kind of kindNames) {
          const r = await runCluster(kind, scenario, redis, round);
          runs.push(r);
          console.log(
            `${scenario} ${kind} #${round + 1}`,
            r.error ? `ERROR ${r.error}` : `${r.rate} ${r.unit}`,
            JSON.stringify({
              serverCpuPct: r.serverCpuPct,
              each: r.serverCpuPctEach,
              redis: r.watchCpuPct,
              gen: r.genCpuPct,
              p50: r.latencyMsP50,
              p99: r.latencyMsP99,
            }),
          );
        }
      }
    }
  } finally {
    await redis?.stop();
  }
  if (profile) {
    report.profiles = {};
    for (const scenario of scenarioNames) {
      for (const kind of kindNames) {
        for (const node of [1, 2]) {
          const dir = join(profDir, kind, scenario, `node${node}`);
          let files: string[] = [];
          try {
            files = readdirSync(dir).filter((f) => f.endsWith(".cpuprofile")).sort();
          } catch { /* none */ }
          const file = files.at(-1);
          if (file) {
            const path = join(dir, file);
            report.profiles[`${kind} ${scenario} node ${node}`] = {
              file: path,
              top: topFunctions(path, 15),
              owners: ownerShares(path),
            };
          }
        }
      }
    }
  }
  report.machine.loadavgAtEnd = loadavg().map((x) => Math.round(x * 100) / 100);
  report.seconds = Math.round((Date.now() - t0) / 1000);
  mkdirSync(outDir, { recursive: true });
  const base = join(outDir, `cluster-${stamp}-${adapter}${quick ? "-quick" : ""}`);
  writeFileSync(`${base}.json`, JSON.stringify(report, null, 2) + "\n");
  const md = markdown(report);
  writeFileSync(`${base}.md`, md);
  console.log(`\nwrote ${base}.md and ${base}.json\n`);
  console.log(md);
}

const reportFile = value("report", undefined);
if (reportFile) {
  const report: ClusterReport = JSON.parse(readFileSync(reportFile, "utf8"));
  const md = markdown(report);
  writeFileSync(reportFile.replace(/\.json$/, ".md"), md);
  console.log(md);
} else await main();
