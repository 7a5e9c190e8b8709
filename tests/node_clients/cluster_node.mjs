/**
 * The `socket.io` 4.8 cluster node, on Node: `node
 * tests/node_clients/cluster_node.mjs`. The same app as the webio node
 * (`../_fixtures/cluster_node.ts`): the official adapter that
 * `CLUSTER_ADAPTER` names, the handlers of `../_fixtures/cluster_app.mjs`, a
 * free port, and `READY <port>` once listening. SIGTERM closes it.
 */
import { createServer } from "node:http";
import process from "node:process";
import { Server } from "socket.io";
import {
  clusterEnv,
  createClusterAdapter,
  installHandlers,
  serverOptions,
} from "../_fixtures/cluster_app.mjs";

const env = clusterEnv();
const { adapter, close } = await createClusterAdapter(env);
const httpServer = createServer();
const io = new Server(httpServer, { adapter, ...(await serverOptions(env)) });
installHandlers(io, env.node);

// Logged, so that a matrix failure shows them; the fault tests turn this off
// (CLUSTER_CATCH_UNCAUGHT=0) to see whether anything would kill the process.
if (process.env.CLUSTER_CATCH_UNCAUGHT !== "0") {
  process.on("uncaughtException", (err) => {
    console.error(`[${env.node}] uncaughtException: ${err?.stack ?? err}`);
  });
  process.on("unhandledRejection", (err) => {
    console.error(`[${env.node}] unhandledRejection: ${err?.stack ?? err}`);
  });
}

process.on("SIGTERM", async () => {
  setTimeout(() => process.exit(0), 1000).unref();
  io.close();
  await close();
  process.exit(0);
});

httpServer.listen(0, "127.0.0.1", () => {
  console.log(`READY ${httpServer.address().port}`);
});
