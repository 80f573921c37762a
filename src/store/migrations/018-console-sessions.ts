import type { Kysely } from "kysely";

/**
 * Console sessions and one-time sign-in links (core/console-sessions.ts). Both are kept in the
 * database, so that every process serving a PostgreSQL store knows them, and both only as keyed
 * digests of their random tokens: a copy of the table signs nobody in.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable("console_sessions")
    .addColumn("session_digest", "text", (c) => c.primaryKey())
    .addColumn("account_uin", "bigint", (c) => c.notNull())
    .addColumn("principal_uin", "bigint", (c) => c.notNull())
    // The API key the session was opened with (null: a one-time link): disabling the key ends the session.
    .addColumn("secret_id", "text")
    .addColumn("created_at", "bigint", (c) => c.notNull())
    .addColumn("last_seen_at", "bigint", (c) => c.notNull())
    .addColumn("expires_at", "bigint", (c) => c.notNull())
    .execute();
  await db.schema.createIndex("console_sessions_expiry").on("console_sessions").columns(["expires_at"]).execute();
  await db.schema
    .createTable("console_links")
    .addColumn("link_digest", "text", (c) => c.primaryKey())
    .addColumn("account_uin", "bigint", (c) => c.notNull())
    .addColumn("created_at", "bigint", (c) => c.notNull())
    .addColumn("expires_at", "bigint", (c) => c.notNull())
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable("console_links").execute();
  await db.schema.dropTable("console_sessions").execute();
}
