/** webio on Deno as `new Server(port)` runs it: webio's own listener (`serveDeno`). */
import { Server } from "../../mod.ts";
import { port, ready, setup } from "./_app.ts";

const io = new Server();
setup(io);
io.listen(port(Deno.env.toObject()), { hostname: "127.0.0.1" });
const gc = (globalThis as { gc?: () => void }).gc;
Deno.addSignalListener("SIGUSR2", () => gc?.());
Deno.addSignalListener("SIGTERM", () => Deno.exit(0));
ready("webio-deno-listen", io.port!);
