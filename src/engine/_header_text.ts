/**
 * Request headers kept as one string: what a session holds of its handshake
 * until `session.request` is read (a `Headers` object costs a few hundred
 * bytes per connection in JavaScriptCore, its text about half).
 *
 * @module
 */

/**
 * Packs headers as `name:value` lines. Names are tokens and values cannot
 * hold a line break, so the text splits back unambiguously.
 *
 * @example
 * ```ts
 * import { packHeaders } from "./_header_text.ts";
 * packHeaders(new Headers({ Host: "a", "X-Y": "1:2" })); // "host:a\nx-y:1:2"
 * ```
 */
export function packHeaders(headers: Headers): string {
  const lines: string[] = [];
  headers.forEach((value, name) => lines.push(name + ":" + value));
  return lines.join("\n");
}

/**
 * Unpacks what {@linkcode packHeaders} made.
 *
 * @example
 * ```ts
 * import { unpackHeaders } from "./_header_text.ts";
 * unpackHeaders("host:a\nx-y:1:2").get("x-y"); // "1:2"
 * ```
 */
export function unpackHeaders(text: string): Headers {
  const headers = new Headers();
  if (text === "") return headers;
  for (const line of text.split("\n")) {
    const colon = line.indexOf(":");
    headers.append(line.slice(0, colon), line.slice(colon + 1));
  }
  return headers;
}
