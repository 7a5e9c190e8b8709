/**
 * A webio cluster node, for `cluster.ts`: `deno run -A
 * tests/_fixtures/cluster_node.ts` or `bun tests/_fixtures/cluster_node.ts`.
 * It listens on a free port (`new Server(0, { adapter })`) with the official
 * adapter that `CLUSTER_ADAPTER` names, installs the handlers of
 * `cluster_app.mjs` (the same as the `socket.io` node's), and prints
 * `READY <port>`. SIGTERM closes it.
 */
import process from "node:process";
import { Server } from "../../mod.ts";
import {
  clusterEnv,
  createClusterAdapter,
  installHandlers,
  serverOptions,
} from "./cluster_app.mjs";

const env = clusterEnv();
const { adapter, close } = await createClusterAdapter(env);
const io = new Server(0, { adapter, ...(await serverOptions(env)) });
installHandlers(io, env.node);

// Logged, so that a matrix failure shows them; the fault tests turn this off
// (CLUSTER_CATCH_UNCAUGHT=0 for every node, CLUSTER_CATCH_UNCAUGHT_WEBIO=0 for
// the webio ones) to see whether anything would kill the process.
if (
  process.env.CLUSTER_CATCH_UNCAUGHT !== "0" && process.env.CLUSTER_CATCH_UNCAUGHT_WEBIO !== "0"
) {
  process.on("uncaughtException", (err) => {
    console.error(`[${env.node}] uncaughtException: ${err?.stack ?? err}`);
  });
  process.on("unhandledRejection", (err) => {
    console.error(`[${env.node}] unhandledRejection: ${(err as Error)?.stack ?? err}`);
  });
}

process.on("SIGTERM", async () => {
  setTimeout(() => process.exit(0), 1000);
  await io.close().catch(() => {});
  await close();
  process.exit(0);
});

console.log(`READY ${io.port}`);
