// Runs a Worker script in workerd through Miniflare (both from npm, offline),
// for the Workers tests: bundles the TypeScript entry with Bun
// (`bun build --target=browser`, one ES module), starts workerd on a free
// port of 127.0.0.1 and prints `listening on <port>`. Then it reads commands,
// one a line, from standard input:
//
//   evict <class> <name>  evicts the Durable Object of class <class> named
//                         <name> (its WebSockets hibernate and stay open);
//                         prints `evicted <name>`
//
// and stops (disposing of workerd) when standard input ends or on SIGTERM.
//
// Usage: node workers_runner.mjs <entry.ts> [BINDING=Class,...] (default IO=IoObject)
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { Miniflare } from "miniflare";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
const [entry, bindings = "IO=IoObject"] = process.argv.slice(2);
if (!entry) {
  console.error("usage: node workers_runner.mjs <entry.ts> [BINDING=Class,...]");
  process.exit(2);
}
const durableObjects = Object.fromEntries(bindings.split(",").map((pair) => pair.split("=")));

const dir = mkdtempSync(join(tmpdir(), "webio_workers_"));
const bundle = join(dir, "worker.mjs");
const bun = join(root, "node_modules/.bin/bun");
const built = spawnSync(
  bun,
  ["build", resolve(root, entry), "--target=browser", "--format=esm", `--outfile=${bundle}`],
  { cwd: root, encoding: "utf8" },
);
if (built.status !== 0) {
  console.error(`cannot bundle ${entry}:\n${built.stdout}${built.stderr}`);
  rmSync(dir, { recursive: true, force: true });
  process.exit(1);
}

const mf = new Miniflare({
  modules: true,
  scriptPath: bundle,
  modulesRoot: dir,
  compatibilityDate: "2026-07-01",
  durableObjects,
  host: "127.0.0.1",
  port: 0,
});

let stopping = false;
async function stop(code = 0) {
  if (stopping) return;
  stopping = true;
  try {
    await mf.dispose();
  } finally {
    rmSync(dir, { recursive: true, force: true });
    process.exit(code);
  }
}
process.on("SIGTERM", () => stop(0));
process.on("SIGINT", () => stop(0));

let url;
try {
  url = await mf.ready;
} catch (error) {
  console.error("cannot start workerd:", error);
  await stop(1);
}
console.log(`listening on ${url.port}`);

const lines = createInterface({ input: process.stdin });
lines.on("line", async (line) => {
  const [command, className, name] = line.trim().split(/\s+/);
  try {
    if (command === "evict") {
      await mf.unsafeEvictDurableObject("", className, { name, webSockets: "hibernate" });
      console.log(`evicted ${name}`);
    } else if (command) {
      console.log(`unknown command ${command}`);
    }
  } catch (error) {
    console.log(`failed ${command}: ${error?.message ?? error}`);
  }
});
lines.on("close", () => stop(0));
