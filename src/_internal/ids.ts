/**
 * Random identifiers: the default Engine.IO session id and Socket.IO socket id.
 *
 * @module
 */

const ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
const ALPHABET_CODES = Array.from(ALPHABET, (c) => c.charCodeAt(0));
const ID_LENGTH = 20;
/** Random bytes for 256 ids at a time: one call into the runtime, not one per id. */
const randomPool = new Uint8Array(ID_LENGTH * 256);
let randomOffset = randomPool.length;
const idCodes: number[] = new Array(ID_LENGTH);

/**
 * The default session id: 20 url-safe random characters (120 bits).
 *
 * @example
 * ```ts
 * import { generateId } from "./ids.ts";
 * generateId().length; // 20
 * ```
 */
export function generateId(): string {
  if (randomOffset === randomPool.length) {
    crypto.getRandomValues(randomPool);
    randomOffset = 0;
  }
  for (let i = 0; i < ID_LENGTH; i++) idCodes[i] = ALPHABET_CODES[randomPool[randomOffset++] & 63];
  return String.fromCharCode.apply(null, idCodes);
}
