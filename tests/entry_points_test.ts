/**
 * The package's entry points: deno.json (JSR, the .ts) and package.json (npm,
 * the built JS and .d.ts) list the same subpaths; each root entry file only
 * re-exports; `mod.ts` holds the application's API and no runtime binding;
 * each runtime's entry point reaches no other runtime's binding. The built
 * package itself is checked by scripts/check_package.sh.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, readFileSync } from "node:fs";
import { dirname, join, normalize, relative } from "node:path";
import { fileURLToPath } from "node:url";

const root = normalize(join(dirname(fileURLToPath(import.meta.url)), ".."));
const read = (path: string) => readFileSync(join(root, path), "utf8");

const denoExports: Record<string, string> = JSON.parse(read("deno.json")).exports;
const pkg = JSON.parse(read("package.json"));
const npmExports: Record<string, { types: string; default: string }> = pkg.exports;

/** The code of a file without its comments. */
function code(path: string): string {
  return read(path).replace(/\/\*[\s\S]*?\*\//g, "").replace(/^\s*\/\/.*$/gm, "");
}

/** The relative specifiers a file imports or re-exports. */
function specifiers(path: string): string[] {
  return [...code(path).matchAll(/(?:from|import)\s*\(?\s*"(\.{1,2}\/[^"]+)"/g)].map((m) =>
    relative(root, normalize(join(dirname(join(root, path)), m[1])))
  );
}

/** Every file of the repository that `entry` reaches through its imports. */
function reach(entry: string): Set<string> {
  const seen = new Set<string>();
  const queue = [entry];
  while (queue.length > 0) {
    const file = queue.pop()!;
    if (seen.has(file)) continue;
    seen.add(file);
    queue.push(...specifiers(file));
  }
  return seen;
}

test("entry points: deno.json and package.json export the same subpaths", () => {
  assert.deepEqual(Object.keys(npmExports).sort(), Object.keys(denoExports).sort());
  for (const [subpath, file] of Object.entries(denoExports)) {
    assert.ok(existsSync(join(root, file)), `${subpath}: ${file} does not exist`);
    const base = file.replace(/^\.\//, "").replace(/\.ts$/, "");
    assert.deepEqual(npmExports[subpath], {
      types: `./dist/${base}.d.ts`,
      default: `./dist/${base}.js`,
    }, `${subpath}: npm gets the build of ${file}`);
  }
  assert.equal(denoExports["."], "./mod.ts");
  for (
    const subpath of ["./deno", "./bun", "./hono", "./node", "./engine", "./adapter", "./workers"]
  ) {
    assert.ok(subpath in denoExports, `${subpath} is exported`);
  }
});

test("entry points: npm gets the build only, never the .ts sources", () => {
  assert.deepEqual(pkg.files, ["dist/", "LICENSE", "README.md"]);
  assert.equal(pkg.types, "./dist/mod.d.ts");
  assert.equal(pkg.scripts.prepack, "npm run build", "npm pack builds dist/ first");
});

test("entry points: every root entry file only re-exports from src/", () => {
  for (const file of Object.values(denoExports)) {
    const statements = code(file).split(";").map((s) => s.trim()).filter(Boolean);
    assert.ok(statements.length > 0, `${file} exports something`);
    for (const statement of statements) {
      assert.match(statement, /^export (type )?\{[^}]*\} from "\.\/src\/[\w/]+\.ts"$/, file);
    }
    assert.match(read(file), /@module/, `${file} has a module doc`);
  }
});

test("entry points: mod.ts holds the application's API, and no binding", () => {
  const names = [...code("mod.ts").matchAll(/\{([^}]*)\}/g)]
    .flatMap((m) => m[1].split(","))
    .map((name) => name.replace(/\btype\b/, "").trim())
    .filter(Boolean);
  for (const name of ["Server", "Namespace", "Socket", "BroadcastOperator", "Adapter"]) {
    assert.ok(names.includes(name), `mod.ts exports ${name}`);
  }
  for (const name of ["ServerOptions", "EventsMap", "DefaultEventsMap", "DisconnectReason"]) {
    assert.ok(names.includes(name), `mod.ts exports the type ${name}`);
  }
  const bindings = names.filter((name) =>
    /^(deno|bun|hono|serve|Deno|Bun|Hono|Node|Conn|Engine|Client)[A-Z]?|Upgrader/.test(name)
  );
  assert.deepEqual(bindings, [], "bindings and engine pieces live in their own entry points");
  for (const target of specifiers("mod.ts")) {
    assert.ok(
      !target.startsWith("src/runtime/") && !target.startsWith("src/engine/"),
      `mod.ts re-exports from ${target}`,
    );
  }
});

test("entry points: a runtime's entry point reaches no other runtime's binding", () => {
  const deno = /^src\/runtime\/(deno|_deno_\w+)\.ts$/;
  const bun = /^src\/runtime\/(bun|_bun_\w+)\.ts$/;
  for (const file of reach("bun.ts")) assert.doesNotMatch(file, deno, `bun.ts reaches ${file}`);
  for (const file of reach("deno.ts")) assert.doesNotMatch(file, bun, `deno.ts reaches ${file}`);
  for (const file of reach("workers.ts")) {
    assert.doesNotMatch(file, deno, `workers.ts reaches ${file}`);
    assert.doesNotMatch(file, bun, `workers.ts reaches ${file}`);
  }
  for (const file of [...reach("adapter.ts"), ...reach("engine.ts")]) {
    assert.ok(!file.startsWith("src/runtime/") || file === "src/runtime/handler.ts", file);
  }
});
