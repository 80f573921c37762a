import type { Kysely } from "kysely";

/** Tags on directory users (CloudSSO `Tags`), one row per key so lists can filter on them by index. */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable("dir_user_tags")
    .addColumn("user_id", "text", (c) => c.notNull())
    .addColumn("directory_id", "text", (c) => c.notNull())
    .addColumn("tag_key", "text", (c) => c.notNull())
    .addColumn("tag_value", "text", (c) => c.notNull())
    .addPrimaryKeyConstraint("dir_user_tags_pk", ["user_id", "tag_key"])
    .execute();
  await db.schema.createIndex("dir_user_tags_match").on("dir_user_tags").columns(["directory_id", "tag_key", "tag_value"]).execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable("dir_user_tags").execute();
}
