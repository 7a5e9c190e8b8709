/**
 * The official Redis Streams adapter (`@socket.io/redis-streams-adapter` on a
 * node-redis 5 client) runs unchanged on webio: a cluster of webio on Deno,
 * webio on Bun and `socket.io` 4.8 on Node, every operation from every node to
 * every node (see `../_fixtures/cluster_matrix.ts`).
 */
import { clusterMatrixTests } from "../_fixtures/cluster_matrix.ts";

clusterMatrixTests("redis-streams");
