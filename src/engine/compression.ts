/**
 * `httpCompression`: gzip or deflate of poll responses with the standard
 * `CompressionStream`.
 *
 * @module
 */

const encoder = new TextEncoder();

/** Picks `gzip` or `deflate` from an `Accept-Encoding` header. */
export function pickEncoding(acceptEncoding: string | null): "gzip" | "deflate" | undefined {
  if (!acceptEncoding) return undefined;
  const accepted = acceptEncoding.toLowerCase();
  if (/\bgzip\b/.test(accepted)) return "gzip";
  if (/\bdeflate\b/.test(accepted)) return "deflate";
  return undefined;
}

/**
 * Returns the body to send: the text itself, or a compressed stream when
 * the client accepts it and the text is at least `threshold` long (then
 * `Content-Encoding` is set on `headers`).
 *
 * @example
 * ```ts
 * import { compressBody } from "./compression.ts";
 * const headers = new Headers();
 * await compressBody("x".repeat(2048), "gzip", 1024, headers);
 * headers.get("content-encoding"); // "gzip"
 * ```
 */
export async function compressBody(
  text: string,
  acceptEncoding: string | null,
  threshold: number,
  headers: Headers,
): Promise<string | Uint8Array<ArrayBuffer>> {
  if (text.length < threshold) return text;
  const encoding = pickEncoding(acceptEncoding);
  if (!encoding) return text;
  const stream = new Blob([encoder.encode(text)]).stream().pipeThrough(
    new CompressionStream(encoding),
  );
  const compressed = new Uint8Array(await new Response(stream).arrayBuffer());
  headers.set("Content-Encoding", encoding);
  return compressed;
}
