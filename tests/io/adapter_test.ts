/**
 * The in-memory adapter on its own, with fake sockets: room bookkeeping and
 * events, recipient selection, one encoding per broadcast, acks, and the
 * remote-socket helpers; and the broadcast operator over a scripted adapter.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import {
  type AckFn,
  Adapter,
  type AdapterNamespace,
  type AdapterSocket,
  type BroadcastOptions,
  type WriteOptions,
} from "../../src/io/adapter.ts";
import { BroadcastOperator } from "../../src/io/broadcast.ts";
import { type Packet, PacketType } from "../../src/parser/packet.ts";

interface Delivery {
  frames: readonly (string | Uint8Array)[];
  opts: WriteOptions;
  data: unknown[];
  ack?: { id: number; fn: AckFn };
}

class FakeSocket implements AdapterSocket {
  deliveries: Delivery[] = [];
  closedWith: boolean | undefined;
  forgotten: number[] = [];
  forgetAck(id: number): void {
    this.forgotten.push(id);
  }
  constructor(readonly id: string, readonly adapter: () => Adapter) {}
  deliver(
    frames: readonly (string | Uint8Array)[],
    opts: WriteOptions,
    data: unknown[],
    ack?: { id: number; fn: AckFn },
  ): void {
    this.deliveries.push({ frames, opts, data, ack });
  }
  join(rooms: string | string[]): void {
    this.adapter().addAll(this.id, new Set(Array.isArray(rooms) ? rooms : [rooms]));
  }
  leave(room: string): void {
    this.adapter().del(this.id, room);
  }
  disconnect(close?: boolean): void {
    this.closedWith = close;
    this.adapter().delAll(this.id);
  }
  // The official members (what socket.io-adapter's classes use); unused by webio's Adapter.
  get rooms(): Set<string> {
    return this.adapter().socketRooms(this.id) ?? new Set();
  }
  handshake = {};
  data = {};
  acks = new Map<number, AckFn>();
  notifyOutgoingListeners(): void {}
  client = { writeToEngine: () => {} };
}

/** An adapter over namespace `name` with sockets a, b, c in their own rooms. */
function setup(name = "/") {
  let ackId = 0;
  const sockets = new Map<string, FakeSocket>();
  const nsp: AdapterNamespace = {
    name,
    sockets,
    nextAckId: () => ackId++,
    get _ids() {
      return ackId;
    },
    set _ids(value: number) {
      ackId = value;
    },
    _onServerSideEmit: () => {},
  };
  const adapter = new Adapter(nsp);
  for (const id of ["a", "b", "c"]) {
    const socket = new FakeSocket(id, () => adapter);
    sockets.set(id, socket);
    socket.join(id);
  }
  const [a, b, c] = [...sockets.values()];
  return { adapter, sockets, a, b, c };
}

const event = (...data: unknown[]) => ({ type: PacketType.EVENT, nsp: "", data });
const names = (sockets: FakeSocket[]) =>
  sockets.filter((s) => s.deliveries.length).map((s) => s.id);

test("adapter: addAll, del and delAll keep rooms and sids in step and emit room events", () => {
  const { adapter } = setup();
  const events: string[] = [];
  adapter.on("create-room", (room) => events.push(`create ${room}`));
  adapter.on("join-room", (room, id) => events.push(`join ${room} ${id}`));
  adapter.on("leave-room", (room, id) => events.push(`leave ${room} ${id}`));
  adapter.on("delete-room", (room) => events.push(`delete ${room}`));

  adapter.addAll("a", new Set(["x", "y"]));
  adapter.addAll("b", new Set(["x"]));
  adapter.addAll("b", new Set(["x"])); // no change, no event
  assert.deepEqual(adapter.rooms.get("x"), new Set(["a", "b"]));
  assert.deepEqual(adapter.socketRooms("a"), new Set(["a", "x", "y"]));
  adapter.del("a", "x");
  adapter.del("a", "nowhere"); // no event
  adapter.delAll("b");
  adapter.delAll("zzz"); // unknown socket: nothing
  assert.deepEqual(events, [
    "create x",
    "join x a",
    "create y",
    "join y a",
    "join x b",
    "leave x a",
    "leave b b",
    "delete b",
    "leave x b",
    "delete x",
  ]);
  assert.equal(adapter.rooms.has("x"), false);
  assert.equal(adapter.sids.has("b"), false);
  assert.equal(adapter.socketRooms("b"), undefined);
});

