/**
 * The handlers every Socket.IO server of the bench runs (webio and the
 * official server have the same API), and the process plumbing they share.
 */

/**
 * - `echo`: emits the same arguments back (text or binary).
 * - `echo-ack`: acknowledges with the same arguments.
 * - `join`: joins a room, then acknowledges.
 * - `bcast`: `io.emit("bcast", payload)` to every client.
 * - `bcast-room`: `io.to(room).emit("bcast", payload)`.
 */
export function setup(io) {
  io.on("connection", (socket) => {
    socket.on("echo", (...args) => socket.emit("echo", ...args));
    socket.on("echo-ack", (...args) => {
      const ack = args.pop();
      if (typeof ack === "function") ack(...args);
    });
    socket.on("join", (room, ack) => {
      socket.join(room);
      if (typeof ack === "function") ack();
    });
    socket.on("bcast", (payload) => io.emit("bcast", payload));
    socket.on("bcast-room", (room, payload) => io.to(room).emit("bcast", payload));
  });
}

/** The port from PORT (default 3000). */
export function port(env) {
  return Number(env.PORT ?? 3000);
}

/** The line the bench waits for on stdout before it starts a scenario. */
export function ready(name, listeningPort) {
  console.log(`READY ${name} ${listeningPort}`);
}
