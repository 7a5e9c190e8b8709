/**
 * The Worker the Workers tests run in workerd: a Hono app that forwards
 * `/socket.io/` to a Durable Object serving webio, one object per `?app=`
 * (default: one for all; `fast-` names get a fast heartbeat). The object counts its lives (`instance`), so a test
 * can tell that it was really re-created after an eviction.
 */
import { Hono } from "hono";
import { Server } from "../../mod.ts";
import {
  DEFAULT_OBJECT_NAME,
  forwardToObject,
  socketIoObject,
  type WorkersObjectNamespace,
} from "../../workers.ts";

/** Lives of the object in this isolate (an eviction starts a new one). */
let instances = 0;

/** The test server: events to drive every feature, and `whoami` to look at a socket. */
function createServer(heartbeat: { pingInterval: number; pingTimeout: number }): Server {
  const instance = ++instances;
  const io = new Server({ connectionStateRecovery: {}, ...heartbeat });
  io.on("connection", (socket) => {
    socket.on("disconnect", (reason) => {
      io.to("watchers").emit("left", socket.id, reason);
    });
    socket.on("whoami", (ack: (who: unknown) => void) => {
      ack({
        id: socket.id,
        rooms: [...socket.rooms].sort(),
        data: socket.data,
        instance,
        recovered: socket.recovered,
        transport: socket.conn.transport.name,
      });
    });
    socket.on("join", (room: string, ack: () => void) => {
      socket.join(room);
      ack();
    });
    socket.on("set", (data: unknown, ack: () => void) => {
      socket.data = data;
      ack();
    });
    socket.on("to room", (room: string, payload: unknown) => {
      socket.to(room).emit("room message", payload, socket.id);
    });
    socket.on("news", (room: string, payload: unknown, ack: (n: number) => void) => {
      io.to(room).emit("news", payload, instance);
      ack(instance);
    });
    socket.on("echo", (...args: unknown[]) => {
      const ack = args.pop() as (...a: unknown[]) => void;
      ack(...args);
    });
    socket.on("ask me", async (question: string, ack: (answer: unknown) => void) => {
      // The server asks the client, and gives the client's answer back.
      const answer = await socket.timeout(5000).emitWithAck("question", question);
      ack(answer);
    });
  });
  io.of("/admin").on("connection", (socket) => {
    socket.on("whoami", (ack: (who: unknown) => void) => {
      ack({ id: socket.id, rooms: [...socket.rooms].sort(), instance });
    });
    socket.on("join", (room: string, ack: () => void) => {
      socket.join(room);
      ack();
    });
  });
  return io;
}

/** The object of most tests: a heartbeat slower than any test. */
export const IoObject = socketIoObject(() =>
  createServer({ pingInterval: 60_000, pingTimeout: 60_000 })
);

/**
 * The object of the heartbeat tests (`?app=fast-...`): a ping every 300 ms, and
 * 3 s for a pong (slack for a busy machine).
 */
export const FastIoObject = socketIoObject(() =>
  createServer({ pingInterval: 300, pingTimeout: 3000 })
);

const app = new Hono<{ Bindings: { IO: WorkersObjectNamespace; FAST: WorkersObjectNamespace } }>();
app.get("/", (c) => c.text("webio in a Durable Object"));
app.all("/socket.io/*", (c) => {
  const name = new URL(c.req.url).searchParams.get("app") ?? DEFAULT_OBJECT_NAME;
  return forwardToObject(name.startsWith("fast-") ? c.env.FAST : c.env.IO, c.req.raw, name);
});

export default app;