test("adapter: own rooms made on demand look and behave as if made at once", () => {
  const { adapter, a, b, c } = setup(); // each socket joined only its own room
  // Selected by their own rooms, sent to or excluded, before anything made them.
  adapter.broadcast(event("m"), { rooms: new Set(["a", "c"]), except: new Set(["c"]) });
  assert.deepEqual(names([a, b, c]), ["a"]);
  adapter.broadcast(event("m"), { rooms: new Set(), except: new Set(["b"]) });
  assert.deepEqual(names([a, b, c]), ["a", "c"]);
  assert.equal(a.deliveries.length, 2);
  // A socket's rooms are live, as officially: a join shows in a set read before.
  const aRooms = adapter.socketRooms("a")!;
  assert.deepEqual(aRooms, new Set(["a"]));
  adapter.addAll("a", new Set(["x"]));
  assert.deepEqual(aRooms, new Set(["a", "x"]));
  // Leaving its own room leaves the others; broadcasts to it reach nobody.
  adapter.del("b", "b");
  assert.equal(adapter.socketRooms("b")?.size, 0);
  for (const s of [a, b, c]) s.deliveries = [];
  adapter.broadcast(event("m"), { rooms: new Set(["b"]) });
  assert.deepEqual(names([a, b, c]), []);
  adapter.delAll("c");
  assert.equal(adapter.socketRooms("c"), undefined);
  // What the maps show is what the official adapter would hold.
  assert.deepEqual(new Map(adapter.rooms), new Map([["a", new Set(["a"])], ["x", new Set(["a"])]]));
  assert.deepEqual(new Map(adapter.sids), new Map([["a", new Set(["a", "x"])], ["b", new Set()]]));
  // From now on own rooms are made at once.
  const d = new Set(["d"]);
  adapter.addAll("d", d);
  assert.deepEqual(adapter.rooms.get("d"), d);
});

test("adapter: a room event listener hears every own room from then on", () => {
  let ackId = 0;
  const sockets = new Map<string, FakeSocket>();
  const adapter = new Adapter({
    name: "/",
    sockets,
    nextAckId: () => ackId++,
    _ids: 0,
    _onServerSideEmit: () => {},
  });
  adapter.addAll("early", new Set(["early"]));
  const events: string[] = [];
  adapter.on("join-room", (room, id) => events.push(`join ${room} ${id}`));
  adapter.on("leave-room", (room, id) => events.push(`leave ${room} ${id}`));
  adapter.addAll("late", new Set(["late"]));
  adapter.delAll("early");
  adapter.delAll("late");
  assert.deepEqual(events, ["join late late", "leave early early", "leave late late"]);
});

test("adapter: broadcast selects by rooms and except, once per socket", () => {
  const { adapter, a, b, c } = setup();
  adapter.addAll("a", new Set(["r1"]));
  adapter.addAll("b", new Set(["r1", "r2"]));
  adapter.addAll("c", new Set(["r2"]));
  const cases: [Set<string>, Set<string> | undefined, string[]][] = [
    [new Set(), undefined, ["a", "b", "c"]],
    [new Set(["r1"]), undefined, ["a", "b"]],
    [new Set(["r1", "r2"]), undefined, ["a", "b", "c"]],
    [new Set(["r1", "r2"]), new Set(["a"]), ["b", "c"]],
    [new Set(), new Set(["r2"]), ["a"]],
    [new Set(["r2"]), new Set(["r1"]), ["c"]],
    [new Set(["nowhere"]), undefined, []],
    [new Set(["r1"]), new Set(["nowhere"]), ["a", "b"]],
  ];
  for (const [rooms, except, expected] of cases) {
    for (const s of [a, b, c]) s.deliveries = [];
    adapter.broadcast(event("m"), { rooms, except });
    assert.deepEqual(names([a, b, c]), expected, `to ${[...rooms]} except ${[...except ?? []]}`);
    for (const s of [a, b, c]) assert.ok(s.deliveries.length <= 1);
  }
});

