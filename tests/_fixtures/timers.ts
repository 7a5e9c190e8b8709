/**
 * Tracks the timers that code under `src/` starts, so a test can prove none
 * outlives a closed engine. Neither `deno test` (2.9) nor `bun test` fails a
 * `node:test` test that leaks a timer, so the tests check it themselves.
 * Installs itself on import; the wrappers are otherwise transparent.
 */

type Handle = ReturnType<typeof setTimeout>;

const active = new Map<unknown, string>();
const SOURCE = /\/src\/[^\s)]+\.ts/;

function origin(): string | undefined {
  const stack = new Error().stack ?? "";
  // The caller: the first frame outside this file and the runtime's own
  // code. A timer a package started (an official adapter's, called from
  // src/) is that package's, not webio's.
  for (const line of stack.split("\n").slice(2)) {
    if (line.includes("_fixtures/timers.ts") || /\b(ext|node):|native/.test(line)) continue;
    return SOURCE.test(line) && !/\/(tests|node_modules)\//.test(line) ? line.trim() : undefined;
  }
  return undefined;
}

const g = globalThis as unknown as Record<string, unknown> & { __webioTimers?: boolean };
if (!g.__webioTimers) {
  g.__webioTimers = true;
  const realSetTimeout = globalThis.setTimeout;
  const realClearTimeout = globalThis.clearTimeout;
  const realSetInterval = globalThis.setInterval;
  const realClearInterval = globalThis.clearInterval;

  g.setTimeout = (fn: (...args: unknown[]) => void, ms?: number, ...args: unknown[]) => {
    const where = origin();
    if (where === undefined) return realSetTimeout(fn, ms, ...args);
    const handle: Handle = realSetTimeout(
      (...a: unknown[]) => {
        active.delete(handle);
        fn(...a);
      },
      ms,
      ...args,
    );
    active.set(handle, where);
    return handle;
  };
  g.setInterval = (fn: (...args: unknown[]) => void, ms?: number, ...args: unknown[]) => {
    const where = origin();
    const handle = realSetInterval(fn, ms, ...args);
    if (where !== undefined) active.set(handle, where);
    return handle;
  };
  g.clearTimeout = (handle?: Handle) => {
    active.delete(handle);
    realClearTimeout(handle);
  };
  g.clearInterval = (handle?: Handle) => {
    active.delete(handle);
    realClearInterval(handle);
  };
}

/** Where each pending timer started by `src/` code was created. */
export function pendingSourceTimers(): string[] {
  return [...active.values()];
}

/**
 * Resolves once no timer started by `src/` is pending; rejects with their
 * origins if some remain after `graceMs` (short self-ending timers, such as
 * a drain check, get that long to finish).
 */
export async function assertNoSourceTimers(graceMs = 1000): Promise<void> {
  const start = Date.now();
  while (active.size > 0 && Date.now() - start < graceMs) {
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  if (active.size > 0) {
    throw new Error(`Timers still pending after close:\n  ${[...active.values()].join("\n  ")}`);
  }
}
