/**
 * Starts workerd (through Miniflare, under Node) with a Worker of this
 * repository, for the Workers tests: see workers_runner.mjs.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { printedLines } from "./printed_lines.ts";

const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..");

/** A running workerd. */
export interface WorkerdProcess {
  /** `http://127.0.0.1:<port>`. */
  url: string;
  /** Everything it printed, one entry per line. */
  lines: string[];
  /** Evicts the Durable Object of class `className` named `name` (its WebSockets hibernate). */
  evict(className: string, name: string): Promise<void>;
  /** Stops workerd and waits for the runner to exit. */
  stop(): Promise<void>;
}

/** Bundles `entry` (a path from the repository's root) and runs it in workerd. */
export async function startWorkerd(entry: string, bindings: string): Promise<WorkerdProcess> {
  const child: ChildProcess = spawn(
    "node",
    [join(root, "tests/_fixtures/workers_runner.mjs"), entry, bindings],
    {
      cwd: root,
      stdio: ["pipe", "pipe", "pipe"],
      env: { ...process.env, NO_COLOR: "1" },
      // Its own process group, so that workerd goes with it if it has to be killed.
      detached: true,
    },
  );
  const kill = () => {
    try {
      process.kill(-child.pid!, "SIGKILL");
    } catch { /* gone */ }
  };
  const { lines, exited, waitFor } = printedLines(child, "workerd");

  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.stdin!.end(); // the runner disposes of workerd and exits
    const timer = setTimeout(kill, 10_000);
    await exited;
    clearTimeout(timer);
  };

  let port: number;
  try {
    const line = await waitFor(/^listening on \d+$/, 60_000);
    port = Number(line.slice("listening on ".length));
  } catch (error) {
    kill();
    await exited;
    throw error;
  }
  return {
    url: `http://127.0.0.1:${port}`,
    lines,
    async evict(className, name) {
      const from = lines.length;
      child.stdin!.write(`evict ${className} ${name}\n`);
      const line = await waitFor(new RegExp(`^(evicted ${name}|failed evict: .*)$`), 20_000, from);
      if (line.startsWith("failed")) throw new Error(`Cannot evict ${name}: ${line}`);
    },
    stop,
  };
}
