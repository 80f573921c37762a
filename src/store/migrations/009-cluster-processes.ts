import type { Kysely } from "kysely";

/**
 * The serving processes on this database, one row each, renewed by a heartbeat: the rate limiter
 * divides each documented limit among the live ones (src/server/cluster.ts).
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable("cluster_processes")
    .addColumn("process_id", "text", (c) => c.primaryKey())
    .addColumn("started_at", "bigint", (c) => c.notNull())
    .addColumn("heartbeat_at", "bigint", (c) => c.notNull())
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable("cluster_processes").execute();
}
