/** webio on Deno: `Deno.serve` with the server's request handler. */
import { Server } from "../../mod.ts";
import { denoRequestInfo } from "../../deno.ts";
import { port, ready, setup } from "./_app.ts";

const io = new Server();
setup(io);
const server = Deno.serve(
  { port: port(Deno.env.toObject()), hostname: "127.0.0.1", onListen() {} },
  (request, info) => io.handleRequest(request, denoRequestInfo(info)),
);
const gc = (globalThis as { gc?: () => void }).gc;
Deno.addSignalListener("SIGUSR2", () => gc?.());
Deno.addSignalListener("SIGTERM", () => Deno.exit(0));
ready("webio-deno", server.addr.port);
