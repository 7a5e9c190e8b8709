/**
 * The Worker that measure_idle.mjs runs in workerd: an object whose clients
 * only idle (a ping every 5 seconds, so that a short run sees several rounds), and
 * `/debug/attachments`, which answers the size of each WebSocket's record.
 */
import { Server } from "../../mod.ts";
import {
  forwardToObject,
  WorkersBinding,
  type WorkersObjectNamespace,
  type WorkersObjectState,
  type WorkersWebSocket,
} from "../../workers.ts";

/** An object of idle clients. */
export class IdleObject {
  #state: WorkersObjectState;
  #binding: WorkersBinding;

  constructor(state: WorkersObjectState) {
    this.#state = state;
    const io = new Server({ connectionStateRecovery: {}, pingInterval: 5000, pingTimeout: 5000 });
    io.on("connection", (socket) => {
      socket.join("everyone");
      socket.data = { joinedAt: 1767225600000 };
      socket.on("hello", (ack: () => void) => ack());
    });
    this.#binding = new WorkersBinding(io, state);
  }

  fetch(request: Request): Promise<Response> {
    if (new URL(request.url).pathname === "/debug/attachments") {
      const sizes = this.#state.getWebSockets().map((ws) => {
        const attachment = ws.deserializeAttachment();
        return typeof attachment === "string"
          ? attachment.length
          : JSON.stringify(attachment).length;
      });
      return Promise.resolve(Response.json(sizes));
    }
    return this.#binding.fetch(request);
  }

  webSocketMessage(ws: WorkersWebSocket, message: string | ArrayBuffer): Promise<void> {
    return this.#binding.webSocketMessage(ws, message);
  }

  webSocketClose(ws: WorkersWebSocket, code: number, reason: string): Promise<void> {
    return this.#binding.webSocketClose(ws, code, reason);
  }

  webSocketError(ws: WorkersWebSocket, error: unknown): Promise<void> {
    return this.#binding.webSocketError(ws, error);
  }

  alarm(): Promise<void> {
    return this.#binding.alarm();
  }
}

export default {
  fetch(request: Request, env: { IDLE: WorkersObjectNamespace }): Promise<Response> {
    return forwardToObject(env.IDLE, request, "idle");
  },
};
