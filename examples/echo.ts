/**
 * A `message` echo with connect and disconnect logs.
 *
 * Run: `deno run -A examples/echo.ts` or `bun examples/echo.ts`
 */
import { Server } from "../mod.ts";

const io = new Server(Number(globalThis.process?.env.PORT ?? 3000));

io.on("connection", (socket) => {
  console.log(`connect ${socket.id}`);

  socket.on("message", (text) => {
    socket.send(`Server received: ${text}`);
  });

  socket.on("disconnect", (reason) => {
    console.log(`disconnect ${socket.id} due to ${reason}`);
  });
});

console.log(`listening on ${io.port}`);
