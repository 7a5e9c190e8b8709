/**
 * Side-by-side benchmark of webio against the official Socket.IO server and
 * the raw runtimes. Every server runs as its own process pinned to core 0
 * (`taskset -c 0`), started fresh for each scenario and stopped by its PID;
 * the load generator runs pinned to core 1. Run by Bun (`npm run bench`);
 * see bench/README.md.
 *
 *   bun bench/run.ts [--quick] [--servers a,b] [--scenarios x,y]
 *                    [--generator bun:bun-tcp] [--compare-generators | --no-compare-generators]
 *                    [--repeat N] [--profile] [--duration S] [--warmup S] [--port N] [--out DIR]
 *   bun bench/run.ts --report bench/results/FILE.json   (re-renders FILE.md)
 */

import { spawnSync } from "node:child_process";
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { cpus, freemem, loadavg, totalmem } from "node:os";
import { join, resolve } from "node:path";
import { topFunctions } from "./lib/profile_top.ts";
import {
  figure,
  type GeneratorRow,
  type Machine,
  markdown,
  median,
  type Report,
  type ReportLayout,
  type RunResult,
  type ScenarioOptions,
} from "./lib/report.ts";
import {
  BUN,
  DENO,
  NODE,
  nodeBundle,
  pinned,
  ROOT,
  type Runtime,
  serverCommand,
  type Started,
  startPinned,
  stopPinned,
} from "./lib/spawn.ts";
import { parseArgs } from "./lib/args.ts";

const SERVER_CORE = "0";
const GENERATOR_CORE = "1";

// -- options --

const { flag, value, list } = parseArgs();

const quick = flag("quick");
const profile = flag("profile");
const repeat = Math.max(1, Number(value("repeat", "1")));
const compareGens = flag("compare-generators") || (!quick && !flag("no-compare-generators"));

// -- servers --

/** A server of the bench. */
interface ServerSpec {
  label: string;
  runtime: Runtime;
  /** The entry file, relative to the repository. */
  entry: string;
  env?: Record<string, string>;
  /** The raw server of the same runtime. */
  limit?: string;
  official?: boolean;
  raw?: boolean;
}

/** Every server of the bench. */
const SERVERS: Record<string, ServerSpec> = {
  "webio-bun": {
    label: "webio on Bun (Bun.serve + io.bun())",
    runtime: "bun",
    entry: "bench/servers/webio_bun.ts",
    limit: "raw-bun",
  },
  "webio-bun-recovery": {
    label: "webio on Bun with connectionStateRecovery",
    runtime: "bun",
    entry: "bench/servers/webio_bun.ts",
    limit: "raw-bun",
    env: { RECOVERY: "1" },
  },
  "webio-deno": {
    label: "webio on Deno (the app's own Deno.serve + Deno.upgradeWebSocket)",
    runtime: "deno",
    entry: "bench/servers/webio_deno.ts",
    limit: "raw-deno",
  },
  "webio-deno-listen": {
    label: "webio on Deno (new Server(port): webio's own listener)",
    runtime: "deno",
    entry: "bench/servers/webio_deno_listen.ts",
    limit: "raw-deno",
  },
  "webio-deno-listen-recovery": {
    label: "webio on Deno (new Server(port): webio's own listener) with connectionStateRecovery",
    runtime: "deno",
    entry: "bench/servers/webio_deno_listen.ts",
    limit: "raw-deno",
    env: { RECOVERY: "1" },
  },
  "webio-deno-node-http": {
    label: "webio on Deno (node:http, webio's own frame reader)",
    runtime: "deno",
    entry: "bench/servers/webio_deno_node_http.ts",
    limit: "raw-deno",
  },
  "webio-hono-bun": {
    label: "webio as a Hono route on Bun",
    runtime: "bun",
    entry: "bench/servers/webio_hono_bun.ts",
    limit: "raw-bun",
  },
  "socketio-node": {
    label: "socket.io 4.8 on Node (official)",
    runtime: "node",
    entry: "bench/servers/socketio_node.ts",
    official: true,
  },
  "socketio-bun": {
    label: "socket.io 4.8 + @socket.io/bun-engine on Bun (official)",
    runtime: "bun",
    entry: "bench/servers/socketio_bun.ts",
    official: true,
    limit: "raw-bun",
  },
  "raw-bun": {
    label: "raw Bun.serve WebSocket (limit)",
    runtime: "bun",
    entry: "bench/servers/raw_bun.ts",
    raw: true,
  },
  "raw-bun-pubsub": {
    label: "raw Bun.serve WebSocket, broadcasts by Bun's native pub/sub",
    runtime: "bun",
    entry: "bench/servers/raw_bun.ts",
    env: { RAW_PUBSUB: "1" },
    raw: true,
  },
  "raw-deno": {
    label: "raw Deno.serve WebSocket (limit)",
    runtime: "deno",
    entry: "bench/servers/raw_deno.ts",
    raw: true,
  },
};
const OFFICIAL = "socketio-node";

