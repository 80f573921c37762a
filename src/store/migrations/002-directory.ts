import { type Kysely, sql } from "kysely";

/**
 * The identity-center directory (Tencent "zone", Alibaba "directory"): users, groups, memberships,
 * and the provisionings that reference them. Listing is keyset-paged on (created_at, id) and
 * (joined_at, id), so each has an index in that order.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable("directories")
    .addColumn("directory_id", "text", (c) => c.primaryKey())
    .addColumn("org_id", "bigint", (c) => c.notNull().unique())
    .addColumn("name", "text", (c) => c.notNull().unique())
    .addColumn("scim_sync_status", "text", (c) => c.notNull())
    .addColumn("user_count", "bigint", (c) => c.notNull())
    .addColumn("group_count", "bigint", (c) => c.notNull())
    // Per-directory quota overrides; null falls back to the server's limits.
    .addColumn("user_quota", "bigint")
    .addColumn("group_quota", "bigint")
    .addColumn("group_member_quota", "bigint")
    .addColumn("user_group_quota", "bigint")
    .addColumn("created_at", "bigint", (c) => c.notNull())
    .addColumn("updated_at", "bigint", (c) => c.notNull())
    .execute();

  await db.schema
    .createTable("dir_users")
    .addColumn("user_id", "text", (c) => c.primaryKey())
    .addColumn("directory_id", "text", (c) => c.notNull())
    .addColumn("user_name", "text", (c) => c.notNull())
    .addColumn("first_name", "text", (c) => c.notNull())
    .addColumn("last_name", "text", (c) => c.notNull())
    .addColumn("display_name", "text", (c) => c.notNull())
    .addColumn("description", "text", (c) => c.notNull())
    .addColumn("email", "text", (c) => c.notNull())
    .addColumn("user_status", "text", (c) => c.notNull())
    .addColumn("user_type", "text", (c) => c.notNull())
    .addColumn("need_reset_password", "integer", (c) => c.notNull())
    .addColumn("password_hash", "text")
    .addColumn("created_at", "bigint", (c) => c.notNull())
    .addColumn("updated_at", "bigint", (c) => c.notNull())
    .execute();
  // Names and emails are unique without regard to case; an empty email is no email.
  await db.schema.createIndex("dir_users_name").on("dir_users").unique().columns(["directory_id"]).expression(sql`lower(user_name)`).execute();
  await sql`create unique index dir_users_email on dir_users (directory_id, lower(email)) where email <> ''`.execute(db);
  await db.schema.createIndex("dir_users_page").on("dir_users").columns(["directory_id", "created_at", "user_id"]).execute();

  await db.schema
    .createTable("dir_groups")
    .addColumn("group_id", "text", (c) => c.primaryKey())
    .addColumn("directory_id", "text", (c) => c.notNull())
    .addColumn("group_name", "text", (c) => c.notNull())
    .addColumn("description", "text", (c) => c.notNull())
    .addColumn("group_type", "text", (c) => c.notNull())
    .addColumn("member_count", "bigint", (c) => c.notNull())
    .addColumn("created_at", "bigint", (c) => c.notNull())
    .addColumn("updated_at", "bigint", (c) => c.notNull())
    .execute();
  await db.schema.createIndex("dir_groups_name").on("dir_groups").unique().columns(["directory_id"]).expression(sql`lower(group_name)`).execute();
  await db.schema.createIndex("dir_groups_page").on("dir_groups").columns(["directory_id", "created_at", "group_id"]).execute();

  await db.schema
    .createTable("dir_memberships")
    .addColumn("group_id", "text", (c) => c.notNull())
    .addColumn("user_id", "text", (c) => c.notNull())
    .addColumn("directory_id", "text", (c) => c.notNull())
    .addColumn("joined_at", "bigint", (c) => c.notNull())
    .addPrimaryKeyConstraint("dir_memberships_pk", ["group_id", "user_id"])
    .execute();
  await db.schema.createIndex("dir_memberships_group_page").on("dir_memberships").columns(["group_id", "joined_at", "user_id"]).execute();
  await db.schema.createIndex("dir_memberships_user_page").on("dir_memberships").columns(["user_id", "joined_at", "group_id"]).execute();

  // Provisionings: a principal (user or group) kept as sub-users in a target account.
  await db.schema
    .createTable("provisionings")
    .addColumn("provisioning_id", "text", (c) => c.primaryKey())
    .addColumn("directory_id", "text", (c) => c.notNull())
    .addColumn("principal_type", "text", (c) => c.notNull())
    .addColumn("principal_id", "text", (c) => c.notNull())
    .addColumn("target_type", "text", (c) => c.notNull())
    .addColumn("target_uin", "bigint", (c) => c.notNull())
    .addColumn("duplication_strategy", "text", (c) => c.notNull())
    .addColumn("deletion_strategy", "text", (c) => c.notNull())
    .addColumn("description", "text", (c) => c.notNull())
    .addColumn("status", "text", (c) => c.notNull())
    .addColumn("created_at", "bigint", (c) => c.notNull())
    .addColumn("updated_at", "bigint", (c) => c.notNull())
    .addUniqueConstraint("provisionings_principal_target", ["directory_id", "principal_type", "principal_id", "target_uin"])
    .execute();
  await db.schema.createIndex("provisionings_principal").on("provisionings").columns(["principal_id"]).execute();
  await db.schema.createIndex("provisionings_page").on("provisionings").columns(["directory_id", "created_at", "provisioning_id"]).execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const t of ["provisionings", "dir_memberships", "dir_groups", "dir_users", "directories"]) await db.schema.dropTable(t).execute();
}