test("adapter: a broadcast is encoded once, for its namespace, and carries the write flags", () => {
  const { adapter, a, b, c } = setup("/chat");
  const bytes = new Uint8Array([7, 8]);
  adapter.broadcast(event("file", bytes), {
    rooms: new Set(),
    flags: { volatile: true, compress: false },
  });
  const [first] = a.deliveries;
  assert.deepEqual(first.frames, ['51-/chat,["file",{"_placeholder":true,"num":0}]', bytes]);
  assert.deepEqual(first.opts, { volatile: true, compress: false });
  assert.deepEqual(first.data, ["file", bytes]);
  for (const s of [b, c]) {
    assert.equal(s.deliveries[0].frames, first.frames, "the very same frames array");
    assert.equal(s.deliveries[0].ack, undefined);
  }
});

test("adapter: broadcastWithAck counts clients and registers one ack id on each", () => {
  const { adapter, a, b, c } = setup();
  adapter.addAll("a", new Set(["r"]));
  adapter.addAll("b", new Set(["r"]));
  const counts: number[] = [];
  const answers: unknown[] = [];
  const ack = (answer: unknown) => answers.push(answer);
  adapter.broadcastWithAck(event("q"), { rooms: new Set(["r"]) }, (n) => counts.push(n), ack);
  adapter.broadcastWithAck(event("q"), { rooms: new Set(["none"]) }, (n) => counts.push(n), ack);
  assert.deepEqual(counts, [2, 0]);
  assert.equal(c.deliveries.length, 0);
  const [da, db] = [a.deliveries[0], b.deliveries[0]];
  assert.equal(da.frames, db.frames);
  assert.deepEqual(da.frames, ['20["q"]']);
  assert.deepEqual(da.ack, db.ack);
  assert.equal(da.ack?.id, 0);
  da.ack!.fn("from a");
  assert.deepEqual(answers, ["from a"]);
});

test("adapter: sockets, fetchSockets, addSockets, delSockets, disconnectSockets", async () => {
  const { adapter, a, b, c } = setup();
  adapter.addAll("a", new Set(["r1"]));
  adapter.addAll("b", new Set(["r1", "r2"]));
  assert.deepEqual(await adapter.sockets(new Set()), new Set(["a", "b", "c"]));
  assert.deepEqual(await adapter.sockets(new Set(["r1"])), new Set(["a", "b"]));
  const fetched = await adapter.fetchSockets({ rooms: new Set(["r1"]), except: new Set(["r2"]) });
  assert.deepEqual(fetched, [a]);

  adapter.addSockets({ rooms: new Set(["r1"]) }, ["j1", "j2"]);
  assert.deepEqual(adapter.rooms.get("j1"), new Set(["a", "b"]));
  adapter.delSockets({ rooms: new Set(), except: new Set(["r2"]) }, ["j1", "j2", "r1"]);
  assert.deepEqual(adapter.socketRooms("a"), new Set(["a"]));
  assert.deepEqual(adapter.socketRooms("b"), new Set(["b", "r1", "r2", "j1", "j2"]));

  adapter.disconnectSockets({ rooms: new Set(["r2"]) }, true);
  assert.equal(b.closedWith, true);
  assert.equal(a.closedWith, undefined);
  adapter.disconnectSockets({ rooms: new Set() }, false);
  assert.equal(a.closedWith, false);
  assert.equal(c.closedWith, false);
  assert.equal(adapter.rooms.size, 0);
  assert.equal(adapter.sids.size, 0);
});

