/**
 * Namespaces `/chat` and `/news`, rooms (`room1`), and an `/admin`
 * namespace that only authorized users can join.
 *
 * Run: `deno run -A examples/namespaces.ts` or `bun examples/namespaces.ts`
 */
import { Server } from "../mod.ts";

const io = new Server(Number(globalThis.process?.env.PORT ?? 3000));

io.of("/chat").on("connection", (socket) => {
  socket.on("join", (room) => {
    socket.join(room);
    socket.to(room).emit("joined", socket.id);
  });
  socket.on("leave", (room) => {
    socket.leave(room);
  });
  socket.on("say", (room, text) => {
    // to everyone in the room but the sender
    socket.to(room).emit("said", text);
  });
});

io.of("/news").on("connection", (socket) => {
  socket.emit("headline", "webio runs the Socket.IO examples");
});

// only authorized users may join /admin
const admin = io.of("/admin");
admin.use((socket, next) => {
  const token = socket.handshake.auth.token;
  if (token === "let-me-in") {
    next();
  } else {
    const err = new Error("not authorized") as Error & { data?: unknown };
    err.data = { content: "Please retry later" };
    next(err);
  }
});
admin.on("connection", (socket) => {
  socket.emit("welcome", "admin");
});

console.log(`listening on ${io.port}`);