/** What the report needs of the servers and the layout. */
const LAYOUT: ReportLayout = {
  servers: SERVERS,
  official: OFFICIAL,
  root: ROOT,
  serverCore: SERVER_CORE,
  generatorCore: GENERATOR_CORE,
};

// -- scenarios: the full numbers, and the small ones of --quick --

const FULL: Record<string, ScenarioOptions> = {
  echo: { clients: 100, inflight: 10, payload: 32 },
  ack: { clients: 100, inflight: 10, payload: 32 },
  broadcast: { clients: 1000, window: 16, payload: 32 },
  room: { clients: 1000, "room-size": 100, window: 32, payload: 32 },
  storm: { total: 2000, concurrency: 100 },
  polling: { total: 2000, concurrency: 50 },
  memory: { levels: "5000,10000", concurrency: 200, settle: 3 },
  binary: { clients: 20, inflight: 2, "bin-size": 65536 },
};
const QUICK: Record<string, ScenarioOptions> = {
  echo: { clients: 20, inflight: 5, payload: 32 },
  ack: { clients: 20, inflight: 5, payload: 32 },
  broadcast: { clients: 100, window: 16, payload: 32 },
  room: { clients: 100, "room-size": 20, window: 16, payload: 32 },
  storm: { total: 200, concurrency: 50 },
  polling: { total: 200, concurrency: 20 },
  memory: { levels: "200,500", concurrency: 100, settle: 1 },
  binary: { clients: 4, inflight: 2, "bin-size": 65536 },
};

const scenarioOpts = quick ? QUICK : FULL;
const serverNames = list("servers", Object.keys(SERVERS));
const scenarioNames = list("scenarios", Object.keys(FULL));
const warmup = Number(value("warmup", quick ? "0.5" : "3"));
const duration = Number(value("duration", quick ? "1.5" : "10"));
const [genRuntime, genTransport] = value("generator", "bun:bun-tcp").split(":");
// Below the ephemeral range (32768-60999), so no client socket holds a server's port.
const basePort = Number(value("port", "21000"));
const stamp = new Date().toISOString().replace(/[:]/g, "-").slice(0, 19);
const outDir = resolve(ROOT, value("out", quick ? "bench/results/tmp" : "bench/results"));
const profDir = join(ROOT, "bench/results/tmp/prof", stamp);

for (const s of serverNames) if (!SERVERS[s]) die(`unknown server ${s}`);
for (const s of scenarioNames) if (!FULL[s]) die(`unknown scenario ${s}`);

function die(msg: string): never {
  console.error(msg);
  process.exit(2);
}

// -- processes --

