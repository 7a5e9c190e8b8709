/**
 * A `Deno.Conn` as the rest of the Deno listener sees it: a reader that
 * hands out what arrived (and takes back what it did not need), and a
 * socket with `node:net`'s shape, so the WebSocket code written for the
 * `node:http` binding (`_node_ws.ts`) runs on it unchanged.
 *
 * Writes made in one turn leave in one system call, and a socket keeps one
 * read buffer, grown only while reads fill it.
 *
 * @module
 */

import type { NodeSocketLike } from "./_node_ws.ts";

const SMALL_READ = 4096;
// Past glibc's mmap threshold, so a fresh buffer comes zeroed by the kernel, not by a memset.
const LARGE_READ = 262144;
/** Parts at least this large are written alone instead of being copied into a batch. */
const LARGE_PART = 131072;
/** `write` reports backpressure past this many queued bytes, as `net.Socket`. */
const WRITE_HIGH_WATER_MARK = 16384;
const encoder = new TextEncoder();

/** Reads a connection on demand; bytes can be put back for the next read. */
export class ConnReader {
  #conn: Deno.Conn;
  #buffer = new Uint8Array(SMALL_READ);
  #left: Uint8Array | null = null;
  #inflight: Promise<Uint8Array | null> | null = null;
  #eof = false;

  constructor(conn: Deno.Conn) {
    this.#conn = conn;
  }

  /** The next bytes, or null once the peer has finished (or failed). */
  read(): Promise<Uint8Array | null> {
    const left = this.#left;
    if (left) {
      this.#left = null;
      return Promise.resolve(left);
    }
    const inflight = this.#inflight;
    if (inflight) {
      this.#inflight = null;
      return inflight;
    }
    return this.#readConn();
  }

  /** Puts bytes back in front of what comes next. */
  unread(bytes: Uint8Array): void {
    if (bytes.byteLength === 0) return;
    const left = this.#left;
    if (!left) {
      this.#left = bytes;
      return;
    }
    const joined = new Uint8Array(bytes.byteLength + left.byteLength);
    joined.set(bytes);
    joined.set(left, bytes.byteLength);
    this.#left = joined;
  }

  /** Takes every byte read but not yet handed out. */
  takeLeft(): Uint8Array {
    const left = this.#left ?? new Uint8Array(0);
    this.#left = null;
    return left;
  }

  /**
   * Starts one read ahead, so a peer that leaves while no one reads (a held
   * long poll) is noticed: `onEnd` runs if that read finds the end. What it
   * reads otherwise waits for the next `read`.
   */
  watch(onEnd: () => void): void {
    if (this.#left || this.#inflight || this.#eof) {
      if (this.#eof) onEnd();
      return;
    }
    const inflight = this.#inflight = this.#readConn();
    inflight.then((bytes) => {
      if (bytes === null) onEnd();
    });
  }

  async #readConn(): Promise<Uint8Array | null> {
    if (this.#eof) return null;
    // A busy socket reads into a fresh large buffer each time and hands it
    // over as is; an idle one keeps one small buffer and copies out of it.
    const large = this.#buffer.byteLength === LARGE_READ;
    const buffer = large ? new Uint8Array(LARGE_READ) : this.#buffer;
    let n: number | null;
    try {
      n = await this.#conn.read(buffer);
    } catch {
      n = null; // reset or closed under us: the end either way
    }
    if (n === null) {
      this.#eof = true;
      return null;
    }
    if (large) {
      if (n < SMALL_READ) this.#buffer = new Uint8Array(SMALL_READ);
      return buffer.subarray(0, n);
    }
    if (n === buffer.byteLength) this.#buffer = new Uint8Array(LARGE_READ);
    return buffer.slice(0, n);
  }
}

type Listener = (...args: never[]) => void;

/**
 * A `Deno.Conn` with the part of `net.Socket`'s interface that
 * `_node_ws.ts` uses. Reading starts with the first `data` listener.
 *
 * @example
 * ```ts ignore
 * const socket = new DenoSocket(conn, new ConnReader(conn));
 * socket.write("HTTP/1.1 200 OK\r\n...");
 * ```
 */
export class DenoSocket implements NodeSocketLike {
  #conn: Deno.Conn;
  #reader: ConnReader;
  #listeners: Record<string, Listener[]> = {};
  #queue: Uint8Array[] = [];
  #queued = 0;
  #writing = 0;
  #flushing = false;
  #wantDrain = false;
  #ending = false;
  #closed = false;
  #reading = false;
  #onEnded: (() => void)[] = [];
  #onDrained: (() => void)[] = [];
  readonly remoteAddress: string | undefined;

