/**
 * The msgpack parser (`socket.io-msgpack-parser`), unchanged, on webio: its
 * clients (built with the same parser, or the browser's
 * `/socket.io/socket.io.msgpack.min.js`) send binary frames only.
 *
 * Run: `deno run -A examples/msgpack.ts` or `bun examples/msgpack.ts`
 */
import * as customParser from "socket.io-msgpack-parser";
import { Server } from "../mod.ts";

const io = new Server(Number(globalThis.process?.env.PORT ?? 3000), {
  parser: customParser, // the client must use the same parser
});

io.on("connection", (socket) => {
  socket.emit("hello", "world", new Uint8Array([1, 2, 3]));

  socket.on("echo", (value, callback) => {
    callback(value); // bytes included
  });

  socket.on("shout", (text) => {
    io.emit("news", String(text).toUpperCase()); // encoded once, for every client
  });
});

console.log(`listening on ${io.port}`);
