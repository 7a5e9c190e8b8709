/** A webio cluster node on Deno (`new Server(port)`: webio's own listener) with the official adapter. */
import { Server } from "../../mod.ts";
import { port, ready } from "./_app.ts";
import { clusterEnv, createClusterAdapter, setupCluster } from "./cluster_app.ts";

const env = Deno.env.toObject();
const { adapter, close } = await createClusterAdapter(clusterEnv(env));
const io = new Server({ adapter });
setupCluster(io);
io.listen(port(env), { hostname: "127.0.0.1" });
const gc = (globalThis as { gc?: () => void }).gc;
Deno.addSignalListener("SIGUSR2", () => gc?.());
Deno.addSignalListener("SIGTERM", () => {
  setTimeout(() => Deno.exit(0), 1000);
  close().finally(() => Deno.exit(0));
});
ready("cluster-webio-deno", io.port!);
