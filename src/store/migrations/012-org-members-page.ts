import type { Kysely } from "kysely";

/**
 * Members are listed in (joined_at, member_uin) order; the old index stopped at joined_at, so every
 * list sorted the organization's members in a temporary b-tree to break ties, and could not stop
 * after its page. This index gives the whole order, as dir_users_page does for users.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.createIndex("org_members_page").on("org_members").columns(["org_id", "joined_at", "member_uin"]).execute();
  await db.schema.dropIndex("org_members_org").execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.createIndex("org_members_org").on("org_members").columns(["org_id", "joined_at"]).execute();
  await db.schema.dropIndex("org_members_page").execute();
}
