/**
 * Runs an example program as a child process on the runtime running the
 * tests (deno or bun), on a free port, and collects what it prints.
 */
import { spawn } from "node:child_process";
import { createServer } from "node:net";
import process from "node:process";
import { printedLines } from "./printed_lines.ts";
import { runtime } from "./serve.ts";

/** A free TCP port on 127.0.0.1. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const port = (srv.address() as { port: number }).port;
      srv.close(() => resolve(port));
    });
  });
}

export interface ExampleProcess {
  port: number;
  url: string;
  /** Everything printed so far, one entry per line. */
  lines: string[];
  /** Resolves once a printed line matches. */
  waitFor(match: RegExp | string, timeoutMs?: number): Promise<string>;
  stop(): Promise<void>;
}

/** Starts `examples/<file>` and waits until it prints "listening on". */
export async function runExample(file: string): Promise<ExampleProcess> {
  const port = await freePort();
  const args = runtime === "deno" ? ["run", "-A", file] : [file];
  const child = spawn(process.execPath, args, {
    env: { ...process.env, PORT: String(port), NO_COLOR: "1" },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const printed = printedLines(child, `example ${file}`);
  const { lines, exited } = printed;
  const waitFor = (match: RegExp | string, timeoutMs = 10000) => printed.waitFor(match, timeoutMs);
  try {
    await waitFor("listening on", 20000);
  } catch (err) {
    child.kill("SIGKILL");
    throw err;
  }
  return {
    port,
    url: `http://127.0.0.1:${port}`,
    lines,
    waitFor,
    async stop() {
      child.kill("SIGTERM");
      const timer = setTimeout(() => child.kill("SIGKILL"), 3000);
      await exited;
      clearTimeout(timer);
    },
  };
}
