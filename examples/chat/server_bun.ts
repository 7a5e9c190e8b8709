/**
 * The chat on Bun: `bun run examples/chat/server_bun.ts`.
 * Listens on http://localhost:3000 (PORT overrides); Ctrl-C stops it.
 *
 * @module
 */

import process from "node:process";
import { createChat, parsePort, SHUTDOWN_GRACE_MS } from "./app.ts";
import type { BunPair, BunServer } from "../../bun.ts";

/** The part of the `Bun` global used here (declared locally, like src/runtime/bun.ts). */
interface BunRuntime {
  file(url: URL): { bytes(): Promise<Uint8Array> };
  serve(options: {
    port: number;
    fetch: BunPair["fetch"];
    websocket: BunPair["websocket"];
  }): BunServer & { readonly port: number; stop(closeActive?: boolean): Promise<void> };
}

const bun = (globalThis as unknown as { Bun: BunRuntime }).Bun;
const chat = createChat((url) => bun.file(url).bytes());
const { fetch, websocket } = chat.io.bun();

// Listen for Ctrl-C before printing the URL, so a signal is never missed.
let stopping = false;
async function stop(): Promise<void> {
  if (stopping) return;
  stopping = true;
  console.log("webio chat: shutting down");
  setTimeout(() => process.exit(1), SHUTDOWN_GRACE_MS).unref?.();
  await chat.io.close();
  await server.stop(true);
  process.exit(0);
}

process.on("SIGINT", stop);
process.on("SIGTERM", stop);

const server = bun.serve({
  port: parsePort(process.env.PORT),
  fetch: (request, srv) => chat.fetch(request, () => fetch(request, srv)),
  websocket,
});
console.log(`webio chat (Bun) on http://localhost:${server.port}`);
