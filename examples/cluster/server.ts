/**
 * One node of a webio cluster: a small chat whose nodes share their
 * broadcasts through Redis (`@socket.io/redis-adapter` on node-redis 5), meant
 * to run several times behind a load balancer with sticky sessions (see
 * examples/cluster/README.md, nginx.conf and haproxy.cfg).
 *
 * Run: `PORT=3001 NODE_NAME=a bun examples/cluster/server.ts`, or
 * `deno run -A examples/cluster/server.ts 3003 c` (port and name as arguments).
 *
 * Environment: `PORT` (default 3000), `NODE_NAME` (default `node-<port>`),
 * `REDIS_URL` (default `redis://127.0.0.1:6379`), `REDIS_KEY` (the adapter's
 * channel prefix, default `socket.io`: nodes with the same key form one cluster).
 *
 * @module
 */
import process from "node:process";
import { createClient } from "redis";
import { createAdapter } from "@socket.io/redis-adapter";
import { Server } from "../../mod.ts";

const port = Number(process.argv[2] ?? process.env.PORT ?? 3000);
const node = process.argv[3] ?? process.env.NODE_NAME ?? `node-${port}`;
const redisUrl = process.env.REDIS_URL ?? "redis://127.0.0.1:6379";
const key = process.env.REDIS_KEY ?? "socket.io";

// One client publishes, a second one (in subscriber mode) receives.
const pub = createClient({ url: redisUrl });
const sub = pub.duplicate();
pub.on("error", (err) => console.error(`[${node}] redis pub:`, err));
sub.on("error", (err) => console.error(`[${node}] redis sub:`, err));
await Promise.all([pub.connect(), sub.connect()]);

// `createAdapter` gives the adapter of each namespace (`nsp => new RedisAdapter(...)`).
const io = new Server(port, { adapter: createAdapter(pub, sub, { key }) });

io.on("connection", (socket) => {
  socket.join("chat");
  // Where this session lives: the same answer for its whole life when the
  // balancer is sticky.
  socket.emit("welcome", { node, id: socket.id });

  // `whoami` answers which node, and which transport, serve this session.
  socket.on("whoami", (ack) => {
    if (typeof ack === "function") {
      ack({ node, id: socket.id, transport: socket.conn.transport.name });
    }
  });

  // A chat message goes to every client of every node (the adapter publishes
  // it on Redis); the sender's acknowledgement names the node that relayed it.
  socket.on("message", (text, ack) => {
    io.emit("message", { text, from: socket.id, node });
    if (typeof ack === "function") ack({ node });
  });
});

let stopping = false;
async function stop(): Promise<void> {
  if (stopping) return;
  stopping = true;
  setTimeout(() => process.exit(1), 3000);
  await io.close();
  await Promise.allSettled([pub.quit(), sub.quit()]);
  process.exit(0);
}
process.on("SIGINT", stop);
process.on("SIGTERM", stop);

console.log(`listening on ${io.port} as ${node}`);
