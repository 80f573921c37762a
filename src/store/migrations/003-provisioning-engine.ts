import type { Kysely } from "kysely";

/**
 * The provisioning engine: which provisioning needs which user's sub-user in which account
 * (claims), the durable queue of dirty provisionings, and the tasks clients poll.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable("provisionings").addColumn("duplicate_suffix", "text", (c) => c.notNull().defaultTo("_cic")).execute();
  // Bumped by every change that affects the provisioning; a reconcile records the generation it saw.
  await db.schema.alterTable("provisionings").addColumn("generation", "bigint", (c) => c.notNull().defaultTo(0)).execute();
  await db.schema.alterTable("provisionings").addColumn("reconciled_generation", "bigint", (c) => c.notNull().defaultTo(0)).execute();
  await db.schema.alterTable("provisionings").addColumn("deleting", "integer", (c) => c.notNull().defaultTo(0)).execute();

  // The engine looks sub-users up by the directory user they represent, per account.
  await db.schema.createIndex("sub_users_directory_user").on("sub_users").columns(["account_uin", "directory_user_id"]).execute();

  await db.schema
    .createTable("provisioning_claims")
    .addColumn("provisioning_id", "text", (c) => c.notNull())
    .addColumn("user_id", "text", (c) => c.notNull())
    .addColumn("target_uin", "bigint", (c) => c.notNull())
    .addColumn("sub_user_uin", "bigint", (c) => c.notNull())
    .addColumn("created_at", "bigint", (c) => c.notNull())
    .addPrimaryKeyConstraint("provisioning_claims_pk", ["provisioning_id", "user_id"])
    .execute();
  await db.schema.createIndex("provisioning_claims_user_target").on("provisioning_claims").columns(["user_id", "target_uin"]).execute();

  await db.schema
    .createTable("reconcile_queue")
    .addColumn("provisioning_id", "text", (c) => c.primaryKey())
    .addColumn("not_before", "bigint", (c) => c.notNull())
    .addColumn("attempts", "integer", (c) => c.notNull())
    .addColumn("leased_until", "bigint")
    .addColumn("leased_by", "text")
    .execute();
  await db.schema.createIndex("reconcile_queue_due").on("reconcile_queue").columns(["not_before"]).execute();

  await db.schema
    .createTable("provisioning_tasks")
    .addColumn("task_id", "text", (c) => c.primaryKey())
    .addColumn("directory_id", "text", (c) => c.notNull())
    .addColumn("provisioning_id", "text", (c) => c.notNull())
    .addColumn("task_type", "text", (c) => c.notNull())
    .addColumn("status", "text", (c) => c.notNull())
    .addColumn("failure_reason", "text", (c) => c.notNull())
    /** The provisioning generation this task waits for. */
    .addColumn("generation", "bigint", (c) => c.notNull())
    .addColumn("principal_type", "text", (c) => c.notNull())
    .addColumn("principal_id", "text", (c) => c.notNull())
    .addColumn("principal_name", "text", (c) => c.notNull())
    .addColumn("target_type", "text", (c) => c.notNull())
    .addColumn("target_uin", "bigint", (c) => c.notNull())
    .addColumn("duplication_strategy", "text", (c) => c.notNull())
    .addColumn("deletion_strategy", "text", (c) => c.notNull())
    .addColumn("created_at", "bigint", (c) => c.notNull())
    .addColumn("updated_at", "bigint", (c) => c.notNull())
    .execute();
  await db.schema.createIndex("provisioning_tasks_provisioning").on("provisioning_tasks").columns(["provisioning_id", "status"]).execute();
  await db.schema.createIndex("provisioning_tasks_page").on("provisioning_tasks").columns(["directory_id", "created_at", "task_id"]).execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const t of ["provisioning_tasks", "reconcile_queue", "provisioning_claims"]) await db.schema.dropTable(t).execute();
  await db.schema.dropIndex("sub_users_directory_user").execute();
  for (const c of ["deleting", "reconciled_generation", "generation", "duplicate_suffix"]) await db.schema.alterTable("provisionings").dropColumn(c).execute();
}
