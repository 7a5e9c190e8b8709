/**
 * The command-line options of the bench's orchestrators (`run.ts`,
 * `cluster.ts`): `--name`, `--name value`, `--name a,b,c`.
 */

/** Readers of `argv`'s options. */
export interface Args {
  /** Whether `--name` is given. */
  flag(name: string): boolean;
  /** The value after `--name`, or `fallback`. */
  value(name: string, fallback: string): string;
  /** The value after `--name`, or undefined. */
  value(name: string, fallback: undefined): string | undefined;
  /** The comma-separated values after `--name`, or `fallback`. */
  list(name: string, fallback: string[]): string[];
}

/**
 * Reads options from `argv` (default: this process's arguments).
 *
 * @example
 * ```ts
 * const { flag, value, list } = parseArgs(["--quick", "--repeat", "3", "--servers", "a,b"]);
 * flag("quick"); // true
 * value("repeat", "1"); // "3"
 * list("servers", []); // ["a", "b"]
 * ```
 */
export function parseArgs(argv: string[] = process.argv.slice(2)): Args {
  function value(name: string, fallback: string): string;
  function value(name: string, fallback: undefined): string | undefined;
  function value(name: string, fallback: string | undefined): string | undefined {
    const i = argv.indexOf(`--${name}`);
    return i >= 0 && argv[i + 1] !== undefined ? argv[i + 1] : fallback;
  }
  return {
    flag: (name) => argv.includes(`--${name}`),
    value,
    list(name, fallback) {
      const v = value(name, undefined);
      return v ? v.split(",").map((s) => s.trim()).filter(Boolean) : fallback;
    },
  };
}
