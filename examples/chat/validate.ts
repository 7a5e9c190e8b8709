/**
 * Input checks for everything a chat client sends. The server trusts none
 * of it: each function takes `unknown` and returns a clean value or
 * `undefined`.
 *
 * @module
 */

/** Longest nickname, in characters. */
export const MAX_NICKNAME = 24;
/** Longest room name, in characters. */
export const MAX_ROOM = 32;
/** Longest message, in characters. */
export const MAX_MESSAGE = 500;
/** Longest client-chosen message id. */
const MAX_CLIENT_ID = 64;

// Control characters and invisible formatting (bidi overrides, zero-width joiners).
const NAME_FORBIDDEN = /[\p{Cc}\p{Cf}]/u;
// Messages may keep newlines and tabs, nothing else invisible.
const TEXT_FORBIDDEN = /\p{Cf}|(?![\n\t])\p{Cc}/u;
const ROOM_SHAPE = /^[\p{L}\p{N}][\p{L}\p{N} _-]*$/u;
const CLIENT_ID_SHAPE = /^[A-Za-z0-9-]+$/;

function length(text: string): number {
  return [...text].length;
}

/** A nickname: 1 to 24 visible characters, inner spaces collapsed. */
export function cleanNickname(value: unknown): string | undefined {
  if (typeof value !== "string") return undefined;
  const name = value.trim().replace(/\s+/g, " ");
  if (name === "" || length(name) > MAX_NICKNAME || NAME_FORBIDDEN.test(name)) return undefined;
  return name;
}

/** A room name: 1 to 32 letters, digits, spaces, `-` or `_`, lower-cased. */
export function cleanRoom(value: unknown): string | undefined {
  if (typeof value !== "string") return undefined;
  const room = value.trim().replace(/\s+/g, " ").toLowerCase();
  if (length(room) > MAX_ROOM || !ROOM_SHAPE.test(room)) return undefined;
  return room;
}

/** Message text: 1 to 500 characters once trimmed. */
export function cleanText(value: unknown): string | undefined {
  if (typeof value !== "string") return undefined;
  const text = value.trim();
  if (text === "" || length(text) > MAX_MESSAGE || TEXT_FORBIDDEN.test(text)) return undefined;
  return text;
}

/** A client-chosen message id (used to drop resent duplicates). */
export function cleanClientId(value: unknown): string | undefined {
  if (typeof value !== "string") return undefined;
  if (value.length > MAX_CLIENT_ID || !CLIENT_ID_SHAPE.test(value)) return undefined;
  return value;
}

/** A list of room names, invalid ones dropped, at most `max`. */
export function cleanRoomList(value: unknown, max: number): string[] {
  if (!Array.isArray(value)) return [];
  const rooms = new Set<string>();
  for (const item of value.slice(0, max)) {
    const room = cleanRoom(item);
    if (room) rooms.add(room);
  }
  return [...rooms];
}
