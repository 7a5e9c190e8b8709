/**
 * The chat's Socket.IO events: nicknames, rooms, messages with
 * acknowledgements, typing notices. Every value from a client is checked
 * before use.
 *
 * @module
 */

import { RateLimit } from "./rate_limit.ts";
import { type ChatMessage, RoomDirectory, type RoomSummary } from "./rooms.ts";
import {
  cleanClientId,
  cleanNickname,
  cleanRoom,
  cleanRoomList,
  cleanText,
  MAX_MESSAGE,
  MAX_NICKNAME,
  MAX_ROOM,
} from "./validate.ts";
import type { Server } from "../../mod.ts";

/** Rooms that always exist. */
export const DEFAULT_ROOMS: string[] = ["general", "random"];
/** Most rooms one connection may be in. */
export const MAX_JOINED = 10;

/** What clients send. Arguments are `unknown`: they are checked, not trusted. */
export interface ClientEvents {
  join: (room: unknown, ack?: unknown) => void;
  leave: (room: unknown, ack?: unknown) => void;
  message: (message: unknown, ack?: unknown) => void;
  typing: (room: unknown) => void;
}

/** What the server sends. */
export interface ServerEvents {
  rooms: (rooms: RoomSummary[]) => void;
  members: (update: { room: string; members: string[] }) => void;
  message: (message: ChatMessage) => void;
  typing: (update: { room: string; nickname: string }) => void;
}

/** Per-connection data, set by the handshake check. */
export interface ChatSocketData {
  nickname: string;
}

/** The Socket.IO server of the chat. */
export type ChatServer = Server<
  ClientEvents,
  ServerEvents,
  Record<string, never>,
  ChatSocketData
>;

type Reply = { ok: true; [key: string]: unknown } | { ok: false; error: string };

function reply(ack: unknown, value: Reply): void {
  if (typeof ack === "function") ack(value);
}

/**
 * Installs the chat on `io`.
 *
 * @example
 * ```ts ignore
 * const io: ChatServer = new Server();
 * attachChat(io);
 * ```
 */
export function attachChat(
  io: ChatServer,
  rooms: RoomDirectory = new RoomDirectory({
    defaults: DEFAULT_ROOMS,
    maxRooms: 50,
    historySize: 50,
  }),
): void {
  let roomListQueued = false;
  const publishRoomList = () => {
    if (roomListQueued) return;
    roomListQueued = true;
    queueMicrotask(() => {
      roomListQueued = false;
      io.emit("rooms", rooms.list());
    });
  };
  const publishMembers = (room: string) => {
    io.to(room).emit("members", { room, members: rooms.members(room) });
  };

  io.use((socket, next) => {
    const nickname = cleanNickname(socket.handshake.auth.nickname);
    if (!nickname) {
      return next(new Error(`Invalid nickname: use 1 to ${MAX_NICKNAME} visible characters`));
    }
    socket.data = { nickname };
    next();
  });

  io.on("connection", (socket) => {
    const { nickname } = socket.data;
    const joined = new Set<string>();
    const messageLimit = new RateLimit(30, 3);
    const typingLimit = new RateLimit(5, 2);

    const join = (room: string): boolean => {
      if (joined.has(room)) return true;
      if (joined.size >= MAX_JOINED || !rooms.join(room, socket.id, nickname)) return false;
      joined.add(room);
      socket.join(room);
      publishMembers(room);
      publishRoomList();
      return true;
    };

    const leave = (room: string) => {
      if (!joined.delete(room)) return;
      rooms.leave(room, socket.id);
      socket.leave(room);
      publishMembers(room);
      publishRoomList();
    };

    // Rooms named in the handshake are joined before any buffered message
    // the client flushes on reconnect is read.
    for (const room of cleanRoomList(socket.handshake.auth.rooms, MAX_JOINED)) join(room);
    socket.emit("rooms", rooms.list());

    socket.on("join", (value, ack) => {
      const room = cleanRoom(value);
      if (!room) {
        return reply(ack, {
          ok: false,
          error: `Room names are 1 to ${MAX_ROOM} letters, digits, spaces, - or _`,
        });
      }
      if (!join(room)) {
        return reply(ack, { ok: false, error: "Cannot join: too many rooms" });
      }
      reply(ack, { ok: true, room, members: rooms.members(room), history: rooms.history(room) });
    });

    socket.on("leave", (value, ack) => {
      const room = cleanRoom(value);
      if (room) leave(room);
      reply(ack, { ok: true });
    });

    socket.on("message", (value, ack) => {
      const input = (typeof value === "object" && value !== null ? value : {}) as Record<
        string,
        unknown
      >;
      const room = cleanRoom(input.room);
      const text = cleanText(input.text);
      const clientId = cleanClientId(input.clientId);
      if (!room || !joined.has(room)) return reply(ack, { ok: false, error: "Not in that room" });
      if (!text) {
        return reply(ack, { ok: false, error: `Messages are 1 to ${MAX_MESSAGE} characters` });
      }
      if (!clientId) return reply(ack, { ok: false, error: "Invalid message id" });
      if (!messageLimit.take()) {
        return reply(ack, { ok: false, error: "Slow down: too many messages" });
      }
      const posted = rooms.post(room, nickname, text, clientId);
      if (!posted) return reply(ack, { ok: false, error: "Not in that room" });
      if (posted.fresh) socket.to(room).emit("message", posted.message);
      reply(ack, { ok: true, message: posted.message });
    });

    socket.on("typing", (value) => {
      const room = cleanRoom(value);
      if (!room || !joined.has(room) || !typingLimit.take()) return;
      socket.to(room).volatile.emit("typing", { room, nickname });
    });

    socket.on("disconnect", () => {
      for (const room of [...joined]) leave(room);
    });
  });
}
