import { test } from "node:test";
import assert from "node:assert/strict";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import { connect as tcpConnect } from "node:net";
import type { AddressInfo } from "node:net";
import { io as connect, type ManagerOptions, type SocketOptions } from "socket.io-client";
import { Server } from "../../src/server.ts";
import type { ServerOptions } from "../../src/io/server_options.ts";
import type { RequestHandlerHost } from "../../src/runtime/handler.ts";
import {
  attachNodeHttp,
  isNodeHttpServer,
  type NodeHttpAttachment,
} from "../../src/runtime/node_http.ts";
import { clientFileResponder } from "../../src/io/serve_client.ts";
import { EngineServer } from "../../src/engine/server.ts";
import type { EngineSession } from "../../src/engine/session.ts";
import type { WebSocketTransport } from "../../src/engine/websocket.ts";
import { SEND_HIGH_WATER_MARK } from "../../src/engine/conn.ts";
import { type ClientSocket, once, runtime } from "../_fixtures/io.ts";
import { RawWebSocket } from "../_fixtures/raw_ws.ts";

/** The app's own routes: `/hello`, and 404 for the rest. */
function app(req: IncomingMessage, res: ServerResponse): void {
  if (req.url === "/hello") {
    res.setHeader("content-type", "application/json");
    res.end(JSON.stringify({ hello: "world" }));
  } else {
    res.statusCode = 404;
    res.end("app 404");
  }
}

interface NodeFixture {
  io: Server;
  url: string;
  attachment: NodeHttpAttachment;
  /** Resolves once the host has been handed a request matching `match`. */
  received(match: (request: Request) => boolean): Promise<void>;
  client(opts?: Partial<ManagerOptions & SocketOptions>): ClientSocket;
  close(): Promise<void>;
}

/**
 * `http.createServer(app)`, a webio Server attached to it (client files
 * first, as server.ts will do once wired), listening on a free port.
 */
async function startNodeIo(
  options: ServerOptions = {},
  withApp = true,
): Promise<NodeFixture> {
  const httpServer = withApp ? createServer(app) : createServer();
  const io = new Server(options);
  const clientFiles = clientFileResponder(io.opts);
  const watchers: { match: (request: Request) => boolean; resolve: () => void }[] = [];
  const host: RequestHandlerHost = {
    handleRequest: (request, info) => {
      const response = clientFiles?.(request) ?? io.handleRequest(request, info);
      for (const w of watchers.filter((w) => w.match(request))) {
        watchers.splice(watchers.indexOf(w), 1);
        w.resolve();
      }
      return response;
    },
    longestPollMs: io.longestPollMs,
    maxMessageBytes: io.maxMessageBytes,
  };
  assert.ok(isNodeHttpServer(httpServer));
  const attachment = attachNodeHttp(host, httpServer, io.opts.path);
  await new Promise<void>((resolve) => httpServer.listen(0, "127.0.0.1", resolve));
  const url = `http://127.0.0.1:${(httpServer.address() as AddressInfo).port}`;
  const clients: ClientSocket[] = [];
  return {
    io,
    url,
    attachment,
    received: (match) => new Promise((resolve) => watchers.push({ match, resolve })),
    client(opts = {}) {
      const socket = connect(url, { forceNew: true, reconnection: false, ...opts });
      clients.push(socket);
      return socket;
    },
    async close() {
      for (const c of clients) c.disconnect();
      await io.close();
      await attachment.close();
    },
  };
}

const modes: { name: string; opts: Partial<ManagerOptions & SocketOptions> }[] = [
  { name: "default options (polling, then upgrade)", opts: {} },
  { name: "polling only", opts: { transports: ["polling"] } },
  { name: "websocket only", opts: { transports: ["websocket"] } },
];

for (const mode of modes) {
  test(`node:http on ${runtime}, ${mode.name}: ack and binary round trip`, async () => {
    const fx = await startNodeIo();
    try {
      fx.io.on("connection", (socket) => {
        socket.on("echo", (value, bytes, ack) => ack(value, bytes));
      });
      const c = fx.client(mode.opts);
      await once(c, "connect");
      const big = new Uint8Array(70000).map((_, i) => i & 0xff); // a 64-bit length frame
      const [value, bytes] = await new Promise<[unknown, ArrayBuffer]>((resolve) => {
        c.emit("echo", { x: "é" }, big, (v: unknown, b: ArrayBuffer) => resolve([v, b]));
      });
      assert.deepEqual(value, { x: "é" });
      assert.deepEqual(new Uint8Array(bytes), big);
      if (mode.name.startsWith("default")) {
        const engine = c.io.engine;
        if (engine.transport.name !== "websocket") await once(engine, "upgrade");
        assert.equal(engine.transport.name, "websocket");
        assert.equal(
          await c.emitWithAck("echo", "after upgrade", new Uint8Array([7])),
          "after upgrade",
        );
      }
    } finally {
      await fx.close();
    }
  });
}