function startServer(name: string, port: number, scenario: string): Promise<Started> {
  const spec = SERVERS[name];
  const dir = join(profDir, name, scenario);
  if (profile) mkdirSync(dir, { recursive: true });
  let cmd: string[];
  try {
    cmd = serverCommand(spec.runtime, spec.entry, profile ? dir : undefined);
  } catch (err) {
    die((err as Error).message);
  }
  return startPinned(name, SERVER_CORE, cmd, {
    ...process.env,
    ...spec.env,
    PORT: String(port),
    NODE_ENV: "production",
    DENO_NO_UPDATE_CHECK: "1",
  });
}

/** SIGTERM by PID (the apps exit, writing a CPU profile if asked), then SIGKILL. */
function stopServer(server: Started): Promise<void> {
  return stopPinned(server, profile ? 15000 : 5000);
}

function runGenerator(
  scenario: string,
  port: number,
  pid: number,
  runtime = genRuntime,
  transport = genTransport,
): Promise<RunResult> {
  const entry = "bench/loadgen.ts";
  const exe = runtime === "node" ? [NODE, nodeBundle(entry)] : [BUN, entry];
  const o = { ...scenarioOpts[scenario], warmup, duration };
  const args = [
    "--scenario",
    scenario,
    "--port",
    String(port),
    "--pid",
    String(pid),
    "--transport",
    transport,
    "--timeout",
    String(Math.max(60, warmup + duration + 60)),
  ];
  for (const [k, v] of Object.entries(o)) args.push(`--${k}`, String(v));
  const child = pinned(GENERATOR_CORE, [...exe, ...args], { stdio: ["ignore", "pipe", "pipe"] });
  let out = "";
  let err = "";
  child.stdout!.on("data", (d) => out += d);
  child.stderr!.on("data", (d) => err = (err + d).slice(-4000));
  return new Promise((done) => {
    child.on("exit", (code) => {
      const line = out.split("\n").find((l) => l.startsWith("RESULT "));
      if (!line) return done({ error: `generator exited ${code}: ${err.slice(-500)}` });
      done(JSON.parse(line.slice(7)));
    });
  });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

// -- facts about the run --

function sh(cmd: string): string {
  const r = spawnSync("sh", ["-c", cmd], { cwd: ROOT, encoding: "utf8" });
  return (r.stdout || "").trim();
}

function versionOf(pkg: string): string {
  try {
    return JSON.parse(readFileSync(join(ROOT, "node_modules", pkg, "package.json"), "utf8"))
      .version;
  } catch {
    return "missing";
  }
}

function machine(): Machine {
  return {
    nproc: cpus().length,
    cpu: cpus()[0]?.model ?? "unknown",
    memGiB: Math.round(totalmem() / 2 ** 30),
    freeGiB: Math.round(freemem() / 2 ** 30),
    kernel: sh("uname -r"),
    loadavgAtStart: loadavg().map((x) => Math.round(x * 100) / 100),
  };
}

function versions(): Record<string, string> {
  const pkg = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8"));
  return {
    webio: `${pkg.version} (${sh("git rev-parse --short HEAD")}${
      sh("git status --porcelain -- src mod.ts") ? ", uncommitted changes" : ""
    })`,
    node: sh(`${NODE} --version`),
    deno: sh(`${DENO} --version`).split("\n")[0],
    bun: sh(`${BUN} --version`),
    "socket.io": versionOf("socket.io"),
    "@socket.io/bun-engine": versionOf("@socket.io/bun-engine"),
    hono: versionOf("hono"),
    generator: `${genRuntime} + ${genTransport}`,
  };
}

// -- the run --

async function measureOne(
  serverName: string,
  scenario: string,
  port: number,
  genOverride?: { runtime: string; transport: string },
): Promise<RunResult> {
  let server: Started;
  try {
    server = await startServer(serverName, port, scenario);
  } catch (err) {
    return { error: String((err as Error).message ?? err) };
  }
  await sleep(300);
  const result = await runGenerator(
    scenario,
    port,
    server.pid,
    genOverride?.runtime,
    genOverride?.transport,
  );
  const alive = server.child.exitCode === null && server.child.signalCode === null;
  if (alive) {
    try {
      const status = readFileSync(`/proc/${server.pid}/status`, "utf8");
      result.serverPeakRssKb = Number(/^VmHWM:\s+(\d+)/m.exec(status)?.[1]);
    } catch { /* gone */ }
  } else result.error ??= `server died: ${server.stderr().slice(-300)}`;
  await stopServer(server);
  return result;
}

async function compareGenerators(port: number): Promise<GeneratorRow[]> {
  const candidates = [
    { runtime: "bun", transport: "bun-tcp" },
    { runtime: "bun", transport: "net" },
    { runtime: "node", transport: "net" },
    { runtime: "bun", transport: "bun-ws" },
    { runtime: "node", transport: "ws" },
  ];
  const rows: GeneratorRow[] = [];
  for (const g of candidates) {
    const r = await measureOne("raw-bun", "echo", port++, g);
    console.log(`generator ${g.runtime}:${g.transport}`, JSON.stringify(r));
    rows.push({ ...g, ...r });
  }
  return rows;
}

async function main(): Promise<void> {
  // Pin this orchestrator to the generator's core, away from the servers.
  spawnSync("taskset", ["-a", "-cp", GENERATOR_CORE, String(process.pid)], { stdio: "ignore" });
  const started = new Date();
  const info = { date: started.toISOString(), quick, machine: machine(), versions: versions() };
  if (info.machine.loadavgAtStart[0] > 0.5) {
    console.warn(
      `warning: load average ${info.machine.loadavgAtStart[0]}: the machine is not quiet`,
    );
  }
  console.log(JSON.stringify(info));
  let port = basePort;
  const generators = compareGens ? await compareGenerators(port) : undefined;
  port += 10;
  const results: Report["results"] = {};
  const profiles: NonNullable<Report["profiles"]> = {};
  for (const scenario of scenarioNames) {
    results[scenario] = {};
    for (const name of serverNames) {
      // With --repeat N, each server runs N times (fresh each time); the median is kept.
      const runs: RunResult[] = [];
      for (let i = 0; i < repeat; i++) runs.push(await measureOne(name, scenario, port++));
      const r = median(scenario, runs);
      if (repeat > 1) r.runs = runs.map((x) => figure(scenario, x) ?? null);
      results[scenario][name] = r;
      console.log(`${scenario} ${name}`, JSON.stringify(r));
      if (profile) {
        const dir = join(profDir, name, scenario);
        const file = readdirSync(dir).find((f) => f.endsWith(".cpuprofile"));
        if (file) {
          const path = join(dir, file);
          profiles[`${name} ${scenario}`] = { file: path, top: topFunctions(path, 20) };
        }
      }
    }
  }
  info.machine.loadavgAtEnd = loadavg().map((x) => Math.round(x * 100) / 100);
  const report: Report = {
    ...info,
    seconds: Math.round((Date.now() - started.getTime()) / 1000),
    scenarioOptions: scenarioOpts,
    warmup,
    duration,
    repeat,
    results,
    generators,
  };
  if (profile) report.profiles = profiles;
  mkdirSync(outDir, { recursive: true });
  const base = join(outDir, `${stamp}${quick ? "-quick" : ""}`);
  writeFileSync(`${base}.json`, JSON.stringify(report, null, 2) + "\n");
  writeFileSync(`${base}.md`, markdown(report, LAYOUT));
  console.log(`\nwrote ${base}.md and ${base}.json\n`);
  console.log(markdown(report, LAYOUT));
}

const reportFile = value("report", undefined);
if (reportFile) {
  // Re-render the markdown of an earlier run from its JSON.
  const report: Report = JSON.parse(readFileSync(reportFile, "utf8"));
  const md = markdown(report, LAYOUT);
  writeFileSync(reportFile.replace(/\.json$/, ".md"), md);
  console.log(md);
} else await main();
