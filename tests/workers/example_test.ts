/**
 * examples/workers/: the chat Worker runs in workerd (through Miniflare) and
 * serves the official client: one Durable Object per room, and nicknames
 * that survive the object's eviction.
 */
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { io, type Socket as ClientSocket } from "socket.io-client";
import { startWorkerd, type WorkerdProcess } from "../_fixtures/workers_process.ts";
import { once } from "../_fixtures/io.ts";

let workerd: WorkerdProcess;
const clients: ClientSocket[] = [];

async function join(room: string, nick: string): Promise<ClientSocket> {
  const socket = io(workerd.url, {
    transports: ["websocket"],
    forceNew: true,
    reconnection: false,
    query: { room },
  });
  clients.push(socket);
  await once(socket, "connect", 15_000);
  await socket.timeout(10_000).emitWithAck("nick", nick);
  return socket;
}

before(async () => {
  workerd = await startWorkerd("examples/workers/worker.ts", "CHAT=ChatRoom");
});

after(async () => {
  for (const socket of clients) socket.disconnect();
  await workerd?.stop();
});

test("workers example: a room's object serves its members, and keeps nicknames across an eviction", async () => {
  const ada = await join("a", "ada");
  const bob = await join("a", "bob");
  const eve = await join("b", "eve");
  const eveHeard: unknown[][] = [];
  eve.on("said", (...args: unknown[]) => eveHeard.push(args));

  const heard = once<unknown[]>(bob, "said");
  ada.emit("say", "hi");
  assert.deepEqual((await heard).slice(0, 2), ["ada", "hi"]);

  await workerd.evict("ChatRoom", "room:a");
  const again = once<unknown[]>(ada, "said");
  bob.emit("say", "still here?");
  assert.deepEqual((await again).slice(0, 2), ["bob", "still here?"]);

  // Room b is another object: eve heard only her own room.
  const own = once<unknown[]>(eve, "said");
  eve.emit("say", "anyone?");
  assert.deepEqual((await own).slice(0, 2), ["eve", "anyone?"]);
  assert.deepEqual(eveHeard.map((args) => args.slice(0, 2)), [["eve", "anyone?"]]);
});
