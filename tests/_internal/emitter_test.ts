/**
 * The internal typed emitter: one or many listeners per event, `once`,
 * removal, and errors kept from the caller.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { Emitter } from "../../src/_internal/emitter.ts";

type Events = {
  tick: (n: number) => void;
  many: (...args: number[]) => void;
};

class Clock extends Emitter<Events> {
  errors: [unknown, string][] = [];
  fire(n: number): boolean {
    return this.emitEvent("tick", n);
  }
  fireArgs(args: number[], start: number): boolean {
    return this.emitArgs("many", args, start);
  }
  protected override onListenerError(err: unknown, event: string): void {
    this.errors.push([err, event]);
  }
}

test("emitter: listeners run in order; off and once remove the right one", () => {
  const clock = new Clock();
  const seen: string[] = [];
  const a = (n: number) => seen.push(`a${n}`);
  const b = (n: number) => seen.push(`b${n}`);
  assert.equal(clock.fire(0), false);
  clock.on("tick", a);
  assert.equal(clock.listenerCount("tick"), 1);
  clock.fire(1);
  clock.once("tick", b);
  clock.on("tick", a);
  assert.equal(clock.listenerCount("tick"), 3);
  clock.fire(2);
  clock.fire(3);
  assert.deepEqual(seen, ["a1", "a2", "b2", "a2", "a3", "a3"]);
  clock.off("tick", a);
  assert.deepEqual(clock.listeners("tick"), [a]);
  clock.once("tick", b);
  clock.off("tick", b); // removes the once wrapper
  assert.deepEqual(clock.listeners("tick"), [a]);
  clock.off("tick", a);
  assert.equal(clock.listenerCount("tick"), 0);
  assert.equal(clock.fire(4), false);
  clock.on("tick", a).on("tick", b).removeAllListeners("tick");
  assert.equal(clock.fire(5), false);
  assert.deepEqual(seen, ["a1", "a2", "b2", "a2", "a3", "a3"]);
});

test("emitter: a listener added while emitting waits for the next emit, as in Node", () => {
  const clock = new Clock();
  const seen: string[] = [];
  clock.on("tick", (n) => {
    seen.push(`first${n}`);
    if (n === 1) clock.on("tick", (m) => seen.push(`late${m}`));
  });
  clock.fire(1);
  clock.fire(2);
  assert.deepEqual(seen, ["first1", "first2", "late2"]);
});

test("emitter: errors and rejections go to onListenerError, the others still run", async () => {
  const clock = new Clock();
  const seen: number[] = [];
  clock.on("tick", () => {
    throw new Error("sync");
  });
  clock.on("tick", () => Promise.reject(new Error("async")));
  clock.on("tick", (n) => seen.push(n));
  assert.equal(clock.fire(7), true);
  await new Promise((resolve) => setTimeout(resolve, 0));
  assert.deepEqual(seen, [7]);
  assert.deepEqual(clock.errors.map(([err, ev]) => [(err as Error).message, ev]), [
    ["sync", "tick"],
    ["async", "tick"],
  ]);
});

test("emitter: emitArgs passes the arguments from an index on, any count", () => {
  const clock = new Clock();
  const calls: number[][] = [];
  clock.on("many", (...args) => calls.push(args));
  for (let n = 0; n <= 5; n++) {
    const args = [-1, ...Array.from({ length: n }, (_, i) => i)];
    assert.equal(clock.fireArgs(args, 1), true);
  }
  assert.deepEqual(calls, [[], [0], [0, 1], [0, 1, 2], [0, 1, 2, 3], [0, 1, 2, 3, 4]]);
});

test("emitter: prependListener and prependOnceListener run before the others, as in Node", async () => {
  const clock = new Clock();
  const seen: string[] = [];
  const a = (n: number) => seen.push(`a${n}`);
  const b = (n: number) => seen.push(`b${n}`);
  const c = (n: number) => seen.push(`c${n}`);
  clock.prependListener("tick", a); // the first listener
  clock.on("tick", b);
  clock.prependListener("tick", c); // before a one-listener and a many-listener entry
  clock.prependOnceListener("tick", (n) => seen.push(`once${n}`));
  clock.fire(1);
  clock.fire(2);
  assert.deepEqual(seen, ["once1", "c1", "a1", "b1", "c2", "a2", "b2"]);
  assert.equal(clock.listenerCount("tick"), 3);
  const gone = (n: number) => seen.push(`gone${n}`);
  clock.prependOnceListener("tick", gone);
  clock.off("tick", gone); // found through its once wrapper
  assert.deepEqual(clock.listeners("tick"), [c, a, b]);
  clock.prependOnceListener("tick", () => Promise.reject(new Error("async once")));
  clock.fire(3);
  await Promise.resolve();
  assert.deepEqual(clock.errors.map(([err, ev]) => [(err as Error).message, ev]), [
    ["async once", "tick"],
  ]);
});
