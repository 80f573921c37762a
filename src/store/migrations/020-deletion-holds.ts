import type { Kysely } from "kysely";

/**
 * The deletion circuit breaker (core/provisioning/breaker.ts): a provisioning's own threshold (null:
 * the server's), and the deletions a reconcile held instead of applying, one row per user, until an
 * administrator approves or rejects them (or a newer reconcile plans a different set).
 */
export async function up(db: Kysely<any>): Promise<void> {
  // JSON {"count":N,"percent":P}, or "off"; null: the server's threshold.
  await db.schema.alterTable("provisionings").addColumn("deletion_breaker", "text").execute();
  await db.schema
    .createTable("held_deletions")
    .addColumn("provisioning_id", "text", (c) => c.notNull())
    .addColumn("user_id", "text", (c) => c.notNull())
    .addColumn("directory_id", "text", (c) => c.notNull())
    .addColumn("target_uin", "bigint", (c) => c.notNull())
    .addColumn("sub_user_uin", "bigint", (c) => c.notNull())
    .addColumn("sub_user_name", "text", (c) => c.notNull())
    // One id per held set: an approval names the set it saw, so it cannot apply a set re-planned since.
    .addColumn("hold_id", "text", (c) => c.notNull())
    // null while held; "approved" or "rejected" once an administrator decided (applied by the next reconcile).
    .addColumn("decision", "text")
    .addColumn("held_at", "bigint", (c) => c.notNull())
    .addPrimaryKeyConstraint("held_deletions_pk", ["provisioning_id", "user_id"])
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable("held_deletions").execute();
  await db.schema.alterTable("provisionings").dropColumn("deletion_breaker").execute();
}
