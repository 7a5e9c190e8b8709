/** webio on Deno through `node:http`: webio reads the WebSocket frames itself. */
import { createServer } from "node:http";
import { Server } from "../../mod.ts";
import { port, ready, setup } from "./_app.ts";

const httpServer = createServer();
const io = new Server(httpServer);
setup(io);
httpServer.listen(port(Deno.env.toObject()), "127.0.0.1", () => {
  ready("webio-deno-node-http", (httpServer.address() as { port: number }).port);
});
const gc = (globalThis as { gc?: () => void }).gc;
Deno.addSignalListener("SIGUSR2", () => gc?.());
Deno.addSignalListener("SIGTERM", () => Deno.exit(0));
