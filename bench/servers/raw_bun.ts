/**
 * Raw `Bun.serve` WebSocket server: the physical limit of Bun (see
 * _raw_protocol.ts). With RAW_PUBSUB=1, broadcasts go through Bun's native
 * pub/sub (`ws.subscribe` + `server.publish`) instead of a loop of `send`.
 */
import { type BunHttpServer, type BunServerSocket, requireBun } from "../lib/bun.ts";
import { port, ready } from "./_app.ts";
import { type RawPeer, rawPolling, rawSockets } from "./_raw_protocol.ts";

type Peer = BunServerSocket<unknown> & RawPeer;

const Bun = requireBun();
const pubsub = process.env.RAW_PUBSUB === "1";
const ref: { server?: BunHttpServer } = {};
const sockets = rawSockets<Peer>(
  pubsub
    ? {
      subscribe: (ws, topic) => ws.subscribe(topic),
      publish: (topic, data) => ref.server!.publish(topic, data),
    }
    : undefined,
);
const polling = rawPolling();

const server = ref.server = Bun.serve({
  port: port(process.env),
  hostname: "127.0.0.1",
  fetch(request, srv) {
    const url = request.url;
    if (url.includes("transport=websocket")) {
      return srv.upgrade(request, { data: {} }) ? undefined : new Response("no", { status: 400 });
    }
    return polling(request);
  },
  websocket: {
    idleTimeout: 0,
    maxPayloadLength: 1e6,
    open: (ws: Peer) => sockets.open(ws),
    message: (ws: Peer, data: string | Uint8Array) => sockets.message(ws, data),
    close: (ws: Peer) => sockets.close(ws),
  },
});
process.on("SIGUSR2", () => Bun.gc(true));
process.on("SIGTERM", () => process.exit(0));
ready(pubsub ? "raw-bun-pubsub" : "raw-bun", server.port);
