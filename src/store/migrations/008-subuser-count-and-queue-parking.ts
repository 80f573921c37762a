import { type Kysely, sql } from "kysely";

/**
 * The engine's bookkeeping:
 * - `accounts.sub_user_count`: the exact number of the account's sub-users, kept by the one sub-user
 *   write path in the transaction that changes them, so a quota check under the account's row lock
 *   costs one row read instead of a count over the account (a big fan-out would count per batch);
 * - `reconcile_queue.parked_at`: set when a key gave up after its attempts; a parked key is kept but
 *   not taken until the next mark re-arms it;
 * - `reconcile_queue.marks`: bumped by every mark, so a worker's verdict on a key it holds (back off,
 *   give up, done) yields to a change that arrived meanwhile.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable("accounts").addColumn("sub_user_count", "bigint", (c) => c.notNull().defaultTo(0)).execute();
  await sql`update accounts set sub_user_count = (select count(*) from sub_users where sub_users.account_uin = accounts.uin)`.execute(db);
  await db.schema.alterTable("reconcile_queue").addColumn("parked_at", "bigint").execute();
  await db.schema.alterTable("reconcile_queue").addColumn("marks", "bigint", (c) => c.notNull().defaultTo(0)).execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable("reconcile_queue").dropColumn("marks").execute();
  await db.schema.alterTable("reconcile_queue").dropColumn("parked_at").execute();
  await db.schema.alterTable("accounts").dropColumn("sub_user_count").execute();
}
