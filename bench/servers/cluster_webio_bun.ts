/** A webio cluster node on Bun (`Bun.serve` + `io.bun()`) with the official adapter. */
import { Server } from "../../mod.ts";
import { requireBun } from "../lib/bun.ts";
import { port, ready } from "./_app.ts";
import { clusterEnv, createClusterAdapter, setupCluster } from "./cluster_app.ts";

const Bun = requireBun();
const { adapter, close } = await createClusterAdapter(clusterEnv(process.env));
const io = new Server({ adapter });
setupCluster(io);
const { fetch, websocket } = io.bun();
const server = Bun.serve({ port: port(process.env), hostname: "127.0.0.1", fetch, websocket });
process.on("SIGUSR2", () => Bun.gc(true));
process.on("SIGTERM", () => {
  setTimeout(() => process.exit(0), 1000);
  close().finally(() => process.exit(0));
});
ready("cluster-webio-bun", server.port);
