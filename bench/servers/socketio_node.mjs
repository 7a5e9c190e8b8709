/** The official socket.io 4.8 on Node (on a `node:http` server, default options). */
import { createServer } from "node:http";
import { Server } from "socket.io";
import { port, ready, setup } from "./_app.mjs";

const httpServer = createServer();
const io = new Server(httpServer);
setup(io);
httpServer.listen(port(process.env), "127.0.0.1", () => {
  ready("socketio-node", httpServer.address().port);
});
process.on("SIGUSR2", () => globalThis.gc?.());
process.on("SIGTERM", () => process.exit(0));
