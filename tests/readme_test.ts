/**
 * The README cannot drift from tested code: every `ts` block names an
 * example file on its first line and appears in that file verbatim (and the
 * file is exercised by a test); every npm script and deno task it names
 * exists; every repository path and in-page link it names resolves.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, readdirSync, readFileSync } from "node:fs";

const root = new URL("../", import.meta.url);
const read = (path: string) => readFileSync(new URL(path, root), "utf8").replaceAll("\r\n", "\n");
const readme = read("README.md");

/** A fenced code block of the README. */
interface Block {
  lang: string;
  body: string;
  /** 1-based line of the opening fence. */
  line: number;
}

function codeBlocks(markdown: string): Block[] {
  const blocks: Block[] = [];
  for (const m of markdown.matchAll(/^```([^\n`]*)\n([\s\S]*?)^```[ \t]*$/gm)) {
    const line = markdown.slice(0, m.index).split("\n").length;
    blocks.push({ lang: m[1].trim(), body: m[2], line });
  }
  return blocks;
}

const blocks = codeBlocks(readme);
/** The README without its code blocks. */
const prose = readme.replace(/^```[^\n`]*\n[\s\S]*?^```[ \t]*$/gm, "");
/** Inline code spans of the prose. */
const spans = [...prose.matchAll(/`([^`\n]+)`/g)].map((m) => m[1]);

/** Every test file's text but this one's. */
function testSources(dir = "tests/"): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(new URL(dir, root), { withFileTypes: true })) {
    const path = dir + entry.name;
    if (entry.isDirectory()) out.push(...testSources(path + "/"));
    else if (path.endsWith(".ts") && path !== "tests/readme_test.ts") out.push(read(path));
  }
  return out;
}

test("the README's code blocks are ts, sh or text, and it has ts and sh ones", () => {
  for (const block of blocks) {
    assert.ok(
      ["ts", "sh", "text"].includes(block.lang),
      `README.md:${block.line}: a \`${block.lang}\` block (use ts, sh or text)`,
    );
  }
  assert.ok(blocks.filter((b) => b.lang === "ts").length >= 5, "the README's ts blocks were found");
  assert.ok(blocks.some((b) => b.lang === "sh"), "the README's sh blocks were found");
});

test("every ts block of the README appears verbatim in the example file its first line names", () => {
  for (const block of blocks.filter((b) => b.lang === "ts")) {
    const [first, ...rest] = block.body.split("\n");
    const named = /^\/\/ (examples\/[\w./-]+\.ts)$/.exec(first.trim());
    assert.ok(named, `README.md:${block.line}: the first line must be "// examples/<file>.ts"`);
    const path = named[1];
    assert.ok(existsSync(new URL(path, root)), `README.md:${block.line}: ${path} does not exist`);
    const snippet = rest.join("\n").trim();
    assert.ok(snippet.length > 0, `README.md:${block.line}: an empty snippet`);
    assert.ok(
      read(path).includes(snippet),
      `README.md:${block.line}: the snippet is not in ${path} verbatim; copy it from the file`,
    );
  }
});

test("every example file the README quotes is exercised by a test", () => {
  const sources = testSources();
  const quoted = new Set(
    blocks.filter((b) => b.lang === "ts").map((b) => b.body.split("\n")[0].trim().slice(3)),
  );
  for (const path of quoted) {
    assert.ok(sources.some((s) => s.includes(path)), `no test under tests/ names ${path}`);
  }
});

test("the npm scripts and deno tasks the README names exist", () => {
  const scripts = Object.keys(JSON.parse(read("package.json")).scripts);
  const tasks = Object.keys(JSON.parse(read("deno.json")).tasks);
  const commands = [
    ...blocks.filter((b) => b.lang === "sh").flatMap((b) =>
      b.body.split("\n").map((line) => line.replace(/(^|\s)#.*$/, ""))
    ),
    ...spans,
  ];
  let named = 0;
  for (const command of commands) {
    for (const m of command.matchAll(/\bnpm (start|test|run ([\w:.-]+))\b/g)) {
      const script = m[2] ?? m[1];
      assert.ok(scripts.includes(script), `README names "npm ${m[1]}", not in package.json`);
      named++;
    }
    for (const m of command.matchAll(/\bdeno task ([\w:.-]+)/g)) {
      assert.ok(tasks.includes(m[1]), `README names "deno task ${m[1]}", not in deno.json`);
      named++;
    }
  }
  assert.ok(named >= 3, "the README's commands were found");
});

test("the repository paths the README names exist", () => {
  const paths = prose.match(/\b(?:examples|src|tests|scripts|bench|\.ci)\/[\w./-]*/g) ?? [];
  const layout = blocks.filter((b) => b.lang === "text").map((b) => b.body).join("\n");
  const shPaths = blocks.filter((b) => b.lang === "sh").map((b) => b.body).join("\n")
    .match(/\bexamples\/[\w./-]*/g) ?? [];
  assert.ok(paths.length > 10, "the README's paths were found");
  for (const path of [...paths, ...shPaths]) {
    const clean = path.replace(/[.,]+$/, "");
    assert.ok(existsSync(new URL(clean, root)), `README names ${clean}, which does not exist`);
  }
  // The layout's top-level entries exist.
  for (const m of layout.matchAll(/^([\w.]+\/?)\s/gm)) {
    assert.ok(existsSync(new URL(m[1], root)), `the layout names ${m[1]}, which does not exist`);
  }
});

test("the README's in-page links point at its headings", () => {
  const slugs = new Set(
    [...readme.matchAll(/^#+ (.+)$/gm)].map((m) =>
      m[1].toLowerCase().replace(/[^\w\- ]/g, "").replaceAll(" ", "-")
    ),
  );
  for (const m of prose.matchAll(/\]\(#([^)]+)\)/g)) {
    assert.ok(slugs.has(m[1]), `README links to #${m[1]}, which is no heading`);
  }
});
