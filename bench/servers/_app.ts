/**
 * The handlers every Socket.IO server of the bench runs (webio and the
 * official server have the same API), and the process plumbing they share.
 */

/** A listener of any arguments. */
// deno-lint-ignore no-explicit-any
type AnyListener = (...args: any[]) => void;

/** The part of a server-side socket the handlers use (webio's and socket.io's alike). */
export interface AppSocket {
  on(event: string, listener: AnyListener): unknown;
  emit(event: string, ...args: unknown[]): unknown;
  join(room: string): unknown;
}

/** The part of a server the handlers use (webio's `Server` and socket.io's alike). */
export interface AppServer {
  on(event: "connection", listener: (socket: AppSocket) => void): unknown;
  emit(event: string, ...args: unknown[]): unknown;
  to(room: string): { emit(event: string, ...args: unknown[]): unknown };
}

/**
 * - `echo`: emits the same arguments back (text or binary).
 * - `echo-ack`: acknowledges with the same arguments.
 * - `join`: joins a room, then acknowledges.
 * - `bcast`: `io.emit("bcast", payload)` to every client.
 * - `bcast-room`: `io.to(room).emit("bcast", payload)`.
 */
export function setup(io: AppServer): void {
  io.on("connection", (socket) => {
    socket.on("echo", (...args: unknown[]) => socket.emit("echo", ...args));
    socket.on("echo-ack", (...args: unknown[]) => {
      const ack = args.pop();
      if (typeof ack === "function") ack(...args);
    });
    socket.on("join", (room: string, ack?: unknown) => {
      socket.join(room);
      if (typeof ack === "function") ack();
    });
    socket.on("bcast", (payload: unknown) => io.emit("bcast", payload));
    socket.on("bcast-room", (room: string, payload: unknown) => io.to(room).emit("bcast", payload));
  });
}

/**
 * Server options from the environment: `RECOVERY=1` turns connection-state
 * recovery on, to measure what it costs.
 */
export function serverOptions(env: Record<string, string | undefined>): {
  connectionStateRecovery?: Record<string, never>;
} {
  return env.RECOVERY === "1" ? { connectionStateRecovery: {} } : {};
}

/** The port from PORT (default 3000). */
export function port(env: Record<string, string | undefined>): number {
  return Number(env.PORT ?? 3000);
}

/** The line the bench waits for on stdout before it starts a scenario. */
export function ready(name: string, listeningPort: number): void {
  console.log(`READY ${name} ${listeningPort}`);
}
