/**
 * A socket.io 4.8 cluster node on Node (`node:http`) with the official
 * adapter. bench/cluster.ts runs a bundle of it (`bun build --target=node`,
 * npm packages left as imports).
 */
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { Server } from "socket.io";
import { port, ready } from "./_app.ts";
import { clusterEnv, createClusterAdapter, setupCluster } from "./cluster_app.ts";

const { adapter, close } = await createClusterAdapter(clusterEnv(process.env));
const httpServer = createServer();
const io = new Server(httpServer, { adapter });
setupCluster(io);
httpServer.listen(port(process.env), "127.0.0.1", () => {
  ready("cluster-socketio-node", (httpServer.address() as AddressInfo).port);
});
process.on("SIGUSR2", () => (globalThis as { gc?: () => void }).gc?.());
process.on("SIGTERM", () => {
  setTimeout(() => process.exit(0), 1000).unref();
  close().finally(() => process.exit(0));
});
