/**
 * Side-by-side benchmark of webio against the official Socket.IO server and
 * the raw runtimes. Every server runs as its own process pinned to core 0
 * (`taskset -c 0`), started fresh for each scenario and stopped by its PID;
 * the load generator runs pinned to core 1. See bench/README.md.
 *
 *   node bench/run.mjs [--quick] [--servers a,b] [--scenarios x,y]
 *                      [--generator bun:bun-tcp] [--compare-generators | --no-compare-generators]
 *                      [--repeat N] [--profile] [--duration S] [--warmup S] [--out DIR]
 *   node bench/run.mjs --report bench/results/FILE.json   (re-renders FILE.md)
 */

import { spawn, spawnSync } from "node:child_process";
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { cpus, freemem, loadavg, totalmem } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { topFunctions } from "./lib/profile_top.mjs";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const BIN = join(ROOT, "node_modules", ".bin");
const DENO = join(BIN, "deno");
const BUN = join(BIN, "bun");
const NODE = process.execPath;
const SERVER_CORE = "0";
const GENERATOR_CORE = "1";
const NOFILE = 65536;

// -- options --

const argv = process.argv.slice(2);
const flag = (name) => argv.includes(`--${name}`);
const value = (name, fallback) => {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 && argv[i + 1] !== undefined ? argv[i + 1] : fallback;
};
const list = (name, fallback) => {
  const v = value(name, undefined);
  return v ? v.split(",").map((s) => s.trim()).filter(Boolean) : fallback;
};

const quick = flag("quick");
const profile = flag("profile");
const repeat = Math.max(1, Number(value("repeat", 1)));
const compareGens = flag("compare-generators") || (!quick && !flag("no-compare-generators"));

// -- servers --

const denoRun = (file) => [
  DENO,
  "run",
  "--allow-net",
  "--allow-env",
  "--allow-read",
  "--no-lock",
  "--no-prompt",
  "--v8-flags=--expose-gc",
  ...(profile ? ["--cpu-prof", "--cpu-prof-dir", "PROFDIR"] : []),
  file,
];
const bunRun = (file) => [
  BUN,
  ...(profile ? ["--cpu-prof", "--cpu-prof-dir=PROFDIR"] : []),
  file,
];
const nodeRun = (file) => [
  NODE,
  "--expose-gc",
  ...(profile ? ["--cpu-prof", "--cpu-prof-dir", "PROFDIR"] : []),
  file,
];

/** Every server of the bench. `limit`: the raw server of the same runtime. */
const SERVERS = {
  "webio-bun": {
    label: "webio on Bun (Bun.serve + io.bun())",
    cmd: bunRun("bench/servers/webio_bun.ts"),
    limit: "raw-bun",
  },
  "webio-deno": {
    label: "webio on Deno (the app's own Deno.serve + Deno.upgradeWebSocket)",
    cmd: denoRun("bench/servers/webio_deno.ts"),
    limit: "raw-deno",
  },
  "webio-deno-listen": {
    label: "webio on Deno (new Server(port): webio's own listener)",
    cmd: denoRun("bench/servers/webio_deno_listen.ts"),
    limit: "raw-deno",
  },
  "webio-deno-node-http": {
    label: "webio on Deno (node:http, webio's own frame reader)",
    cmd: denoRun("bench/servers/webio_deno_node_http.ts"),
    limit: "raw-deno",
  },
  "webio-hono-bun": {
    label: "webio as a Hono route on Bun",
    cmd: bunRun("bench/servers/webio_hono_bun.ts"),
    limit: "raw-bun",
  },
  "socketio-node": {
    label: "socket.io 4.8 on Node (official)",
    cmd: nodeRun("bench/servers/socketio_node.mjs"),
    official: true,
  },
  "socketio-bun": {
    label: "socket.io 4.8 + @socket.io/bun-engine on Bun (official)",
    cmd: bunRun("bench/servers/socketio_bun.mjs"),
    official: true,
    limit: "raw-bun",
  },
  "raw-bun": {
    label: "raw Bun.serve WebSocket (limit)",
    cmd: bunRun("bench/servers/raw_bun.ts"),
    raw: true,
  },
  "raw-bun-pubsub": {
    label: "raw Bun.serve WebSocket, broadcasts by Bun's native pub/sub",
    cmd: bunRun("bench/servers/raw_bun.ts"),
    env: { RAW_PUBSUB: "1" },
    raw: true,
  },
  "raw-deno": {
    label: "raw Deno.serve WebSocket (limit)",
    cmd: denoRun("bench/servers/raw_deno.ts"),
    raw: true,
  },
};
const OFFICIAL = "socketio-node";

