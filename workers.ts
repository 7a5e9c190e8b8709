/**
 * The Cloudflare Workers binding: webio in a Durable Object, which holds the
 * connections (WebSockets through the hibernation API, and long-polling),
 * and a Worker (plain `fetch` or Hono) that forwards the Socket.IO requests
 * to it. Connections survive the object's eviction: their ids, namespaces,
 * rooms and `data` come back when it wakes.
 *
 * @example
 * ```ts ignore
 * import { Server } from "@webio/webio";
 * import { socketIoObject, workersFetch } from "@webio/webio/workers";
 *
 * export const IoObject = socketIoObject(() => {
 *   const io = new Server({ connectionStateRecovery: {} });
 *   io.on("connection", (socket) => socket.on("ping", (ack) => ack("pong")));
 *   return io;
 * });
 * export default { fetch: workersFetch({ binding: "IO" }) };
 * ```
 *
 * @module
 */

export {
  DEFAULT_OBJECT_NAME,
  forwardToObject,
  type ObjectNamer,
  type SocketIoObject,
  socketIoObject,
  type SocketIoObjectClass,
  WorkersBinding,
  workersFetch,
  type WorkersFetchOptions,
  type WorkersHost,
  type WorkersNamespace,
  type WorkersObjectNamespace,
  type WorkersObjectState,
  type WorkersObjectStub,
  type WorkersSocket,
  type WorkersStorage,
  type WorkersWebSocket,
} from "./src/runtime/workers.ts";
export type { RequestHandlerHost } from "./src/runtime/handler.ts";
