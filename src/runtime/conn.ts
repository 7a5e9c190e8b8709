/**
 * The neutral contract between the engine and a runtime's WebSocket.
 * Each binding (Deno, Bun, Hono) adapts its socket to {@linkcode Conn} and
 * forwards the socket's events to a {@linkcode ConnHandler}.
 *
 * @module
 */

/** A server-side WebSocket, as the engine sees it. */
export interface Conn {
  /**
   * Sends one frame. Returns `false` when the runtime reports backpressure
   * (the frame is queued by the runtime, and `ConnHandler.onDrain` will be
   * called once it has drained).
   */
  send(data: string | Uint8Array): boolean;
  /** Closes the socket. */
  close(code?: number, reason?: string): void;
  /** Bytes queued by the runtime but not yet written to the network. */
  readonly bufferedAmount: number;
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
 * `handler`. Returns the `Response` to give back to the runtime.
 */
export type Upgrader = (request: Request, handler: ConnHandler) => Response;

/** Per-request facts only the runtime knows. */
export interface RequestInfo {
  /** The remote address of the client, when known. */
  remoteAddress?: string;
  /** Upgrades the request to a WebSocket; absent where the runtime cannot. */
  upgrade?: Upgrader;
}
