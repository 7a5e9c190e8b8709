/**
 * The operation matrix (see `../_fixtures/cluster_matrix.ts`) on the `/chat`
 * namespace rather than `/`: each namespace gets its own instance of the
 * official adapter, with its own channels (the sharded Redis adapter's
 * per-room channels, the Postgres adapter's `LISTEN` per namespace). Webio on
 * Deno, webio on Bun and `socket.io` 4.8 on Node, every operation through
 * the namespace's own methods (`nsp.emit`, `nsp.fetchSockets()`,
 * `nsp.serverSideEmitWithAck()`, ...).
 */
import { clusterMatrixTests, OPERATIONS } from "../_fixtures/cluster_matrix.ts";

clusterMatrixTests("redis-sharded", OPERATIONS, "/chat");
clusterMatrixTests("postgres", OPERATIONS, "/chat");
