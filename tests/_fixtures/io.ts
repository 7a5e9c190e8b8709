/**
 * Socket.IO test helpers: a webio Server on a real port (native or Hono),
 * and official `socket.io-client` connections to it.
 */
import { Server } from "../../src/server.ts";
import type { ServerOptions } from "../../src/io/server_options.ts";
import { type Mount, serve, type TestServer } from "./serve.ts";
import {
  io as connect,
  type ManagerOptions,
  type Socket as ClientSocket,
  type SocketOptions,
} from "socket.io-client";

export { type Mount, mounts, runtime } from "./serve.ts";
export type { ClientSocket };

/** The transport modes every end-to-end test runs in. */
export const transportModes: { name: string; transports: ("polling" | "websocket")[] }[] = [
  { name: "polling", transports: ["polling"] },
  { name: "websocket", transports: ["websocket"] },
  { name: "upgrade", transports: ["polling", "websocket"] },
];

export interface IoFixture {
  io: Server;
  server: TestServer;
  url: string;
  clients: ClientSocket[];
  /** A client for `nsp` (default "/"), closed by `close()`. */
  client(nsp?: string, opts?: Partial<ManagerOptions & SocketOptions>): ClientSocket;
  close(): Promise<void>;
}

/** Starts a webio Server and returns helpers; `close()` tears everything down. */
export function startIo(
  options: ServerOptions = {},
  mount: Mount = "native",
  defaultClientOpts: Partial<ManagerOptions & SocketOptions> = {},
): IoFixture {
  const io = new Server(options);
  const server = serve(io, mount);
  const clients: ClientSocket[] = [];
  return {
    io,
    server,
    url: server.url,
    clients,
    client(nsp = "/", opts = {}) {
      const socket = connect(server.url + nsp, {
        forceNew: true,
        reconnection: false,
        ...defaultClientOpts,
        ...opts,
      });
      clients.push(socket);
      return socket;
    },
    async close() {
      for (const c of clients) c.disconnect();
      await io.close();
      await server.shutdown();
    },
  };
}

/** Resolves with the arguments of the next `event` on `emitter`. */
export function once<T = unknown[]>(
  emitter: { once(ev: string, fn: (...args: unknown[]) => void): unknown },
  event: string,
  timeoutMs = 5000,
): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`timed out waiting for "${event}"`)),
      timeoutMs,
    );
    emitter.once(event, (...args: unknown[]) => {
      clearTimeout(timer);
      resolve(args as T);
    });
  });
}

/** Waits `ms` milliseconds. */
export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
