/**
 * The load generator: many Socket.IO v5 / Engine.IO v4 clients speaking the
 * protocol frames directly (no client library), in one process, for one
 * scenario against one server. Runs under Bun, or under Node as the bundle
 * bench/run.ts builds of it (`bun build --target=node`):
 *
 *   bun bench/loadgen.ts --scenario echo --port 3000 --pid 1234 [--transport net]
 *
 * `--port` and `--pid` take lists for a cluster (bench/cluster.ts): client i
 * connects to port i mod n, the server CPU is the sum over the PIDs (each one
 * is reported too), and `--watch-pid` (Redis) is measured on its own.
 *
 * Prints one line `RESULT {json}` on stdout. It reads the server's CPU time
 * and memory from /proc/<pid> at the edges of the measured window, and its
 * own CPU time with process.cpuUsage(), so the run says whether the
 * generator rather than the server was the bottleneck.
 */

import { bun } from "./lib/bun.ts";
import { cpuSeconds, statusKb } from "./lib/proc.ts";
import { type Conn, openHttp, type Prepared, transports } from "./lib/transports.ts";

// -- options --

function parseArgs(argv: string[]): Record<string, string | true> {
  const o: Record<string, string | true> = {};
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (!a.startsWith("--")) continue;
    const key = a.slice(2);
    const next = argv[i + 1];
    if (next === undefined || next.startsWith("--")) o[key] = true;
    else {
      o[key] = next;
      i++;
    }
  }
  return o;
}

const args = parseArgs(process.argv.slice(2));
const text = (name: string, fallback: string): string => {
  const v = args[name];
  return typeof v === "string" ? v : fallback;
};
const opt = {
  scenario: text("scenario", "echo"),
  host: text("host", "127.0.0.1"),
  port: Number(text("port", "3000").split(",")[0]),
  ports: text("port", "3000").split(",").map(Number),
  pid: args.pid ? Number(text("pid", "").split(",")[0]) : undefined,
  pids: text("pid", "").split(",").filter(Boolean).map(Number),
  watchPid: args["watch-pid"] ? Number(args["watch-pid"]) : undefined,
  event: text("event", "bcast-ack"),
  transport: text("transport", "net"),
  path: text("path", "/socket.io/"),
  clients: Number(args.clients ?? 100),
  inflight: Number(args.inflight ?? 10),
  payload: Number(args.payload ?? 32),
  warmup: Number(args.warmup ?? 1),
  duration: Number(args.duration ?? 3),
  total: Number(args.total ?? 2000),
  concurrency: Number(args.concurrency ?? 100),
  levels: text("levels", "5000,10000").split(",").map(Number),
  roomSize: Number(args["room-size"] ?? 100),
  window: Number(args.window ?? 8),
  binSize: Number(args["bin-size"] ?? 65536),
  settle: Number(args.settle ?? 2),
  timeout: Number(args.timeout ?? 60),
};

const transport = transports[opt.transport] ?? fail(`unknown transport ${opt.transport}`);
const Bun = bun();
const runtime = Bun ? `bun ${Bun.version}` : `node ${process.version}`;
const WS_PATH = `${opt.path}?EIO=4&transport=websocket`;

function fail(message: string): never {
  process.stdout.write(`RESULT ${JSON.stringify({ error: message })}\n`);
  process.exit(1);
}

setTimeout(() => fail(`timed out after ${opt.timeout} s`), opt.timeout * 1000).unref?.();

const sleep = (s: number) => new Promise((r) => setTimeout(r, s * 1000));

// -- measurement --

/** The counters at one edge of a measured window. */
interface Snapshot {
  t: number;
  genCpu: number;
  serverCpu: number;
  /** Per server PID (a cluster). */
  serverCpus: number[];
  /** The CPU of `--watch-pid`. */
  watchCpu: number;
  count: number;
  bytes: number;
}

/** The figures of one measured window. */
interface Measure {
  ops: number;
  seconds: number;
  rate: number;
  serverCpuPct: number;
  serverCpuUsPerOp: number | null;
  genCpuPct: number;
  genCpuUsPerOp: number | null;
  /** A cluster's servers, each. */
  serverCpuPctEach?: number[];
  /** `--watch-pid`'s CPU. */
  watchCpuPct?: number;
}

