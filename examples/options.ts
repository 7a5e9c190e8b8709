/**
 * A server with options: heartbeat timings, size limits, the write-queue
 * bound, CORS for a web page on another origin, and a handshake gatekeeper
 * that reads the Web `Request`.
 *
 * Run: `deno run -A examples/options.ts` or `bun examples/options.ts`
 * (PORT overrides 3000).
 */
import { Server } from "../mod.ts";

const io = new Server(Number(globalThis.process?.env.PORT ?? 3000), {
  pingInterval: 10_000, // a ping every 10 s...
  pingTimeout: 5_000, // ...answered within 5 s, or the client is gone
  maxHttpBufferSize: 100_000, // largest message a client may send, in bytes
  maxBufferedBytes: 1_000_000, // webio only: drop a client that stops reading once 1 MB waits
  cors: { origin: "https://app.example.com", credentials: true },
  // Runs once per handshake; `true` accepts, a string refuses with that message (403).
  allowRequest: (request) =>
    new URL(request.url).searchParams.get("token") === "s3cret" || "Bad token",
});

io.on("connection", (socket) => {
  socket.on("ping", (callback) => callback("pong"));
});

console.log(`listening on ${io.port}`);