test(`node:http on ${runtime}: the app keeps its routes beside the protocol and the client`, async () => {
  const fx = await startNodeIo();
  try {
    const hello = await fetch(`${fx.url}/hello`);
    assert.deepEqual(await hello.json(), { hello: "world" });
    const other = await fetch(`${fx.url}/elsewhere`);
    assert.equal(other.status, 404);
    assert.equal(await other.text(), "app 404");
    const script = await fetch(`${fx.url}/socket.io/socket.io.min.js`);
    assert.equal(script.status, 200);
    assert.equal(script.headers.get("content-type"), "application/javascript; charset=utf-8");
    assert.ok((await script.text()).includes("Socket.IO v"));
    const protocol = await fetch(`${fx.url}/socket.io/?EIO=4&transport=bogus`);
    assert.equal(protocol.status, 400);
    assert.deepEqual(await protocol.json(), { code: 0, message: "Transport unknown" });
  } finally {
    await fx.close();
  }
});

test(`node:http on ${runtime}: without an app, other URLs get 404`, async () => {
  const fx = await startNodeIo({}, false);
  try {
    const response = await fetch(`${fx.url}/hello`);
    assert.equal(response.status, 404);
    await response.body?.cancel();
  } finally {
    await fx.close();
  }
});

test(`node:http on ${runtime}: detach gives the app its requests back`, async () => {
  const fx = await startNodeIo();
  try {
    fx.attachment.detach();
    const response = await fetch(`${fx.url}/socket.io/?EIO=4&transport=polling`);
    assert.equal(response.status, 404);
    assert.equal(await response.text(), "app 404");
  } finally {
    await fx.close();
  }
});

test(`node:http on ${runtime}: handshake headers, cookies and POST bodies pass through`, async () => {
  const fx = await startNodeIo({ cookie: true });
  try {
    fx.io.engine.on("initial_headers", (headers) => {
      headers.append("Set-Cookie", "extra=1; Path=/");
      headers.set("X-Handshake", "yes");
    });
    const open = await fetch(`${fx.url}/socket.io/?EIO=4&transport=polling`);
    assert.equal(open.status, 200);
    assert.equal(open.headers.get("x-handshake"), "yes");
    const cookies = open.headers.getSetCookie();
    assert.equal(cookies.length, 2);
    assert.match(cookies[0], /^io=[\w-]+; Path=\/; HttpOnly; SameSite=Lax$/);
    assert.equal(cookies[1], "extra=1; Path=/");
    const sid = JSON.parse((await open.text()).slice(1)).sid as string;
    const connected = once(fx.io, "connection");
    const post = await fetch(`${fx.url}/socket.io/?EIO=4&transport=polling&sid=${sid}`, {
      method: "POST",
      body: "40",
    });
    assert.equal(post.status, 200);
    assert.equal(await post.text(), "ok");
    await connected;
  } finally {
    await fx.close();
  }
});

test(`node:http on ${runtime}: a client leaving a held poll closes its session`, async () => {
  const fx = await startNodeIo();
  try {
    const open = await fetch(`${fx.url}/socket.io/?EIO=4&transport=polling`);
    const sid = JSON.parse((await open.text()).slice(1)).sid as string;
    const session = fx.io.engine.clients.get(sid)!;
    const closed = once<[string]>(session, "close");
    const held = fx.received((r) => r.url.includes(`sid=${sid}`) && r.method === "GET");
    const { hostname, port } = new URL(fx.url);
    const socket = tcpConnect({ host: hostname, port: Number(port) });
    socket.on("error", () => {});
    socket.write(
      `GET /socket.io/?EIO=4&transport=polling&sid=${sid} HTTP/1.1\r\nHost: ${hostname}\r\n\r\n`,
    );
    await held; // the server holds the poll (it has nothing to send): leave
    socket.destroy();
    const [reason] = await closed;
    assert.equal(reason, "transport error");
  } finally {
    await fx.close();
  }
});

