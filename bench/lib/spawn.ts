/**
 * Starting and stopping the bench's processes, shared by bench/run.ts and
 * bench/cluster.ts: the runtimes' commands (Node runs a bundle of a
 * TypeScript entry), pinning by `taskset`, waiting for a server's `READY`
 * line, and stopping by PID.
 */

import { type ChildProcess, spawn, type SpawnOptions, spawnSync } from "node:child_process";
import { basename, dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

/** The core every server runs on (`taskset -c`). */
export const SERVER_CORE = "0";
/** The core of the load generator and the orchestrator. */
export const GENERATOR_CORE = "1";

/** The repository's directory. */
export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
const BIN = join(ROOT, "node_modules", ".bin");
export const DENO = join(BIN, "deno");
export const BUN = join(BIN, "bun");
/** Node from PATH (the orchestrators run on Bun). */
export const NODE =
  spawnSync("sh", ["-c", "command -v node"], { encoding: "utf8" }).stdout.trim() ||
  "node";
/**
 * Where the Node bundles of TypeScript entries go: a tool cache under
 * node_modules (git-ignored, outside every `deno check`/`fmt`/`lint`), from
 * where Node finds the npm packages the bundles import.
 */
const NODE_BUILD_DIR = join(ROOT, "node_modules/.cache/webio-bench");
const NOFILE = 65536;

/** A runtime that runs a server or a generator. */
export type Runtime = "bun" | "deno" | "node";

const nodeBundles = new Map<string, string>();

/**
 * A bundle of a TypeScript entry that Node 20 can run (it strips no types):
 * `bun build --target=node`, npm packages left as imports. Built once per run.
 */
export function nodeBundle(entry: string): string {
  let out = nodeBundles.get(entry);
  if (out) return out;
  out = join(NODE_BUILD_DIR, basename(entry).replace(/\.ts$/, ".mjs"));
  const r = spawnSync(
    BUN,
    ["build", entry, "--target=node", "--packages=external", `--outfile=${out}`],
    { cwd: ROOT, encoding: "utf8" },
  );
  if (r.status !== 0) throw new Error(`cannot bundle ${entry} for Node: ${r.stderr || r.error}`);
  nodeBundles.set(entry, out);
  return out;
}

/** The command that runs `entry` on `runtime`, under `--cpu-prof` into `profDir` if given. */
export function serverCommand(runtime: Runtime, entry: string, profDir?: string): string[] {
  if (runtime === "deno") {
    return [
      DENO,
      "run",
      "--allow-net",
      "--allow-env",
      "--allow-read",
      "--no-lock",
      "--no-prompt",
      "--v8-flags=--expose-gc",
      ...(profDir ? ["--cpu-prof", "--cpu-prof-dir", profDir] : []),
      entry,
    ];
  }
  if (runtime === "bun") {
    return [BUN, ...(profDir ? ["--cpu-prof", `--cpu-prof-dir=${profDir}`] : []), entry];
  }
  return [
    NODE,
    "--expose-gc",
    ...(profDir ? ["--cpu-prof", "--cpu-prof-dir", profDir] : []),
    nodeBundle(entry),
  ];
}

/** `cmd` under `ulimit -n` and `taskset -c core`; exec keeps the PID. */
export function pinned(core: string, cmd: string[], opts: SpawnOptions): ChildProcess {
  const script =
    `ulimit -n ${NOFILE} 2>/dev/null || ulimit -n $(ulimit -Hn); exec taskset -c ${core} "$@"`;
  return spawn("sh", ["-c", script, "sh", ...cmd], { cwd: ROOT, ...opts });
}

/** A running server. */
export interface Started {
  child: ChildProcess;
  pid: number;
  stderr(): string;
}

/**
 * Starts `cmd` pinned to `core` and resolves once it printed `READY` on
 * stdout (rejects if it exits first, or after `timeoutMs`).
 */
export function startPinned(
  name: string,
  core: string,
  cmd: string[],
  env: Record<string, string | undefined>,
  timeoutMs = 20000,
): Promise<Started> {
  const child = pinned(core, cmd, { env, stdio: ["ignore", "pipe", "pipe"] });
  let stderr = "";
  child.stderr!.on("data", (d) => stderr = (stderr + d).slice(-4000));
  return new Promise((resolveStart, reject) => {
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`${name} did not start: ${stderr.slice(-300)}`));
    }, timeoutMs);
    let out = "";
    child.stdout!.on("data", (d) => {
      out += d;
      if (out.includes("READY")) {
        clearTimeout(timer);
        resolveStart({ child, pid: child.pid!, stderr: () => stderr });
      }
    });
    child.on("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`${name} exited (${code}) before ready: ${stderr.slice(-300)}`));
    });
  });
}

/** SIGTERM by PID (the apps exit, writing a CPU profile if asked), then SIGKILL after `graceMs`. */
export function stopPinned(server: Started, graceMs = 5000): Promise<void> {
  return new Promise((done) => {
    if (server.child.exitCode !== null || server.child.signalCode !== null) return done();
    const kill = setTimeout(() => {
      try {
        process.kill(server.pid, "SIGKILL");
      } catch { /* gone */ }
    }, graceMs);
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
