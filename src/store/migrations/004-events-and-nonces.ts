import type { Kysely } from "kysely";

/**
 * Failed-sync events (one per provisioning and directory user that could not be converged: a
 * clash, a quota, a name the target rejects), the request-nonce ledger that stops replays, and
 * strategy spellings as clients sent them.
 */
export async function up(db: Kysely<any>): Promise<void> {
  // Strategies as the client spelled them (Terraform sends "Takeover" and expects it back); null: canonical.
  await db.schema.alterTable("provisionings").addColumn("duplication_spelling", "text").execute();
  await db.schema.alterTable("provisionings").addColumn("deletion_spelling", "text").execute();
  // Directory-wide settings for provisioned sub-users: console landing page and session length.
  await db.schema.alterTable("directories").addColumn("subuser_landing_page", "text").execute();
  await db.schema.alterTable("directories").addColumn("subuser_session_hours", "integer").execute();
  await db.schema.alterTable("directories").addColumn("subuser_settings_updated_at", "bigint").execute();
  // When a reconcile of the provisioning last finished (Alibaba's LatestAsyncTime).
  await db.schema.alterTable("provisionings").addColumn("reconciled_at", "bigint").execute();
  await db.schema
    .createTable("provisioning_events")
    .addColumn("event_id", "text", (c) => c.primaryKey())
    .addColumn("directory_id", "text", (c) => c.notNull())
    .addColumn("provisioning_id", "text", (c) => c.notNull())
    .addColumn("user_id", "text", (c) => c.notNull())
    .addColumn("target_uin", "bigint", (c) => c.notNull())
    /** What made the unit run: StartProvisioning, AddUserToGroup, … (neutral, shared by both clouds). */
    .addColumn("source_type", "text", (c) => c.notNull())
    /** Neutral failure class (name_clash, quota, name_invalid) and the human reason. */
    .addColumn("error_kind", "text", (c) => c.notNull())
    .addColumn("error_info", "text", (c) => c.notNull())
    .addColumn("error_count", "bigint", (c) => c.notNull())
    /** A retry's duplication strategy for this unit only; null uses the provisioning's. */
    .addColumn("duplication_override", "text")
    .addColumn("last_attempt_at", "bigint", (c) => c.notNull())
    .addColumn("created_at", "bigint", (c) => c.notNull())
    .addColumn("updated_at", "bigint", (c) => c.notNull())
    .execute();
  await db.schema.createIndex("provisioning_events_unit").on("provisioning_events").columns(["provisioning_id", "user_id"]).unique().execute();
  await db.schema.createIndex("provisioning_events_page").on("provisioning_events").columns(["directory_id", "created_at", "event_id"]).execute();
  await db.schema.createIndex("provisioning_events_target").on("provisioning_events").columns(["target_uin"]).execute();

  await db.schema
    .createTable("request_nonces")
    .addColumn("key_id", "text", (c) => c.notNull())
    .addColumn("nonce", "text", (c) => c.notNull())
    .addColumn("expires_at", "bigint", (c) => c.notNull())
    .addPrimaryKeyConstraint("request_nonces_pk", ["key_id", "nonce"])
    .execute();
  await db.schema.createIndex("request_nonces_expiry").on("request_nonces").columns(["expires_at"]).execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable("request_nonces").execute();
  await db.schema.dropTable("provisioning_events").execute();
  for (const c of ["subuser_settings_updated_at", "subuser_session_hours", "subuser_landing_page"]) await db.schema.alterTable("directories").dropColumn(c).execute();
  for (const c of ["reconciled_at", "deletion_spelling", "duplication_spelling"]) await db.schema.alterTable("provisionings").dropColumn(c).execute();
}
