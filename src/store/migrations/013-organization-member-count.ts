import { type Kysely, sql } from "kysely";

/**
 * An organization keeps its exact number of members, changed in the transaction that adds or removes
 * one (as a directory keeps its user count): the member quota and an unfiltered member list's total
 * read it with the organization's row instead of counting the members.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable("organizations").addColumn("member_count", "bigint", (c) => c.notNull().defaultTo(0)).execute();
  await sql`update organizations set member_count = (select count(*) from org_members m where m.org_id = organizations.org_id)`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable("organizations").dropColumn("member_count").execute();
}