// -- scenarios: the full numbers, and the small ones of --quick --

const FULL = {
  echo: { clients: 100, inflight: 10, payload: 32 },
  ack: { clients: 100, inflight: 10, payload: 32 },
  broadcast: { clients: 1000, window: 16, payload: 32 },
  room: { clients: 1000, "room-size": 100, window: 32, payload: 32 },
  storm: { total: 2000, concurrency: 100 },
  polling: { total: 2000, concurrency: 50 },
  memory: { levels: "5000,10000", concurrency: 200, settle: 3 },
  binary: { clients: 20, inflight: 2, "bin-size": 65536 },
};
const QUICK = {
  echo: { clients: 20, inflight: 5, payload: 32 },
  ack: { clients: 20, inflight: 5, payload: 32 },
  broadcast: { clients: 100, window: 16, payload: 32 },
  room: { clients: 100, "room-size": 20, window: 16, payload: 32 },
  storm: { total: 200, concurrency: 50 },
  polling: { total: 200, concurrency: 20 },
  memory: { levels: "200,500", concurrency: 100, settle: 1 },
  binary: { clients: 4, inflight: 2, "bin-size": 65536 },
};
const DESCRIBE = {
  echo: (o) => `echo, ${o.clients} clients × ${o.inflight} in flight, ${o.payload} B string`,
  ack: (o) => `echo with acks, ${o.clients} clients × ${o.inflight} in flight`,
  broadcast: (o) => `io.emit to ${o.clients} clients, ${o.window} broadcasts in flight`,
  room: (o) =>
    `io.to(room).emit to ${o["room-size"]} of ${o.clients} clients, ${o.window} in flight`,
  storm: (o) => `${o.total} WebSocket handshakes + namespace connect, ${o.concurrency} at a time`,
  polling: (o) =>
    `${o.total} polling handshakes (GET open, POST 40, GET 40) on ${o.concurrency} keep-alive connections`,
  memory: (o) => `idle RSS per connection above the empty server at ${o.levels} connections`,
  binary: (o) => `${o["bin-size"] / 1024} KB binary echo, ${o.clients} clients × ${o.inflight}`,
};
/** Lower is better only for memory. */
const LOWER_IS_BETTER = new Set(["memory"]);

const scenarioOpts = quick ? QUICK : FULL;
const serverNames = list("servers", Object.keys(SERVERS));
const scenarioNames = list("scenarios", Object.keys(FULL));
const warmup = Number(value("warmup", quick ? 0.5 : 3));
const duration = Number(value("duration", quick ? 1.5 : 10));
const [genRuntime, genTransport] = value("generator", "bun:bun-tcp").split(":");
// Below the ephemeral range (32768-60999), so no client socket holds a server's port.
const basePort = Number(value("port", 21000));
const stamp = new Date().toISOString().replace(/[:]/g, "-").slice(0, 19);
const outDir = resolve(ROOT, value("out", quick ? "bench/results/tmp" : "bench/results"));
const profDir = join(ROOT, "bench/results/tmp/prof", stamp);

for (const s of serverNames) if (!SERVERS[s]) die(`unknown server ${s}`);
for (const s of scenarioNames) if (!FULL[s]) die(`unknown scenario ${s}`);

function die(msg) {
  console.error(msg);
  process.exit(2);
}

// -- processes --

/** `cmd` under `ulimit -n` and `taskset -c core`; exec keeps the PID. */
function pinned(core, cmd, opts) {
  const script =
    `ulimit -n ${NOFILE} 2>/dev/null || ulimit -n $(ulimit -Hn); exec taskset -c ${core} "$@"`;
  return spawn("sh", ["-c", script, "sh", ...cmd], { cwd: ROOT, ...opts });
}

function startServer(name, port, scenario) {
  const dir = join(profDir, name, scenario);
  const cmd = SERVERS[name].cmd.map((a) => a.replace("PROFDIR", dir));
  if (profile) mkdirSync(dir, { recursive: true });
  const child = pinned(SERVER_CORE, cmd, {
    env: {
      ...process.env,
      ...SERVERS[name].env,
      PORT: String(port),
      NODE_ENV: "production",
      DENO_NO_UPDATE_CHECK: "1",
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stderr = "";
  child.stderr.on("data", (d) => stderr = (stderr + d).slice(-4000));
  return new Promise((resolveStart, reject) => {
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`${name} did not start: ${stderr.slice(-300)}`));
    }, 20000);
    let out = "";
    child.stdout.on("data", (d) => {
      out += d;
      if (out.includes("READY")) {
        clearTimeout(timer);
        resolveStart({ child, pid: child.pid, stderr: () => stderr });
      }
    });
    child.on("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`${name} exited (${code}) before ready: ${stderr.slice(-300)}`));
    });
  });
}

