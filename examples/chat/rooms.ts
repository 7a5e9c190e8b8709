/**
 * The chat's state: which rooms exist, who is in each, and each room's
 * recent messages. Pure data, no sockets.
 *
 * @module
 */

/** A message as the server stores and sends it. */
export interface ChatMessage {
  /** Server-assigned, increasing. */
  id: number;
  /** The sender's own id for it, so a resend is recognised. */
  clientId: string;
  room: string;
  author: string;
  text: string;
  /** Milliseconds since the epoch, server clock. */
  time: number;
}

/** One entry of the room list. */
export interface RoomSummary {
  name: string;
  /** Distinct nicknames in the room. */
  online: number;
}

/** Limits of a {@linkcode RoomDirectory}. */
export interface RoomLimits {
  /** Rooms that always exist. */
  defaults: string[];
  /** Most rooms at once, defaults included. */
  maxRooms: number;
  /** Messages kept per room. */
  historySize: number;
}

interface Room {
  /** socket id -> nickname */
  members: Map<string, string>;
  history: ChatMessage[];
}

/** Rooms, their members and their recent history. */
export class RoomDirectory {
  #rooms = new Map<string, Room>();
  #limits: RoomLimits;
  #nextId = 1;

  constructor(limits: RoomLimits) {
    this.#limits = limits;
    for (const name of limits.defaults) this.#rooms.set(name, newRoom());
  }

  /** Adds a member, creating the room if there is space. False when full. */
  join(name: string, socketId: string, nickname: string): boolean {
    let room = this.#rooms.get(name);
    if (!room) {
      if (this.#rooms.size >= this.#limits.maxRooms) return false;
      room = newRoom();
      this.#rooms.set(name, room);
    }
    room.members.set(socketId, nickname);
    return true;
  }

  /** Removes a member; an empty room that is not a default one goes away. */
  leave(name: string, socketId: string): void {
    const room = this.#rooms.get(name);
    if (!room) return;
    room.members.delete(socketId);
    if (room.members.size === 0 && !this.#limits.defaults.includes(name)) {
      this.#rooms.delete(name);
    }
  }

  /** Whether `socketId` is in room `name`. */
  isMember(name: string, socketId: string): boolean {
    return this.#rooms.get(name)?.members.has(socketId) ?? false;
  }

  /** The distinct nicknames in a room, sorted. */
  members(name: string): string[] {
    const room = this.#rooms.get(name);
    if (!room) return [];
    return [...new Set(room.members.values())].sort((a, b) => a.localeCompare(b));
  }

  /** Every room with its head count, defaults first, then by name. */
  list(): RoomSummary[] {
    const { defaults } = this.#limits;
    return [...this.#rooms.keys()]
      .sort((a, b) => rank(defaults, a) - rank(defaults, b) || a.localeCompare(b))
      .map((name) => ({ name, online: this.members(name).length }));
  }

  /** The room's recent messages, oldest first. */
  history(name: string): ChatMessage[] {
    return [...(this.#rooms.get(name)?.history ?? [])];
  }

  /**
   * Stores a message. Returns it with `fresh: false` when the same author
   * already posted this `clientId` (a resend after a lost ack).
   */
  post(
    name: string,
    author: string,
    text: string,
    clientId: string,
  ): { message: ChatMessage; fresh: boolean } | undefined {
    const room = this.#rooms.get(name);
    if (!room) return undefined;
    const earlier = room.history.find((m) => m.clientId === clientId && m.author === author);
    if (earlier) return { message: earlier, fresh: false };
    const message = { id: this.#nextId++, clientId, room: name, author, text, time: Date.now() };
    room.history.push(message);
    if (room.history.length > this.#limits.historySize) room.history.shift();
    return { message, fresh: true };
  }
}

function newRoom(): Room {
  return { members: new Map(), history: [] };
}

function rank(defaults: string[], name: string): number {
  const index = defaults.indexOf(name);
  return index === -1 ? defaults.length : index;
}
