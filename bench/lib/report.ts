/**
 * The bench's report: its JSON shape, the figures and ratios read from it,
 * and its markdown. `bun bench/run.ts --report FILE.json` re-renders one.
 */
import type { TopFunction } from "./profile_top.ts";

/** Options of one scenario, passed to the generator as `--key value`. */
export type ScenarioOptions = Record<string, number | string>;

/** One level of the memory scenario. */
export interface MemoryLevel {
  connections: number;
  rssKb: number;
  kbPerConn: number;
  connectSeconds: number;
  open: number;
}

/** What one generator run reports (see bench/loadgen.ts), plus what the orchestrator adds. */
export interface RunResult {
  error?: string;
  unit?: string;
  /** Operations per second of a throughput scenario. */
  rate?: number;
  serverCpuPct?: number;
  serverCpuUsPerOp?: number | null;
  genCpuPct?: number;
  genCpuUsPerOp?: number | null;
  /** Memory: RSS of the empty server, and each level. */
  baseKb?: number;
  levels?: MemoryLevel[];
  /** VmHWM of the server at the end of the run. */
  serverPeakRssKb?: number;
  /** With --repeat: every run's figure (the median run is the one kept). */
  runs?: (number | null)[];
  /** With --repeat: how many runs had the generator above 90 % of its core. */
  saturatedRuns?: number;
  [more: string]: unknown;
}

/** A row of the generator comparison. */
export type GeneratorRow = RunResult & { runtime: string; transport: string };

/** The machine a run ran on. */
export interface Machine {
  nproc: number;
  cpu: string;
  memGiB: number;
  freeGiB: number;
  kernel: string;
  loadavgAtStart: number[];
  loadavgAtEnd?: number[];
}

/** A whole run, as written to `<date>.json`. */
export interface Report {
  date: string;
  quick: boolean;
  machine: Machine;
  versions: Record<string, string>;
  seconds?: number;
  scenarioOptions: Record<string, ScenarioOptions>;
  warmup: number;
  duration: number;
  repeat: number;
  /** scenario -> server -> result. */
  results: Record<string, Record<string, RunResult>>;
  generators?: GeneratorRow[];
  profiles?: Record<string, { file: string; top: TopFunction[] }>;
}

/** What the markdown needs to know of the servers and the machine's layout. */
export interface ReportLayout {
  /** Per server: whether it is an official one, and its runtime's raw server. */
  servers: Record<string, { official?: boolean; limit?: string }>;
  /** The reference server of the ratios. */
  official: string;
  /** The repository's directory (left out of the paths shown). */
  root: string;
  serverCore: string;
  generatorCore: string;
}

/** Lower is better for memory and for the time a reconnect storm takes. */
const LOWER_IS_BETTER = new Set(["memory", "reconnect"]);

/** Scenarios whose figure is not a rate of operations. */
const NOT_THROUGHPUT = new Set(["memory", "reconnect"]);

/** One line per scenario, from its options. */
const DESCRIBE: Record<string, (o: ScenarioOptions) => string> = {
  echo: (o) => `echo, ${o.clients} clients × ${o.inflight} in flight, ${o.payload} B string`,
  ack: (o) => `echo with acks, ${o.clients} clients × ${o.inflight} in flight`,
  broadcast: (o) => `io.emit to ${o.clients} clients, ${o.window} broadcasts in flight`,
  room: (o) =>
    `io.to(room).emit to ${o["room-size"]} of ${o.clients} clients, ${o.window} in flight`,
  storm: (o) => `${o.total} WebSocket handshakes + namespace connect, ${o.concurrency} at a time`,
  polling: (o) =>
    `${o.total} polling handshakes (GET open, POST 40, GET 40) on ${o.concurrency} keep-alive connections`,
  reconnect: (o) =>
    `${o.total} connected clients, the server killed and restarted; seconds until all are ` +
    `back with the official client's back-off (1–5 s, ±50 %)`,
  memory: (o) => `idle RSS per connection above the empty server at ${o.levels} connections`,
  binary: (o) =>
    `${Number(o["bin-size"]) / 1024} KB binary echo, ${o.clients} clients × ${o.inflight}`,
};

/** The figure of a run: its rate, or for memory the KB per connection at the last level. */
export function figure(scenario: string, r: RunResult | undefined): number | undefined {
  if (!r || r.error) return undefined;
  if (scenario === "memory") return r.levels?.at(-1)?.kbPerConn;
  if (scenario === "reconnect") return r.allBackSeconds as number | undefined;
  return r.rate;
}

/** > 1 means `a` is better than `b`. */
export function ratio(
  scenario: string,
  a: number | undefined,
  b: number | undefined,
): number | undefined {
  if (a === undefined || b === undefined || a <= 0 || b <= 0) return undefined;
  return LOWER_IS_BETTER.has(scenario) ? b / a : a / b;
}

/** The run whose figure is the median of `runs` (the first run when none has one). */
export function median(scenario: string, runs: RunResult[]): RunResult {
  const ok = runs.filter((r) => figure(scenario, r) !== undefined);
  if (ok.length === 0) return runs[0];
  ok.sort((a, b) => figure(scenario, a)! - figure(scenario, b)!);
  return ok[Math.floor((ok.length - 1) / 2)];
}

