/**
 * Connection-state recovery, as on the official "Connection state recovery"
 * page: a client that loses its connection for less than two minutes gets
 * its id, rooms and `socket.data` back, and every event it missed.
 *
 * Run: `deno run -A examples/recovery.ts` or `bun examples/recovery.ts`
 */
import { Server } from "../mod.ts";

const io = new Server(Number(globalThis.process?.env.PORT ?? 3000), {
  connectionStateRecovery: {
    maxDisconnectionDuration: 2 * 60 * 1000, // how long a session is kept
    skipMiddlewares: true, // a recovered client does not run the middlewares again
  },
});

io.on("connection", (socket) => {
  if (socket.recovered) {
    // Same id, same rooms, same data: the missed events are on their way.
    console.log(`recovered ${socket.id} in ${[...socket.rooms].join(", ")}`);
  } else {
    socket.join("ticker");
    socket.data.since = Date.now();
    console.log(`new session ${socket.id}`);
  }
});

// Events that expect no ack carry an offset, and are kept for replay.
let tick = 0;
setInterval(() => io.to("ticker").emit("tick", ++tick), 50);

console.log(`listening on ${io.port}`);