  constructor(conn: Deno.Conn, reader: ConnReader) {
    this.#conn = conn;
    this.#reader = reader;
    this.remoteAddress = (conn.remoteAddr as Deno.NetAddr).hostname;
  }

  /** Bytes queued or being written. */
  get writableLength(): number {
    return this.#queued + this.#writing;
  }

  get writable(): boolean {
    return !this.#ending && !this.#closed;
  }

  get destroyed(): boolean {
    return this.#closed;
  }

  write(data: Uint8Array | string): boolean {
    if (this.#ending || this.#closed) return false;
    const bytes = typeof data === "string" ? encoder.encode(data) : data;
    this.#queue.push(bytes);
    this.#queued += bytes.byteLength;
    if (!this.#flushing) {
      this.#flushing = true;
      queueMicrotask(() => this.#flush());
    }
    if (this.writableLength <= WRITE_HIGH_WATER_MARK) return true;
    this.#wantDrain = true;
    return false;
  }

  /** Settles once a backpressured socket has drained, or has closed (no listener left behind). */
  drained(): Promise<void> {
    if (this.#closed || !this.#wantDrain) return Promise.resolve();
    return new Promise((resolve) => this.#onDrained.push(resolve));
  }

  /** Closes the connection once everything queued is written. */
  end(callback?: () => void): void {
    if (callback) this.#onEnded.push(callback);
    if (this.#closed) {
      this.#runEnded();
      return;
    }
    this.#ending = true;
    if (!this.#flushing) this.destroy();
  }

  /** Closes the connection now; what is queued is dropped. */
  destroy(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#queue = [];
    this.#queued = 0;
    try {
      this.#conn.close();
    } catch { /* already closed */ }
    this.#runEnded();
    for (const resolve of this.#onDrained.splice(0)) resolve();
    this.#emit("close");
  }

  setNoDelay(): void {
    // Set on every accepted connection already.
  }

  setTimeout(): void {
    // The listener has no socket timeouts; the engine's heartbeat decides.
  }

  on(event: string, listener: Listener): this {
    (this.#listeners[event] ??= []).push(listener);
    if (event === "data" && !this.#reading) {
      this.#reading = true;
      this.#readLoop();
    }
    return this;
  }

  #emit(event: string, arg?: unknown): void {
    for (const listener of this.#listeners[event] ?? []) {
      (listener as (arg?: unknown) => void)(arg);
    }
  }

  #runEnded(): void {
    for (const callback of this.#onEnded.splice(0)) callback();
  }

  async #readLoop(): Promise<void> {
    while (!this.#closed) {
      const bytes = await this.#reader.read();
      if (this.#closed) return;
      if (bytes === null) {
        this.#emit("end");
        // A peer that ended its side gets ours ended too, whoever listens.
        this.end();
        return;
      }
      this.#emit("data", bytes);
    }
  }

  async #flush(): Promise<void> {
    while (this.#queue.length > 0 && !this.#closed) {
      const parts = this.#queue;
      this.#queue = [];
      this.#writing = this.#queued;
      this.#queued = 0;
      try {
        // Small parts go out together; a large one goes alone, uncopied.
        let start = 0;
        let batched = 0;
        for (let i = 0; i <= parts.length; i++) {
          const part = parts[i];
          if (part !== undefined && part.byteLength < LARGE_PART) {
            batched += part.byteLength;
            continue;
          }
          if (i > start) {
            await this.#writeAll(i - start === 1 ? parts[start] : concat(parts, start, i, batched));
          }
          if (part !== undefined) await this.#writeAll(part);
          start = i + 1;
          batched = 0;
        }
      } catch {
        this.#writing = 0;
        this.#flushing = false;
        this.destroy(); // the peer is gone
        return;
      }
      this.#writing = 0;
    }
    this.#flushing = false;
    if (this.#ending) {
      this.destroy();
    } else if (this.#wantDrain && !this.#closed) {
      this.#wantDrain = false;
      for (const resolve of this.#onDrained.splice(0)) resolve();
      this.#emit("drain");
    }
  }

  async #writeAll(bytes: Uint8Array): Promise<void> {
    let offset = 0;
    while (offset < bytes.byteLength) offset += await this.#conn.write(bytes.subarray(offset));
  }
}

function concat(parts: Uint8Array[], start: number, end: number, total: number): Uint8Array {
  const out = new Uint8Array(total);
  let offset = 0;
  for (let i = start; i < end; i++) {
    out.set(parts[i], offset);
    offset += parts[i].byteLength;
  }
  return out;
}
