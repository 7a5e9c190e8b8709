/**
 * Runs the demo chat (examples/chat) as a child process on Deno or Bun,
 * on a port the server picks itself (PORT=0), and stops it the way Ctrl-C
 * does.
 */
import { type ChildProcess, spawn } from "node:child_process";
import process from "node:process";

const ROOT = new URL("../../", import.meta.url);
const BIN = new URL("node_modules/.bin/", ROOT);

/** The two ways the chat runs. */
export type ChatRuntime = "deno" | "bun";

const COMMANDS: Record<ChatRuntime, string[]> = {
  deno: ["deno", "run", "--allow-net", "--allow-read", "--allow-env", "examples/chat/server.ts"],
  bun: ["bun", "run", "examples/chat/server_bun.ts"],
};

export interface ChatServerProcess {
  /** `http://127.0.0.1:PORT` */
  url: string;
  /** Everything printed so far. */
  output(): string;
  /** Sends SIGINT (Ctrl-C) and resolves with the exit code. */
  stop(): Promise<number | null>;
}

/** Starts the chat on `runtime` and waits until it prints its URL. */
export function startChatServer(runtime: ChatRuntime): Promise<ChatServerProcess> {
  const [bin, ...args] = COMMANDS[runtime];
  const child = spawn(new URL(bin, BIN).pathname, args, {
    cwd: ROOT.pathname,
    env: { ...process.env, PORT: "0", NO_COLOR: "1" },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let printed = "";
  const exited = new Promise<number | null>((resolve) => child.once("exit", resolve));
  return new Promise((resolve, reject) => {
    let started = false;
    const fail = (why: string) => {
      if (started) return;
      child.kill("SIGKILL");
      reject(new Error(`The ${runtime} chat server ${why}; it printed:\n${printed}`));
    };
    const timer = setTimeout(() => fail("did not print its URL in 20 s"), 20000);
    exited.then((code) => fail(`exited early with code ${code}`));
    const onData = (chunk: Uint8Array | string) => {
      printed += chunk.toString();
      const port = /on http:\/\/localhost:(\d+)/.exec(printed)?.[1];
      if (!port) return;
      started = true;
      clearTimeout(timer);
      child.stdout!.off("data", onData);
      child.stdout!.on("data", (c) => printed += c.toString());
      resolve({
        url: `http://127.0.0.1:${port}`,
        output: () => printed,
        stop: () => stop(child, exited),
      });
    };
    child.stdout!.on("data", onData);
    child.stderr!.on("data", (c) => printed += c.toString());
  });
}

async function stop(child: ChildProcess, exited: Promise<number | null>): Promise<number | null> {
  if (child.exitCode !== null) return child.exitCode;
  // process.kill, not child.kill: after child.kill, Deno reports a null exit code.
  process.kill(child.pid!, "SIGINT");
  const timer = setTimeout(() => child.kill("SIGKILL"), 5000);
  const code = await exited;
  clearTimeout(timer);
  return code;
}
