/**
 * Logging: the `DEBUG=webio:*` channels (read from the environment on Deno
 * and Bun, never prompting), the `logger` option that contained errors,
 * warnings and debug lines go through, the warning for WebSocket requests
 * that nothing can upgrade, and silence by default.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import process from "node:process";
import { fileURLToPath } from "node:url";
import { once, runtime, sleep, startIo } from "../_fixtures/io.ts";
import { recordingLogger } from "../_fixtures/recording_logger.ts";
import { serve } from "../_fixtures/serve.ts";
import { Server } from "../../src/server.ts";
import { isDebugEnabled, setDebugNamespaces } from "../../src/_internal/log.ts";
import { ERRORS_PER_INTERVAL } from "../../src/_internal/error_log.ts";
import { io as connect } from "socket.io-client";

const debugApp = fileURLToPath(new URL("../_fixtures/debug_app.ts", import.meta.url));

/** Runs tests/_fixtures/debug_app.ts with `env`; resolves with its exit code and output. */
function runDebugApp(
  env: Record<string, string>,
  denoFlags: string[],
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const args = runtime === "deno" ? ["run", ...denoFlags, debugApp] : [debugApp];
  const child = spawn(process.execPath, args, {
    env: { ...process.env, NO_COLOR: "1", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  child.stdout!.on("data", (chunk) => stdout += chunk.toString());
  child.stderr!.on("data", (chunk) => stderr += chunk.toString());
  return new Promise((resolve) => {
    child.once("close", (code) => resolve({ code, stdout, stderr }));
  });
}

/** What the console printed while `fn` ran (every method), one string per call. */
async function consoleOutput(fn: () => Promise<void>): Promise<string[]> {
  const lines: string[] = [];
  const methods = ["log", "debug", "info", "warn", "error"] as const;
  const saved = methods.map((m) => console[m]);
  for (const m of methods) {
    console[m] = (...args: unknown[]) => lines.push(`${m}: ${args.map(String).join(" ")}`);
  }
  try {
    await fn();
  } finally {
    methods.forEach((m, i) => console[m] = saved[i]);
  }
  return lines;
}

test("debug: channel names follow the debug package (commas, spaces, *, -exclusions)", () => {
  try {
    setDebugNamespaces("webio:*,-webio:engine");
    assert.equal(isDebugEnabled("webio:socket"), true);
    assert.equal(isDebugEnabled("webio:engine"), false);
    assert.equal(isDebugEnabled("other:thing"), false);
    setDebugNamespaces("webio:engine webio:socket");
    assert.deepEqual(
      ["webio:engine", "webio:socket", "webio:client"].map(isDebugEnabled),
      [true, true, false],
    );
    setDebugNamespaces("*");
    assert.equal(isDebugEnabled("webio:listener"), true);
    setDebugNamespaces("");
    assert.equal(isDebugEnabled("webio:engine"), false);
  } finally {
    setDebugNamespaces(undefined);
  }
});

test(`debug: DEBUG=webio:engine,webio:socket prints those channels to stderr (${runtime})`, async () => {
  const { code, stdout, stderr } = await runDebugApp(
    { DEBUG: "webio:engine,webio:socket" },
    ["--allow-net", "--allow-env=DEBUG"],
  );
  assert.equal(code, 0, stderr);
  assert.equal(stdout.trim(), "done");
  const lines = stderr.trim().split("\n");
  assert.ok(
    lines.some((l) => /^webio:engine session \S+ opened on polling/.test(l)),
    stderr,
  );
  assert.ok(lines.some((l) => /^webio:socket socket \S+ got event "hi"$/.test(l)), stderr);
  assert.ok(lines.some((l) => /^webio:engine session \S+ closed/.test(l)), stderr);
  assert.deepEqual(
    lines.filter((l) => !/^webio:(engine|socket) /.test(l)),
    [],
    "only the channels named are on",
  );
});

test(`debug: without DEBUG the program prints nothing but its own output (${runtime})`, async () => {
  const { code, stdout, stderr } = await runDebugApp({ DEBUG: "" }, [
    "--allow-net",
    "--allow-env",
  ]);
  assert.equal(code, 0, stderr);
  assert.equal(stdout, "done\n");
  assert.equal(stderr, "");
});

test("debug: on Deno without --allow-env, DEBUG is not read, and nothing throws or prompts", {
  skip: runtime !== "deno",
}, async () => {
  // --no-prompt turns a permission prompt into a thrown NotCapable error.
  const { code, stdout, stderr } = await runDebugApp({ DEBUG: "webio:*" }, [
    "--allow-net",
    "--no-prompt",
  ]);
  assert.equal(code, 0, stderr);
  assert.equal(stdout, "done\n");
  assert.equal(stderr, "");
});

test("logger: a handler's errors reach logger.error, a few a minute, and not the console", async () => {
  const logger = recordingLogger();
  const fx = startIo({ logger });
  try {
    const output = await consoleOutput(async () => {
      fx.io.on("connection", (socket) => {
        socket.on("boom", (n) => {
          throw new Error(`boom ${n}`);
        });
        socket.on("done", (ack) => ack());
      });
      const c = fx.client();
      await once(c, "connect");
      for (let i = 0; i < 20; i++) c.emit("boom", i);
      await c.timeout(5000).emitWithAck("done");
      c.disconnect();
      await sleep(50);
    });
    assert.deepEqual(output, []);
    const errors = logger.calls.error;
    assert.equal(errors.length, ERRORS_PER_INTERVAL + 1, "5 errors, then one count");
    assert.match(String(errors[0][0]), /^webio: handler for "boom" on socket \S+ threw:$/);
    assert.equal((errors[0][1] as Error).message, "boom 0");
    assert.match(String(errors.at(-1)![0]), /^webio: 15 more errors of connection \S+ were not/);
  } finally {
    await fx.close();
  }
});

test("logger: errors of a namespace's listeners and of io.engine's reach logger.error", async () => {
  const logger = recordingLogger();
  const fx = startIo({ logger });
  try {
    fx.io.of("/admin").on("connection", () => {
      throw new Error("admin handler");
    });
    fx.io.engine.on("connection", () => Promise.reject(new Error("engine listener")));
    const c = fx.client("/admin");
    await once(c, "connect");
    await sleep(20);
    const messages = logger.calls.error.map(([, err]) => (err as Error).message).sort();
    assert.deepEqual(messages, ["admin handler", "engine listener"]);
  } finally {
    await fx.close();
  }
});

test("logger: the debug channels switched on write to logger.debug", async () => {
  const logger = recordingLogger();
  setDebugNamespaces("webio:engine");
  let fx;
  try {
    fx = startIo({ logger });
  } finally {
    setDebugNamespaces(undefined);
  }
  try {
    const c = fx.client("/", { transports: ["websocket"] });
    await once(c, "connect");
    const lines = logger.calls.debug.map(([line]) => String(line));
    assert.ok(
      lines.some((l) => /^webio:engine session \S+ opened on websocket/.test(l)),
      lines.join("\n"),
    );
    assert.ok(lines.every((l) => l.startsWith("webio:engine ")), lines.join("\n"));
  } finally {
    await fx.close();
  }
});

test("no upgrader: a WebSocket-only client fails and the server warns once; polling still works", async () => {
  const logger = recordingLogger();
  const io = new Server({ logger });
  // As `Deno.serve((req) => io.handleRequest(req))`: the request facts, and the upgrader, are lost.
  const server = serve({
    handleRequest: (request) => io.handleRequest(request),
    longestPollMs: io.longestPollMs,
  });
  const sockets = [];
  try {
    for (let i = 0; i < 2; i++) {
      const c = connect(server.url, {
        forceNew: true,
        reconnection: false,
        transports: ["websocket"],
      });
      sockets.push(c);
      const [err] = await once<[Error]>(c, "connect_error");
      assert.equal(err.message, "websocket error");
    }
    assert.equal(logger.calls.warn.length, 1, "warned once");
    assert.match(String(logger.calls.warn[0][0]), /without an upgrader \(info\.upgrade\)/);

    const polling = connect(server.url, { forceNew: true, reconnection: false });
    sockets.push(polling);
    await once(polling, "connect");
    assert.equal(polling.io.engine.transport.name, "polling");
    assert.equal(logger.calls.warn.length, 1);
  } finally {
    for (const s of sockets) s.disconnect();
    await io.close();
    await server.shutdown();
  }
});

test('no upgrader: with transports: ["polling"] a WebSocket request is not a misconfiguration', async () => {
  const logger = recordingLogger();
  const io = new Server({ logger, transports: ["polling"] });
  const response = await io.handleRequest(
    new Request("http://localhost/socket.io/?EIO=4&transport=websocket", {
      headers: { upgrade: "websocket", connection: "Upgrade" },
    }),
  );
  await response.body?.cancel();
  assert.equal(response.status, 400);
  assert.deepEqual(logger.calls.warn, []);
  await io.close();
});

test("quiet by default: connecting, emitting, acks and disconnecting log nothing", async () => {
  setDebugNamespaces(undefined); // as when DEBUG is not set (the suite may run with one)
  const output = await consoleOutput(async () => {
    const fx = startIo();
    try {
      fx.io.on("connection", (socket) => {
        socket.on("echo", (x, ack) => ack(x));
        socket.emit("hello");
      });
      const c = fx.client();
      const hello = once(c, "hello");
      await once(c, "connect");
      await hello;
      assert.equal(await c.timeout(5000).emitWithAck("echo", 1), 1);
    } finally {
      await fx.close();
    }
  });
  assert.deepEqual(output, []);
});
