/**
 * The operation matrix (see `../_fixtures/cluster_matrix.ts`) with
 * `socket.io-msgpack-parser` on every node and client: the official Redis
 * adapter hands each node the packet, which the node encodes with its own
 * parser (`server.encoder`), bytes and acknowledgements included. Webio on
 * Deno, webio on Bun and `socket.io` 4.8 on Node.
 */
import { clusterMatrixTests, OPERATIONS } from "../_fixtures/cluster_matrix.ts";

clusterMatrixTests("redis", OPERATIONS, "/", "msgpack");
