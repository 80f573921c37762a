import { type Kysely, sql } from "kysely";

/**
 * Whether an organization has turned its identity-center service on (Alibaba EnableService), which
 * can precede its directory. Organizations that already opened a directory had the service on.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable("organizations").addColumn("directory_service", "integer", (c) => c.notNull().defaultTo(0)).execute();
  await sql`update organizations set directory_service = 1 where org_id in (select org_id from directories)`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable("organizations").dropColumn("directory_service").execute();
}
