/**
 * Typed events, as on the official "TypeScript" documentation page:
 * `Server<ClientToServerEvents, ServerToClientEvents, InterServerEvents, SocketData>`.
 *
 * Run: `deno run -A examples/typed.ts` (or `bun examples/typed.ts`), then
 * connect a `socket.io-client` to http://localhost:3000.
 * Type-check: `deno check examples/typed.ts` — the `@ts-expect-error` lines
 * below prove that wrong event names and argument types are refused.
 */
import { type RemoteSocket, Server } from "../mod.ts";

/** Events the server sends (the client listens to them). */
export interface ServerToClientEvents {
  noArg: () => void;
  basicEmit: (a: number, b: string, c: Uint8Array) => void;
  withAck: (d: string, callback: (e: number) => void) => void;
}

/** Events the client sends (the server listens to them). */
export interface ClientToServerEvents {
  hello: (name: string, callback: (greeting: string) => void) => void;
}

/** Events between the servers of a cluster. */
export interface InterServerEvents {
  ping: () => void;
}

/** The type of `socket.data`. */
export interface SocketData {
  name: string;
  age: number;
}

/** The typed server of this example. */
export type TypedServer = Server<
  ClientToServerEvents,
  ServerToClientEvents,
  InterServerEvents,
  SocketData
>;

/** Builds the server with its handlers (not listening yet). */
export function createTypedServer(): TypedServer {
  const io: TypedServer = new Server<
    ClientToServerEvents,
    ServerToClientEvents,
    InterServerEvents,
    SocketData
  >();

  io.on("connection", (socket) => {
    socket.data.name = "john";
    socket.data.age = 42;

    socket.emit("noArg");
    socket.emit("basicEmit", 1, "2", new Uint8Array([3]));
    socket.emit("withAck", "4", (e) => {
      // e is inferred as number
      socket.data.age = e;
    });

    socket.on("hello", (name, callback) => {
      callback(`hello ${name}`);
    });

    socket.on("disconnect", (reason) => {
      console.log(`${socket.data.name} left: ${reason}`);
    });

    // works when broadcasting to a room
    io.to("room1").emit("basicEmit", 1, "2", new Uint8Array([3]));
  });

  return io;
}

/**
 * Never called: it only shows what the type checker accepts and refuses.
 */
export async function typeChecks(io: TypedServer): Promise<void> {
  io.emit("noArg");
  io.serverSideEmit("ping");
  io.to("room1").except("room2").emit("basicEmit", 1, "2", new Uint8Array([3]));
  io.timeout(1000).emit("withAck", "4", (err, responses) => {
    if (err) return;
    const all: number[] = responses;
    console.log(all);
  });
  const answers = await io.timeout(1000).emitWithAck("withAck", "4"); // one answer per client
  console.log(answers);

  // @ts-expect-error: not an event the server sends
  io.emit("nope");
  // @ts-expect-error: not an inter-server event
  io.serverSideEmit("pong");

  // A socket of a `connection` handler (here looked up by id).
  const socket = io.sockets.sockets.get("some id")!;

  socket.emit("basicEmit", 1, "2", new Uint8Array([3]));
  socket.timeout(1000).emit("withAck", "4", (err, e) => {
    if (err) return;
    const n: number = e;
    console.log(n);
  });
  const e: number = await socket.emitWithAck("withAck", "4");
  const e2: number = await socket.timeout(1000).emitWithAck("withAck", "4");
  console.log(e, e2);
  socket.on("hello", (who, callback) => callback(who.toUpperCase()));
  socket.on("disconnect", (reason) => console.log(reason.toUpperCase()));

  // @ts-expect-error: not an event the server sends
  socket.emit("hello", "x", () => {});
  // @ts-expect-error: `a` must be a number
  socket.emit("basicEmit", "1", "2", new Uint8Array([3]));
  // @ts-expect-error: a missing argument
  socket.emit("basicEmit", 1, "2");
  // @ts-expect-error: the ack gets a number, not a string
  socket.emit("withAck", "4", (e: string) => console.log(e));
  // @ts-expect-error: not an event the client sends
  socket.on("goodbye", () => {});
  // @ts-expect-error: `name` is a string
  socket.on("hello", (who: number) => console.log(who));
  // @ts-expect-error: the ack answers a number
  const wrong: string = await socket.emitWithAck("withAck", "4");
  console.log(wrong);
  // @ts-expect-error: `noArg` has no ack, so there is nothing to wait for
  await socket.emitWithAck("noArg");
  // @ts-expect-error: `age` is a number
  socket.data.age = "old";
  // @ts-expect-error: a reserved event's listener has its own signature
  socket.on("disconnect", (reason: number) => console.log(reason));

  await remoteSockets(io);
  await remoteSocketChecks(io);
  await broadcastAcks(io);
}

