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
 *
 * Each cell is run `--repeat` times (full run 3, quick 1), interleaved: run
 * 1 of every server of a scenario, then run 2 of every server, and so on, so
 * a slow spell of the machine hits every server alike. The median is kept,
 * with the min and max.
 *   bun bench/run.ts --report bench/results/FILE.json   (re-renders FILE.md)
 */

import { type ChildProcess, spawnSync } from "node:child_process";
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
  GENERATOR_CORE,
  NODE,
  nodeBundle,
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

// -- options --

const { flag, value, list } = parseArgs();

const quick = flag("quick");
const profile = flag("profile");
const repeat = Math.max(1, Number(value("repeat", quick ? "1" : "3")));
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
  "socketio-node-recovery": {
    label: "socket.io 4.8 on Node (official) with connectionStateRecovery",
    runtime: "node",
    entry: "bench/servers/socketio_node.ts",
    env: { RECOVERY: "1" },
  },
  "socketio-bun-recovery": {
    label: "socket.io 4.8 + @socket.io/bun-engine on Bun (official) with connectionStateRecovery",
    runtime: "bun",
    entry: "bench/servers/socketio_bun.ts",
    limit: "raw-bun",
    env: { RECOVERY: "1" },
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
  storm: { total: 10000, concurrency: 100 },
  polling: { total: 6000, concurrency: 50 },
  reconnect: { total: 10000, concurrency: 200 },
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
  reconnect: { total: 500, concurrency: 100 },
  memory: { levels: "200,500", concurrency: 100, settle: 1 },
  binary: { clients: 4, inflight: 2, "bin-size": 65536 },
};

/** What `--quick` runs unless told otherwise: one server per kind, under a minute. */
const QUICK_SERVERS = ["webio-bun", "webio-deno", "socketio-bun", "socketio-node"];
const QUICK_SCENARIOS = ["echo", "broadcast", "storm", "polling", "reconnect"];

const scenarioOpts = quick ? QUICK : FULL;
const serverNames = list("servers", quick ? QUICK_SERVERS : Object.keys(SERVERS));
const scenarioNames = list("scenarios", quick ? QUICK_SCENARIOS : Object.keys(FULL));
const warmup = Number(value("warmup", quick ? "0.3" : "3"));
const duration = Number(value("duration", quick ? "1" : "10"));
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

/**
 * Runs the generator for one scenario and resolves with its `RESULT`. Every
 * other line it prints goes to `onLine` with the generator itself (the
 * reconnect storm asks the orchestrator to restart the server that way, and
 * is answered on the generator's stdin).
 */
function runGenerator(
  scenario: string,
  port: number,
  pid: number,
  gen: { runtime: string; transport: string } = { runtime: genRuntime, transport: genTransport },
  onLine?: (line: string, generator: ChildProcess) => void,
): Promise<RunResult> {
  const entry = "bench/loadgen.ts";
  const exe = gen.runtime === "node" ? [NODE, nodeBundle(entry)] : [BUN, entry];
  const o = { ...scenarioOpts[scenario], warmup, duration };
  const args = [
    "--scenario",
    scenario,
    "--port",
    String(port),
    "--pid",
    String(pid),
    "--transport",
    gen.transport,
    "--timeout",
    String(Math.max(120, warmup + duration + 60)),
  ];
  for (const [k, v] of Object.entries(o)) args.push(`--${k}`, String(v));
  const child = pinned(GENERATOR_CORE, [...exe, ...args], { stdio: ["pipe", "pipe", "pipe"] });
  let out = "";
  let pending = "";
  let err = "";
  child.stdout!.on("data", (d) => {
    out += d;
    pending += d;
    let nl;
    while ((nl = pending.indexOf("\n")) >= 0) {
      const line = pending.slice(0, nl);
      pending = pending.slice(nl + 1);
      if (!line.startsWith("RESULT ")) onLine?.(line, child);
    }
  });
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
  gen?: { runtime: string; transport: string },
): Promise<RunResult> {
  let server: Started;
  try {
    server = await startServer(serverName, port, scenario);
  } catch (err) {
    return { error: String((err as Error).message ?? err) };
  }
  await sleep(300);
  // The reconnect storm: once every client is connected the generator says
  // RESTART; the server is killed (as a crash or a deploy would) and started
  // again on the same port, and the generator is told its new PID.
  let restartError: string | undefined;
  const onLine = (line: string, generator: ChildProcess) => {
    if (line !== "RESTART") return;
    process.kill(server.pid, "SIGKILL");
    server.child.once("exit", async () => {
      try {
        server = await startServer(serverName, port, scenario);
        generator.stdin!.write(`PID ${server.pid} ${Date.now()}\n`);
      } catch (err) {
        restartError = String((err as Error).message ?? err);
        generator.kill("SIGKILL");
      }
    });
  };
  const result = await runGenerator(scenario, port, server.pid, gen, onLine);
  if (restartError) result.error = `restart failed: ${restartError}`;
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

/** One run in a line: its figure, or its error. */
function summary(scenario: string, r: RunResult): string {
  const f = figure(scenario, r);
  return f === undefined
    ? `error: ${String(r.error).slice(0, 200)}`
    : `${Math.round(f)} ${r.unit ?? ""}`;
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
    // Interleaved: round i runs every server once, so a slow spell of the
    // machine falls on all of them rather than on one server's runs.
    const runs: Record<string, RunResult[]> = {};
    for (let i = 0; i < repeat; i++) {
      for (const name of serverNames) {
        const r = await measureOne(name, scenario, port++);
        (runs[name] ??= []).push(r);
        if (repeat > 1) {
          console.log(`${scenario} ${name} run ${i + 1}/${repeat}`, summary(scenario, r));
        }
      }
    }
    for (const name of serverNames) {
      const r = median(scenario, runs[name]);
      if (repeat > 1) {
        r.runs = runs[name].map((x) => figure(scenario, x) ?? null);
        r.saturatedRuns = runs[name].filter((x) => (x.genCpuPct ?? 0) > 90).length;
      }
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
