/**
 * What `new Server(port)` listens with, on each runtime: limits enforced while
 * a WebSocket message arrives, a process that runs out of file descriptors,
 * and a bounded `close()`.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { connect as tcpConnect, type Socket } from "node:net";
import { spawn } from "node:child_process";
import process from "node:process";
import { Server } from "../../mod.ts";
import { RawWebSocket } from "../_fixtures/raw_ws.ts";
import { freePort } from "../_fixtures/example_process.ts";
import { runtime } from "../_fixtures/serve.ts";
import { connect } from "socket.io-client";

const decoder = new TextDecoder();

/** A listening server with a small message limit, and its WebSocket URL. */
async function listening(): Promise<{ io: Server; wsUrl: string }> {
  const port = await freePort();
  const io = new Server(port, { maxHttpBufferSize: 10_000 });
  return { io, wsUrl: `ws://127.0.0.1:${port}/socket.io/?EIO=4&transport=websocket` };
}

/** The close frame's code and reason, then the end of the connection. */
async function closeFrame(ws: RawWebSocket): Promise<{ code: number; reason: string }> {
  for (;;) {
    const frame = await ws.next();
    if (!frame) throw new Error("Connection ended without a close frame");
    if (frame.opcode !== 8) continue;
    const code = (frame.data[0] << 8) | frame.data[1];
    await ws.closed;
    return { code, reason: decoder.decode(frame.data.subarray(2)) };
  }
}

/** 1009, with the official server's empty reason (Bun's own server writes its own text). */
function assertTooBig(close: { code: number; reason: string }): void {
  assert.equal(close.code, 1009);
  if (runtime === "deno") assert.equal(close.reason, "");
}

test("a WebSocket frame announcing 60 MB is refused at its header: 1009, empty reason", async () => {
  const { io, wsUrl } = await listening();
  try {
    const ws = await RawWebSocket.open(wsUrl);
    assert.match((await ws.nextText())!, /^0\{/);
    // Only the header and 1 KB go out: the close must come without the rest.
    ws.sendPartialFrame(2, 60_000_000, 1024);
    assertTooBig(await closeFrame(ws));
  } finally {
    await io.close();
  }
});

test("a fragmented WebSocket message is refused once its fragments pass the limit", async () => {
  const { io, wsUrl } = await listening();
  try {
    const ws = await RawWebSocket.open(wsUrl);
    assert.match((await ws.nextText())!, /^0\{/);
    for (let i = 0; i < 3; i++) ws.sendPartialFrame(i === 0 ? 1 : 0, 4000, 4000, false);
    assertTooBig(await closeFrame(ws));
  } finally {
    await io.close();
  }
});

/** Opens a TCP connection that never sends a request. */
function silentConnection(port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = tcpConnect(port, "127.0.0.1", () => resolve(socket));
    socket.on("error", reject);
  });
}

test("io.close() finishes with connections that never sent a whole request", async () => {
  const port = await freePort();
  const io = new Server(port);
  const silent = await silentConnection(port);
  const partial = await silentConnection(port);
  partial.write("GET /socket.io/?EIO=4&transport=polling HTTP/1.1\r\nHost: x\r\n");
  const ended = Promise.all([silent, partial].map((s) =>
    new Promise<void>((resolve) => {
      s.on("close", () => resolve());
      s.on("error", () => {});
    })
  ));
  const client = connect(`http://127.0.0.1:${port}`, { reconnection: false });
  await new Promise((resolve) => client.once("connect", () => resolve(undefined)));
  const disconnected = new Promise((resolve) => client.once("disconnect", resolve));
  await io.close(); // hangs (and the test times out) if a connection holds it
  await disconnected;
  // webio's Deno listener closes them; Bun leaves them to its idle timeout.
  if (runtime === "deno") await ended;
  for (const socket of [silent, partial]) socket.destroy();
  client.close();
});

/**
 * The program run under `ulimit -n`: a server that reports each connection
 * and echoes with an ack.
 */
const FD_SERVER = `
import { Server } from ${JSON.stringify(new URL("../../mod.ts", import.meta.url).href)};
const port = Number(${runtime === "deno" ? "Deno.env.get('PORT')" : "process.env.PORT"});
const io = new Server(port);
io.on("connection", (socket) => {
  socket.on("echo", (value, ack) => ack(value));
});
${
  runtime === "deno"
    ? "// Deno 2.9 starts its signal driver lazily and panics if that meets EMFILE: start it now.\nDeno.addSignalListener('SIGUSR2', () => {});"
    : ""
}
console.log("listening");
`;