/**
 * `fetchSockets()` gives the official `RemoteSocket`s, typed with the
 * server's event maps; `emitWithAck` on the server, a namespace or a room
 * resolves with one answer per client. Never called, like `typeChecks`.
 */
export async function remoteSockets(io: TypedServer): Promise<void> {
  for (const socket of await io.in("room1").fetchSockets()) {
    const name: string = socket.data.name; // SocketData
    console.log(socket.id, socket.handshake.address, [...socket.rooms], name);
    socket.emit("basicEmit", 1, "2", new Uint8Array([3]));
    const answer: number = await socket.timeout(1000).emitWithAck("withAck", "4");
    console.log(answer);
    socket.join("room2");
    socket.leave("room1");
  }

  const all: number[] = await io.emitWithAck("withAck", "4"); // one answer per client
  const admins: number[] = await io.of("/admin").timeout(1000).emitWithAck("withAck", "4");
  const room: number[] = await io.to("room1").timeout(1000).emitWithAck("withAck", "4");
  console.log(all, admins, room);
}

/**
 * What a fetched socket accepts and refuses (on one server it is the
 * `Socket` object itself). Never called, like `typeChecks`.
 */
export async function remoteSocketChecks(io: TypedServer): Promise<void> {
  const sockets: RemoteSocket<ServerToClientEvents, SocketData>[] = await io.fetchSockets();
  const [socket] = sockets;
  socket.emit("withAck", "4", (e) => console.log(e.toFixed()));
  socket.timeout(1000).emit("withAck", "4", (err, e) => console.log(err, e.toFixed()));
  socket.disconnect(true);

  // @ts-expect-error: not an event the server sends
  socket.emit("hello", "x", () => {});
  // @ts-expect-error: `a` must be a number
  socket.emit("basicEmit", "1", "2", new Uint8Array([3]));
  // @ts-expect-error: one socket answers one number, not a list
  const many: number[] = await socket.timeout(1000).emitWithAck("withAck", "4");
  console.log(many);
  // @ts-expect-error: `age` is a number
  const age: string = socket.data.age;
  console.log(age);

  const [first] = await io.of("/admin").fetchSockets();
  first?.emit("noArg");
  // @ts-expect-error: a fetched socket has no listeners (it may live on another server)
  first?.on("hello", () => {});
}

/**
 * `emitWithAck` on the server, a namespace and a broadcast resolves with one
 * answer per client; `nsp.server` is the server with the same event maps.
 * Never called, like `typeChecks`.
 */
export async function broadcastAcks(io: TypedServer): Promise<void> {
  const all: number[] = await io.emitWithAck("withAck", "4");
  const timed: number[] = await io.timeout(1000).emitWithAck("withAck", "4");
  const admins: number[] = await io.of("/admin").emitWithAck("withAck", "4");
  const room: number[] = await io.to("room1").timeout(1000).emitWithAck("withAck", "4");
  io.to("room1").timeout(1000).emit("withAck", "4", (err, answers) => {
    if (!err) console.log(answers.map((n) => n.toFixed()));
  });
  console.log(all, timed, admins, room);

  // @ts-expect-error: every client answers, so the result is a list
  const one: number = await io.emitWithAck("withAck", "4");
  console.log(one);
  // @ts-expect-error: `noArg` has no ack, so there is nothing to wait for
  await io.of("/admin").emitWithAck("noArg");
  // @ts-expect-error: `d` is a string
  await io.to("room1").emitWithAck("withAck", 4);

  const socket = io.sockets.sockets.get("some id")!;
  const others: number[] = await socket.broadcast.timeout(1000).emitWithAck("withAck", "4");
  const [peer] = await socket.to("room1").fetchSockets(); // a socket's own event maps
  const peerAnswer: number = await peer.timeout(1000).emitWithAck("withAck", "4");
  console.log(others, peerAnswer);
  // @ts-expect-error: the peer's ack answers one number, not one per client
  peer.emit("withAck", "4", (answers: number[]) => console.log(answers));

  const server = io.of("/admin").server;
  server.emit("basicEmit", 1, "2", new Uint8Array([3]));
  server.of("/").to("room1").emit("noArg");
  // @ts-expect-error: the server of a typed namespace keeps its event maps
  server.emit("nope");
}

if (import.meta.main) {
  const io = createTypedServer().listen(3000);
  console.log(`typed example on http://localhost:${io.port}`);
}
