/**
 * Options of the Socket.IO server, with the official names and defaults.
 *
 * @module
 */

import type { AdapterConstructor } from "./adapter.ts";
import type { EngineOptions } from "../engine/options.ts";

/** Options of `new Server(...)`: the engine's, plus the Socket.IO layer's. */
export interface ServerOptions extends EngineOptions {
  /** Where the protocol is served; default `"/socket.io"`. */
  path?: string;
  /** Serve the browser client at `<path>/socket.io.js`; default true. */
  serveClient?: boolean;
  /** The adapter class; default the in-memory {@linkcode Adapter}. */
  adapter?: AdapterConstructor;
  /** Milliseconds an engine connection may stay without joining a namespace; default 45000. */
  connectTimeout?: number;
  /** Remove dynamic child namespaces once their last socket leaves; default false. */
  cleanupEmptyChildNamespaces?: boolean;
  /** Largest number of binary attachments in one packet; default 10. */
  maxAttachments?: number;
}
