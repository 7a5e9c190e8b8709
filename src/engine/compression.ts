/**
 * `httpCompression`: gzip or deflate of poll responses with the standard
 * `CompressionStream`.
 *
 * @module
 */

/** The encodings the server can produce, in order of preference. */
export type ContentEncoding = "gzip" | "deflate";

const SUPPORTED: readonly ContentEncoding[] = ["gzip", "deflate"];

/**
 * Picks `gzip` or `deflate` from an `Accept-Encoding` header, honouring
 * q-values and `*` as the `accepts` package does (`q=0` refuses). On equal
 * quality gzip wins.
 *
 * @example
 * ```ts
 * import { pickEncoding } from "./compression.ts";
 * pickEncoding("gzip, deflate"); // "gzip"
 * pickEncoding("gzip;q=0, deflate"); // "deflate"
 * pickEncoding("br"); // undefined
 * ```
 */
export function pickEncoding(acceptEncoding: string | null): ContentEncoding | undefined {
  if (!acceptEncoding) return undefined;
  const quality = new Map<string, number>();
  for (const part of acceptEncoding.toLowerCase().split(",")) {
    const [name, ...params] = part.trim().split(";");
    if (!name) continue;
    let q = 1;
    for (const param of params) {
      const [key, value] = param.trim().split("=");
      if (key === "q") q = Number(value);
    }
    if (Number.isNaN(q)) continue;
    if (!quality.has(name) || quality.get(name)! < q) quality.set(name, q);
  }
  let best: ContentEncoding | undefined;
  let bestQ = 0;
  for (const encoding of SUPPORTED) {
    const q = quality.get(encoding) ?? quality.get("*") ?? 0;
    if (q > bestQ) {
      best = encoding;
      bestQ = q;
    }
  }
  return best;
}

/**
 * Returns the body to send: `payload` itself, or its compressed bytes when
 * the client accepts gzip or deflate and the payload has at least
 * `threshold` bytes (then `Content-Encoding` is set on `headers`). Should
 * compression fail, the payload goes out as is.
 *
 * @example
 * ```ts
 * import { compressBody } from "./compression.ts";
 * const headers = new Headers();
 * await compressBody(new TextEncoder().encode("x".repeat(2048)), "gzip", 1024, headers);
 * headers.get("content-encoding"); // "gzip"
 * ```
 */
export async function compressBody(
  payload: Uint8Array<ArrayBuffer>,
  acceptEncoding: string | null,
  threshold: number,
  headers: Headers,
): Promise<Uint8Array<ArrayBuffer>> {
  if (payload.byteLength < threshold) return payload;
  const encoding = pickEncoding(acceptEncoding);
  if (!encoding) return payload;
  try {
    const stream = new Blob([payload]).stream().pipeThrough(new CompressionStream(encoding));
    const compressed = new Uint8Array(await new Response(stream).arrayBuffer());
    headers.set("Content-Encoding", encoding);
    return compressed;
  } catch {
    return payload;
  }
}