const fmt = (x: number | null | undefined, d = 0) =>
  x === undefined || x === null || Number.isNaN(x)
    ? "—"
    : x.toLocaleString("en-US", { maximumFractionDigits: d, minimumFractionDigits: d });
const times = (x: number | undefined) => (x === undefined ? "—" : `${fmt(x, 2)}×`);

/** " (min–max)" of a cell's runs, when there were several. */
function spread(r: RunResult, digits = 0): string {
  const runs = (r.runs ?? []).filter((x): x is number => x !== null);
  if (runs.length < 2) return "";
  return ` (${fmt(Math.min(...runs), digits)}–${fmt(Math.max(...runs), digits)})`;
}

/** ⚠ when the generator was near its core's limit in the median run, ⚠n in n runs. */
function saturation(r: RunResult): string {
  const median = (r.genCpuPct ?? 0) > 90 ? " ⚠" : "";
  const others = r.saturatedRuns ?? 0;
  if (others === 0) return median;
  return median === "" ? ` ⚠${others}` : ` ⚠${others > 1 ? others : ""}`;
}

/** The report's markdown. */
export function markdown(report: Report, layout: ReportLayout): string {
  const { servers, official: OFFICIAL } = layout;
  const m = report.machine;
  const v = report.versions;
  const lines: string[] = [];
  lines.push(`# webio benchmark ${report.date.slice(0, 10)}${report.quick ? " (quick)" : ""}`);
  lines.push("");
  lines.push(
    `- Date: ${report.date}; took ${report.seconds} s; warm-up ${report.warmup} s, ` +
      `measured ${report.duration} s per throughput run; ` +
      `${
        report.repeat > 1
          ? `median of ${report.repeat} interleaved runs (min–max after it)`
          : "one run"
      } per cell.`,
  );
  lines.push(
    `- Machine: ${m.nproc} cores, ${m.cpu}, ${m.memGiB} GiB, Linux ${m.kernel}; ` +
      `load average ${m.loadavgAtStart.join(" ")} at start, ${m.loadavgAtEnd?.join(" ")} at end.`,
  );
  lines.push(
    `- Versions: webio ${v.webio}; Node ${v.node}; ${v.deno}; Bun ${v.bun}; ` +
      `socket.io ${v["socket.io"]}; @socket.io/bun-engine ${v["@socket.io/bun-engine"]}; ` +
      `hono ${v.hono}.`,
  );
  lines.push(
    `- Server pinned to core ${layout.serverCore}, generator (${v.generator}) to core ${layout.generatorCore}. ` +
      `Ratios: > 1 is better than the reference (for memory, the reference's KB/conn over ours). ` +
      `"best official" = the better of socket.io on Node and on bun-engine; "raw" = the raw ` +
      `server of the same runtime. ⚠ = the generator used > 90% of its core in the median run ` +
      `(⚠n: in n of the runs): the generator, not the server, may be the limit.`,
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
  const efficiency = (r: RunResult | undefined) =>
    r?.serverCpuUsPerOp && r.serverCpuUsPerOp > 0 ? 1e6 / r.serverCpuUsPerOp : undefined;
  const throughput = Object.keys(report.results).filter((s) => !NOT_THROUGHPUT.has(s));
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
    const officials = names.filter((n) => servers[n]?.official);
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
    } else if (scenario === "reconnect") {
      lines.push(
        "| server | s to 100 % | s to 99 % | restart s | attempts | server CPU s | peak CPU % | peak RSS MB | gen CPU % | × official | × best official | × raw |",
      );
      lines.push("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
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
        .map((n) => figure(scenario, rs[n])).filter((x): x is number => x !== undefined);
      const best = peers.length
        ? (LOWER_IS_BETTER.has(scenario) ? Math.min(...peers) : Math.max(...peers))
        : undefined;
      const limitName = servers[name]?.limit;
      const raw = limitName ? figure(scenario, rs[limitName]) : undefined;
      const ratios = `${times(ratio(scenario, f, off))} | ${times(ratio(scenario, f, best))} | ${
        times(ratio(scenario, f, raw))
      }`;
      if (scenario === "reconnect") {
        const n = (x: unknown, d = 0) => fmt(x as number | undefined, d);
        lines.push(
          `| ${name} | ${fmt(f, 2)}${spread(r, 2)} | ${n(r.back99Seconds, 2)} | ${
            n(r.serverStartSeconds, 2)
          } | ${n(r.attempts)} | ${n(r.serverCpuSeconds, 2)} | ${n(r.serverPeakCpuPct)} | ${
            fmt((r.serverPeakRssKb ?? NaN) / 1024, 1)
          } | ${fmt(r.genCpuPct)}${saturation(r)} | ${ratios} |`,
        );
      } else if (scenario === "memory") {
        const cells = (r.levels ?? []).map((l) => fmt(l.kbPerConn, 1)).join(" | ");
        lines.push(`| ${name} | ${fmt((r.baseKb ?? NaN) / 1024, 1)} | ${cells} | ${ratios} |`);
      } else {
        lines.push(
          `| ${name} | ${fmt(f)}${spread(r)}${saturation(r)} | ${fmt(r.serverCpuPct)} | ${
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
      lines.push(`### ${key} (${p.file.replace(layout.root + "/", "")})`);
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