function snapshot(): Snapshot {
  const cpu = process.cpuUsage();
  const serverCpus = opt.pids.map(cpuSeconds);
  return {
    t: performance.now(),
    genCpu: (cpu.user + cpu.system) / 1e6,
    serverCpu: serverCpus.length ? serverCpus.reduce((x, y) => x + y) : NaN,
    serverCpus,
    watchCpu: opt.watchPid ? cpuSeconds(opt.watchPid) : NaN,
    count: stats.count,
    bytes: stats.bytes,
  };
}

function measure(a: Snapshot, b: Snapshot, ops: number): Measure {
  const wall = (b.t - a.t) / 1000;
  const serverCpu = b.serverCpu - a.serverCpu;
  const genCpu = b.genCpu - a.genCpu;
  const cluster = opt.pids.length > 1
    ? {
      serverCpuPctEach: b.serverCpus.map((x, i) => round(((x - a.serverCpus[i]) / wall) * 100, 1)),
    }
    : {};
  const watch = opt.watchPid
    ? { watchCpuPct: round(((b.watchCpu - a.watchCpu) / wall) * 100, 1) }
    : {};
  return {
    ops,
    seconds: round(wall, 3),
    rate: round(ops / wall, 1),
    serverCpuPct: round((serverCpu / wall) * 100, 1),
    serverCpuUsPerOp: ops > 0 ? round((serverCpu / ops) * 1e6, 2) : null,
    genCpuPct: round((genCpu / wall) * 100, 1),
    genCpuUsPerOp: ops > 0 ? round((genCpu / ops) * 1e6, 2) : null,
    ...cluster,
    ...watch,
  };
}

function round(x: number, d: number): number {
  const f = 10 ** d;
  return Math.round(x * f) / f;
}

const stats = { count: 0, bytes: 0 };

// -- clients --

const F_CONNECT = transport.prepareText("40");
const F_PONG = transport.prepareText("3");

/** A text message: a view of its UTF-8 bytes, or a string (the library clients). */
type TextData = Uint8Array | string;

// Byte at index i of a text message.
const at = (d: TextData, i: number) => (typeof d === "string" ? d.charCodeAt(i) : d[i]);

/** What the running scenario does with incoming packets. */
const mode = {
  onEvent(_c: Client, _d: TextData) {},
  onAck(_c: Client, _d: TextData) {},
  onBinaryEvent(c: Client, _d: TextData) {
    c.expectBinary++;
  },
  onAttachment(_c: Client, _len: number) {},
  /** A connected client lost its connection (the server went away). */
  onDropped(_c: Client) {},
};

class Client {
  index: number;
  /** Which of the ports (a cluster's node) it connected to. */
  node: number;
  conn: Conn | null = null;
  connected = false;
  expectBinary = 0;
  resolve: ((c: Client) => void) | null = null;
  reject: ((err: Error) => void) | null = null;

  constructor(index: number) {
    this.index = index;
    this.node = index % opt.ports.length;
  }

  send(frame: Prepared) {
    this.conn!.send(frame);
  }

  onText(d: TextData) {
    const c0 = at(d, 0);
    if (c0 === 52 /* 4: message */) {
      const c1 = at(d, 1);
      if (c1 === 50 /* 2: EVENT */) mode.onEvent(this, d);
      else if (c1 === 51 /* 3: ACK */) mode.onAck(this, d);
      else if (c1 === 53 /* 5: BINARY_EVENT */) mode.onBinaryEvent(this, d);
      else if (c1 === 48 /* 0: CONNECT */) {
        this.connected = true;
        this.resolve?.(this);
      } else if (c1 === 52 /* 4: CONNECT_ERROR */) {
        this.reject?.(new Error("connect_error: " + textOf(d)));
      }
    } else if (c0 === 50 /* 2: ping */) {
      this.conn!.send(F_PONG);
    } else if (c0 === 48 /* 0: open */) {
      this.conn!.send(F_CONNECT);
    } else if (c0 === 49 /* 1: close */) {
      this.connected = false;
    }
  }

  onBinary(len: number) {
    if (this.expectBinary > 0) {
      this.expectBinary--;
      mode.onAttachment(this, len);
    }
  }
}

function textOf(d: TextData): string {
  return typeof d === "string" ? d : new TextDecoder().decode(d);
}

let nextIndex = 0;
let openSockets = 0;

/**
 * Opens one client (or `c` again, after it lost its connection) and resolves
 * once its namespace CONNECT arrived.
 */
