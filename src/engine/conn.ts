/**
 * The neutral contract between the engine and a runtime's WebSocket.
 * Each binding (Deno, Bun, Hono) adapts its socket to {@linkcode Conn} and
 * forwards the socket's events to a {@linkcode ConnHandler}.
 *
 * @module
 */

/**
 * Bytes a runtime may hold for one socket before `Conn.send` reports
 * backpressure. Past it the engine keeps packets in the session's own
 * byte-counted queue (bounded by `maxBufferedBytes`) until the socket drains.
 */
export const SEND_HIGH_WATER_MARK: number = 1 << 20;

/** A server-side WebSocket, as the engine sees it. */
export interface Conn {
  /**
   * Sends one frame. Returns `false` when the runtime holds more than
   * {@linkcode SEND_HIGH_WATER_MARK} bytes: the frame is still queued by the
   * runtime, and `ConnHandler.onDrain` will be called once it has drained.
   */
  send(data: string | Uint8Array): boolean;
  /** Closes the socket. */
  close(code?: number, reason?: string): void;
  /** Bytes queued by the runtime but not yet written to the network. */
  readonly bufferedAmount: number;
  /**
   * The client's address, where the runtime's socket knows it: a binding
   * that has it defines it (a getter), and the engine reads it only when
   * the session's `remoteAddress` is first asked for.
   */
  readonly remoteAddress?: string | undefined;
  /**
   * The runtime pings this socket itself and closes it when silent (a
   * Durable Object's alarm, which lets the object hibernate between pings
   * where a pending timer would keep it awake): a session on it sets no
   * heartbeat timer, and the binding may keep its pongs.
   */
  readonly pingedByRuntime?: boolean;
}

/** What the engine does with a socket's events. */
export interface ConnHandler {
  /** The socket is open and may send. */
  onOpen(conn: Conn): void;
  /** A frame arrived. */
  onMessage(data: string | Uint8Array): void;
  /** The socket closed (or failed). */
  onClose(code: number, reason: string): void;
  /** The runtime's send buffer has drained after backpressure. */
  onDrain(): void;
}

/**
 * Turns an HTTP upgrade request into a WebSocket whose events go to
 * `handler`, adding `headers` to the 101 answer. Returns the `Response` to
 * give back to the runtime.
 */
export type Upgrader = (request: Request, handler: ConnHandler, headers?: Headers) => Response;

/** Per-request facts only the runtime knows. */
export interface RequestInfo {
  /** The remote address of the client, when known. */
  remoteAddress?: string;
  /** Upgrades the request to a WebSocket; absent where the runtime cannot. */
  upgrade?: Upgrader;
  /**
   * Aborts when the client goes away before its answer is sent, and only
   * then. Absent where the runtime has no such signal (Deno's
   * `request.signal` also aborts after successful answers and warns when
   * read): a held long poll then notices a departed client through its
   * streamed body instead.
   */
  signal?: AbortSignal;
}
