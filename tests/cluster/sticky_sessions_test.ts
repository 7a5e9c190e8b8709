/**
 * Three webio nodes (examples/cluster/server.ts: two on the runtime running
 * the tests, one on the other) share their broadcasts through Redis, behind a
 * real load balancer: nginx (examples/cluster/nginx.conf, sticky by client
 * address) and HAProxy (examples/cluster/haproxy.cfg, sticky by cookie).
 * Official `socket.io-client` clients connect through the balancer over
 * long-polling, WebSocket, and long-polling upgraded to WebSocket, and:
 *
 * - every client connects and never sees an error or a disconnection;
 * - each session stays on one node: the acknowledgements name the same node
 *   before and after the upgrade, and the balancer's log shows every request
 *   of the session (by its `sid`) answered by that node, none with a 400;
 * - a message relayed by one node (`io.emit`) reaches the clients of every
 *   node, through Redis;
 * - without stickiness (the same configs in round robin) long-polling breaks
 *   with "Session ID unknown": the check sees the problem it guards against.
 *
 * Needs Redis on 127.0.0.1:6379 (REDIS_URL overrides). A balancer that is not
 * installed (CI installs both, see .ci/run) is skipped with a message.
 */
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { type ChildProcess, spawn } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { connect as tcpConnect } from "node:net";
import { tmpdir } from "node:os";
import { delimiter, join } from "node:path";
import process from "node:process";
import { io, type ManagerOptions, type Socket, type SocketOptions } from "socket.io-client";
import { freePort } from "../_fixtures/example_process.ts";
import { runtime } from "../_fixtures/serve.ts";

const ROOT = new URL("../../", import.meta.url).pathname;
const EXAMPLE = join(ROOT, "examples/cluster");
const REDIS_URL = process.env.REDIS_URL ?? "redis://127.0.0.1:6379";
const TIMEOUT_MS = 20000;

// -- child processes ---------------------------------------------------------

/** Every process started here, killed by `after` whatever happened. */
const children = new Set<Proc>();

interface Proc {
  name: string;
  child: ChildProcess;
  output: string[];
  exited: Promise<number | null>;
  /** Resolves with the first line matching, rejects if the process exits first. */
  waitFor(match: RegExp, timeoutMs?: number): Promise<string>;
  stop(): Promise<void>;
}

/** Finds an executable on PATH, in node_modules/.bin or in an sbin directory. */
function which(name: string): string | undefined {
  const dirs = [
    ...(process.env.PATH ?? "").split(delimiter),
    join(ROOT, "node_modules/.bin"),
    "/usr/sbin",
    "/usr/local/sbin",
    "/sbin",
  ];
  for (const dir of dirs) {
    if (dir && existsSync(join(dir, name))) return join(dir, name);
  }
  return undefined;
}

function start(name: string, cmd: string, args: string[], env: Record<string, string> = {}): Proc {
  const child = spawn(cmd, args, {
    env: { ...process.env, NO_COLOR: "1", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const output: string[] = [];
  const waiters = new Set<() => void>();
  let exitCode: number | null | undefined;
  let buffered = "";
  const onData = (chunk: Uint8Array | string) => {
    buffered += chunk.toString();
    const lines = buffered.split("\n");
    buffered = lines.pop()!;
    output.push(...lines);
    for (const w of [...waiters]) w();
  };
  child.stdout!.on("data", onData);
  child.stderr!.on("data", onData);
  child.on("error", (err) => output.push(`spawn error: ${err.message}`));
  const exited = new Promise<number | null>((resolve) => {
    child.once("close", (code) => {
      exitCode = code;
      for (const w of [...waiters]) w();
      resolve(code);
    });
  });
  const proc: Proc = {
    name,
    child,
    output,
    exited,
    waitFor(match, timeoutMs = 15000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          const line = output.find((l) => match.test(l));
          if (line !== undefined) done(() => resolve(line));
          else if (exitCode !== undefined) {
            done(() => reject(new Error(`${name} exited (${exitCode}):\n${output.join("\n")}`)));
          }
        };
        const timer = setTimeout(() => {
          done(() => reject(new Error(`${name} never printed ${match}:\n${output.join("\n")}`)));
        }, timeoutMs);
        const done = (settle: () => void) => {
          clearTimeout(timer);
          waiters.delete(check);
          settle();
        };
        waiters.add(check);
        check();
      });
    },
    async stop() {
      children.delete(proc);
      if (exitCode === undefined) {
        child.kill("SIGTERM");
        const timer = setTimeout(() => child.kill("SIGKILL"), 3000);
        await exited;
        clearTimeout(timer);
      }
    },
  };
  children.add(proc);
  return proc;
}

