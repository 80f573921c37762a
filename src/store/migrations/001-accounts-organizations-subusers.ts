import type { Kysely } from "kysely";

/** Where the id sequences start (the emulator's reset puts them back here). */
export const INITIAL_SEQUENCES: readonly { name: string; value: number }[] = [
  { name: "uin", value: 100000000000 },
  { name: "uid", value: 1000000 },
  { name: "org_id", value: 10000 },
  { name: "node_id", value: 100000 },
];

// Column types are chosen to mean the same on SQLite and PostgreSQL:
// "bigint" has INTEGER affinity in SQLite and is int8 in PostgreSQL.
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable("meta")
    .addColumn("key", "text", (c) => c.primaryKey())
    .addColumn("value", "text", (c) => c.notNull())
    .execute();

  await db.schema
    .createTable("sequences")
    .addColumn("name", "text", (c) => c.primaryKey())
    .addColumn("value", "bigint", (c) => c.notNull())
    .execute();
  await db.insertInto("sequences").values(INITIAL_SEQUENCES.map((s) => ({ ...s }))).execute();

  await db.schema
    .createTable("accounts")
    .addColumn("uin", "bigint", (c) => c.primaryKey())
    .addColumn("name", "text", (c) => c.notNull())
    .addColumn("kind", "text", (c) => c.notNull())
    .addColumn("created_by_org", "bigint")
    .addColumn("created_at", "bigint", (c) => c.notNull())
    .execute();

  await db.schema
    .createTable("credentials")
    .addColumn("secret_id", "text", (c) => c.primaryKey())
    .addColumn("account_uin", "bigint", (c) => c.notNull())
    .addColumn("subject_uin", "bigint", (c) => c.notNull())
    .addColumn("secret_key_enc", "text", (c) => c.notNull())
    .addColumn("status", "text", (c) => c.notNull())
    .addColumn("created_at", "bigint", (c) => c.notNull())
    .execute();
  await db.schema.createIndex("credentials_subject").on("credentials").column("subject_uin").execute();

  await db.schema
    .createTable("organizations")
    .addColumn("org_id", "bigint", (c) => c.primaryKey())
    .addColumn("manager_uin", "bigint", (c) => c.notNull().unique())
    .addColumn("root_node_id", "bigint", (c) => c.notNull())
    .addColumn("created_at", "bigint", (c) => c.notNull())
    .execute();

  await db.schema
    .createTable("org_members")
    .addColumn("member_uin", "bigint", (c) => c.primaryKey())
    .addColumn("org_id", "bigint", (c) => c.notNull())
    .addColumn("name", "text", (c) => c.notNull())
    .addColumn("member_type", "text", (c) => c.notNull())
    .addColumn("node_id", "bigint", (c) => c.notNull())
    .addColumn("remark", "text", (c) => c.notNull())
    .addColumn("policy_type", "text", (c) => c.notNull())
    .addColumn("permission_ids", "text", (c) => c.notNull())
    .addColumn("tags", "text", (c) => c.notNull())
    .addColumn("joined_at", "bigint", (c) => c.notNull())
    .addColumn("updated_at", "bigint", (c) => c.notNull())
    .addUniqueConstraint("org_members_name", ["org_id", "name"])
    .execute();
  await db.schema.createIndex("org_members_org").on("org_members").columns(["org_id", "joined_at"]).execute();

  await db.schema
    .createTable("sub_users")
    .addColumn("uin", "bigint", (c) => c.primaryKey())
    .addColumn("account_uin", "bigint", (c) => c.notNull())
    .addColumn("name", "text", (c) => c.notNull())
    .addColumn("uid", "bigint", (c) => c.notNull())
    .addColumn("remark", "text", (c) => c.notNull())
    .addColumn("console_login", "integer", (c) => c.notNull())
    .addColumn("password_hash", "text")
    .addColumn("need_reset_password", "integer", (c) => c.notNull())
    .addColumn("phone_num", "text", (c) => c.notNull())
    .addColumn("country_code", "text", (c) => c.notNull())
    .addColumn("email", "text", (c) => c.notNull())
    .addColumn("created_at", "bigint", (c) => c.notNull())
    .addColumn("updated_at", "bigint", (c) => c.notNull())
    .addColumn("directory_user_id", "text")
    .addUniqueConstraint("sub_users_name", ["account_uin", "name"])
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const t of ["sub_users", "org_members", "organizations", "credentials", "accounts", "sequences", "meta"]) {
    await db.schema.dropTable(t).execute();
  }
}
