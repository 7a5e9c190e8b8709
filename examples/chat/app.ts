/**
 * The chat application, runtime-neutral: a Socket.IO server with the chat
 * installed, and a `fetch` that sends Socket.IO traffic to it and
 * everything else to the static files. `server.ts` (Deno) and
 * `server_bun.ts` (Bun) bind it to a port.
 *
 * @module
 */

import { attachChat, type ChatServer } from "./chat.ts";
import { type ReadFile, staticFiles } from "./static.ts";
import { Server } from "../../mod.ts";

/** The chat's server and request router. */
export interface ChatApp {
  /** The Socket.IO server (close it on shutdown). */
  io: ChatServer;
  /**
   * Answers a request: `toIo` hands Socket.IO paths to the runtime's
   * binding of `io` (Bun's may answer `undefined` after an upgrade).
   */
  fetch<R extends Response | undefined>(
    request: Request,
    toIo: () => Promise<R>,
  ): Promise<Response | R>;
}

/**
 * Creates the chat.
 *
 * @example
 * ```ts ignore
 * const chat = createChat(Deno.readFile);
 * Deno.serve((req, info) => chat.fetch(req, () => chat.io.handleRequest(req, denoRequestInfo(info))));
 * ```
 */
export function createChat(readFile: ReadFile): ChatApp {
  // Chat messages are small; 64 KiB still fits a batch of queued ones.
  const io: ChatServer = new Server({ maxHttpBufferSize: 64 * 1024 });
  attachChat(io);
  const files = staticFiles(readFile);
  const ioPrefix = io.opts.path + "/";
  return {
    io,
    async fetch(request, toIo) {
      const { pathname } = new URL(request.url);
      // /socket.io/socket.io.js is served by the Server itself (serveClient).
      if (!pathname.startsWith(ioPrefix)) return files(request);
      return await toIo();
    },
  };
}

/** The port from `PORT` (default 3000; 0 picks a free one). */
export function parsePort(value: string | undefined): number {
  if (value === undefined || value === "") return 3000;
  const port = Number(value);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new RangeError(`Cannot listen: PORT must be 0 to 65535, got "${value}"`);
  }
  return port;
}

/** How long shutdown may take before the process exits anyway. */
export const SHUTDOWN_GRACE_MS = 3000;
