/**
 * The parts of the Cloudflare Workers runtime that the Workers binding uses,
 * declared as small local interfaces (no dependency on
 * `@cloudflare/workers-types`; its types are assignable to these).
 *
 * @module
 */

/** A Workers `WebSocket` accepted by a Durable Object (hibernatable). */
export interface WorkersWebSocket {
  /** Sends one frame. */
  send(message: string | ArrayBuffer | ArrayBufferView): void;
  /** Closes the socket. */
  close(code?: number, reason?: string): void;
  /** Keeps a structured-cloneable value with the socket, across hibernation (2 KiB at most). */
  serializeAttachment(value: unknown): void;
  /** The value kept by `serializeAttachment`, or `null`. */
  deserializeAttachment(): unknown;
}

/** The part of a Durable Object's storage used here. */
export interface WorkersStorage {
  /** Reads a value. */
  get(key: string): Promise<unknown>;
  /** Writes a value. */
  put(key: string, value: unknown): Promise<void>;
  /** Deletes a value. */
  delete(key: string): Promise<boolean>;
  /** When the object's alarm is set for (milliseconds since the epoch), or null. */
  getAlarm(): Promise<number | null>;
  /** Sets the object's alarm (milliseconds since the epoch). */
  setAlarm(scheduledTime: number): Promise<void>;
  /** Cancels the object's alarm. */
  deleteAlarm(): Promise<void>;
}

/** The part of `DurableObjectState` (a Durable Object's `ctx`) used here. */
export interface WorkersObjectState {
  /** Accepts a server-side WebSocket with the hibernation API. */
  acceptWebSocket(ws: WorkersWebSocket, tags?: string[]): void;
  /** The WebSockets accepted by this object (they outlive its evictions). */
  getWebSockets(tag?: string): WorkersWebSocket[];
  /** Holds other events back until `callback`'s promise settles. */
  blockConcurrencyWhile<T>(callback: () => Promise<T>): Promise<T>;
  /** The object's transactional storage. */
  readonly storage: WorkersStorage;
}

/** A Durable Object stub: forwards requests to one object. */
export interface WorkersObjectStub {
  /** Sends a request to the object. */
  fetch(request: Request): Promise<Response>;
}

/** A Durable Object namespace binding (`env.IO`), as the forwarding Worker uses it. */
export interface WorkersObjectNamespace {
  /** The id of the object named `name` (the same name always gives the same object). */
  idFromName(name: string): unknown;
  /** The stub of object `id`. */
  get(id: unknown): WorkersObjectStub;
}

/** The global `WebSocketPair` constructor of Workers: index 0 is the client end. */
export type WorkersWebSocketPairConstructor = new () => {
  0: WorkersWebSocket;
  1: WorkersWebSocket;
};
