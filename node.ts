/**
 * The `node:http` binding's types: the part of a `node:http` (or
 * `node:https`) server that `new Server(httpServer)` and
 * `io.attach(httpServer)` use.
 *
 * @example
 * ```ts ignore
 * import { createServer } from "node:http";
 * import { Server } from "webio";
 * import type { NodeHttpServerLike } from "webio/node";
 *
 * const httpServer: NodeHttpServerLike = createServer();
 * const io = new Server(httpServer);
 * httpServer.listen(3000);
 * ```
 *
 * @module
 */

export type { NodeHttpServerLike, NodeListener } from "./src/runtime/node_http.ts";