test("adapter: one node answers serverSideEmit acks with no responses", async () => {
  const { adapter } = setup();
  assert.equal(await adapter.serverCount(), 1);
  adapter.serverSideEmit(["no ack", 1]); // nothing to answer, nothing thrown
  const answer = await new Promise((resolve) =>
    adapter.serverSideEmit(["ping", (err: Error | null, res: unknown[]) => resolve([err, res])])
  );
  assert.deepEqual(answer, [null, []]);
  await adapter.init();
  await adapter.close();
});

/** An adapter that records calls and answers acks as scripted. */
class ScriptedAdapter extends Adapter {
  calls: { packet: Packet; opts: BroadcastOptions }[] = [];
  clients = 0;
  answers: unknown[] = [];
  constructor() {
    super({
      name: "/",
      sockets: new Map(),
      nextAckId: () => 0,
      _ids: 0,
      _onServerSideEmit: () => {},
    });
  }
  override broadcast(packet: Packet, opts: BroadcastOptions): void {
    this.calls.push({ packet, opts });
  }
  override broadcastWithAck(
    packet: Packet,
    opts: BroadcastOptions,
    clientCount: (n: number) => void,
    ack: AckFn,
  ): void {
    this.calls.push({ packet, opts });
    clientCount(this.clients);
    for (const answer of this.answers) ack(answer);
  }
}

test("broadcast operator: modifiers return new operators and reach the adapter", () => {
  const adapter = new ScriptedAdapter();
  const base = new BroadcastOperator(adapter);
  const targeted = base.to("r1").to(["r2", "r3"]).in("r4").except("x").except(["y"]);
  const flagged = targeted.volatile.compress(false).local.timeout(1000);
  base.emit("plain");
  targeted.emit("targeted", 1);
  flagged.emit("flagged");
  const [plain, t, f] = adapter.calls;
  assert.deepEqual(plain.opts, { rooms: new Set(), except: new Set(), flags: {} });
  assert.deepEqual(plain.packet.data, ["plain"]);
  assert.deepEqual(t.opts.rooms, new Set(["r1", "r2", "r3", "r4"]));
  assert.deepEqual(t.opts.except, new Set(["x", "y"]));
  assert.deepEqual(t.opts.flags, {});
  assert.deepEqual(f.opts.flags, { volatile: true, compress: false, local: true, timeout: 1000 });
  assert.throws(() => base.emit("disconnect"), /"disconnect" is a reserved event name/);
});

test("broadcast operator: emitWithAck resolves with every answer, or rejects with those that came", async () => {
  const adapter = new ScriptedAdapter();
  const op = new BroadcastOperator(adapter);
  adapter.clients = 2;
  adapter.answers = ["a", "b"];
  assert.deepEqual(await op.timeout(1000).emitWithAck("q", 1), ["a", "b"]);
  assert.deepEqual(adapter.calls[0].packet.data, ["q", 1]);

  adapter.answers = ["a"]; // the second client never answers
  const err = await op.timeout(5).emitWithAck("q").then(
    () => assert.fail("should time out"),
    (e: Error & { responses?: unknown[] }) => e,
  );
  assert.equal(err.message, "operation has timed out");
  assert.deepEqual(err.responses, ["a"]);

  adapter.clients = 0; // nobody to ask: done at once, with no timeout needed
  adapter.answers = [];
  assert.deepEqual(await op.emitWithAck("q"), []);
  const viaCallback = await new Promise((resolve) =>
    op.timeout(1000).emit("q", (e: Error | null, r: unknown[]) => resolve([e, r]))
  );
  assert.deepEqual(viaCallback, [null, []]);
});

test("a broadcast ack that times out is forgotten by every targeted socket", async () => {
  const { adapter, sockets } = setup();
  const op = new BroadcastOperator(adapter).except("c");
  const err = await op.timeout(5).emitWithAck("q").then(
    () => assert.fail("nobody answers: should time out"),
    (e: Error) => e,
  );
  assert.equal(err.message, "operation has timed out");
  const id = sockets.get("a")!.deliveries[0].ack!.id;
  assert.deepEqual(sockets.get("a")!.forgotten, [id]);
  assert.deepEqual(sockets.get("b")!.forgotten, [id]);
  assert.deepEqual(sockets.get("c")!.forgotten, []);
});
