/**
 * webio attached to a `node:http` server, as Node users attach Socket.IO:
 * `new Server(httpServer)`. Requests under `/socket.io/` go to webio, the
 * rest to the server's own listener. The same file runs on Deno and on Bun.
 *
 * Run: `deno run --allow-net --allow-env examples/node_http.ts` or
 * `bun examples/node_http.ts` (PORT overrides 3000).
 */
import { createServer } from "node:http";
import { Server } from "../mod.ts";

const httpServer = createServer((_req, res) => {
  res.setHeader("Content-Type", "text/plain");
  res.end("webio on node:http");
});
const io = new Server(httpServer);
io.on("connection", (socket) => {
  socket.emit("hello", "from node:http");
  socket.on("ping", (callback) => callback("pong"));
});

const port = Number(globalThis.process?.env.PORT ?? 3000);
httpServer.listen(port, () => console.log(`listening on ${port}`));
