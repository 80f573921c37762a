import type { Kysely } from "kysely";

/**
 * The nonce ledger of a store one process serves (SQLite): the process checks nonces in memory and
 * appends what it accepted here, in arrival order, so that a replay after a restart is still refused
 * (core/replay-guard.ts). Appends touch the end of the table and of the expiry index only, where the
 * (key, nonce) primary key of `request_nonces` (the ledger several processes share, on PostgreSQL)
 * takes a write at a random place per nonce.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable("request_nonce_log")
    .addColumn("seq", "integer", (c) => c.primaryKey())
    .addColumn("key_id", "text", (c) => c.notNull())
    .addColumn("nonce", "text", (c) => c.notNull())
    .addColumn("expires_at", "bigint", (c) => c.notNull())
    .execute();
  await db.schema.createIndex("request_nonce_log_expiry").on("request_nonce_log").columns(["expires_at"]).execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable("request_nonce_log").execute();
}
