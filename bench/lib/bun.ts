/**
 * The parts of Bun's global API the bench uses, declared here as small
 * interfaces (as webio's Bun binding declares its own), so that `deno check`
 * checks the Bun-only files without Bun's typings in scope. `bun()` is Bun's
 * global, or undefined elsewhere.
 */
import type { BunServer } from "../../bun.ts";

/** A server socket of `Bun.serve` (`ServerWebSocket`), with the data given to `upgrade`. */
export interface BunServerSocket<Data> {
  data: Data;
  send(data: string | Uint8Array): number;
  subscribe(topic: string): void;
  close(code?: number, reason?: string): void;
}

/** What `Bun.serve` returns, and hands to `fetch`: webio's `BunServer` plus `publish`. */
export interface BunHttpServer extends BunServer {
  /** Upgrades a request to a WebSocket carrying `options.data` (any data, unlike webio's). */
  upgrade(request: Request, options: { data: unknown; headers?: Headers }): boolean;
  /** The port listened on. */
  readonly port: number;
  /** Stops the server. */
  stop(closeActiveConnections?: boolean): Promise<void> | void;
  /** Sends `data` to every socket subscribed to `topic`. */
  publish(topic: string, data: string | Uint8Array): number;
}

/** The options of `Bun.serve` used here (method syntax: Bun's handlers take its own types). */
export interface BunServeOptions {
  port: number;
  hostname: string;
  fetch(
    request: Request,
    server: BunHttpServer,
  ): Response | undefined | Promise<Response | undefined>;
  /** The `websocket` handlers (`open`, `message`, `close`, ...) and their options. */
  websocket?: object;
}

/** A client socket of `Bun.connect`. */
export interface BunTcpSocket {
  /** Bytes written (the rest was not queued), or -1. */
  write(data: Uint8Array): number;
  end(): void;
  terminate(): void;
  setNoDelay?(noDelay: boolean): void;
}

/** The options of `Bun.connect`. */
export interface BunConnectOptions {
  hostname: string;
  port: number;
  socket: {
    open(socket: BunTcpSocket): void;
    data(socket: BunTcpSocket, chunk: Uint8Array): void;
    drain(socket: BunTcpSocket): void;
    close(socket: BunTcpSocket): void;
    error(socket: BunTcpSocket, error: Error): void;
    connectError(socket: BunTcpSocket, error: Error): void;
  };
}

/** Bun's global `Bun`, as far as the bench uses it. */
export interface BunGlobal {
  readonly version: string;
  /** Runs the garbage collector (`true`: a full, synchronous collection). */
  gc(force: boolean): void;
  serve(options: BunServeOptions): BunHttpServer;
  connect(options: BunConnectOptions): Promise<BunTcpSocket>;
}

/** Bun's global, or undefined when another runtime runs this. */
export function bun(): BunGlobal | undefined {
  return (globalThis as { Bun?: BunGlobal }).Bun;
}

/** Bun's global, for the files that run only on Bun. */
export function requireBun(): BunGlobal {
  const found = bun();
  if (!found) throw new Error("Cannot start: this file runs on Bun only");
  return found;
}
