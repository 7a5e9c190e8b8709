/**
 * The rate-limited log of contained errors (`src/_internal/error_log.ts`), on a
 * clock the test moves by hand.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import {
  ERROR_INTERVAL_MS,
  ErrorLog,
  ERRORS_PER_INTERVAL,
  flushErrors,
  logError,
} from "../../src/_internal/error_log.ts";

/** What `console.error` was given while `fn` ran, one string per call. */
function captured(fn: () => void): string[] {
  const lines: string[] = [];
  const original = console.error;
  console.error = (...args: unknown[]) => lines.push(args.map(String).join(" "));
  try {
    fn();
  } finally {
    console.error = original;
  }
  return lines;
}

test("error log: the first errors of an interval are logged, the rest counted once", () => {
  let now = 1000;
  const log = new ErrorLog("connection abc", () => now);
  const lines = captured(() => {
    for (let i = 0; i < 1000; i++) log.report("webio: handler threw:", new Error(`boom ${i}`));
  });
  assert.equal(lines.length, ERRORS_PER_INTERVAL);
  assert.deepEqual(lines, [0, 1, 2, 3, 4].map((i) => `webio: handler threw: Error: boom ${i}`));
  assert.deepEqual(captured(() => log.flush()), [
    `webio: ${1000 - ERRORS_PER_INTERVAL} more errors of connection abc were not logged ` +
    `(at most ${ERRORS_PER_INTERVAL} are logged per minute)`,
  ]);
  assert.deepEqual(captured(() => log.flush()), [], "a count is logged once");

  // Within the same interval the budget stays spent; the next one starts afresh.
  now += ERROR_INTERVAL_MS - 1;
  assert.deepEqual(captured(() => log.report("late", 1)), []);
  now += 1;
  assert.deepEqual(captured(() => log.report("next", 2)), [
    "webio: 1 more error of connection abc was not logged " +
    `(at most ${ERRORS_PER_INTERVAL} are logged per minute)`,
    "next 2",
  ]);
});

test("error log: each owner has its own budget", () => {
  const [a, b] = [{}, {}];
  const lines = captured(() => {
    for (let i = 0; i < 100; i++) logError(a, "connection a", "a threw:", i);
    logError(b, "connection b", "b threw:", 0);
    flushErrors(a);
    flushErrors(b);
    flushErrors({});
  });
  assert.equal(lines.filter((line) => line.startsWith("a threw:")).length, ERRORS_PER_INTERVAL);
  assert.deepEqual(lines.filter((line) => !line.startsWith("a threw:")), [
    "b threw: 0",
    `webio: ${100 - ERRORS_PER_INTERVAL} more errors of connection a were not logged ` +
    `(at most ${ERRORS_PER_INTERVAL} are logged per minute)`,
  ]);
});
