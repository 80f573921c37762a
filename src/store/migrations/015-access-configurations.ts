import type { Kysely } from "kysely";

/**
 * Access by roles, first half: permission configurations (Tencent role configurations `rc-`, Alibaba
 * access configurations `ac-`, one row each) and the policies they hold (system policies from the
 * catalogue, and the one inline/custom document). `name_key` is the lower-cased name: a name is unique
 * per directory without regard to case, because the role it becomes in a member account is
 * (`TencentCloudSSO-<name>`, `AliyunReservedSSO-<name>`; RAM spells role ARNs in lower case).
 * Assignments and deployments come with their own tables in a later migration.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable("access_configurations")
    .addColumn("configuration_id", "text", (c) => c.primaryKey())
    .addColumn("directory_id", "text", (c) => c.notNull())
    .addColumn("name", "text", (c) => c.notNull())
    .addColumn("name_key", "text", (c) => c.notNull())
    .addColumn("description", "text", (c) => c.notNull())
    .addColumn("session_duration", "integer", (c) => c.notNull())
    .addColumn("relay_state", "text", (c) => c.notNull())
    .addColumn("created_at", "bigint", (c) => c.notNull())
    .addColumn("updated_at", "bigint", (c) => c.notNull())
    .execute();
  await db.schema.createIndex("access_configurations_name").on("access_configurations").columns(["directory_id", "name_key"]).unique().execute();
  await db.schema.createIndex("access_configurations_directory").on("access_configurations").columns(["directory_id", "created_at", "configuration_id"]).execute();

  await db.schema
    .createTable("access_configuration_policies")
    .addColumn("configuration_id", "text", (c) => c.notNull())
    .addColumn("policy_type", "text", (c) => c.notNull())
    .addColumn("policy_name", "text", (c) => c.notNull())
    .addColumn("grammar", "text", (c) => c.notNull())
    .addColumn("policy_id", "bigint")
    .addColumn("document", "text")
    .addColumn("added_at", "bigint", (c) => c.notNull())
    .addPrimaryKeyConstraint("access_configuration_policies_pk", ["configuration_id", "policy_type", "policy_name"])
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable("access_configuration_policies").execute();
  await db.schema.dropTable("access_configurations").execute();
}
