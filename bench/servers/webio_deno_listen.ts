/** webio on Deno as `new Server(port)` runs it: webio's own listener (`serveDeno`). */
import { Server } from "../../mod.ts";
import { port, ready, serverOptions, setup } from "./_app.ts";

const io = new Server(serverOptions(Deno.env.toObject()));
setup(io);
io.listen(port(Deno.env.toObject()), { hostname: "127.0.0.1" });
const gc = (globalThis as { gc?: () => void }).gc;
Deno.addSignalListener("SIGUSR2", () => gc?.());
Deno.addSignalListener("SIGTERM", () => Deno.exit(0));
ready("webio-deno-listen", io.port!);
