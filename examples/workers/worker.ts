/**
 * A chat at the edge: a Hono Worker forwards the Socket.IO requests to a
 * Durable Object, one per chat room (the `room` query parameter picks it),
 * and webio serves them there. Idle connections hibernate with the object;
 * nicknames (`socket.data`) survive its eviction.
 *
 * Deploy it with `wrangler deploy` (see wrangler.toml); a client connects
 * with `io("https://<worker>", { query: { room: "lobby" } })`.
 */
import { Hono } from "hono";
import { Server } from "../../mod.ts";
import { forwardToObject, socketIoObject, type WorkersObjectNamespace } from "../../workers.ts";

/** One Durable Object per chat room: it holds the room's connections. */
export const ChatRoom = socketIoObject(() => {
  const io = new Server({
    connectionStateRecovery: {}, // how hibernated sockets come back
    pingInterval: 60_000, // one alarm a minute pings every client
    pingTimeout: 30_000,
    serveClient: false,
  });
  io.on("connection", (socket) => {
    socket.on("nick", (nick: string, ack: () => void) => {
      socket.data.nick = nick; // kept across hibernation
      ack();
    });
    socket.on("say", (text: string) => {
      io.emit("said", socket.data.nick ?? "anonymous", text);
    });
  });
  return io;
});

const app = new Hono<{ Bindings: { CHAT: WorkersObjectNamespace } }>();
app.get("/", (c) => c.text("webio chat: connect to /socket.io/?room=<name>"));
// Which object serves a request: one per room. Every request of a client
// carries its query, so all of them reach the same object.
app.all("/socket.io/*", (c) => {
  const room = new URL(c.req.url).searchParams.get("room") ?? "lobby";
  return forwardToObject(c.env.CHAT, c.req.raw, `room:${room}`);
});

export default app;