function connectOne(c: Client = new Client(nextIndex++)): Promise<Client> {
  return new Promise<Client>((resolve, reject) => {
    c.resolve = resolve;
    c.reject = reject;
    let conn: Conn | null = null;
    transport.open(opt.host, opt.ports[c.node], WS_PATH, {
      onOpen(opened) {
        c.conn = conn = opened;
        openSockets++;
      },
      onText: (d) => c.onText(d),
      onBinary: (len) => c.onBinary(len),
      onError: (err) => {
        if (!c.connected) reject(err);
      },
      onClose: () => {
        if (conn) openSockets--;
        if (c.conn !== conn) return; // an older connection of a reconnected client
        if (!c.connected) reject(new Error("closed before connect"));
        else {
          c.connected = false;
          mode.onDropped(c);
        }
      },
    });
  }).then(() => {
    c.resolve = c.reject = null;
    return c;
  });
}

/** Opens `n` clients, `concurrency` handshakes at a time. */
async function connectMany(n: number, concurrency: number, into: Client[] = []) {
  let started = 0;
  const worker = async () => {
    while (started < n) {
      started++;
      into.push(await connectOne());
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, n) }, worker));
  return into;
}

const payloadString = "x".repeat(opt.payload);

async function measureWindow<Extra extends object>(
  extra: (a: Snapshot, b: Snapshot) => Extra = () => ({}) as Extra,
): Promise<Measure & Extra> {
  await sleep(opt.warmup);
  const a = snapshot();
  await sleep(opt.duration);
  const b = snapshot();
  return { ...measure(a, b, b.count - a.count), ...extra(a, b) };
}

/** The official client's reconnection back-off: 1 s doubling to 5 s, ±50 % jitter. */
function backoffMs(attempt: number): number {
  const base = 1000 * 2 ** attempt;
  const rand = Math.random();
  const deviation = Math.floor(rand * 0.5 * base);
  const ms = (Math.floor(rand * 10) & 1) === 0 ? base - deviation : base + deviation;
  return Math.min(ms, 5000);
}

/** The official client's connect timeout. */
const CONNECT_TIMEOUT_MS = 20000;

function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error("connect timeout")), ms);
    p.then((v) => {
      clearTimeout(timer);
      resolve(v);
    }, (err) => {
      clearTimeout(timer);
      reject(err);
    });
  });
}

/** The next line on stdin (the orchestrator's answers). */
function nextLine(): Promise<string> {
  return new Promise((resolve) => {
    let buffered = "";
    const onData = (d: string) => {
      buffered += d;
      const nl = buffered.indexOf("\n");
      if (nl < 0) return;
      process.stdin.off("data", onData);
      process.stdin.pause();
      resolve(buffered.slice(0, nl));
    };
    process.stdin.setEncoding("utf8");
    process.stdin.on("data", onData);
    process.stdin.resume();
  });
}

// -- scenarios --

/** What a scenario reports (and the generator adds to). */
type Result = Record<string, unknown>;

