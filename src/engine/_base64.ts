/**
 * Base64 for polling payloads, on Web APIs only (no Buffer).
 *
 * @module
 */

const CHUNK = 0x8000;

/**
 * Encodes bytes as standard base64.
 *
 * @example
 * ```ts
 * import { encodeBase64 } from "./_base64.ts";
 * encodeBase64(new Uint8Array([1, 2, 3, 4])); // "AQIDBA=="
 * ```
 */
export function encodeBase64(bytes: Uint8Array): string {
  let binary = "";
  for (let i = 0; i < bytes.length; i += CHUNK) {
    binary += String.fromCharCode.apply(
      null,
      bytes.subarray(i, i + CHUNK) as unknown as number[],
    );
  }
  return btoa(binary);
}

/**
 * Decodes standard base64; throws `TypeError` on invalid input.
 *
 * @example
 * ```ts
 * import { decodeBase64 } from "./_base64.ts";
 * decodeBase64("AQIDBA=="); // Uint8Array [1, 2, 3, 4]
 * ```
 */
export function decodeBase64(text: string): Uint8Array {
  let binary: string;
  try {
    binary = atob(text);
  } catch {
    throw new TypeError("Cannot decode base64: invalid character");
  }
  const out = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) out[i] = binary.charCodeAt(i);
  return out;
}
