/**
 * The official socket.io 4.8 on Node (on a `node:http` server, default
 * options). Node 20 runs no TypeScript: bench/run.ts runs a bundle of this
 * file (`bun build --target=node`, socket.io left as an import).
 */
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { Server } from "socket.io";
import { port, ready, serverOptions, setup } from "./_app.ts";

const httpServer = createServer();
const io = new Server(httpServer, serverOptions(process.env));
setup(io);
httpServer.listen(port(process.env), "127.0.0.1", () => {
  ready("socketio-node", (httpServer.address() as AddressInfo).port);
});
process.on("SIGUSR2", () => (globalThis as { gc?: () => void }).gc?.());
process.on("SIGTERM", () => process.exit(0));
