/**
 * What a child process prints, line by line, and a wait for a given line:
 * shared by the fixtures that start the examples and workerd.
 */
import type { ChildProcess } from "node:child_process";

/** The lines a child printed (stdout and stderr), and a wait for one. */
export interface PrintedLines {
  /** Everything printed so far, one entry per line. */
  readonly lines: string[];
  /** Resolves once the child has exited and its output has all been read. */
  readonly exited: Promise<void>;
  /**
   * The first line from index `from` on (default 0) that matches `match` (a
   * pattern, or a text the line contains); rejects after `timeoutMs`, or
   * when the child exits first.
   */
  waitFor(match: RegExp | string, timeoutMs: number, from?: number): Promise<string>;
}

interface Waiter {
  matches(line: string): boolean;
  resolve(line: string): void;
  reject(error: Error): void;
}

/**
 * Collects what `child` prints; `what` names it in errors ("example
 * echo.ts", "workerd").
 *
 * @example
 * ```ts ignore
 * const printed = printedLines(spawn("deno", ["run", "-A", "x.ts"]), "x.ts");
 * await printed.waitFor(/^listening on \d+$/, 20_000);
 * ```
 */
export function printedLines(child: ChildProcess, what: string): PrintedLines {
  const lines: string[] = [];
  const waiters = new Set<Waiter>();
  let buffered = "";
  const onData = (chunk: Uint8Array | string) => {
    buffered += chunk.toString();
    const parts = buffered.split("\n");
    buffered = parts.pop()!;
    for (const line of parts) {
      lines.push(line);
      for (const waiter of [...waiters]) if (waiter.matches(line)) waiter.resolve(line);
    }
  };
  child.stdout?.on("data", onData);
  child.stderr?.on("data", onData);
  let gone = false;
  const exitError = () => new Error(`${what} exited; it printed:\n${lines.join("\n")}`);
  // "close" rather than "exit": its last lines may come after "exit".
  const exited = new Promise<void>((resolve) => child.once("close", () => resolve()));
  exited.then(() => {
    gone = true;
    for (const waiter of [...waiters]) waiter.reject(exitError());
  });

  const waitFor = (match: RegExp | string, timeoutMs: number, from = 0): Promise<string> => {
    const matches = (line: string) =>
      typeof match === "string" ? line.includes(match) : match.test(line);
    const found = lines.slice(from).find(matches);
    if (found !== undefined) return Promise.resolve(found);
    if (gone) return Promise.reject(exitError());
    return new Promise((resolve, reject) => {
      const waiter: Waiter = {
        matches,
        resolve: (line) => {
          settle();
          resolve(line);
        },
        reject: (error) => {
          settle();
          reject(error);
        },
      };
      const timer = setTimeout(() => {
        waiter.reject(new Error(`${what} never printed ${match}; got:\n${lines.join("\n")}`));
      }, timeoutMs);
      const settle = () => {
        clearTimeout(timer);
        waiters.delete(waiter);
      };
      waiters.add(waiter);
    });
  };
  return { lines, exited, waitFor };
}
