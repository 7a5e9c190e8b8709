/**
 * The chat on Deno: `npm start`, or
 * `deno run --allow-net --allow-read --allow-env examples/chat/server.ts`.
 * Listens on http://localhost:3000 (PORT overrides); Ctrl-C stops it.
 *
 * @module
 */

import { createChat, parsePort, SHUTDOWN_GRACE_MS } from "./app.ts";
import { denoRequestInfo } from "../../deno.ts";

const chat = createChat((url) => Deno.readFile(url));

// Listen for Ctrl-C before printing the URL, so a signal is never missed.
let stopping = false;
async function stop(): Promise<void> {
  if (stopping) return;
  stopping = true;
  console.log("webio chat: shutting down");
  setTimeout(() => Deno.exit(1), SHUTDOWN_GRACE_MS);
  await chat.io.close();
  await server.shutdown();
  Deno.exit(0);
}
Deno.addSignalListener("SIGINT", stop);
Deno.addSignalListener("SIGTERM", stop);

const server = Deno.serve(
  {
    port: parsePort(Deno.env.get("PORT")),
    onListen: ({ port }) => console.log(`webio chat (Deno) on http://localhost:${port}`),
  },
  (request, info) =>
    chat.fetch(request, () => chat.io.handleRequest(request, denoRequestInfo(info))),
);
