/**
 * The shared heartbeat timer: nodes fire once each when due, in deadline
 * order per delay; moving or cancelling a node takes effect at once, even
 * from another node's callback; no runtime timer is left once nothing waits.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { assertNoSourceTimers } from "../_fixtures/timers.ts";
import { TimerNode, TimerQueue } from "../../src/_internal/timers.ts";
import { sleep } from "../_fixtures/engine.ts";

/** Resolves once `count` names are in `log`. */
async function until(log: string[], count: number): Promise<void> {
  for (let i = 0; i < 500 && log.length < count; i++) await sleep(5);
}

test("timer queue: nodes fire once each, earliest first, and no timer outlives them", async () => {
  const timers = new TimerQueue();
  const log: string[] = [];
  const node = (name: string) => new TimerNode({ onTimer: () => log.push(name) });
  const a = node("a");
  const b = node("b");
  const c = node("c");
  timers.schedule(a, 30);
  timers.schedule(b, 10);
  timers.schedule(c, 30);
  assert.equal(a.scheduled, true);
  await until(log, 3);
  assert.deepEqual(log, ["b", "a", "c"]);
  assert.equal(a.scheduled, false);
  await sleep(40);
  assert.deepEqual(log, ["b", "a", "c"], "nothing fires twice");
  await assertNoSourceTimers();
});

test("timer queue: rescheduling moves a node; cancelling the last one stops the timer", async () => {
  const timers = new TimerQueue();
  const log: string[] = [];
  const a = new TimerNode({ onTimer: () => log.push("a") });
  const b = new TimerNode({ onTimer: () => log.push("b") });
  timers.schedule(a, 5);
  timers.schedule(b, 20);
  timers.schedule(a, 40); // moved after b
  await until(log, 2);
  assert.deepEqual(log, ["b", "a"]);

  const c = new TimerNode({ onTimer: () => log.push("c") });
  timers.schedule(c, 10_000);
  timers.cancel(c);
  timers.cancel(c); // twice is harmless
  assert.equal(c.scheduled, false);
  await assertNoSourceTimers();
});

test("timer queue: a callback can cancel or move a node that is due in the same run", async () => {
  const timers = new TimerQueue();
  const log: string[] = [];
  const victim = new TimerNode({ onTimer: () => log.push("victim") });
  const moved = new TimerNode({ onTimer: () => log.push("moved") });
  const first = new TimerNode({
    onTimer: () => {
      log.push("first");
      timers.cancel(victim);
      timers.schedule(moved, 20);
    },
  });
  timers.schedule(first, 5);
  timers.schedule(victim, 5);
  timers.schedule(moved, 5);
  await until(log, 2);
  await sleep(30);
  assert.deepEqual(log, ["first", "moved"]);
  await assertNoSourceTimers();
});

test("timer queue: a throwing callback does not stop the others", async () => {
  const timers = new TimerQueue();
  const log: string[] = [];
  const errors: unknown[] = [];
  const original = console.error;
  console.error = (...args: unknown[]) => errors.push(args);
  try {
    const boom = {
      onTimer: () => {
        throw new Error("boom");
      },
    };
    timers.schedule(new TimerNode(boom), 5);
    timers.schedule(new TimerNode({ onTimer: () => log.push("after") }), 5);
    await until(log, 1);
  } finally {
    console.error = original;
  }
  assert.deepEqual(log, ["after"]);
  assert.equal(errors.length, 1);
  await assertNoSourceTimers();
});
