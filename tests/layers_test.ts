/**
 * The house has one direction: each folder of `src/` imports only from the
 * floors below it (runtime bindings and the Socket.IO layer are siblings that
 * never import each other), and no files import each other in a circle, not
 * even for types. See ../shared/DESIGN.md.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, normalize, relative } from "node:path";
import { fileURLToPath } from "node:url";

const root = normalize(join(dirname(fileURLToPath(import.meta.url)), ".."));

/** What each floor may import, by folder under src/ ("" is src/ itself: the composition). */
const MAY_IMPORT: Record<string, string[]> = {
  _internal: ["_internal"],
  client_dist: ["client_dist"],
  parser: ["_internal", "parser"],
  engine: ["_internal", "engine"],
  io: ["_internal", "parser", "engine", "io", "client_dist"],
  runtime: ["_internal", "engine", "runtime"],
  "": ["_internal", "parser", "engine", "io", "runtime", "client_dist", ""],
};

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sourceFiles(path);
    return path.endsWith(".ts") ? [path] : [];
  });
}

/** The files of src/ each file imports (static, dynamic and type-only imports). */
function importGraph(): Map<string, string[]> {
  const graph = new Map<string, string[]>();
  const specifier = /(?:from|import)\s*\(?\s*"(\.{1,2}\/[^"]+)"/g;
  for (const file of sourceFiles(join(root, "src"))) {
    const text = readFileSync(file, "utf8")
      // Examples in JSDoc are not imports of the module.
      .replace(/\/\*\*[\s\S]*?\*\//g, "");
    const targets = [...text.matchAll(specifier)].map((m) => normalize(join(dirname(file), m[1])));
    graph.set(relative(root, file), targets.map((t) => relative(root, t)));
  }
  return graph;
}

function floorOf(path: string): string {
  const parts = path.split("/"); // src/<floor>/file.ts or src/file.ts
  return parts.length > 2 ? parts[1] : "";
}

test("layers: every file of src/ imports only from its own floor or the floors below", () => {
  const upward: string[] = [];
  for (const [file, targets] of importGraph()) {
    const allowed = MAY_IMPORT[floorOf(file)];
    assert.ok(allowed, `${file} is in a folder the house does not know`);
    for (const target of targets) {
      if (!target.startsWith("src/")) upward.push(`${file} -> ${target} (outside src/)`);
      else if (!allowed.includes(floorOf(target))) upward.push(`${file} -> ${target}`);
    }
  }
  assert.deepEqual(upward, [], `imports against the direction of the house:\n${upward.join("\n")}`);
});

test("layers: no files of src/ import each other in a circle", () => {
  const graph = importGraph();
  const circles: string[] = [];
  const state = new Map<string, "visiting" | "done">();
  const path: string[] = [];
  const visit = (file: string) => {
    if (state.get(file) === "done") return;
    if (state.get(file) === "visiting") {
      circles.push([...path.slice(path.indexOf(file)), file].join(" -> "));
      return;
    }
    state.set(file, "visiting");
    path.push(file);
    for (const target of graph.get(file) ?? []) visit(target);
    path.pop();
    state.set(file, "done");
  };
  for (const file of graph.keys()) visit(file);
  assert.deepEqual(circles, [], `circles:\n${circles.join("\n")}`);
});

test("layers: the check sees a planted upward import and a planted circle", () => {
  // The rules themselves, on a made-up graph, so the tests above cannot pass vacuously.
  assert.ok(!MAY_IMPORT.engine.includes(floorOf("src/io/socket.ts")));
  assert.ok(!MAY_IMPORT.runtime.includes(floorOf("src/io/server.ts")));
  assert.ok(!MAY_IMPORT.io.includes(floorOf("src/runtime/deno.ts")));
  assert.ok(importGraph().size > 50, "the graph covers src/");
});
