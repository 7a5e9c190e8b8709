/**
 * Raw Socket.IO clients for tests that send what no conforming client would:
 * a WebSocket that speaks Engine.IO v4 frame by frame, and a long-polling
 * session driven by plain `fetch`. Both answer engine pings by themselves.
 */

/** One Engine.IO message payload: the text after the type digit, or bytes. */
export type RawMessage = string | Uint8Array;

/** The parts of an Engine.IO open packet the tests need. */
export interface OpenPacket {
  sid: string;
  pingInterval: number;
  pingTimeout: number;
  maxPayload: number;
}

/** An Engine.IO v4 WebSocket session with no Socket.IO client on top. */
export class RawWebSocketIo {
  /** The engine open packet. */
  readonly open: OpenPacket;
  /** Resolves when the WebSocket has closed, whoever closed it. */
  readonly closed: Promise<void>;
  #ws: WebSocket;
  #messages: RawMessage[] = [];
  #waiters: ((message: RawMessage | undefined) => void)[] = [];
  #ended = false;

  private constructor(ws: WebSocket, open: OpenPacket, closed: Promise<void>) {
    this.#ws = ws;
    this.open = open;
    this.closed = closed.then(() => {
      this.#ended = true;
      for (const waiter of this.#waiters.splice(0)) waiter(undefined);
    });
  }

  /** Opens `/socket.io/?EIO=4&transport=websocket` on `baseUrl` and reads the open packet. */
  static connect(baseUrl: string): Promise<RawWebSocketIo> {
    const url = baseUrl.replace(/^http/, "ws") + "/socket.io/?EIO=4&transport=websocket";
    const ws = new WebSocket(url);
    ws.binaryType = "arraybuffer";
    const closed = new Promise<void>((resolve) => ws.addEventListener("close", () => resolve()));
    return new Promise((resolve, reject) => {
      let raw: RawWebSocketIo | undefined;
      ws.addEventListener("error", () => {
        if (!raw) reject(new Error("WebSocket failed before the open packet"));
      });
      closed.then(() => {
        if (!raw) reject(new Error("WebSocket closed before the open packet"));
      });
      ws.addEventListener("message", (event: MessageEvent) => {
        const data = event.data;
        if (!raw) {
          if (typeof data !== "string" || data[0] !== "0") {
            reject(new Error(`Expected an open packet, got ${String(data)}`));
            ws.close();
            return;
          }
          raw = new RawWebSocketIo(ws, JSON.parse(data.slice(1)), closed);
          resolve(raw);
          return;
        }
        raw.#onFrame(data);
      });
    });
  }

  /** Whether the WebSocket is still open. */
  get isOpen(): boolean {
    return this.#ws.readyState === WebSocket.OPEN;
  }

  /** Sends a Socket.IO text packet (the engine `4` is prepended). */
  send(packet: string): void {
    this.#ws.send("4" + packet);
  }

  /** Sends a binary frame (an attachment, in Engine.IO v4 without any prefix). */
  sendBinary(bytes: Uint8Array): void {
    this.#ws.send(bytes);
  }

  /** The next Socket.IO message, or `undefined` once the socket has closed. */
  next(): Promise<RawMessage | undefined> {
    const message = this.#messages.shift();
    if (message !== undefined) return Promise.resolve(message);
    if (this.#ended) return Promise.resolve(undefined);
    return new Promise((resolve) => this.#waiters.push(resolve));
  }

  /** The next Socket.IO message, which must be text. */
  async nextText(): Promise<string> {
    const message = await this.next();
    if (typeof message !== "string") {
      throw new Error(`Expected a text packet, got ${message === undefined ? "close" : "bytes"}`);
    }
    return message;
  }

  /** Sends CONNECT for `nsp` and returns the socket id from the server's CONNECT. */
  async connectNamespace(nsp = "/"): Promise<string> {
    const prefix = nsp === "/" ? "0" : `0${nsp},`;
    this.send(prefix);
    const answer = await this.nextText();
    if (!answer.startsWith(prefix + "{")) throw new Error(`Expected CONNECT, got ${answer}`);
    return JSON.parse(answer.slice(prefix.length)).sid;
  }

  /** Closes the WebSocket and waits for it to be closed. */
  async close(): Promise<void> {
    if (this.#ws.readyState < WebSocket.CLOSING) this.#ws.close();
    await this.closed;
  }

  #onFrame(data: string | ArrayBuffer): void {
    if (typeof data !== "string") return this.#push(new Uint8Array(data));
    if (data === "2") return this.#ws.send("3"); // ping
    if (data[0] === "4") this.#push(data.slice(1));
    // "1" (close) and "6" (noop) are engine business: the close event follows.
  }

  #push(message: RawMessage): void {
    const waiter = this.#waiters.shift();
    if (waiter) waiter(message);
    else this.#messages.push(message);
  }
}

const SEPARATOR = "\x1e";

/** An Engine.IO v4 long-polling session driven by `fetch`. */
export class RawPollingIo {
  /** The engine open packet. */
  readonly open: OpenPacket;
  #url: string;

  private constructor(url: string, open: OpenPacket) {
    this.#url = url;
    this.open = open;
  }

  /** Opens a polling session on `baseUrl` (GET handshake). */
  static async connect(baseUrl: string): Promise<RawPollingIo> {
    const response = await fetch(baseUrl + "/socket.io/?EIO=4&transport=polling");
    const body = await response.text();
    if (response.status !== 200 || body[0] !== "0") {
      throw new Error(`Handshake failed: ${response.status} ${body}`);
    }
    const open: OpenPacket = JSON.parse(body.slice(1));
    return new RawPollingIo(
      `${baseUrl}/socket.io/?EIO=4&transport=polling&sid=${open.sid}`,
      open,
    );
  }

  /**
   * POSTs Socket.IO messages in one payload: strings as message packets
   * (`4` prepended), bytes as base64 (`b` prepended). Resolves with the
   * status and the body.
   */
  async post(...messages: RawMessage[]): Promise<{ status: number; body: string }> {
    return await this.postBody(messages.map(encodeMessage).join(SEPARATOR));
  }

  /** POSTs a raw payload body. */
  async postBody(body: string): Promise<{ status: number; body: string }> {
    const response = await fetch(this.#url, {
      method: "POST",
      body,
      headers: { "content-type": "text/plain;charset=UTF-8" },
    });
    return { status: response.status, body: await response.text() };
  }

  /**
   * GETs once. Resolves with the status, and for a 200 the Socket.IO
   * messages of the payload (pings are answered and left out) and whether
   * it held a close packet.
   */
  async poll(): Promise<{ status: number; body: string; messages: string[]; close: boolean }> {
    const response = await fetch(this.#url);
    const body = await response.text();
    const messages: string[] = [];
    let close = false;
    if (response.status === 200) {
      for (const packet of body.split(SEPARATOR)) {
        if (packet === "2") await this.postBody("3");
        else if (packet === "1") close = true;
        else if (packet[0] === "4") messages.push(packet.slice(1));
      }
    }
    return { status: response.status, body, messages, close };
  }

  /** Sends CONNECT for "/" and returns the socket id from the server's CONNECT. */
  async connectNamespace(): Promise<string> {
    const posted = await this.post("0");
    if (posted.status !== 200) throw new Error(`CONNECT POST failed: ${posted.status}`);
    for (;;) {
      const { status, messages } = await this.poll();
      if (status !== 200) throw new Error(`Poll failed: ${status}`);
      const answer = messages.find((m) => m.startsWith("0{"));
      if (answer) return JSON.parse(answer.slice(1)).sid;
    }
  }

  /**
   * Polls until the server has forgotten the session. Resolves with the
   * final 400 body (the engine's `{"code":1,"message":"Session ID unknown"}`)
   * or rejects after `maxPolls` polls that were answered.
   */
  async gone(maxPolls = 5): Promise<{ code: number; message: string }> {
    for (let i = 0; i < maxPolls; i++) {
      const { status, body } = await this.poll();
      if (status === 400) return JSON.parse(body);
    }
    throw new Error(`The session was still answering after ${maxPolls} polls`);
  }

  /** Sends an engine close packet, ignoring any failure (cleanup). */
  async close(): Promise<void> {
    await this.postBody("1").catch(() => {});
  }
}

function encodeMessage(message: RawMessage): string {
  if (typeof message === "string") return "4" + message;
  return "b" + btoa(String.fromCharCode(...message));
}
