/** webio on Bun: `Bun.serve` with `io.bun()`. */
import { Server } from "../../mod.ts";
import { requireBun } from "../lib/bun.ts";
import { port, ready, serverOptions, setup } from "./_app.ts";

const Bun = requireBun();
const io = new Server(serverOptions(process.env));
setup(io);
const { fetch, websocket } = io.bun();
const server = Bun.serve({ port: port(process.env), hostname: "127.0.0.1", fetch, websocket });
process.on("SIGUSR2", () => Bun.gc(true));
process.on("SIGTERM", () => process.exit(0));
ready("webio-bun", server.port);
