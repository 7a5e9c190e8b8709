/**
 * The `hello` / `howdy` exchange of the Socket.IO docs, both directions,
 * with an acknowledgement.
 *
 * Run: `deno run -A examples/hello_howdy.ts` or `bun examples/hello_howdy.ts`
 */
import { Server } from "../mod.ts";

const io = new Server(Number(globalThis.process?.env.PORT ?? 3000));

io.on("connection", (socket) => {
  socket.emit("hello", "world");

  socket.on("howdy", (arg) => {
    console.log(arg); // "stranger"
  });

  socket.on("update item", (arg1, arg2, callback) => {
    console.log(arg1, arg2); // 1, { name: "updated" }
    callback({ status: "ok" });
  });
});

console.log(`listening on ${io.port}`);
