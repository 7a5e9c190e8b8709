/**
 * Top functions by self time of a V8/JSC `.cpuprofile` (Chrome format, as
 * written by `deno --cpu-prof`, `bun --cpu-prof` and `node --cpu-prof`).
 *
 *   bun bench/lib/profile_top.ts FILE.cpuprofile [N]
 */
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

/** The repository's directory, with its trailing slash. */
const ROOT = fileURLToPath(new URL("../../", import.meta.url));

/** A profile's script URL or path, relative to the repository when inside it. */
function shortPath(url: string): string {
  const at = url.indexOf(ROOT);
  return at >= 0 ? url.slice(at + ROOT.length) : url;
}

/** One row of `topFunctions`. */
export interface TopFunction {
  name: string;
  /** `path:line` (relative to the repository when inside it). */
  where: string;
  selfMs: number;
  selfPct: number;
  totalPct: number;
}

/** The parts of a `.cpuprofile` read here. */
interface CpuProfile {
  nodes: {
    id: number;
    callFrame: { functionName: string; url: string; lineNumber: number };
    children?: number[];
  }[];
  samples: number[];
  timeDeltas?: number[];
}

/**
 * `[{ name, where, selfMs, selfPct, totalPct }]`, most self time first.
 * Percentages are of the busy time: `(idle)` samples are left out.
 */
export function topFunctions(file: string, n = 20): TopFunction[] {
  const profile: CpuProfile = JSON.parse(readFileSync(file, "utf8"));
  type ProfileNode = CpuProfile["nodes"][number];
  const nodes = new Map<number, ProfileNode>(profile.nodes.map((node) => [node.id, node]));
  const parent = new Map<number, number>();
  for (const node of profile.nodes) for (const c of node.children ?? []) parent.set(c, node.id);
  const selfUs = new Map<number, number>();
  const deltas = profile.timeDeltas ?? [];
  // Bun records no (idle) samples: the sample before an idle stretch would
  // absorb all of it. A sample counts for at most twice the usual interval.
  const sorted = deltas.filter((d) => d > 0).sort((a, b) => a - b);
  const cap = 2 * (sorted[sorted.length >> 1] ?? 1000);
  for (let i = 0; i < profile.samples.length; i++) {
    const id = profile.samples[i];
    const dt = Math.min(deltas[i + 1] ?? deltas[i] ?? 0, cap);
    selfUs.set(id, (selfUs.get(id) ?? 0) + dt);
  }
  let total = 0;
  for (const [id, us] of selfUs) {
    if (nodes.get(id)!.callFrame.functionName !== "(idle)") total += us;
  }
  total ||= 1;
  const byFn = new Map<string, number>();
  const inclusive = new Map<string, number>();
  const keyOf = (node: ProfileNode) => {
    const f = node.callFrame;
    return `${f.functionName || "(anonymous)"}|${f.url}|${f.lineNumber}`;
  };
  for (const [id, us] of selfUs) {
    const key = keyOf(nodes.get(id)!);
    byFn.set(key, (byFn.get(key) ?? 0) + us);
    // Inclusive time: credit each distinct function on the stack once.
    const seen = new Set<string>();
    for (let cur: number | undefined = id; cur !== undefined; cur = parent.get(cur)) {
      const k = keyOf(nodes.get(cur)!);
      if (seen.has(k)) continue;
      seen.add(k);
      inclusive.set(k, (inclusive.get(k) ?? 0) + us);
    }
  }
  return [...byFn.entries()]
    .filter(([key]) => !key.startsWith("(idle)|"))
    .sort((a, b) => b[1] - a[1])
    .slice(0, n)
    .map(([key, us]) => {
      const [name, url, line] = key.split("|");
      return {
        name,
        where: url ? `${shortPath(url)}:${Number(line) + 1}` : "",
        selfMs: Math.round(us / 1000),
        selfPct: Math.round((us / total) * 1000) / 10,
        totalPct: Math.round(((inclusive.get(key) ?? 0) / total) * 1000) / 10,
      };
    });
}

if (import.meta.main) {
  const rows = topFunctions(process.argv[2], Number(process.argv[3] ?? 20));
  for (const r of rows) {
    console.log(
      `${String(r.selfPct).padStart(5)}% self ${
        String(r.totalPct).padStart(5)
      }% total  ${r.name}  ${r.where}`,
    );
  }
}
