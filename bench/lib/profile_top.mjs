/**
 * Top functions by self time of a V8/JSC `.cpuprofile` (Chrome format, as
 * written by `deno --cpu-prof`, `bun --cpu-prof` and `node --cpu-prof`).
 *
 *   node bench/lib/profile_top.mjs FILE.cpuprofile [N]
 */
import { readFileSync } from "node:fs";

/**
 * `[{ name, where, selfMs, selfPct, totalPct }]`, most self time first.
 * Percentages are of the busy time: `(idle)` samples are left out.
 */
export function topFunctions(file, n = 20) {
  const profile = JSON.parse(readFileSync(file, "utf8"));
  const nodes = new Map(profile.nodes.map((node) => [node.id, node]));
  const parent = new Map();
  for (const node of profile.nodes) for (const c of node.children ?? []) parent.set(c, node.id);
  const selfUs = new Map();
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
    if (nodes.get(id).callFrame.functionName !== "(idle)") total += us;
  }
  total ||= 1;
  const byFn = new Map();
  const inclusive = new Map();
  const keyOf = (node) => {
    const f = node.callFrame;
    return `${f.functionName || "(anonymous)"}|${f.url}|${f.lineNumber}`;
  };
  for (const [id, us] of selfUs) {
    const node = nodes.get(id);
    const key = keyOf(node);
    byFn.set(key, (byFn.get(key) ?? 0) + us);
    // Inclusive time: credit each distinct function on the stack once.
    const seen = new Set();
    for (let cur = id; cur !== undefined; cur = parent.get(cur)) {
      const k = keyOf(nodes.get(cur));
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
        where: url ? `${url.replace(/^.*\/work\/main\//, "")}:${Number(line) + 1}` : "",
        selfMs: Math.round(us / 1000),
        selfPct: Math.round((us / total) * 1000) / 10,
        totalPct: Math.round(((inclusive.get(key) ?? 0) / total) * 1000) / 10,
      };
    });
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const rows = topFunctions(process.argv[2], Number(process.argv[3] ?? 20));
  for (const r of rows) {
    console.log(
      `${String(r.selfPct).padStart(5)}% self ${
        String(r.totalPct).padStart(5)
      }% total  ${r.name}  ${r.where}`,
    );
  }
}
