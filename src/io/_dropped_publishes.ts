/**
 * A guard for the official `@socket.io/redis-adapter` (8.x): its classic
 * adapter calls `pubClient.publish()` for every broadcast and request and
 * drops the promise, so when Redis goes away the client's rejections are
 * unhandled and end the process (on Node as well). webio cannot see those
 * promises, so it gives each one a handler where they are made: the client's
 * `publish`, wrapped once. The caller still gets the same promise (an
 * awaited publish still rejects); a dropped one is logged, not fatal.
 *
 * @module
 */

const GUARDED = Symbol.for("webio.droppedPublishesGuarded");

interface Publisher {
  publish?: unknown;
  [GUARDED]?: true;
}

/**
 * Wraps `adapter.pubClient.publish` (when the adapter has one) so that every
 * promise it returns has a rejection handler, `report`. Idempotent per
 * client; does nothing for any other adapter.
 *
 * @example
 * ```ts
 * import { guardDroppedPublishes } from "./_dropped_publishes.ts";
 *
 * const pubClient = { publish: () => Promise.reject(new Error("Socket closed")) };
 * guardDroppedPublishes({ pubClient }, (err) => console.error("publish failed:", err));
 * pubClient.publish(); // logged by the handler, not an unhandled rejection
 * ```
 */
export function guardDroppedPublishes(adapter: object, report: (err: unknown) => void): void {
  const client = (adapter as { pubClient?: unknown }).pubClient as Publisher | undefined;
  if (typeof client !== "object" || client === null || client[GUARDED]) return;
  const publish = client.publish;
  if (typeof publish !== "function") return;
  const guarded = function (this: unknown, ...args: unknown[]): unknown {
    const result = publish.apply(this, args);
    if (typeof (result as Promise<unknown> | undefined)?.then === "function") {
      (result as Promise<unknown>).then(undefined, report);
    }
    return result;
  };
  Object.defineProperty(client, "publish", { value: guarded, configurable: true, writable: true });
  Object.defineProperty(client, GUARDED, { value: true });
}