/** SIGTERM by PID (the apps exit, writing a CPU profile if asked), then SIGKILL. */
function stopServer(server) {
  return new Promise((done) => {
    if (server.child.exitCode !== null || server.child.signalCode !== null) return done();
    const kill = setTimeout(() => {
      try {
        process.kill(server.pid, "SIGKILL");
      } catch { /* gone */ }
    }, profile ? 15000 : 5000);
    server.child.once("exit", () => {
      clearTimeout(kill);
      done();
    });
    try {
      process.kill(server.pid, "SIGTERM");
    } catch {
      done();
    }
  });
}

function runGenerator(scenario, port, pid, extra, runtime = genRuntime, transport = genTransport) {
  const exe = runtime === "node" ? NODE : BUN;
  const o = { ...scenarioOpts[scenario], warmup, duration, ...extra };
  const args = [
    "bench/loadgen.mjs",
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
  const child = pinned(GENERATOR_CORE, [exe, ...args], { stdio: ["ignore", "pipe", "pipe"] });
  let out = "";
  let err = "";
  child.stdout.on("data", (d) => out += d);
  child.stderr.on("data", (d) => err = (err + d).slice(-4000));
  return new Promise((done) => {
    child.on("exit", (code) => {
      const line = out.split("\n").find((l) => l.startsWith("RESULT "));
      if (!line) return done({ error: `generator exited ${code}: ${err.slice(-500)}` });
      done(JSON.parse(line.slice(7)));
    });
  });
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// -- facts about the run --

function sh(cmd) {
  const r = spawnSync("sh", ["-c", cmd], { cwd: ROOT, encoding: "utf8" });
  return (r.stdout || "").trim();
}

function versionOf(pkg) {
  try {
    return JSON.parse(readFileSync(join(ROOT, "node_modules", pkg, "package.json"), "utf8"))
      .version;
  } catch {
    return "missing";
  }
}

function machine() {
  return {
    nproc: cpus().length,
    cpu: cpus()[0]?.model ?? "unknown",
    memGiB: Math.round(totalmem() / 2 ** 30),
    freeGiB: Math.round(freemem() / 2 ** 30),
    kernel: sh("uname -r"),
    loadavgAtStart: loadavg().map((x) => Math.round(x * 100) / 100),
  };
}

function versions() {
  const pkg = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8"));
  return {
    webio: `${pkg.version} (${sh("git rev-parse --short HEAD")}${
      sh("git status --porcelain -- src mod.ts") ? ", uncommitted changes" : ""
    })`,
    node: process.version,
    deno: sh(`${DENO} --version`).split("\n")[0],
    bun: sh(`${BUN} --version`),
    "socket.io": versionOf("socket.io"),
    "@socket.io/bun-engine": versionOf("@socket.io/bun-engine"),
    hono: versionOf("hono"),
    generator: `${genRuntime} + ${genTransport}`,
  };
}

// -- the run --

/** Pin this orchestrator to the generator's core, away from the servers. */
spawnSync("taskset", ["-a", "-cp", GENERATOR_CORE, String(process.pid)], { stdio: "ignore" });

async function measureOne(serverName, scenario, port, genOverride) {
  let server;
  try {
    server = await startServer(serverName, port, scenario);
  } catch (err) {
    return { error: String(err.message ?? err) };
  }
  await sleep(300);
  const result = await runGenerator(
    scenario,
    port,
    server.pid,
    {},
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

function median(scenario, runs) {
  const ok = runs.filter((r) => figure(scenario, r) !== undefined);
  if (ok.length === 0) return runs[0];
  ok.sort((a, b) => figure(scenario, a) - figure(scenario, b));
  return ok[Math.floor((ok.length - 1) / 2)];
}

function figure(scenario, r) {
  if (!r || r.error) return undefined;
  if (scenario === "memory") return r.levels?.at(-1)?.kbPerConn;
  return r.rate;
}

/** > 1 means `a` is better than `b`. */
function ratio(scenario, a, b) {
  if (a === undefined || b === undefined || a <= 0 || b <= 0) return undefined;
  return LOWER_IS_BETTER.has(scenario) ? b / a : a / b;
}

async function compareGenerators(port) {
  const candidates = [
    { runtime: "bun", transport: "bun-tcp" },
    { runtime: "bun", transport: "net" },
    { runtime: "node", transport: "net" },
    { runtime: "bun", transport: "bun-ws" },
    { runtime: "node", transport: "ws" },
  ];
  const rows = [];
  for (const g of candidates) {
    const r = await measureOne("raw-bun", "echo", port++, g);
    console.log(`generator ${g.runtime}:${g.transport}`, JSON.stringify(r));
    rows.push({ ...g, ...r });
  }
  return rows;
}

async function main() {
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
  const results = {};
  const profiles = {};
  for (const scenario of scenarioNames) {
    results[scenario] = {};
    for (const name of serverNames) {
      // With --repeat N, each server runs N times (fresh each time); the median is kept.
      const runs = [];
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
  info.seconds = Math.round((Date.now() - started.getTime()) / 1000);
  const report = {
    ...info,
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
  writeFileSync(`${base}.md`, markdown(report));
  console.log(`\nwrote ${base}.md and ${base}.json\n`);
  console.log(markdown(report));
}

// -- the report --

const fmt = (x, d = 0) =>
  x === undefined || x === null || Number.isNaN(x)
    ? "—"
    : x.toLocaleString("en-US", { maximumFractionDigits: d, minimumFractionDigits: d });
const times = (x) => (x === undefined ? "—" : `${fmt(x, 2)}×`);

function markdown(report) {
  const m = report.machine;
  const v = report.versions;
  const lines = [];
  lines.push(`# webio benchmark ${report.date.slice(0, 10)}${report.quick ? " (quick)" : ""}`);
  lines.push("");
  lines.push(
    `- Date: ${report.date}; took ${report.seconds} s; warm-up ${report.warmup} s, ` +
      `measured ${report.duration} s per throughput run; ` +
      `${report.repeat > 1 ? `median of ${report.repeat} runs` : "one run"} per cell.`,
  );
  lines.push(
    `- Machine: ${m.nproc} cores, ${m.cpu}, ${m.memGiB} GiB, Linux ${m.kernel}; ` +
      `load average ${m.loadavgAtStart.join(" ")} at start, ${m.loadavgAtEnd.join(" ")} at end.`,
  );
  lines.push(
    `- Versions: webio ${v.webio}; Node ${v.node}; ${v.deno}; Bun ${v.bun}; ` +
      `socket.io ${v["socket.io"]}; @socket.io/bun-engine ${v["@socket.io/bun-engine"]}; ` +
      `hono ${v.hono}.`,
  );
  lines.push(
    `- Server pinned to core ${SERVER_CORE}, generator (${v.generator}) to core ${GENERATOR_CORE}. ` +
      `Ratios: > 1 is better than the reference (for memory, the reference's KB/conn over ours). ` +
      `"best official" = the better of socket.io on Node and on bun-engine; "raw" = the raw ` +
      `server of the same runtime. ⚠ = the generator used > 90% of its core (it may be the limit).`,
  );
  lines.push("");
  const names = Object.keys(Object.values(report.results)[0] ?? {});

  // Summary: ratio to the official server.
  lines.push("## Summary: × the official socket.io on Node (> 1 = better)");
  lines.push("");
  lines.push(`| server | ${Object.keys(report.results).join(" | ")} |`);
  lines.push(`|---|${Object.keys(report.results).map(() => "---:").join("|")}|`);
  for (const name of names) {
    const cells = Object.entries(report.results).map(([scenario, rs]) =>
      times(ratio(scenario, figure(scenario, rs[name]), figure(scenario, rs[OFFICIAL])))
    );
    lines.push(`| ${name} | ${cells.join(" | ")} |`);
  }
  lines.push("");

  // CPU efficiency: operations per second of server CPU, which holds even
  // when the server was not saturated (a busy machine, a latency-bound run).
  const efficiency = (r) => (r?.serverCpuUsPerOp > 0 ? 1e6 / r.serverCpuUsPerOp : undefined);
  const throughput = Object.keys(report.results).filter((s) => s !== "memory");
  lines.push("## Summary: server CPU efficiency (ops per server CPU-second), × official");
  lines.push("");
  lines.push(`| server | ${throughput.join(" | ")} |`);
  lines.push(`|---|${throughput.map(() => "---:").join("|")}|`);
  for (const name of names) {
    const cells = throughput.map((scenario) => {
      const rs = report.results[scenario];
      return times(ratio(scenario, efficiency(rs[name]), efficiency(rs[OFFICIAL])));
    });
    lines.push(`| ${name} | ${cells.join(" | ")} |`);
  }
  lines.push("");

  for (const [scenario, rs] of Object.entries(report.results)) {
    const o = report.scenarioOptions[scenario];
    lines.push(`## ${scenario}: ${DESCRIBE[scenario](o)}`);
    lines.push("");
    const officials = names.filter((n) => SERVERS[n]?.official);
    const off = figure(scenario, rs[OFFICIAL]);
    if (scenario === "memory") {
      const levels = (Object.values(rs).find((r) => r?.levels)?.levels ?? []).map((l) =>
        l.connections
      );
      lines.push(
        `| server | base RSS MB | ${
          levels.map((n) => `KB/conn @${n}`).join(" | ")
        } | × official | × best official | × raw |`,
      );
      lines.push(`|---|---:|${levels.map(() => "---:").join("|")}|---:|---:|---:|`);
    } else {
      const unit = Object.values(rs).find((r) => r?.unit)?.unit ?? "ops/s";
      lines.push(
        `| server | ${unit} | server CPU % | server µs CPU/op | ops/CPU-s | gen CPU % | × official | × best official | × raw |`,
      );
      lines.push("|---|---:|---:|---:|---:|---:|---:|---:|---:|");
    }
    for (const name of names) {
      const r = rs[name];
      if (!r || r.error) {
        // deno-lint-ignore no-control-regex
        const why = String(r?.error ?? "missing").replace(/\x1b\[[0-9;]*m/g, "")
          .replace(/\s+/g, " ").replace(/\|/g, "/").slice(-160);
        lines.push(`| ${name} | error: ${why} |`);
        continue;
      }
      const f = figure(scenario, r);
      const peers = officials.filter((n) => n !== name || officials.length === 1)
        .map((n) => figure(scenario, rs[n])).filter((x) => x !== undefined);
      const best = peers.length
        ? (LOWER_IS_BETTER.has(scenario) ? Math.min(...peers) : Math.max(...peers))
        : undefined;
      const limitName = SERVERS[name]?.limit;
      const raw = limitName ? figure(scenario, rs[limitName]) : undefined;
      const ratios = `${times(ratio(scenario, f, off))} | ${times(ratio(scenario, f, best))} | ${
        times(ratio(scenario, f, raw))
      }`;
      if (scenario === "memory") {
        const cells = r.levels.map((l) => fmt(l.kbPerConn, 1)).join(" | ");
        lines.push(`| ${name} | ${fmt(r.baseKb / 1024, 1)} | ${cells} | ${ratios} |`);
      } else {
        const warn = r.genCpuPct > 90 ? " ⚠" : "";
        lines.push(
          `| ${name} | ${fmt(f)}${warn} | ${fmt(r.serverCpuPct)} | ${
            fmt(r.serverCpuUsPerOp, 2)
          } | ${fmt(efficiency(r))} | ${fmt(r.genCpuPct)} | ${ratios} |`,
        );
      }
    }
    lines.push("");
  }

  if (report.generators) {
    lines.push("## Generators: echo against raw-bun");
    lines.push("");
    lines.push("| generator | msgs/s | gen CPU % | gen µs CPU/msg | server CPU % |");
    lines.push("|---|---:|---:|---:|---:|");
    for (const g of report.generators) {
      lines.push(
        `| ${g.runtime} + ${g.transport} | ${fmt(g.rate)} | ${fmt(g.genCpuPct)} | ${
          fmt(g.genCpuUsPerOp, 2)
        } | ${fmt(g.serverCpuPct)} |`,
      );
    }
    lines.push("");
  }

  if (report.profiles) {
    lines.push("## CPU profiles: top functions by self time");
    for (const [key, p] of Object.entries(report.profiles)) {
      lines.push("");
      lines.push(`### ${key} (${p.file.replace(ROOT + "/", "")})`);
      lines.push("");
      lines.push("Percentages of the busy (non-idle) samples of the whole server run.");
      lines.push("");
      lines.push("| self % | total % | function | where |");
      lines.push("|---:|---:|---|---|");
      for (const t of p.top) {
        lines.push(`| ${t.selfPct} | ${t.totalPct} | ${t.name} | ${t.where} |`);
      }
    }
    lines.push("");
  }
  return lines.join("\n") + "\n";
}

const reportFile = value("report", undefined);
if (reportFile) {
  // Re-render the markdown of an earlier run from its JSON.
  const report = JSON.parse(readFileSync(reportFile, "utf8"));
  const md = markdown(report);
  writeFileSync(reportFile.replace(/\.json$/, ".md"), md);
  console.log(md);
} else await main();
