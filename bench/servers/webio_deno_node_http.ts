/** webio on Deno through `node:http`: webio reads the WebSocket frames itself. */
import { createServer } from "node:http";
import { Server } from "../../mod.ts";
import { port, ready, setup } from "./_app.mjs";

const httpServer = createServer();
const io = new Server(httpServer);
setup(io);
httpServer.listen(port(Deno.env.toObject()), "127.0.0.1", () => {
  ready("webio-deno-node-http", (httpServer.address() as { port: number }).port);
});
// deno-lint-ignore no-explicit-any
const gc = (globalThis as any).gc;
Deno.addSignalListener("SIGUSR2", () => gc?.());
Deno.addSignalListener("SIGTERM", () => Deno.exit(0));
