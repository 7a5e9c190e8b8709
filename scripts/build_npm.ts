/**
 * Builds the npm package into `dist/`: JavaScript and `.d.ts` for every
 * entry point of package.json's "exports" (`mod.ts`, `deno.ts`, `bun.ts`,
 * `hono.ts`, `node.ts`, `engine.ts`, `adapter.ts`, `workers.ts`), compiled by `tsc` from
 * the same sources JSR publishes. npm users get code that their own
 * `tsc` need not check (no `.ts` in node_modules, no `Deno` global outside
 * `dist/deno.d.ts`); Deno and JSR users keep the `.ts` through deno.json.
 *
 * The sources name the `Deno` global in `src/runtime/` only; `tsc` gets its
 * types from `deno types` for the build and nothing of them is emitted
 * except the `Deno.*` types in the Deno binding's declarations.
 *
 * Run: `npm run build` (also run by `npm pack` and CI).
 *
 * @module
 */

const root = new URL("../", import.meta.url);
const rootPath = decodeURIComponent(root.pathname);
const dist = new URL("dist/", root);

/** The entry points, as package.json's "exports" lists them. */
const pkg = JSON.parse(await Deno.readTextFile(new URL("package.json", root)));
const entries: string[] = Object.values(pkg.exports as Record<string, { default: string }>)
  .map((target) => target.default.replace(/^\.\/dist\//, "").replace(/\.js$/, ".ts"));

/** Runs a command, failing the build when it fails. */
async function run(cmd: string, args: string[]): Promise<string> {
  const out = await new Deno.Command(cmd, { args, cwd: rootPath, stderr: "inherit" }).output();
  const text = new TextDecoder().decode(out.stdout);
  if (!out.success) {
    console.error(text);
    throw new Error(`Cannot build: ${cmd} ${args.join(" ")} exited with ${out.code}`);
  }
  return text;
}

const tmp = await Deno.makeTempDir({ prefix: "webio_build_" });
try {
  await Deno.remove(dist, { recursive: true }).catch(() => {});
  // The Deno namespace, for src/runtime/deno.ts and its helpers.
  await Deno.writeTextFile(`${tmp}/lib.deno.d.ts`, await run(Deno.execPath(), ["types"]));
  // Bun's and Deno's `setImmediate`, used by the Bun binding.
  await Deno.writeTextFile(
    `${tmp}/globals.d.ts`,
    "declare function setImmediate(callback: () => void): unknown;\n",
  );
  const tsconfig = {
    compilerOptions: {
      target: "ES2022",
      module: "ESNext",
      moduleResolution: "bundler",
      lib: ["ES2023", "DOM", "DOM.Iterable"],
      types: [],
      strict: true,
      declaration: true,
      rewriteRelativeImportExtensions: true,
      rootDir: rootPath,
      outDir: decodeURIComponent(dist.pathname),
      skipLibCheck: true,
      noEmitOnError: true,
      newLine: "lf",
    },
    files: [
      `${tmp}/lib.deno.d.ts`,
      `${tmp}/globals.d.ts`,
      ...entries.map((entry) => rootPath + entry),
    ],
  };
  await Deno.writeTextFile(`${tmp}/tsconfig.json`, JSON.stringify(tsconfig, null, 2));
  await run(`${rootPath}node_modules/.bin/tsc`, ["-p", `${tmp}/tsconfig.json`]);
} finally {
  await Deno.remove(tmp, { recursive: true });
}

// `tsc` rewrites `.ts` specifiers in JavaScript only; do it for the
// declarations, so that every `moduleResolution` finds them.
const specifier = /((?:\bfrom|\bimport)\s*\(?\s*["'])(\.\.?\/[^"']+)\.ts(["'])/g;
let declarations = 0;
async function rewrite(dir: URL): Promise<void> {
  for await (const entry of Deno.readDir(dir)) {
    const url = new URL(entry.name + (entry.isDirectory ? "/" : ""), dir);
    if (entry.isDirectory) {
      await rewrite(url);
    } else if (entry.name.endsWith(".d.ts")) {
      const text = await Deno.readTextFile(url);
      await Deno.writeTextFile(url, text.replace(specifier, "$1$2.js$3"));
      declarations++;
    }
  }
}
await rewrite(dist);

for (const entry of entries) {
  for (const ext of [".js", ".d.ts"]) {
    const file = new URL(entry.replace(/\.ts$/, ext), dist);
    await Deno.stat(file).catch(() => {
      throw new Error(`Cannot build: ${file.pathname} was not emitted`);
    });
  }
}

// A Bun or Node user's `tsc` reads the declarations that the entry points
// they import reach: only the Deno entry point may reach the `Deno` global.
const importsOf = /(?:\bfrom|\bimport)\s*\(?\s*["'](\.\.?\/[^"']+)["']/g;
for (const entry of entries.filter((entry) => entry !== "deno.ts")) {
  const seen = new Set<string>();
  const queue = [new URL(entry.replace(/\.ts$/, ".d.ts"), dist).href];
  while (queue.length > 0) {
    const href = queue.pop()!;
    if (seen.has(href)) continue;
    seen.add(href);
    const code = (await Deno.readTextFile(new URL(href)))
      .replace(/\/\*[\s\S]*?\*\//g, "")
      .replace(/\/\/.*$/gm, "");
    if (/\bDeno\./.test(code)) {
      throw new Error(`Cannot build: dist/${entry} reaches ${href}, which names the Deno global`);
    }
    for (const m of code.matchAll(importsOf)) {
      queue.push(new URL(m[1].replace(/\.js$/, ".d.ts"), href).href);
    }
  }
}
console.log(`built dist/: ${entries.length} entry points, ${declarations} declaration files`);
