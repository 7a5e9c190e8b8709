/** The official socket.io 4.8 on Bun with the official `@socket.io/bun-engine`. */
import { Server as Engine } from "@socket.io/bun-engine";
import { Server } from "socket.io";
import { requireBun } from "../lib/bun.ts";
import { port, ready, serverOptions, setup } from "./_app.ts";

const Bun = requireBun();
const io = new Server(serverOptions(process.env));
const engine = new Engine({ path: "/socket.io/" });
io.bind(engine);
setup(io);
const server = Bun.serve({ port: port(process.env), hostname: "127.0.0.1", ...engine.handler() });
process.on("SIGUSR2", () => Bun.gc(true));
process.on("SIGTERM", () => process.exit(0));
ready("socketio-bun", server.port);
