/**
 * "Just enough" Socket.IO for the raw runtime servers, which stand for the
 * physical limit of each runtime: the same frames on the wire as a real
 * server for the bench's scenarios, with string checks instead of a parser
 * and no sessions, heartbeats, acks table or adapter.
 *
 * - WebSocket: `0{...}` on open; `40` -> `40{"sid"}`; `42["echo",..]` is sent
 *   back as is; `42N["echo-ack",x]` -> `43N[x]`; `42N["join",room]` -> `43N[]`;
 *   `42["bcast",x]` goes as is to every socket (one loop of `send`);
 *   `42["bcast-room",room,x]` -> `42["bcast",x]` to the room;
 *   `451-[...]` and the binary frame after it are sent back as they came.
 * - Polling: GET open -> `0{...}`, POST `40` -> `ok`, GET -> `40{"sid"}`.
 */

const OPEN = '0{"sid":"raw","upgrades":[],"pingInterval":25000,"pingTimeout":20000,' +
  '"maxPayload":1000000}';

let counter = 0;
const newId = () => (++counter).toString(36).padStart(20, "A");

/** What a binary message may be, as the runtime hands it over and takes it back. */
export type RawBinary = ArrayBuffer | Uint8Array;

/** A peer's state, kept in its `raw` slot. */
interface RawState {
  expectBinary: boolean;
  rooms: Set<RawPeer>[];
}

/** A server-side WebSocket of any runtime: `send`, and a slot for this module's state. */
export interface RawPeer {
  send(data: string | RawBinary): unknown;
  raw?: RawState;
}

/** A runtime's native pub/sub (Bun's `ws.subscribe` + `server.publish`). */
export interface RawPubSub<Peer extends RawPeer> {
  subscribe(peer: Peer, topic: string): void;
  publish(topic: string, data: string): void;
}

/** The WebSocket side of a raw server. */
export interface RawSockets<Peer extends RawPeer> {
  open(peer: Peer): void;
  message(peer: Peer, data: string | RawBinary): void;
  close(peer: Peer): void;
}

/**
 * The WebSocket side. `pubsub`, when given, does the fan-out instead of a
 * loop of `send`.
 */
export function rawSockets<Peer extends RawPeer>(pubsub?: RawPubSub<Peer>): RawSockets<Peer> {
  const all = new Set<RawPeer>();
  const rooms = new Map<string, Set<RawPeer>>();
  const ECHO = '42["echo",';
  const BCAST = '42["bcast",';
  const BCAST_ROOM = '42["bcast-room","';
  return {
    open(peer) {
      peer.raw = { expectBinary: false, rooms: [] };
      all.add(peer);
      pubsub?.subscribe(peer, "all");
      peer.send(OPEN);
    },
    message(peer, data) {
      const raw = peer.raw!;
      if (typeof data !== "string") {
        if (raw.expectBinary) {
          raw.expectBinary = false;
          peer.send(data);
        }
        return;
      }
      if (data.charCodeAt(0) !== 52) return; // pong and others
      const c1 = data.charCodeAt(1);
      if (c1 === 50) {
        if (data.charCodeAt(2) === 91) {
          if (data.startsWith(ECHO)) peer.send(data);
          else if (data.startsWith(BCAST)) { for (const p of all) p.send(data); }
          else if (data.startsWith(BCAST_ROOM)) {
            const end = data.indexOf('"', BCAST_ROOM.length);
            const members = rooms.get(data.slice(BCAST_ROOM.length, end));
            const out = BCAST + data.slice(end + 2);
            if (members) { for (const p of members) p.send(out); }
          }
          return;
        }
        const open = data.indexOf("[");
        const id = data.slice(2, open);
        if (data.startsWith('["echo-ack",', open)) {
          peer.send("43" + id + "[" + data.slice(open + 12));
        } else if (data.startsWith('["join","', open)) {
          const name = data.slice(open + 9, data.indexOf('"', open + 9));
          let members = rooms.get(name);
          if (!members) rooms.set(name, members = new Set());
          members.add(peer);
          raw.rooms.push(members);
          pubsub?.subscribe(peer, "room:" + name);
          peer.send("43" + id + "[]");
        }
      } else if (c1 === 53) {
        raw.expectBinary = true;
        peer.send(data);
      } else if (c1 === 48) {
        peer.send('40{"sid":"' + newId() + '"}');
      }
    },
    close(peer) {
      all.delete(peer);
      for (const members of peer.raw?.rooms ?? []) members.delete(peer);
    },
  };
}

const TEXT = { "content-type": "text/plain; charset=UTF-8" };

/** The polling side: a Web `Request` -> `Response`. */
export function rawPolling(): (request: Request) => Promise<Response> {
  const sessions = new Map<string, boolean>();
  return async (request) => {
    const url = new URL(request.url);
    const sid = url.searchParams.get("sid");
    if (!sid) {
      const id = newId();
      sessions.set(id, false);
      return new Response(OPEN.replace('"raw"', `"${id}"`), { headers: TEXT });
    }
    if (!sessions.has(sid)) return new Response("unknown sid", { status: 400 });
    if (request.method === "POST") {
      if ((await request.text()) === "40") sessions.set(sid, true);
      return new Response("ok", { headers: TEXT });
    }
    if (sessions.get(sid)) {
      sessions.set(sid, false);
      return new Response('40{"sid":"' + newId() + '"}', { headers: TEXT });
    }
    return new Response("6", { headers: TEXT });
  };
}
