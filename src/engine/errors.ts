/**
 * The fixed Engine.IO error codes and their HTTP answers.
 *
 * @module
 */

/** Error codes of the official server, by name. */
export const EngineErrorCode = {
  UNKNOWN_TRANSPORT: 0,
  UNKNOWN_SID: 1,
  BAD_HANDSHAKE_METHOD: 2,
  BAD_REQUEST: 3,
  FORBIDDEN: 4,
  UNSUPPORTED_PROTOCOL_VERSION: 5,
} as const;

/** One of the error codes 0 to 5. */
export type EngineErrorCode = typeof EngineErrorCode[keyof typeof EngineErrorCode];

/** The official message of each code. */
export const ENGINE_ERROR_MESSAGES: readonly string[] = [
  "Transport unknown",
  "Session ID unknown",
  "Bad handshake method",
  "Bad request",
  "Forbidden",
  "Unsupported protocol version",
];

/** What `connection_error` listeners receive. */
export interface EngineConnectionError {
  /** The request that was refused. */
  req: Request;
  /** The error code. */
  code: EngineErrorCode;
  /** The error message. */
  message: string;
  /** Details, e.g. `{ sid }` or `{ transport }`. */
  context: Record<string, unknown>;
}

/**
 * The HTTP answer to a refused request: 403 for code 4, else 400, with
 * `{"code":N,"message":"..."}` as the official server writes it.
 *
 * @example
 * ```ts
 * import { errorResponse } from "./errors.ts";
 * errorResponse(1).status; // 400
 * errorResponse(4, "Thou shall not pass").status; // 403
 * ```
 */
export function errorResponse(
  code: EngineErrorCode,
  message: string = ENGINE_ERROR_MESSAGES[code],
  headers?: Headers,
): Response {
  const h = headers ?? new Headers();
  h.set("Content-Type", "application/json");
  return new Response(JSON.stringify({ code, message }), {
    status: code === EngineErrorCode.FORBIDDEN ? 403 : 400,
    headers: h,
  });
}

/**
 * The answer to a refused WebSocket upgrade request. The official server
 * writes `400 Bad Request` with the message as `text/html` for every code
 * (a WebSocket client sees only that the handshake failed).
 *
 * @example
 * ```ts
 * import { upgradeErrorResponse } from "./errors.ts";
 * upgradeErrorResponse(1).status; // 400
 * ```
 */
export function upgradeErrorResponse(
  code: EngineErrorCode,
  message: string = ENGINE_ERROR_MESSAGES[code],
): Response {
  return new Response(message, {
    status: 400,
    headers: { "Content-Type": "text/html" },
  });
}