/** Resolves once something accepts TCP connections on 127.0.0.1:`port`. */
async function waitForPort(port: number, proc: Proc, timeoutMs = 10000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (true) {
    const open = await new Promise<boolean>((resolve) => {
      const sock = tcpConnect(port, "127.0.0.1");
      sock.once("connect", () => (sock.destroy(), resolve(true)));
      sock.once("error", () => (sock.destroy(), resolve(false)));
    });
    if (open) return;
    if (Date.now() > deadline || proc.child.exitCode !== null) {
      throw new Error(`${proc.name} is not listening on ${port}:\n${proc.output.join("\n")}`);
    }
    await sleep(50);
  }
}

/** Throws a clear error when Redis does not answer PING. */
async function checkRedis(): Promise<void> {
  const { hostname, port } = new URL(REDIS_URL);
  const answer = await new Promise<string>((resolve) => {
    const sock = tcpConnect(Number(port || 6379), hostname);
    let got = "";
    sock.setTimeout(2000, () => (sock.destroy(), resolve("timeout")));
    sock.once("connect", () => sock.write("PING\r\n"));
    sock.on("data", (d) => {
      got += d.toString();
      if (got.includes("\r\n")) (sock.destroy(), resolve(got.trim()));
    });
    sock.once("error", (err) => resolve(err.message));
  });
  if (answer !== "+PONG") {
    throw new Error(`Redis does not answer on ${REDIS_URL} (${answer}): start redis-server`);
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

// -- the cluster ---------------------------------------------------------------

interface Node {
  name: string;
  port: number;
  proc: Proc;
}

/** Two nodes on this runtime and one on the other, all on one Redis key. */
async function startNodes(): Promise<Node[]> {
  const other = runtime === "bun" ? "deno" : "bun";
  const key = `webio-sticky-${process.pid}-${Math.random().toString(36).slice(2, 8)}`;
  const plan = [`${runtime}-1`, `${runtime}-2`, `${other}-1`];
  return await Promise.all(plan.map(async (name) => {
    const port = await freePort();
    const rt = name.split("-")[0];
    const cmd = rt === runtime ? process.execPath : which(rt);
    if (!cmd) throw new Error(`${rt} not found (npm ci installs it in node_modules/.bin)`);
    const file = join(EXAMPLE, "server.ts");
    const args = rt === "deno" ? ["run", "-A", file] : [file];
    const proc = start(`node ${name}`, cmd, args, {
      PORT: String(port),
      NODE_NAME: name,
      REDIS_URL,
      REDIS_KEY: key,
    });
    await proc.waitFor(/^listening on \d+ as /, 20000);
    return { name, port, proc };
  }));
}

// -- the balancers -------------------------------------------------------------

interface Balancer {
  port: number;
  proc: Proc;
  /** The balancer's log of requests: `{ node, status, sid }` each. */
  requests(): { node: string; status: number; sid?: string; line: string }[];
  stop(): Promise<void>;
}

interface BalancerKind {
  name: "nginx" | "haproxy";
  bin: string | undefined;
  start(nodes: Node[], sticky: boolean): Promise<Balancer>;
}

/** Starts a balancer and waits for its port; leaves nothing behind when it fails. */
async function launch(
  name: string,
  bin: string,
  args: string[],
  port: number,
  dir: string,
): Promise<Proc> {
  const proc = start(name, bin, args);
  try {
    await waitForPort(port, proc);
    return proc;
  } catch (err) {
    await proc.stop();
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
}

/** Replaces every `from` by `to` in `text`, failing when the template lacks it. */
function swap(text: string, from: string | RegExp, to: string, file: string): string {
  const out = typeof from === "string" ? text.replaceAll(from, to) : text.replace(from, to);
  assert.notEqual(out, text, `${file} no longer has ${from}: update the test`);
  return out;
}

/** The example config with the nodes' and the balancer's ports. */
function config(file: string, port: number, nodes: Node[]): string {
  let text = readFileSync(join(EXAMPLE, file), "utf8");
  text = swap(text, "127.0.0.1:3000", `127.0.0.1:${port}`, file);
  nodes.forEach((n, i) => {
    text = swap(text, `127.0.0.1:${3001 + i}`, `127.0.0.1:${n.port}`, file);
  });
  return text;
}

const sidOf = (line: string) => /[?&]sid=([^& "]+)/.exec(line)?.[1];

const nginx: BalancerKind = {
  name: "nginx",
  bin: which("nginx"),
  async start(nodes, sticky) {
    const port = await freePort();
    const dir = mkdtempSync(join(tmpdir(), "webio-nginx-"));
    mkdirSync(join(dir, "tmp"));
    let text = config("nginx.conf", port, nodes);
    // Round robin: nginx's default when the upstream names no method.
    if (!sticky) text = swap(text, /^\s*hash \$remote_addr consistent;$/m, "", "nginx.conf");
    writeFileSync(join(dir, "nginx.conf"), text);
    // As root, nginx's workers would run as "nobody": keep the current user.
    const user = process.getuid?.() === 0 ? " user root;" : "";
    const proc = await launch(
      "nginx",
      this.bin!,
      [
        "-c",
        join(dir, "nginx.conf"),
        "-p",
        dir + "/",
        "-e",
        join(dir, "error.log"),
        "-g",
        `daemon off; pid ${join(dir, "nginx.pid")};${user}`,
      ],
      port,
      dir,
    );
    const byPort = new Map(nodes.map((n) => [String(n.port), n.name]));
    return {
      port,
      proc,
      requests() {
        const log = join(dir, "access.log");
        const lines = existsSync(log) ? readFileSync(log, "utf8").split("\n") : [];
        // `$remote_addr $upstream_addr $status "$request"`
        return lines.filter(Boolean).map((line) => {
          const [, upstream, status] = line.split(" ");
          const node = byPort.get(upstream.split(":").pop()!) ?? upstream;
          return { node, status: Number(status), sid: sidOf(line), line };
        });
      },
      async stop() {
        await proc.stop();
        rmSync(dir, { recursive: true, force: true });
      },
    };
  },
};

const haproxy: BalancerKind = {
  name: "haproxy",
  bin: which("haproxy"),
  async start(nodes, sticky) {
    const port = await freePort();
    const dir = mkdtempSync(join(tmpdir(), "webio-haproxy-"));
    let text = config("haproxy.cfg", port, nodes);
    // The server names of the example are a, b, c: name them after the nodes.
    nodes.forEach((n, i) => {
      const id = "abc"[i];
      text = swap(text, `server ${id} `, `server ${n.name} `, "haproxy.cfg");
    });
    if (!sticky) {
      text = swap(text, /^\s*cookie SERVERID .*$/m, "", "haproxy.cfg");
      text = text.replace(/ cookie [abc] /g, " ");
    }
    writeFileSync(join(dir, "haproxy.cfg"), text);
    const proc = await launch(
      "haproxy",
      this.bin!,
      ["-f", join(dir, "haproxy.cfg"), "-db"],
      port,
      dir,
    );
    return {
      port,
      proc,
      requests() {
        // `... webio webio_nodes/<server> Tq/Tw/Tc/Tr/Ta <status> ... "GET /socket.io/?..."`
        return proc.output.flatMap((line) => {
          const m = / webio_nodes\/(\S+) \S+ (\d{3}) /.exec(line);
          return m ? [{ node: m[1], status: Number(m[2]), sid: sidOf(line), line }] : [];
        });
      },
      async stop() {
        await proc.stop();
        rmSync(dir, { recursive: true, force: true });
      },
    };
  },
};

// -- the clients ---------------------------------------------------------------

const modes = [
  { name: "polling", transports: ["polling"] },
  { name: "websocket", transports: ["websocket"] },
  { name: "polling+upgrade", transports: ["polling", "websocket"] },
] as const;

interface Client {
  socket: Socket;
  /** Errors and disconnections seen (none expected). */
  problems: string[];
  messages: { text: string; node: string }[];
  welcome: Promise<{ node: string; id: string }>;
}

interface WhoAmI {
  node: string;
  id: string;
  transport: string;
}

function describeError(err: Error & { description?: unknown; context?: unknown }): string {
  const body = (err.context as { responseText?: string } | undefined)?.responseText;
  return `${err.message} (${String(err.description)}${body ? ` ${body}` : ""})`;
}

function newClient(
  url: string,
  opts: Partial<ManagerOptions & SocketOptions>,
  clients: Client[],
): Client {
  const socket = io(url, { forceNew: true, reconnection: false, ...opts });
  const problems: string[] = [];
  const messages: Client["messages"] = [];
  socket.on("connect_error", (err) => problems.push(`connect_error: ${describeError(err)}`));
  socket.on("disconnect", (reason) => problems.push(`disconnect: ${reason}`));
  socket.on("message", (m: { text: string; node: string }) => messages.push(m));
  const welcome = new Promise<{ node: string; id: string }>((resolve) => {
    socket.once("welcome", resolve);
  });
  const client = { socket, problems, messages, welcome };
  clients.push(client);
  return client;
}

/** Resolves when `check()` holds, or rejects with `what()` after `timeoutMs`. */
async function until(check: () => boolean, what: () => string, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(what());
    await sleep(20);
  }
}

function connected(client: Client): Promise<void> {
  return until(
    () => client.socket.connected || client.problems.length > 0,
    () => "timed out connecting",
  ).then(() => {
    if (!client.socket.connected) {
      throw new Error(`a client did not connect: ${client.problems.join("; ")}`);
    }
  });
}

const whoami = (c: Client) => c.socket.timeout(5000).emitWithAck("whoami") as Promise<WhoAmI>;

// -- the tests -----------------------------------------------------------------

const balancers = [nginx, haproxy];
const skipOf = (b: BalancerKind) =>
  b.bin ? false : `${b.name} is not installed (apt-get install ${b.name}): ${b.name} tests skipped`;
for (const b of balancers) {
  const skip = skipOf(b);
  if (skip) console.log(`SKIP: ${skip}`);
}

describe("webio cluster (Redis adapter) behind a load balancer", () => {
  let nodes: Node[] = [];

  before(async () => {
    if (balancers.every((b) => !b.bin)) return;
    await checkRedis();
    try {
      nodes = await startNodes();
    } catch (err) {
      await Promise.all([...children].map((p) => p.stop()));
      throw err;
    }
  }, { timeout: TIMEOUT_MS });

  after(async () => {
    await Promise.all([...children].map((p) => p.stop()));
  });

  for (const kind of balancers) {
    for (const mode of modes) {
      test(
        `${kind.name}, ${mode.name}: each session stays on one node, broadcasts reach every node`,
        { skip: skipOf(kind), timeout: TIMEOUT_MS },
        async () => {
          const lb = await kind.start(nodes, true);
          const clients: Client[] = [];
          try {
            const url = `http://127.0.0.1:${lb.port}`;
            const seen = new Map<Client, WhoAmI>();
            // Add clients until they are spread over the three nodes (HAProxy
            // deals them out in turn; nginx hashes each one's address, here a
            // different X-Forwarded-For for each as if behind another proxy).
            while (new Set([...seen.values()].map((w) => w.node)).size < 3 && clients.length < 24) {
              const batch = Array.from({ length: 6 }, () => {
                const i = clients.length;
                return newClient(url, {
                  transports: [...mode.transports],
                  withCredentials: true, // the HAProxy cookie, kept in the client's cookie jar
                  extraHeaders: { "x-forwarded-for": `10.${i >> 8}.${i & 255}.7` },
                }, clients);
              });
              await Promise.all(batch.map(connected));
              for (const c of batch) seen.set(c, await whoami(c));
            }
            const nodeNames = new Set(nodes.map((n) => n.name));
            const used = new Set([...seen.values()].map((w) => w.node));
            assert.ok(used.size >= 2, `all ${clients.length} clients landed on ${[...used]}`);

            for (const c of clients) {
              const first = seen.get(c)!;
              assert.ok(nodeNames.has(first.node), `unknown node ${first.node}`);
              assert.equal(first.id, c.socket.id);
              assert.deepEqual(await c.welcome, { node: first.node, id: c.socket.id });
              if (
                mode.name === "polling+upgrade" && c.socket.io.engine.transport.name !== "websocket"
              ) {
                await until(
                  () => c.socket.io.engine.transport.name === "websocket" || c.problems.length > 0,
                  () => `never upgraded: ${c.problems.join("; ")}`,
                );
              }
              // Asked again (after the upgrade, if any), the same node answers.
              const again = await whoami(c);
              assert.equal(again.node, first.node, "the session moved to another node");
              assert.equal(again.id, c.socket.id);
              assert.equal(again.transport, mode.name === "polling" ? "polling" : "websocket");
            }

            // One sender per node; io.emit on its node reaches every client
            // of every node (through Redis).
            const senders = [...used].map((node) =>
              clients.find((c) => seen.get(c)!.node === node)!
            );
            for (const s of senders) {
              const ack = await s.socket.timeout(5000).emitWithAck(
                "message",
                `from ${s.socket.id}`,
              );
              assert.deepEqual(ack, { node: seen.get(s)!.node });
            }
            const expected = senders.map((s) => ({
              text: `from ${s.socket.id}`,
              node: seen.get(s)!.node,
            })).sort((a, b) => a.text.localeCompare(b.text));
            await until(
              () => clients.every((c) => c.messages.length >= senders.length),
              () =>
                `messages missing: ${
                  clients.map((c) => `${seen.get(c)!.node}: ${c.messages.length}`).join(", ")
                } of ${senders.length}`,
            );
            for (const c of clients) {
              const got = c.messages.map(({ text, node }) => ({ text, node }))
                .sort((a, b) => a.text.localeCompare(b.text));
              assert.deepEqual(got, expected, `on ${seen.get(c)!.node}`);
            }

            for (const c of clients) assert.deepEqual(c.problems, []);
            const sids = new Map(clients.map((c) => [c.socket.io.engine.id, seen.get(c)!.node]));
            for (const c of clients) c.socket.disconnect();

            // The balancer's log: every request of a session went to the node
            // that answered its acknowledgements, and none got a 400
            // ("Session ID unknown"). A request is logged when it ends (a
            // WebSocket when it closes): wait until every session shows up,
            // with its WebSocket (101) if it has one.
            await until(
              () => {
                const logged = lb.requests();
                if (mode.name === "websocket") {
                  return logged.filter((r) => r.status === 101).length >= clients.length;
                }
                return [...sids.keys()].every((sid) =>
                  logged.some((r) => r.sid === sid && (mode.name === "polling" || r.status === 101))
                );
              },
              () => `sessions missing from the ${kind.name} log:\n${lb.proc.output.join("\n")}`,
            );
            const requests = lb.requests();
            assert.ok(requests.length >= clients.length, `${kind.name} logged no requests`);
            assert.deepEqual(requests.filter((r) => r.status >= 400).map((r) => r.line), []);
            for (const r of requests) {
              assert.ok(nodeNames.has(r.node), `request to ${r.node}: ${r.line}`);
              if (r.sid && sids.has(r.sid)) {
                assert.equal(r.node, sids.get(r.sid), `a request of ${r.sid} went elsewhere`);
              }
            }
            console.log(
              `${kind.name} ${mode.name}: ${clients.length} clients on ${
                [...nodeNames].map((n) =>
                  `${n} ${[...seen.values()].filter((w) => w.node === n).length}`
                ).join(", ")
              }; ${requests.length} requests logged`,
            );
          } finally {
            for (const c of clients) c.socket.disconnect();
            await lb.stop();
          }
        },
      );
    }

    test(
      `${kind.name} in round robin (no stickiness): long-polling breaks with "Session ID unknown"`,
      { skip: skipOf(kind), timeout: TIMEOUT_MS },
      async () => {
        const lb = await kind.start(nodes, false);
        const clients: Client[] = [];
        try {
          // One at a time, so that nothing else moves the balancer's turn: the
          // handshake goes to one node, the next requests to the others.
          for (let i = 0; i < 2; i++) {
            const c = newClient(`http://127.0.0.1:${lb.port}`, {
              transports: ["polling"],
              withCredentials: true,
            }, clients);
            await until(
              () => c.problems.some((p) => p.startsWith("connect_error")),
              () => `a client got through: ${c.socket.connected} ${c.problems.join("; ")}`,
            );
            const error = c.problems.find((p) => p.startsWith("connect_error"))!;
            assert.match(error, /400.*Session ID unknown/);
            c.socket.disconnect();
          }
          assert.ok(lb.requests().some((r) => r.status === 400), "no 400 in the balancer log");
        } finally {
          for (const c of clients) c.socket.disconnect();
          await lb.stop();
        }
      },
    );
  }

  test(
    "the nodes printed no error (Redis, the adapter, webio)",
    { skip: balancers.every((b) => !b.bin) && "no balancer installed" },
    () => {
      for (const n of nodes) {
        assert.deepEqual(n.proc.output, [`listening on ${n.port} as ${n.name}`], n.name);
      }
    },
  );
});
