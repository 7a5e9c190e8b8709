/**
 * The official Redis adapter (`@socket.io/redis-adapter` `createAdapter`, on
 * node-redis 5 clients: pub and `pub.duplicate()` as sub) runs unchanged on
 * webio: a cluster of webio on Deno, webio on Bun and `socket.io` 4.8 on Node,
 * every operation from every node to every node (see
 * `../_fixtures/cluster_matrix.ts`).
 */
import { clusterMatrixTests } from "../_fixtures/cluster_matrix.ts";

clusterMatrixTests("redis");
