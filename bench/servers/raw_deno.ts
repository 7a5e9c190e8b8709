/** Raw `Deno.serve` WebSocket server: the physical limit of Deno (see _raw_protocol.mjs). */
import { port, ready } from "./_app.mjs";
import { rawPolling, rawSockets } from "./_raw_protocol.mjs";

const sockets = rawSockets();
const polling = rawPolling();

const server = Deno.serve(
  { port: port(Deno.env.toObject()), hostname: "127.0.0.1", onListen() {} },
  (request) => {
    if (!request.url.includes("transport=websocket")) return polling(request);
    // No idle timeout, as raw_bun.ts and the webio bindings: no timer reset per message.
    const { socket, response } = Deno.upgradeWebSocket(request, { idleTimeout: 0 });
    socket.binaryType = "arraybuffer";
    socket.onopen = () => sockets.open(socket);
    socket.onmessage = (e) => sockets.message(socket, e.data);
    socket.onclose = () => sockets.close(socket);
    socket.onerror = () => {};
    return response;
  },
);
// deno-lint-ignore no-explicit-any
const gc = (globalThis as any).gc;
Deno.addSignalListener("SIGUSR2", () => gc?.());
Deno.addSignalListener("SIGTERM", () => Deno.exit(0));
ready("raw-deno", server.addr.port);
