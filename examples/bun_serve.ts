/**
 * webio behind your own `Bun.serve`: `io.bun()` gives the `fetch` and
 * `websocket` halves; the app answers its routes and hands the rest to
 * webio's `fetch` (which returns `undefined` once it upgraded a WebSocket).
 *
 * Run: `bun examples/bun_serve.ts` (PORT overrides 3000).
 */
import { Server } from "../mod.ts";
import type { BunPair, BunServer } from "../bun.ts";

// Bun's global, as far as this file uses it, for `deno check` (which has no Bun
// types). scripts/check_package.sh checks this file without this declaration,
// against Bun's own types (bun-types), as an application on npm would see it.
declare const Bun: {
  serve(options: {
    port: number;
    fetch: (request: Request, server: BunServer) => Response | Promise<Response | undefined>;
    websocket: BunPair["websocket"];
  }): { readonly port: number };
};
// end of the declaration

const io = new Server();
io.on("connection", (socket) => {
  socket.emit("hello", "from Bun.serve");
  socket.on("ping", (callback) => callback("pong"));
});

const socketio = io.bun();
const server = Bun.serve({
  port: Number(globalThis.process?.env.PORT ?? 3000),
  fetch(request, srv) {
    if (new URL(request.url).pathname === "/") return new Response("webio on Bun.serve");
    return socketio.fetch(request, srv);
  },
  websocket: socketio.websocket, // Bun needs it for the WebSocket transport
});
console.log(`listening on ${server.port}`);