const scenarios: Record<string, () => Promise<Result>> = {
  /** Each client keeps `inflight` `echo` events going; the server emits them back. */
  async echo() {
    const clients = await connectMany(opt.clients, opt.concurrency);
    const frame = transport.prepareText(`42["echo","${payloadString}"]`);
    mode.onEvent = (c) => {
      stats.count++;
      c.send(frame);
    };
    for (const c of clients) for (let k = 0; k < opt.inflight; k++) c.send(frame);
    return {
      unit: "msgs/s",
      clients: clients.length,
      inflight: opt.inflight,
      ...await measureWindow(),
    };
  },

  /** Each client keeps `inflight` `echo-ack` events with ack ids going. */
  async ack() {
    const clients = await connectMany(opt.clients, opt.concurrency);
    // Ack ids are reused per in-flight slot: an id comes back before it is sent again.
    const frames: Prepared[] = [];
    for (let k = 0; k < opt.inflight; k++) {
      frames.push(transport.prepareText(`42${k}["echo-ack","${payloadString}"]`));
    }
    mode.onAck = (c, d) => {
      let id = 0;
      for (let i = 2;; i++) {
        const ch = at(d, i);
        if (ch < 48 || ch > 57) break;
        id = id * 10 + ch - 48;
      }
      stats.count++;
      c.send(frames[id]);
    };
    for (const c of clients) for (let k = 0; k < opt.inflight; k++) c.send(frames[k]);
    return {
      unit: "acks/s",
      clients: clients.length,
      inflight: opt.inflight,
      ...await measureWindow(),
    };
  },

  /**
   * A driver (on the first node) keeps `window` requests of `--event` in
   * flight, each acknowledged by the server once its own fan-out is done:
   * `bcast-ack` (`io.timeout().emitWithAck("q")` to every client, which
   * all answer) or `sse-ack` (`serverSideEmitWithAck` to the other nodes).
   * Round trips/s, their latency, and the `q` deliveries/s.
   */
  async "fanout-ack"() {
    const clients = await connectMany(opt.clients, opt.concurrency);
    const driver = clients.find((c) => c.node === 0)!;
    const frames: Prepared[] = [];
    for (let k = 0; k < opt.window; k++) {
      frames.push(transport.prepareText(`42${k}["${opt.event}","${payloadString}"]`));
    }
    const sentAt = new Float64Array(opt.window);
    const latencies: number[] = [];
    const doneAt: number[] = [];
    let errors = 0;
    let lastAnswers = -1;
    let running = true;
    // Every client answers an event that asks for an ack: `42<id>["q",...]` -> `43<id>[1]`.
    // Here `stats.bytes` counts those deliveries (`stats.count` the driver's round trips).
    mode.onEvent = (c, d) => {
      stats.bytes++;
      let id = -1;
      for (let i = 2;; i++) {
        const ch = at(d, i);
        if (ch < 48 || ch > 57) break;
        id = (id < 0 ? 0 : id * 10) + ch - 48;
      }
      if (id >= 0) c.send(transport.prepareText(`43${id}[1]`));
    };
    mode.onAck = (_c, d) => {
      let id = 0;
      let i = 2;
      for (;; i++) {
        const ch = at(d, i);
        if (ch < 48 || ch > 57) break;
        id = id * 10 + ch - 48;
      }
      // The answer, `43<id>[n]`: the number of acks the server got.
      let n = 0;
      for (let j = i + 1;; j++) {
        const ch = at(d, j);
        if (ch < 48 || ch > 57) break;
        n = n * 10 + ch - 48;
      }
      if (at(d, i + 1) === 45 /* - */) errors++;
      else lastAnswers = n;
      const now = performance.now();
      latencies.push(now - sentAt[id]);
      doneAt.push(now);
      stats.count++;
      if (running) {
        sentAt[id] = now;
        driver.send(frames[id]);
      }
    };
    for (let k = 0; k < opt.window; k++) {
      sentAt[k] = performance.now();
      driver.send(frames[k]);
    }
    const r = await measureWindow((a, b) => {
      const lat = latencies.filter((_, i) => doneAt[i] >= a.t && doneAt[i] <= b.t).sort((x, y) =>
        x - y
      );
      const q = (p: number) => lat.length ? round(lat[Math.floor((lat.length - 1) * p)], 2) : null;
      return {
        latencyMsP50: q(0.5),
        latencyMsP99: q(0.99),
        deliveriesPerSec: round((b.bytes - a.bytes) / ((b.t - a.t) / 1000), 1),
      };
    });
    running = false;
    return {
      unit: "round trips/s",
      event: opt.event,
      clients: clients.length,
      window: opt.window,
      errors,
      lastAnswers,
      ...r,
    };
  },

  /** `io.emit` to every client: one driver keeps `window` broadcasts in flight. */
  broadcast() {
    return fanout(false);
  },

  /** `io.to(room).emit` to `room-size` of the clients. */
  room() {
    return fanout(true);
  },

  /** Binary echo: `451-["echo",{placeholder}]` + one binary frame of `bin-size` bytes. */
  async binary() {
    const clients = await connectMany(opt.clients, opt.concurrency);
    const head = transport.prepareText('451-["echo",{"_placeholder":true,"num":0}]');
    const bytes = new Uint8Array(opt.binSize);
    for (let i = 0; i < bytes.length; i++) bytes[i] = i & 0xff;
    const body = transport.prepareBinary(bytes);
    mode.onAttachment = (c, len) => {
      stats.count++;
      stats.bytes += len;
      c.send(head);
      c.send(body);
    };
    for (const c of clients) {
      for (let k = 0; k < opt.inflight; k++) {
        c.send(head);
        c.send(body);
      }
    }
    const r = await measureWindow((a, b) => ({
      mbPerSec: round((b.bytes - a.bytes) / ((b.t - a.t) / 1000) / 1e6, 1),
    }));
    return { unit: "msgs/s", clients: clients.length, inflight: opt.inflight, ...r };
  },

  /** `total` WebSocket handshakes incl. namespace CONNECT, `concurrency` at a time. */
  async storm() {
    // Warm the code paths first (a fresh server process runs each scenario).
    const warm = await connectMany(Math.min(100, opt.total), opt.concurrency);
    for (const c of warm) c.conn!.close();
    await sleep(0.5);
    const a = snapshot();
    const clients = await connectMany(opt.total, opt.concurrency);
    const b = snapshot();
    return {
      unit: "handshakes/s",
      total: clients.length,
      concurrency: opt.concurrency,
      ...measure(a, b, clients.length),
    };
  },

  /** `total` polling connects (GET open, POST 40, GET 40{...}) over keep-alive HTTP. */
  async polling() {
    await pollingConnects(Math.min(100, opt.total));
    await sleep(0.5);
    const a = snapshot();
    const done = await pollingConnects(opt.total);
    const b = snapshot();
    return {
      unit: "handshakes/s",
      total: done,
      concurrency: opt.concurrency,
      ...measure(a, b, done),
    };
  },

  /**
   * The reconnect storm: `total` clients connected, then the server killed
   * and started again (by the orchestrator, on this generator's RESTART);
   * every client reconnects with the official client's back-off. Seconds
   * from the kill until 99 % and 100 % are connected again, and the new
   * server's CPU and memory meanwhile.
   */
  async reconnect() {
    const clients = await connectMany(opt.total, opt.concurrency);
    const total = clients.length;
    let back = 0;
    let attempts = 0;
    let failures = 0;
    let t99 = NaN;
    let tAll = NaN;
    let killedAt = NaN;
    let allBack: () => void = () => {};
    const done = new Promise<void>((resolve) => allBack = resolve);
    const reconnect = async (c: Client, attempt: number): Promise<void> => {
      await sleep(backoffMs(attempt) / 1000);
      attempts++;
      try {
        await withTimeout(connectOne(c), CONNECT_TIMEOUT_MS);
      } catch {
        failures++;
        c.conn?.close();
        return reconnect(c, attempt + 1);
      }
      back++;
      const t = (performance.now() - killedAt) / 1000;
      if (back >= Math.ceil(total * 0.99) && Number.isNaN(t99)) t99 = t;
      if (back === total) {
        tAll = t;
        allBack();
      }
    };
    mode.onDropped = (c) => void reconnect(c, 0);
    const restarted = nextLine();
    killedAt = performance.now();
    process.stdout.write("RESTART\n");
    const [, pid] = (await restarted).split(" ").map(Number);
    opt.pids = [pid];
    const startedSeconds = (performance.now() - killedAt) / 1000;
    // Peak CPU (per 100 ms) and memory of the new server until all are back.
    let peakCpuPct = 0;
    let peakRssKb = 0;
    let lastCpu = cpuSeconds(pid);
    let lastT = performance.now();
    const sampler = setInterval(() => {
      try {
        const cpu = cpuSeconds(pid);
        const t = performance.now();
        peakCpuPct = Math.max(peakCpuPct, ((cpu - lastCpu) / ((t - lastT) / 1000)) * 100);
        peakRssKb = Math.max(peakRssKb, statusKb(pid, "VmRSS"));
        lastCpu = cpu;
        lastT = t;
      } catch { /* gone */ }
    }, 100);
    const genCpu0 = process.cpuUsage();
    await done;
    clearInterval(sampler);
    const genCpu = process.cpuUsage(genCpu0);
    const wall = (performance.now() - killedAt) / 1000;
    return {
      unit: "s to all back",
      total,
      allBackSeconds: round(tAll, 3),
      back99Seconds: round(t99, 3),
      serverStartSeconds: round(startedSeconds, 3),
      attempts,
      failedAttempts: failures,
      serverCpuSeconds: round(cpuSeconds(pid), 2),
      serverPeakCpuPct: round(peakCpuPct, 1),
      serverPeakRssKb: peakRssKb,
      genCpuPct: round(((genCpu.user + genCpu.system) / 1e6 / wall) * 100, 1),
    };
  },

  /** RSS per idle connection at each of `levels` connections. */
  async memory() {
    const pid = opt.pid;
    if (!pid) throw new Error("memory needs --pid");
    const gcAndRead = async () => {
      await sleep(opt.settle);
      process.kill(pid, "SIGUSR2"); // the server apps run a full GC on it
      await sleep(1);
      return statusKb(pid, "VmRSS");
    };
    // Warm up code paths first, so the baseline holds the code, not the connections.
    const warm = await connectMany(100, opt.concurrency);
    for (const c of warm) c.conn!.close();
    await sleep(1);
    const baseKb = await gcAndRead();
    const clients: Client[] = [];
    const levels = [];
    for (const level of opt.levels) {
      const t0 = performance.now();
      await connectMany(level - clients.length, Math.max(opt.concurrency, 200), clients);
      const connectSeconds = (performance.now() - t0) / 1000;
      const rssKb = await gcAndRead();
      levels.push({
        connections: clients.length,
        rssKb,
        kbPerConn: round((rssKb - baseKb) / clients.length, 2),
        connectSeconds: round(connectSeconds, 2),
        open: openSockets,
      });
    }
    return { unit: "KB/conn", baseKb, levels };
  },
};

