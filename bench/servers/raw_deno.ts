/** Raw `Deno.serve` WebSocket server: the physical limit of Deno (see _raw_protocol.ts). */
import { port, ready } from "./_app.ts";
import { rawPolling, rawSockets } from "./_raw_protocol.ts";

const sockets = rawSockets<WebSocket>();
const polling = rawPolling();

const server = Deno.serve(
  { port: port(Deno.env.toObject()), hostname: "127.0.0.1", onListen() {} },
  (request) => {
    if (!request.url.includes("transport=websocket")) return polling(request);
    // No idle timeout, as raw_bun.ts and the webio bindings: no timer reset per message.
    const { socket, response } = Deno.upgradeWebSocket(request, { idleTimeout: 0 });
    socket.binaryType = "arraybuffer";
    socket.onopen = () => sockets.open(socket);
    socket.onmessage = (e: MessageEvent<string | ArrayBuffer>) => sockets.message(socket, e.data);
    socket.onclose = () => sockets.close(socket);
    socket.onerror = () => {};
    return response;
  },
);
const gc = (globalThis as { gc?: () => void }).gc;
Deno.addSignalListener("SIGUSR2", () => gc?.());
Deno.addSignalListener("SIGTERM", () => Deno.exit(0));
ready("raw-deno", server.addr.port);
