/**
 * Typed events, as on the official "TypeScript" documentation page:
 * `Server<ClientToServerEvents, ServerToClientEvents, InterServerEvents, SocketData>`.
 *
 * Run: `deno run -A examples/typed.ts` (or `bun examples/typed.ts`), then
 * connect a `socket.io-client` to http://localhost:3000.
 * Type-check: `deno check examples/typed.ts` — the `@ts-expect-error` lines
 * below prove that wrong event names and argument types are refused.
 */
import { Server } from "../mod.ts";

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

  const [socket] = await io.fetchSockets();
  const name: string = socket.data.name;
  console.log(name);

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
}

if (import.meta.main) {
  const io = createTypedServer().listen(3000);
  console.log(`typed example on http://localhost:${io.port}`);
}
