/**
 * The official Postgres adapter (`@socket.io/postgres-adapter` on a pg Pool,
 * `LISTEN`/`NOTIFY`, binary through the `socket_io_attachments` table) runs
 * unchanged on webio: a cluster of webio on Deno, webio on Bun and `socket.io`
 * 4.8 on Node, every operation from every node to every node (see
 * `../_fixtures/cluster_matrix.ts`).
 */
import { clusterMatrixTests } from "../_fixtures/cluster_matrix.ts";

clusterMatrixTests("postgres");
