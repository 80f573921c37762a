import type { Kysely } from "kysely";

/**
 * Sub-users by the directory user they stand for. A directory's statistics count its provisioned
 * sub-users by joining its users to their sub-users; the only index naming directory_user_id led with
 * account_uin, so each user scanned every sub-user: quadratic in the directory's size.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.createIndex("sub_users_by_directory_user").on("sub_users").column("directory_user_id").execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropIndex("sub_users_by_directory_user").execute();
}
