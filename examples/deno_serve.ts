/**
 * webio behind your own `Deno.serve`: the app answers its routes, and
 * everything else (the protocol under `/socket.io/` and the browser client
 * at `/socket.io/socket.io.js`) goes to webio's handler.
 *
 * Run: `deno run --allow-net --allow-env examples/deno_serve.ts` (PORT overrides 3000).
 */
import { Server } from "../mod.ts";
import { denoHandler } from "../deno.ts";

const io = new Server();
io.on("connection", (socket) => {
  socket.emit("hello", "from Deno.serve");
  socket.on("ping", (callback) => callback("pong"));
});

const socketio = denoHandler(io);
Deno.serve({
  port: Number(globalThis.process?.env.PORT ?? 3000),
  onListen: ({ port }) => console.log(`listening on ${port}`),
}, (request, info) => {
  if (new URL(request.url).pathname === "/") return new Response("webio on Deno.serve");
  return socketio(request, info);
});
