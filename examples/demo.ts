/**
 * The demo server of `npm start`: an Engine.IO echo on http://localhost:3000
 * (the Socket.IO chat replaces it once the Socket.IO layer lands).
 */
import { denoRequestInfo, EngineServer } from "../mod.ts";

const PAGE = `<!doctype html><meta charset="utf-8"><title>webio echo</title>
<h1>webio echo</h1><p>Open the console: <code>ws.send("hi")</code>.</p>
<script>
const ws = new WebSocket("ws://" + location.host + "/engine.io/?EIO=4&transport=websocket");
ws.onmessage = (e) => { console.log("<-", e.data); if (e.data === "2") ws.send("3"); };
</script>`;

const engine = new EngineServer();
engine.on("connection", (session) => {
  session.on("message", (data) => session.send(data));
});

const port = Number(Deno.env.get("PORT") ?? 3000);
const server = Deno.serve({
  port,
  onListen: ({ port }) => console.log(`webio demo on http://localhost:${port}`),
}, (request, info) => {
  if (new URL(request.url).pathname === "/") {
    return new Response(PAGE, { headers: { "content-type": "text/html; charset=utf-8" } });
  }
  return engine.handleRequest(request, denoRequestInfo(info));
});

Deno.addSignalListener("SIGINT", async () => {
  engine.close();
  await server.shutdown();
  Deno.exit(0);
});
