/**
 * webio mounted in a Hono app beside ordinary routes (a JSON endpoint and a
 * static page). The same file runs on Deno and on Bun.
 *
 * Run: `deno run -A examples/hono_app.ts` or `bun examples/hono_app.ts`
 */
import { Hono } from "hono";
import { Server } from "../mod.ts";

const io = new Server();
io.on("connection", (socket) => {
  socket.on("ping", (callback) => callback("pong"));
});

const { handler, websocket } = io.hono();
const app = new Hono();
app.get("/api/health", (c) => c.json({ ok: true, clients: io.engine.clientsCount }));
app.get("/", (c) => c.html("<!doctype html><title>webio on Hono</title><h1>webio on Hono</h1>"));
app.all("/socket.io/*", handler);

const port = Number(globalThis.process?.env.PORT ?? 3000);
if ("Bun" in globalThis) {
  // deno-lint-ignore no-explicit-any
  const server = (globalThis as any).Bun.serve({
    port,
    fetch: app.fetch,
    websocket,
    idleTimeout: 60,
  });
  console.log(`listening on ${server.port}`);
} else {
  Deno.serve({ port, onListen: ({ port }) => console.log(`listening on ${port}`) }, app.fetch);
}
