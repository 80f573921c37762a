/** Directory rows locked for the rest of a transaction. */
import { type Kysely, sql } from "kysely";
import { precompiledRow } from "../../store/database.js";
import type { Database } from "../../store/schema.js";

/**
 * A directory's user or group by id, locked for the rest of the transaction and read fresh in one
 * precompiled statement: `update … set <key> = <key> … returning *` takes the row's write lock (on
 * PostgreSQL; SQLite runs one writer at a time) as the store's `lockRow` does. Undefined when the
 * directory has no such row.
 */
export function lockedInDirectory<R>(table: "dir_users" | "dir_groups", keyColumn: "user_id" | "group_id") {
  const key = sql.ref(keyColumn);
  return precompiledRow(
    (_db: Kysely<Database>, directoryId: string, id: string) => sql<R>`update ${sql.table(table)} set ${key} = ${key} where ${key} = ${id} and directory_id = ${directoryId} returning *`,
  );
}
