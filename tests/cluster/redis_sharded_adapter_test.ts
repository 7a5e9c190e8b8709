/**
 * The official sharded Redis adapter (`createShardedAdapter`, Redis 7 sharded
 * pub/sub, `subscriptionMode: "dynamic"`: a channel per room) runs unchanged
 * on webio: a cluster of webio on Deno, webio on Bun and `socket.io` 4.8 on
 * Node, every operation from every node to every node (see
 * `../_fixtures/cluster_matrix.ts`).
 */
import { clusterMatrixTests } from "../_fixtures/cluster_matrix.ts";

clusterMatrixTests("redis-sharded");
