/** webio as a Hono route on Bun: `app.all("/socket.io/*", handler)` and `io.hono().websocket`. */
import { Server } from "../../mod.ts";
import { Hono } from "hono";
import { requireBun } from "../lib/bun.ts";
import { port, ready, setup } from "./_app.ts";

const Bun = requireBun();
const io = new Server();
setup(io);
const { handler, websocket } = io.hono();
const app = new Hono();
app.all("/socket.io/*", handler);
const server = Bun.serve({
  port: port(process.env),
  hostname: "127.0.0.1",
  fetch: app.fetch,
  websocket,
});
process.on("SIGUSR2", () => Bun.gc(true));
process.on("SIGTERM", () => process.exit(0));
ready("webio-hono-bun", server.port);
