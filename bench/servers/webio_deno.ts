/** webio on Deno: `Deno.serve` with the server's request handler. */
import { denoRequestInfo, Server } from "../../mod.ts";
import { port, ready, setup } from "./_app.mjs";

const io = new Server();
setup(io);
const server = Deno.serve(
  { port: port(Deno.env.toObject()), hostname: "127.0.0.1", onListen() {} },
  (request, info) => io.handleRequest(request, denoRequestInfo(info)),
);
// deno-lint-ignore no-explicit-any
const gc = (globalThis as any).gc;
Deno.addSignalListener("SIGUSR2", () => gc?.());
Deno.addSignalListener("SIGTERM", () => Deno.exit(0));
ready("webio-deno", server.addr.port);
