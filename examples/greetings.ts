/**
 * The Socket.IO introduction's first server, on webio: `send()` and `emit()`
 * with several arguments including bytes, and handlers for both.
 *
 * Run: `deno run -A examples/greetings.ts` or `bun examples/greetings.ts`
 * (PORT overrides 3000).
 */
import { Server } from "../mod.ts";

const io = new Server(Number(globalThis.process?.env.PORT ?? 3000));

io.on("connection", (socket) => {
  // either with send()
  socket.send("Hello!");

  // or with emit() and custom event names
  socket.emit("greetings", "Hey!", { "ms": "jane" }, Uint8Array.from([4, 3, 3, 1]));

  // handle the event sent with socket.send()
  socket.on("message", (data) => {
    console.log(data);
  });

  // handle the event sent with socket.emit()
  socket.on("salutations", (elem1, elem2, elem3) => {
    console.log(elem1, elem2, elem3);
  });
});

console.log(`listening on ${io.port}`);
