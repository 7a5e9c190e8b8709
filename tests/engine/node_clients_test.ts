/**
 * The cases of the official Socket.IO v5 protocol suite
 * (`docs/socket.io-protocol/v5-test-suite`), run by Node 20 with the clients
 * that suite uses: node-fetch 3.2 (which sends `Connection: close` while
 * Node's global agent keeps connections alive) and `ws`. Serves webio on the
 * runtime running the tests, natively and under Hono, configured as the suite
 * expects, and runs `tests/node_clients/protocol_suite.mjs` against it.
 *
 * Catches what only a real Node client shows, such as a server that closes a
 * `Connection: close` request's connection without saying so on the response
 * (Bun): the client reuses the socket and gets "socket hang up".
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { assertNoSourceTimers } from "../_fixtures/timers.ts";
import { type IoFixture, type Mount, mounts, runtime, startIo } from "../_fixtures/io.ts";
import type { Socket } from "../../src/io/socket.ts";

const SUITE = fileURLToPath(new URL("../node_clients/protocol_suite.mjs", import.meta.url));

const PING_INTERVAL = 300;
/**
 * The suite's server waits 200 ms for a pong; more here (the script is
 * told), so that a loaded machine does not turn a slow pong into "ping
 * timeout".
 */
const PING_TIMEOUT = 500;
/**
 * The suite's server allows 1000 ms without a Socket.IO CONNECT, and its
 * heartbeat cases run about 900 ms without one: more here, so that a loaded
 * machine does not close them. Above pingInterval + pingTimeout, so that a
 * session that never pongs is gone by the heartbeat, not by this.
 */
const CONNECT_TIMEOUT = 2000;

/**
 * The server of the suite's README (docs/socket.io-protocol/v5-current.md,
 * "Test suite"), but for the two timeouts.
 */
function startSuiteServer(mount: Mount): IoFixture {
  const fx = startIo({
    pingInterval: PING_INTERVAL,
    pingTimeout: PING_TIMEOUT,
    maxHttpBufferSize: 1e6,
    connectTimeout: CONNECT_TIMEOUT,
    cors: { origin: "*" },
  }, mount);
  const onConnection = (socket: Socket) => {
    socket.emit("auth", socket.handshake.auth);
    socket.on("message", (...args: unknown[]) => socket.emit("message-back", ...args));
    socket.on("message-with-ack", (...args: unknown[]) => {
      const ack = args.pop() as (...a: unknown[]) => void;
      ack(...args);
    });
  };
  fx.io.of("/").on("connection", onConnection);
  fx.io.of("/custom").on("connection", onConnection);
  return fx;
}

/** Runs the Node client script against `url`: its exit code and everything it printed. */
function runNodeSuite(url: string): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const args = [SUITE, url, `--ping-interval=${PING_INTERVAL}`, `--ping-timeout=${PING_TIMEOUT}`];
    const child = spawn("node", args, { stdio: ["ignore", "pipe", "pipe"] });
    let output = "";
    child.stdout!.on("data", (chunk) => output += chunk);
    child.stderr!.on("data", (chunk) => output += chunk);
    child.once("error", reject);
    child.once("close", (code) => resolve({ code, output }));
  });
}

for (const mount of mounts) {
  test(
    `node clients (node-fetch 3.2, ws) pass the v5 protocol cases on ${runtime} ${mount}`,
    { timeout: 60000 },
    async () => {
      const fx = startSuiteServer(mount);
      try {
        const { code, output } = await runNodeSuite(fx.url);
        assert.equal(code, 0, `the Node client suite failed:\n${output}`);
        assert.match(output, /^(\d+)\/\1 passed$/m);
      } finally {
        await fx.close();
      }
    },
  );
}

test("no timer started by src/ outlives the closed servers", () => assertNoSourceTimers());
