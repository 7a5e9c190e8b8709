/**
 * Binary detection helpers shared by the encoder and decoder.
 *
 * @module
 */

/**
 * How deep the encoder and decoder will walk into nested arrays and objects
 * while looking for binary values or placeholders.
 *
 * @example
 * ```ts
 * import { MAX_DEPTH } from "./_binary.ts";
 *
 * console.log(MAX_DEPTH); // 1000
 * ```
 */
export const MAX_DEPTH = 1000;

/**
 * Whether a value is binary: an `ArrayBuffer`, any typed array or a `DataView`.
 *
 * @example
 * ```ts
 * import { isBinary } from "./_binary.ts";
 *
 * console.log(isBinary(new Int16Array(2))); // true
 * console.log(isBinary([1, 2])); // false
 * ```
 */
export function isBinary(value: unknown): value is ArrayBuffer | ArrayBufferView {
  return value instanceof ArrayBuffer || ArrayBuffer.isView(value);
}

/**
 * Whether binary values occur anywhere in `value`, looking through arrays,
 * own enumerable properties and `toJSON` results as `JSON.stringify` would.
 *
 * @throws {RangeError} When `value` is nested deeper than `maxDepth`, or is cyclic.
 *
 * @example
 * ```ts
 * import { hasBinary } from "./_binary.ts";
 *
 * console.log(hasBinary(["file", { bytes: new Uint8Array(3) }])); // true
 * console.log(hasBinary(["text", { n: 1 }])); // false
 * ```
 */
export function hasBinary(value: unknown, maxDepth: number = MAX_DEPTH): boolean {
  if (typeof value !== "object" || value === null) return false;
  // Most payloads are arrays of primitives and flat objects: no walk needed.
  if (maxDepth >= 2 && Array.isArray(value)) {
    const flat = flatBinary(value);
    if (flat !== undefined) return flat;
  }
  return walk(value, maxDepth, false, new Set());
}

/**
 * Whether the elements of `array` (primitives, flat arrays, flat plain
 * objects) hold a binary value; `undefined` when deeper structures, `toJSON`
 * or anything else unusual needs the full walk. Two levels cannot hold a
 * cycle that the walk would have refused: one needs an object at level two.
 */
function flatBinary(array: unknown[]): boolean | undefined {
  for (let i = 0; i < array.length; i++) {
    const value = array[i];
    if (typeof value !== "object" || value === null) continue;
    if (isBinary(value)) return true;
    if (Array.isArray(value)) {
      for (let j = 0; j < value.length; j++) {
        const inner = value[j];
        if (typeof inner === "object" && inner !== null) return undefined;
      }
      continue;
    }
    if (Object.getPrototypeOf(value) !== Object.prototype || "toJSON" in value) return undefined;
    const record = value as Record<string, unknown>;
    for (const key in record) {
      const inner = record[key];
      if (typeof inner === "object" && inner !== null) return undefined;
    }
  }
  return false;
}

/**
 * `ancestors` holds the objects on the current path: meeting one again is a
 * cycle, refused at once (a walk bounded by depth alone would take time
 * exponential in the number of back references).
 */
function walk(value: unknown, depth: number, viaToJSON: boolean, ancestors: Set<object>): boolean {
  if (typeof value !== "object" || value === null) return false;
  if (depth < 0) {
    throw new RangeError("Cannot encode packet: data is nested too deeply");
  }
  if (isBinary(value)) return true;
  if (value instanceof Date) return false;
  if (ancestors.has(value)) throw new RangeError("Cannot encode packet: data is cyclic");
  ancestors.add(value);
  try {
    if (Array.isArray(value)) {
      for (let i = 0; i < value.length; i++) {
        if (walk(value[i], depth - 1, false, ancestors)) return true;
      }
      return false;
    }
    const toJSON = (value as { toJSON?: unknown }).toJSON;
    if (typeof toJSON === "function" && !viaToJSON) {
      const json: unknown = toJSON.call(value);
      if (json !== value) return walk(json, depth, true, ancestors);
    }
    const record = value as Record<string, unknown>;
    for (const key in record) {
      if (Object.hasOwn(record, key) && walk(record[key], depth - 1, false, ancestors)) {
        return true;
      }
    }
    return false;
  } finally {
    ancestors.delete(value);
  }
}

/**
 * A `Uint8Array` over exactly the bytes of a binary value, without copying.
 *
 * @example
 * ```ts
 * import { toBytes } from "./_binary.ts";
 *
 * const words = new Uint16Array([1, 2, 3]);
 * console.log(toBytes(words.subarray(1)).byteLength); // 4
 * ```
 */
export function toBytes(value: ArrayBuffer | ArrayBufferView): Uint8Array {
  if (value instanceof ArrayBuffer) return new Uint8Array(value);
  if (value.constructor === Uint8Array) return value as Uint8Array;
  return new Uint8Array(value.buffer, value.byteOffset, value.byteLength);
}