/** `n` Socket.IO connects over polling, on `concurrency` keep-alive HTTP connections. */
async function pollingConnects(n: number): Promise<number> {
  const base = opt.path;
  let started = 0;
  let done = 0;
  const worker = async () => {
    const http = await openHttp(opt.host, opt.port);
    while (started < n) {
      started++;
      const open = await http.request("GET", `${base}?EIO=4&transport=polling`);
      const m = /"sid":"([^"]+)"/.exec(open.body);
      if (open.status !== 200 || open.body[0] !== "0" || !m) {
        throw new Error(`bad polling open: ${open.status} ${open.body.slice(0, 80)}`);
      }
      const q = `${base}?EIO=4&transport=polling&sid=${encodeURIComponent(m[1])}`;
      const post = await http.request("POST", q, "40");
      if (post.status !== 200) throw new Error(`bad polling POST: ${post.status}`);
      const got = await http.request("GET", q);
      if (!got.body.startsWith("40")) {
        throw new Error(`bad polling CONNECT: ${got.body.slice(0, 80)}`);
      }
      done++;
    }
    http.close();
  };
  await Promise.all(Array.from({ length: Math.min(opt.concurrency, n) }, worker));
  return done;
}

/** Broadcast to all (`room` false) or to one room: deliveries per second. */
async function fanout(room: boolean): Promise<Result> {
  const clients = await connectMany(opt.clients, opt.concurrency);
  let receivers = clients.length;
  let driver = clients.find((c) => c.node === 0)!; // on the first node of a cluster
  let trigger = transport.prepareText(`42["bcast","${payloadString}"]`);
  if (room) {
    receivers = Math.min(opt.roomSize, clients.length - 1);
    driver = clients[clients.length - 1]; // not in the room
    const join = transport.prepareText('420["join","room1"]');
    let joined = 0;
    await new Promise<void>((resolve) => {
      mode.onAck = () => {
        if (++joined === receivers) resolve();
      };
      for (let i = 0; i < receivers; i++) clients[i].send(join);
    });
    trigger = transport.prepareText(`42["bcast-room","room1","${payloadString}"]`);
  }
  // Flow control over the whole fan-out: at most `window` broadcasts not yet
  // delivered to every receiver.
  let sent = 0;
  const limit = opt.window * receivers;
  const perNode = new Array(opt.ports.length).fill(0);
  mode.onEvent = (c) => {
    stats.count++;
    perNode[c.node]++;
    if ((sent - opt.window) * receivers < stats.count && running) {
      sent++;
      driver.send(trigger);
    }
  };
  let running = true;
  for (let k = 0; k < opt.window; k++) {
    sent++;
    driver.send(trigger);
  }
  const r = await measureWindow((a, b) => ({
    broadcastsPerSec: round((b.count - a.count) / receivers / ((b.t - a.t) / 1000), 1),
  }));
  running = false;
  return {
    unit: "deliveries/s",
    clients: clients.length,
    receivers,
    window: opt.window,
    limitInFlight: limit,
    ...(opt.ports.length > 1 ? { deliveriesPerNode: perNode } : {}),
    ...r,
  };
}

// -- main --

const scenario = scenarios[opt.scenario] ?? fail(`unknown scenario ${opt.scenario}`);
try {
  const result = await scenario();
  result.generator = { transport: opt.transport, runtime };
  process.stdout.write(`RESULT ${JSON.stringify(result)}\n`);
  process.exit(0);
} catch (err) {
  fail(String((err as Error)?.stack ?? err));
}
