/**
 * Disconnect reasons, seen on the server and by the official
 * `socket.io-client`: server- and client-side namespace disconnects,
 * closing the whole connection, transport close, ping timeout and server
 * shutdown; `disconnecting` still sees the rooms.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import {
  type ClientSocket,
  type IoFixture,
  mounts,
  once,
  startIo,
  transportModes,
} from "../_fixtures/io.ts";
import type { ServerOptions } from "../../src/io/server_options.ts";
import type { Socket } from "../../src/io/socket.ts";

interface Pair {
  fx: IoFixture;
  client: ClientSocket;
  socket: Socket;
  /** The server-side reason of the next disconnect. */
  serverReason: Promise<string>;
  /** The client-side reason of the next disconnect. */
  clientReason: Promise<string>;
}

/** A server and one connected client, both watched for `disconnect`. */
async function connectPair(
  transports: ("polling" | "websocket")[],
  opts: ServerOptions = {},
  mount: "native" | "hono" = "native",
): Promise<Pair> {
  const fx = startIo(opts, mount, { transports });
  let client: ClientSocket;
  let socket: Socket;
  try {
    const connected = once<[Socket]>(fx.io, "connection");
    client = fx.client();
    await once(client, "connect");
    [socket] = await connected;
    if (transports.length === 2 && !socket.conn.upgraded) await once(socket.conn, "upgrade");
  } catch (err) {
    await fx.close();
    throw err;
  }
  return {
    fx,
    client,
    socket,
    serverReason: once<[string]>(socket, "disconnect").then(([r]) => r),
    clientReason: once<[string]>(client, "disconnect").then(([r]) => r),
  };
}

for (const mode of transportModes) {
  test(`disconnect ${mode.name}: socket.disconnect() on the server`, async () => {
    const p = await connectPair(mode.transports);
    try {
      p.socket.disconnect();
      assert.equal(await p.serverReason, "server namespace disconnect");
      assert.equal(await p.clientReason, "io server disconnect");
      assert.equal(p.socket.connected, false);
      assert.equal(p.socket.disconnected, true);
      assert.equal(p.fx.io.sockets.sockets.size, 0);
    } finally {
      await p.fx.close();
    }
  });

  test(`disconnect ${mode.name}: socket.disconnect(true) closes the connection`, async () => {
    const p = await connectPair(mode.transports);
    try {
      const closed = once(p.socket.conn, "close");
      p.socket.disconnect(true);
      assert.equal(await p.serverReason, "server namespace disconnect");
      // Over polling the DISCONNECT packet may share a payload with the engine's close
      // packet, which the client handles first (as with the official server).
      const expected = mode.name === "websocket"
        ? ["io server disconnect"]
        : ["io server disconnect", "transport close"];
      assert.ok(expected.includes(await p.clientReason), await p.clientReason);
      await closed;
      assert.equal(p.fx.io.engine.clientsCount, 0);
    } finally {
      await p.fx.close();
    }
  });

  test(`disconnect ${mode.name}: socket.disconnect() on the client`, async () => {
    const p = await connectPair(mode.transports);
    try {
      p.client.disconnect();
      assert.equal(await p.serverReason, "client namespace disconnect");
      assert.equal(await p.clientReason, "io client disconnect");
      assert.equal(p.fx.io.sockets.sockets.size, 0);
    } finally {
      await p.fx.close();
    }
  });

  test(`disconnect ${mode.name}: the client's engine closing is a transport close`, async () => {
    const p = await connectPair(mode.transports);
    try {
      p.client.io.engine.close();
      assert.equal(await p.serverReason, "transport close");
      assert.equal(await p.clientReason, "forced close");
      assert.equal(p.fx.io.engine.clientsCount, 0);
    } finally {
      await p.fx.close();
    }
  });

  test(`disconnect ${mode.name}: a client that stops answering pings times out`, async () => {
    const p = await connectPair(mode.transports, { pingInterval: 50, pingTimeout: 300 });
    try {
      // The client keeps receiving pings but never sends a pong back, and
      // waits long enough for the server to be the one giving up.
      const engine = p.client.io.engine as unknown as {
        _sendPacket(type: string, ...rest: unknown[]): void;
        _pingTimeout: number;
      };
      const send = engine._sendPacket.bind(engine);
      engine._sendPacket = (type, ...rest) => {
        if (type !== "pong") send(type, ...rest);
      };
      engine._pingTimeout = 10_000;
      assert.equal(await p.serverReason, "ping timeout");
      // The server ended the transport; the client notices it one way or another.
      const reason = await p.clientReason;
      assert.ok(
        ["transport close", "transport error", "ping timeout"].includes(reason),
        reason,
      );
      assert.equal(p.fx.io.engine.clientsCount, 0);
    } finally {
      await p.fx.close();
    }
  });

  test(`disconnect ${mode.name}: io.close() is "server shutting down"`, async () => {
    const p = await connectPair(mode.transports);
    try {
      await p.fx.io.close();
      assert.equal(await p.serverReason, "server shutting down");
      const reason = await p.clientReason;
      assert.ok(["transport close", "transport error"].includes(reason), reason);
      assert.equal(p.fx.io.engine.clientsCount, 0);
      assert.equal(p.fx.io.sockets.sockets.size, 0);
    } finally {
      await p.fx.close();
    }
  });
}

for (const mount of mounts) {
  test(`disconnect ${mount}: disconnecting fires first, with the rooms still readable`, async () => {
    const p = await connectPair(["websocket"], {}, mount);
    try {
      const { socket } = p;
      socket.join(["a", "b"]);
      const seen: string[] = [];
      let roomsThen: Set<string> | undefined;
      let connectedThen: boolean | undefined;
      socket.on("disconnecting", (reason) => {
        seen.push(`disconnecting ${reason}`);
        roomsThen = new Set(socket.rooms);
        connectedThen = socket.connected;
      });
      socket.on("disconnect", (reason) => seen.push(`disconnect ${reason}`));
      p.client.disconnect();
      await p.serverReason;
      assert.deepEqual(seen, [
        "disconnecting client namespace disconnect",
        "disconnect client namespace disconnect",
      ]);
      assert.deepEqual(roomsThen, new Set([socket.id, "a", "b"]));
      assert.equal(connectedThen, true);
      assert.deepEqual(socket.rooms, new Set());
      assert.equal(p.fx.io.sockets.adapter.rooms.has("a"), false);
    } finally {
      await p.fx.close();
    }
  });
}