test("running out of file descriptors keeps every client, warns once, and accepts again", {
  skip: process.platform !== "linux",
}, async () => {
  const port = await freePort();
  const dir = await Deno_or_node_tmp();
  const file = `${dir}/fd_server.ts`;
  await writeText(file, FD_SERVER);
  const command = runtime === "deno"
    ? `ulimit -n 64; exec "${process.execPath}" run -A --no-lock "${file}"`
    : `ulimit -n 64; exec "${process.execPath}" "${file}"`;
  // Deno 2.9 loads NODE_EXTRA_CA_CERTS lazily and panics when that load
  // meets EMFILE: a runtime bug this test is not about.
  const { NODE_EXTRA_CA_CERTS: _, ...env } = process.env;
  const child = spawn("sh", ["-c", command], {
    env: { ...env, PORT: String(port), NO_COLOR: "1" },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  child.stdout!.on("data", (c) => output += c.toString());
  child.stderr!.on("data", (c) => output += c.toString());
  const exited = new Promise<number | null>((resolve) => child.once("exit", (c) => resolve(c)));
  const echo = async (socket: ReturnType<typeof connect>, value: string) => {
    try {
      return await socket.timeout(5000).emitWithAck("echo", value);
    } catch (error) {
      throw new Error(`${(error as Error).message}; the server printed:\n${output}`);
    }
  };
  try {
    while (!output.includes("listening")) {
      if (child.exitCode !== null) throw new Error(`server exited: ${output}`);
      await new Promise((r) => setTimeout(r, 20));
    }
    const url = `http://127.0.0.1:${port}`;
    const first = connect(url, { transports: ["websocket"], reconnection: false });
    await new Promise((resolve) => first.once("connect", () => resolve(undefined)));

    // Far more connections than the server has descriptors for.
    const flood: Socket[] = [];
    for (let i = 0; i < 150; i++) {
      const socket = tcpConnect(port, "127.0.0.1");
      socket.on("error", () => {});
      flood.push(socket);
    }
    await new Promise((r) => setTimeout(r, 500));
    assert.equal(await echo(first, "during"), "during");
    for (const socket of flood) socket.destroy();
    await new Promise((r) => setTimeout(r, 500));

    assert.equal(child.exitCode, null, `the server is still running:\n${output}`);
    assert.equal(first.connected, true);
    assert.equal(await echo(first, "after"), "after");
    const second = connect(url, { reconnection: false, timeout: 10_000 });
    await new Promise((resolve, reject) => {
      second.once("connect", () => resolve(undefined));
      second.once("connect_error", reject);
    });
    assert.equal(await echo(second, "new"), "new");
    first.close();
    second.close();
    const warnings = output.split("\n").filter((line) => line.includes("cannot accept"));
    assert.ok(warnings.length <= 1, `at most one warning:\n${output}`);
    if (runtime === "deno") assert.equal(warnings.length, 1, output);
  } finally {
    child.kill("SIGKILL");
    await exited;
  }
});

async function Deno_or_node_tmp(): Promise<string> {
  const { mkdtemp } = await import("node:fs/promises");
  const { tmpdir } = await import("node:os");
  return await mkdtemp(`${tmpdir()}/webio-fd-`);
}

async function writeText(path: string, text: string): Promise<void> {
  const { writeFile } = await import("node:fs/promises");
  await writeFile(path, text);
}

/** Writes `text` on a fresh connection and collects everything until the server closes it. */
function exchange(port: number, writes: string[], waitMs = 300): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = tcpConnect(port, "127.0.0.1");
    let received = "";
    socket.on("data", (chunk) => received += chunk.toString("latin1"));
    socket.on("error", reject);
    socket.on("close", () => resolve(received));
    socket.on("connect", async () => {
      for (const text of writes) {
        socket.write(text);
        await new Promise((r) => setTimeout(r, 20));
      }
      setTimeout(() => socket.end(), waitMs);
    });
  });
}

const HANDSHAKE = "GET /socket.io/?EIO=4&transport=polling HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";

test("raw HTTP/1.1: pipelined requests, a chunked body with 100-continue, smuggling refused", async () => {
  const port = await freePort();
  const io = new Server(port);
  try {
    // Two requests in one write get two answers, in order.
    const pipelined = await exchange(port, [HANDSHAKE + HANDSHAKE]);
    assert.equal(pipelined.match(/HTTP\/1\.1 200/g)?.length, 2, pipelined);

    // A session, then its CONNECT packet posted as a chunked body in pieces.
    const open = await exchange(port, [HANDSHAKE]);
    const sid = /"sid":"([^"]+)"/.exec(open)![1];
    const posted = await exchange(port, [
      `POST /socket.io/?EIO=4&transport=polling&sid=${sid} HTTP/1.1\r\nHost: 127.0.0.1\r\n` +
      "Transfer-Encoding: chunked\r\nExpect: 100-continue\r\nContent-Type: text/plain\r\n\r\n",
      "1\r\n4\r\n",
      "1;ext=1\r\n0\r\n0\r\n\r\n",
    ]);
    assert.match(posted, /^HTTP\/1\.1 100 Continue\r\n\r\nHTTP\/1\.1 200 OK\r\n/, posted);
    assert.match(posted, /\r\n\r\nok$/, posted);
    const connected = await exchange(port, [
      `GET /socket.io/?EIO=4&transport=polling&sid=${sid} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n`,
    ]);
    assert.match(connected, /\r\n\r\n40\{"sid":"/, connected);

    // Both framings at once: refused, and the connection closed.
    const smuggled = await exchange(port, [
      "POST /socket.io/?EIO=4&transport=polling HTTP/1.1\r\nHost: 127.0.0.1\r\n" +
      "Content-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n" + HANDSHAKE,
    ], 1000);
    assert.match(smuggled, /^HTTP\/1\.1 400 /, smuggled);
    assert.equal(smuggled.match(/HTTP\/1\.1 /g)?.length, 1, "nothing after the refusal");
  } finally {
    await io.close();
  }
});

test("raw HTTP/1.1: a Host that is no host name does not move the request's path", {
  skip: runtime !== "deno",
}, async () => {
  const port = await freePort();
  const io = new Server(port);
  try {
    const answer = await exchange(port, [HANDSHAKE.replace("Host: 127.0.0.1", "Host: a/b?")]);
    assert.match(answer, /^HTTP\/1\.1 200 OK\r\n[\s\S]*\r\n\r\n0\{"sid"/, answer);
  } finally {
    await io.close();
  }
});