test(`node:http on ${runtime}: a refused upgrade gets a plain 400 on the socket`, async () => {
  const fx = await startNodeIo();
  try {
    const url = `${fx.url.replace("http", "ws")}/socket.io/?EIO=4&transport=websocket&sid=nope`;
    await assert.rejects(RawWebSocket.open(url), /WebSocket handshake refused: HTTP\/1.1 400/);
  } finally {
    await fx.close();
  }
});

test(`node:http on ${runtime}: a raw WebSocket client speaks Engine.IO and closes cleanly`, async () => {
  const fx = await startNodeIo();
  try {
    const ws = await RawWebSocket.open(
      `${fx.url.replace("http", "ws")}/socket.io/?EIO=4&transport=websocket`,
    );
    const openPacket = await ws.nextText();
    assert.match(openPacket!, /^0\{"sid":/);
    assert.match(openPacket!, /"upgrades":\[\]/);
    ws.send("40");
    assert.match((await ws.nextText())!, /^40\{"sid":/);
    await fx.io.close(); // the server ends the connection with a close frame
    let frame = await ws.next();
    while (frame && frame.opcode !== 8) frame = await ws.next();
    assert.equal(frame?.opcode, 8);
    assert.equal((frame!.data[0] << 8) | frame!.data[1], 1000);
    ws.destroy();
    await ws.closed;
  } finally {
    await fx.close();
  }
});

test(`node:http on ${runtime}: a paused WebSocket reader gets backpressure, then every message in order`, async () => {
  const engine = new EngineServer({
    pingInterval: 60_000,
    pingTimeout: 60_000,
    maxBufferedBytes: 64e6,
  });
  const httpServer = createServer(app);
  const attachment = attachNodeHttp(engine, httpServer, "/engine.io/");
  await new Promise<void>((resolve) => httpServer.listen(0, "127.0.0.1", resolve));
  const port = (httpServer.address() as AddressInfo).port;
  const connected = once<[EngineSession]>(engine, "connection");
  const raw = await RawWebSocket.open(
    `ws://127.0.0.1:${port}/engine.io/?EIO=4&transport=websocket`,
  );
  try {
    assert.match((await raw.nextText())!, /^0\{/);
    raw.pause();
    const [session] = await connected;
    const transport = session.transport as WebSocketTransport;
    const count = 600;
    const size = 32 * 1024; // 19 MB: more than the kernel and the socket hold
    let sawBackpressure = false;
    for (let i = 0; i < count; i++) {
      session.send(`${i}:`.padEnd(size, "x"));
      if (!transport.writable) sawBackpressure = true;
      assert.ok(transport.bufferedAmount <= SEND_HIGH_WATER_MARK + size + 16);
      if (i % 8 === 7) await new Promise((resolve) => setTimeout(resolve, 0));
    }
    assert.ok(sawBackpressure, "the socket reported backpressure");
    const drained = once(session, "drain");
    raw.resume();
    for (let i = 0; i < count; i++) {
      const text = await raw.nextText();
      assert.equal(text?.slice(0, 12), ("4" + `${i}:`.padEnd(size, "x")).slice(0, 12));
    }
    await drained;
    assert.equal(session.bufferedBytes, 0);
  } finally {
    raw.destroy();
    engine.close();
    await attachment.close();
  }
});

test(`node:http on ${runtime}: a host that cannot upgrade advertises no upgrades; the client stays on polling`, async () => {
  const io = new Server();
  let websocketRequests = 0;
  const host: RequestHandlerHost = {
    handleRequest: (request, info) => {
      if (request.url.includes("transport=websocket")) websocketRequests++;
      return io.handleRequest(request, { ...info, upgrade: undefined });
    },
  };
  const httpServer = createServer(app);
  const attachment = attachNodeHttp(host, httpServer, io.opts.path);
  await new Promise<void>((resolve) => httpServer.listen(0, "127.0.0.1", resolve));
  const url = `http://127.0.0.1:${(httpServer.address() as AddressInfo).port}`;
  const c = connect(url, { forceNew: true, reconnection: false });
  try {
    io.on("connection", (socket) => socket.on("echo", (value, ack) => ack(value)));
    await once(c, "connect");
    assert.equal(await c.emitWithAck("echo", 1), 1);
    assert.equal(await c.emitWithAck("echo", 2), 2);
    assert.equal(c.io.engine.transport.name, "polling");
    assert.equal(websocketRequests, 0);
    const open = await fetch(`${url}/socket.io/?EIO=4&transport=polling`);
    assert.match(await open.text(), /"upgrades":\[\]/);
  } finally {
    c.disconnect();
    await io.close();
    await attachment.close();
  }
});
