/**
 * Raw `Bun.serve` WebSocket server: the physical limit of Bun (see
 * _raw_protocol.mjs). With RAW_PUBSUB=1, broadcasts go through Bun's native
 * pub/sub (`ws.subscribe` + `server.publish`) instead of a loop of `send`.
 */
import { port, ready } from "./_app.mjs";
import { rawPolling, rawSockets } from "./_raw_protocol.mjs";

// deno-lint-ignore no-explicit-any
const Bun = (globalThis as any).Bun;
const pubsub = process.env.RAW_PUBSUB === "1";
// deno-lint-ignore no-explicit-any
const ref: { server?: any } = {};
const sockets = rawSockets(
  pubsub
    ? {
      // deno-lint-ignore no-explicit-any
      subscribe: (ws: any, topic: string) => ws.subscribe(topic),
      publish: (topic: string, data: string) => ref.server.publish(topic, data),
    }
    : undefined,
);
const polling = rawPolling();

const server = ref.server = Bun.serve({
  port: port(process.env),
  hostname: "127.0.0.1",
  // deno-lint-ignore no-explicit-any
  fetch(request: Request, srv: any) {
    const url = request.url;
    if (url.includes("transport=websocket")) {
      return srv.upgrade(request, { data: {} }) ? undefined : new Response("no", { status: 400 });
    }
    return polling(request);
  },
  websocket: {
    idleTimeout: 0,
    maxPayloadLength: 1e6,
    // deno-lint-ignore no-explicit-any
    open: (ws: any) => sockets.open(ws),
    // deno-lint-ignore no-explicit-any
    message: (ws: any, data: unknown) => sockets.message(ws, data),
    // deno-lint-ignore no-explicit-any
    close: (ws: any) => sockets.close(ws),
  },
});
process.on("SIGUSR2", () => Bun.gc(true));
process.on("SIGTERM", () => process.exit(0));
ready(pubsub ? "raw-bun-pubsub" : "raw-bun", server.port);
