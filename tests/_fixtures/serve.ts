/**
 * Starts a webio host on the runtime running the tests (Deno or Bun), either
 * natively or as a Hono route, on port 0.
 */
import type { RequestHandlerHost, ServeHandle } from "../../src/runtime/handler.ts";
import { serveDeno } from "../../src/runtime/deno.ts";
import { bunIdleTimeout, serveBun } from "../../src/runtime/bun.ts";
import { honoHandler } from "../../src/runtime/hono.ts";
import { Hono } from "hono";

/** Which runtime runs the tests. */
export const runtime: "deno" | "bun" = "Bun" in globalThis ? "bun" : "deno";

/** How the host is mounted. */
export type Mount = "native" | "hono";

/** The mounts every end-to-end test runs under. */
export const mounts: Mount[] = ["native", "hono"];

export interface TestServer extends ServeHandle {
  /** `http://127.0.0.1:PORT` */
  readonly url: string;
}

/** Serves `host` on a free port. */
export function serve(host: RequestHandlerHost, mount: Mount = "native"): TestServer {
  let handle: ServeHandle;
  if (mount === "native") {
    handle = runtime === "bun"
      ? serveBun(host, { hostname: "127.0.0.1" })
      : serveDeno(host, { hostname: "127.0.0.1" });
  } else {
    handle = serveHono(host);
  }
  return Object.assign(handle, { url: `http://127.0.0.1:${handle.port}` });
}

function serveHono(host: RequestHandlerHost): ServeHandle {
  const app = new Hono();
  const { handler, websocket } = honoHandler(host);
  app.get("/hello", (c) => c.json({ hello: "world" }));
  app.all("*", (c) => handler(c));
  if (runtime === "bun") {
    // deno-lint-ignore no-explicit-any
    const bun = (globalThis as any).Bun;
    const server = bun.serve({
      port: 0,
      hostname: "127.0.0.1",
      idleTimeout: bunIdleTimeout(host),
      fetch: app.fetch,
      websocket,
    });
    return {
      port: server.port,
      hostname: server.hostname,
      shutdown: async () => {
        await server.stop(true);
      },
    };
  }
  const server = Deno.serve({ port: 0, hostname: "127.0.0.1", onListen() {} }, app.fetch);
  return {
    port: server.addr.port,
    hostname: server.addr.hostname,
    shutdown: () => server.shutdown(),
  };
}
