import type { Kysely } from "kysely";

/** A sub-user's free-text description (RAM `Comments`), next to its remark (RAM `DisplayName`, CAM `Remark`). */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable("sub_users").addColumn("description", "text", (c) => c.notNull().defaultTo("")).execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable("sub_users").dropColumn("description").execute();
}
