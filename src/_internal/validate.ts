/**
 * Checks of option values, with errors in the Deno std style that name the
 * option and the value given: `Cannot create server: pingInterval must be a
 * positive number, got "1000"`. A wrong type is a `TypeError`; a number out
 * of its range a `RangeError`.
 *
 * @module
 */

/** The longest delay a timer can wait (2^31 - 1 ms, about 24.8 days); longer ones fire at once. */
export const MAX_DELAY_MS = 2_147_483_647;

/**
 * A value as an error message shows it: strings quoted, numbers as written,
 * objects by kind.
 *
 * @example
 * ```ts
 * import { describeValue } from "./validate.ts";
 *
 * describeValue("1000"); // '"1000"'
 * describeValue(-1); // "-1"
 * describeValue([1]); // "an array"
 * ```
 */
export function describeValue(value: unknown): string {
  switch (typeof value) {
    case "string":
      return JSON.stringify(value.length > 60 ? value.slice(0, 60) + "..." : value);
    case "bigint":
      return `${value}n`;
    case "function":
      return "a function";
    case "symbol":
      return value.toString();
    case "object":
      if (value === null) return "null";
      if (Array.isArray(value)) return "an array";
      if (value instanceof RegExp) return String(value);
      return value.constructor?.name && value.constructor !== Object
        ? `a ${value.constructor.name}`
        : "an object";
    default:
      return String(value);
  }
}

/**
 * Checks of the options of one call (`context`, e.g. `"Cannot create
 * server"`): each method throws when the value is present (not `undefined`)
 * and wrong.
 *
 * @example
 * ```ts
 * import { OptionChecker } from "./validate.ts";
 *
 * const check = new OptionChecker("Cannot create server");
 * check.number("pingInterval", 25000, { min: 0, exclusive: true });
 * check.number("pingInterval", "1000"); // throws TypeError: Cannot create server: pingInterval must be a number, got "1000"
 * ```
 */
export class OptionChecker {
  #context: string;

  /** Checks whose errors start with `context`. */
  constructor(context: string) {
    this.#context = context;
  }

  /** A `TypeError` for `name`: it `must` be something, got `value`. */
  typeError(name: string, must: string, value: unknown): TypeError {
    return new TypeError(`${this.#context}: ${name} must be ${must}, got ${describeValue(value)}`);
  }

  /** A `RangeError` for `name`: it `must` be something, got `value`. */
  rangeError(name: string, must: string, value: unknown): RangeError {
    return new RangeError(`${this.#context}: ${name} must be ${must}, got ${describeValue(value)}`);
  }

  /**
   * A finite number; `min` (exclusive with `exclusive`), `max`, and
   * `integer` narrow it.
   */
  number(
    name: string,
    value: unknown,
    range: { min?: number; exclusive?: boolean; max?: number; integer?: boolean } = {},
  ): void {
    if (value === undefined) return;
    const { min, exclusive = false, max, integer = false } = range;
    const kind = integer
      ? (min === 0 && !exclusive ? "a non-negative integer" : "an integer")
      : min === 0
      ? (exclusive ? "a positive number" : "a non-negative number")
      : "a number";
    if (typeof value !== "number" || Number.isNaN(value)) throw this.typeError(name, kind, value);
    if (!Number.isFinite(value) || (integer && !Number.isInteger(value))) {
      throw this.rangeError(name, `${kind === "a number" ? "a finite number" : kind}`, value);
    }
    if (min !== undefined && (exclusive ? value <= min : value < min)) {
      throw this.rangeError(name, kind, value);
    }
    if (max !== undefined && value > max) throw this.rangeError(name, `at most ${max}`, value);
  }

  /** A delay in milliseconds: a positive number a timer can wait. */
  delay(name: string, value: unknown): void {
    this.number(name, value, { min: 0, exclusive: true, max: MAX_DELAY_MS });
  }

  /** A boolean. */
  boolean(name: string, value: unknown): void {
    if (value !== undefined && typeof value !== "boolean") {
      throw this.typeError(name, "a boolean", value);
    }
  }

  /** A string. */
  string(name: string, value: unknown): void {
    if (value !== undefined && typeof value !== "string") {
      throw this.typeError(name, "a string", value);
    }
  }

  /** A function. */
  function(name: string, value: unknown): void {
    if (value !== undefined && typeof value !== "function") {
      throw this.typeError(name, "a function", value);
    }
  }

  /** One of `allowed` (strings, or `true`/`false`). */
  oneOf(name: string, value: unknown, allowed: readonly (string | boolean)[]): void {
    if (value === undefined || allowed.includes(value as string | boolean)) return;
    const list = allowed.map((a) => typeof a === "string" ? `"${a}"` : String(a));
    const must = list.length === 1
      ? list[0]
      : `${list.slice(0, -1).join(", ")} or ${list[list.length - 1]}`;
    throw this.typeError(name, must, value);
  }

  /** A plain object (not an array, not null). */
  object(name: string, value: unknown): value is Record<string, unknown> | undefined {
    if (value === undefined) return true;
    if (typeof value !== "object" || value === null || Array.isArray(value)) {
      throw this.typeError(name, "an object", value);
    }
    return true;
  }

  /** A string, or an array of strings. */
  strings(name: string, value: unknown): void {
    if (value === undefined || typeof value === "string") return;
    if (!Array.isArray(value) || value.some((v) => typeof v !== "string")) {
      throw this.typeError(name, "a string or an array of strings", value);
    }
  }
}
