/**
 * The Worker's side of the Cloudflare Workers binding: it forwards the
 * Socket.IO requests to the Durable Object that serves them, picked by name.
 *
 * @module
 */

import type { WorkersObjectNamespace } from "./_workers_types.ts";

/** The name of the one object that serves every client, unless a hook picks another. */
export const DEFAULT_OBJECT_NAME: string = "socket.io";

/** Picks the Durable Object (by name) that serves a request. */
export type ObjectNamer<Env = unknown> = (request: Request, env: Env) => string;

/**
 * Forwards a request to the Durable Object named `name` of `namespace`:
 * the same name always reaches the same object, so every request of one
 * Socket.IO connection must give the same name (a query parameter or the
 * URL path works; the Socket.IO namespace does not, as it travels inside
 * the connection).
 *
 * @example
 * ```ts ignore
 * const app = new Hono<{ Bindings: { IO: DurableObjectNamespace } }>();
 * app.all("/socket.io/*", (c) => forwardToObject(c.env.IO, c.req.raw));
 * ```
 */
export function forwardToObject(
  namespace: WorkersObjectNamespace,
  request: Request,
  name: string = DEFAULT_OBJECT_NAME,
): Promise<Response> {
  return namespace.get(namespace.idFromName(name)).fetch(request);
}

/** Options of {@linkcode workersFetch}. */
export interface WorkersFetchOptions<Env> {
  /** The name of the Durable Object binding in `env` (`wrangler.toml`'s `name`). */
  binding: string;
  /** Which object serves a request; default: one for the whole app. */
  objectName?: ObjectNamer<Env>;
  /** The Socket.IO path; default `/socket.io/`. Other requests get a 404. */
  path?: string;
}

/**
 * A Worker's `fetch` that forwards the requests under the Socket.IO path to
 * a Durable Object, and answers others with a 404.
 *
 * @example
 * ```ts ignore
 * export default {
 *   fetch: workersFetch({ binding: "IO", objectName: (req) => new URL(req.url).searchParams.get("room") ?? "lobby" }),
 * };
 * ```
 */
export function workersFetch<Env>(
  options: WorkersFetchOptions<Env>,
): (request: Request, env: Env) => Promise<Response> {
  const path = (options.path ?? "/socket.io/").replace(/\/?$/, "/");
  const objectName = options.objectName ?? (() => DEFAULT_OBJECT_NAME);
  return (request, env) => {
    if (!(new URL(request.url).pathname + "/").startsWith(path)) {
      return Promise.resolve(new Response("Not found", { status: 404 }));
    }
    const namespace = (env as Record<string, WorkersObjectNamespace>)[options.binding];
    if (namespace === undefined) {
      throw new TypeError(`Cannot forward the request: env has no binding "${options.binding}"`);
    }
    return forwardToObject(namespace, request, objectName(request, env));
  };
}
