/**
 * A token bucket: `take()` succeeds at most `burst` times in a row, then
 * once every `1000 / perSecond` milliseconds.
 *
 * @module
 */

/** Allows bursts of `burst` events, refilled at `perSecond`. */
export class RateLimit {
  #tokens: number;
  #last = Date.now();
  #burst: number;
  #perMs: number;

  constructor(burst: number, perSecond: number) {
    this.#burst = burst;
    this.#tokens = burst;
    this.#perMs = perSecond / 1000;
  }

  /** Spends one token; false when none is left. */
  take(): boolean {
    const now = Date.now();
    this.#tokens = Math.min(this.#burst, this.#tokens + (now - this.#last) * this.#perMs);
    this.#last = now;
    if (this.#tokens < 1) return false;
    this.#tokens -= 1;
    return true;
  }
}
