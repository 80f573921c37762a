import { type Kysely, sql } from "kysely";

/**
 * SCIM 2.0: the bearer credentials an identity provider presents (only a keyed digest of the secret is
 * kept, unique, so a presented token is found by its digest), and what SCIM gives users and groups that
 * the directory has no field for: the provider's `externalId` (filtered on by Entra ID) and the other
 * attributes it sent, kept as JSON and returned as sent.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable("scim_credentials")
    .addColumn("credential_id", "text", (c) => c.primaryKey())
    .addColumn("directory_id", "text", (c) => c.notNull())
    .addColumn("secret_digest", "text", (c) => c.notNull().unique())
    .addColumn("status", "text", (c) => c.notNull())
    .addColumn("created_at", "bigint", (c) => c.notNull())
    .addColumn("expires_at", "bigint", (c) => c.notNull())
    .execute();
  await db.schema.createIndex("scim_credentials_directory").on("scim_credentials").columns(["directory_id", "created_at"]).execute();

  for (const table of ["dir_users", "dir_groups"]) {
    await db.schema.alterTable(table).addColumn("external_id", "text").execute();
    await db.schema.alterTable(table).addColumn("scim_attributes", "text").execute();
  }
  await sql`create index dir_users_external on dir_users (directory_id, external_id) where external_id is not null`.execute(db);
  await sql`create index dir_groups_external on dir_groups (directory_id, external_id) where external_id is not null`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropIndex("dir_users_external").execute();
  await db.schema.dropIndex("dir_groups_external").execute();
  for (const table of ["dir_users", "dir_groups"]) {
    await db.schema.alterTable(table).dropColumn("scim_attributes").execute();
    await db.schema.alterTable(table).dropColumn("external_id").execute();
  }
  await db.schema.dropTable("scim_credentials").execute();
}
