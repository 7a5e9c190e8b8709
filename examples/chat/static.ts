/**
 * Serves the page in `public/` and, until the Server does, the Socket.IO
 * browser client. Runtime-neutral: the caller hands in a file reader
 * (`Deno.readFile`, or `Bun.file(url).bytes()`).
 *
 * @module
 */

/** Reads a whole file. */
export type ReadFile = (url: URL) => Promise<Uint8Array>;

const PUBLIC_DIR = new URL("./public/", import.meta.url);
/** Plain file names only: no folders, no dot-dot, no encoded tricks. */
const SAFE_NAME = /^[a-z0-9_-]+\.(html|js|css|svg)$/;
const TYPES: Record<string, string> = {
  html: "text/html; charset=utf-8",
  js: "text/javascript; charset=utf-8",
  css: "text/css; charset=utf-8",
  svg: "image/svg+xml",
};
const PAGE_POLICY = [
  "default-src 'self'",
  "img-src 'self' data:",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join("; ");

/**
 * A handler for GET and HEAD of `/` (index.html) and `/NAME.EXT` in public/.
 *
 * @example
 * ```ts ignore
 * const files = staticFiles(Deno.readFile);
 * Deno.serve((request) => files(request));
 * ```
 */
export function staticFiles(readFile: ReadFile): (request: Request) => Promise<Response> {
  return (request) => {
    const { pathname } = new URL(request.url);
    const name = pathname === "/" ? "index.html" : pathname.slice(1);
    if (!SAFE_NAME.test(name)) return Promise.resolve(text(404, "Not found"));
    return sendFile(request, readFile, new URL(name, PUBLIC_DIR));
  };
}

async function sendFile(request: Request, readFile: ReadFile, url: URL): Promise<Response> {
  if (request.method !== "GET" && request.method !== "HEAD") {
    return text(405, "Method not allowed", { allow: "GET, HEAD" });
  }
  let body: Uint8Array;
  try {
    body = await readFile(url);
  } catch {
    return text(404, "Not found");
  }
  const ext = url.pathname.slice(url.pathname.lastIndexOf(".") + 1);
  const headers: Record<string, string> = {
    "content-type": TYPES[ext] ?? "application/octet-stream",
    "content-length": String(body.byteLength),
    "cache-control": "no-cache",
    "x-content-type-options": "nosniff",
  };
  if (ext === "html") {
    headers["content-security-policy"] = PAGE_POLICY;
    headers["referrer-policy"] = "no-referrer";
  }
  return new Response(
    request.method === "HEAD" ? null : body as Uint8Array<ArrayBuffer>,
    { headers },
  );
}

function text(status: number, body: string, headers: Record<string, string> = {}): Response {
  return new Response(body, {
    status,
    headers: { "content-type": "text/plain; charset=utf-8", ...headers },
  });
}
