/**
 * The emulator's whole-state operations on the store: read every table of the schema at once (a
 * snapshot), and replace every table's rows at once (restore, and reset to the first-start rows).
 *
 * Which tables: whatever the schema holds, found from the database itself (so a table a later
 * migration adds is covered without a change here), less the bookkeeping that is not state: kysely's
 * migration tables (the schema stays as it is) and `cluster_processes` (which serving processes are
 * alive now, a fact about processes, not something to rewind).
 *
 * Both run in one transaction: a snapshot reads one consistent state (PostgreSQL: repeatable read;
 * SQLite: the transaction holds the one connection), and a replacement is seen whole or not at all
 * (PostgreSQL: every table locked first, so no request writes between the wipe and the commit).
 */
import { type Kysely, sql, type Transaction } from "kysely";
import type { Database } from "../../store/schema.js";
import type { Engine, Store } from "../../store/database.js";
import { INITIAL_SEQUENCES } from "../../store/migrations/001-accounts-organizations-subusers.js";

/** Rows per table, by table name. */
export type TableRows = Record<string, Record<string, unknown>[]>;

/** Tables that are not state: the schema's own bookkeeping and the live-process registry. */
const NOT_STATE = new Set(["kysely_migration", "kysely_migration_lock", "cluster_processes"]);

type AnyDb = Kysely<any>;

/** The state tables of the schema, sorted by name. */
async function stateTables(db: AnyDb, engine: Engine): Promise<string[]> {
  const rows =
    engine === "sqlite"
      ? (await sql<{ name: string }>`select name from sqlite_master where type = 'table' and name not like 'sqlite_%'`.execute(db)).rows
      : (await sql<{ name: string }>`select table_name as name from information_schema.tables where table_schema = current_schema() and table_type = 'BASE TABLE'`.execute(db)).rows;
  return rows
    .map((r) => r.name)
    .filter((t) => !NOT_STATE.has(t))
    .sort();
}

async function readTables(trx: AnyDb, tables: readonly string[]): Promise<TableRows> {
  const out: TableRows = {};
  for (const t of tables) out[t] = (await trx.selectFrom(t).selectAll().execute()) as Record<string, unknown>[];
  return out;
}

/** Every state table's rows, read in one transaction. */
export async function readState(store: Store): Promise<TableRows> {
  const db = store.db as AnyDb;
  const tables = await stateTables(db, store.engine);
  const tx = store.engine === "postgres" ? db.transaction().setIsolationLevel("repeatable read") : db.transaction();
  return tx.execute((trx) => readTables(trx, tables));
}

/**
 * Replaces every state table's rows with `build`'s answer, in one transaction; `build` reads the
 * current rows inside it (reset keeps some of them). A table `build` does not name is emptied.
 */
export async function replaceState(store: Store, build: (current: (table: string) => Promise<Record<string, unknown>[]>) => Promise<TableRows> | TableRows): Promise<void> {
  const db = store.db as AnyDb;
  const tables = await stateTables(db, store.engine);
  await db.transaction().execute(async (trx: Transaction<any>) => {
    if (store.engine === "postgres") {
      // Before anything is read: no request may write between the read, the wipe and the commit.
      await sql`lock table ${sql.join(tables.map((t) => sql.table(t)))} in access exclusive mode`.execute(trx);
    }
    const rows = await build(async (t) => (await trx.selectFrom(t).selectAll().execute()) as Record<string, unknown>[]);
    for (const t of Object.keys(rows)) if (!tables.includes(t)) throw new Error(`the snapshot names a table the schema does not have: ${t}`);
    for (const t of tables) {
      await trx.deleteFrom(t).execute();
      const list = rows[t] ?? [];
      if (list.length === 0) continue;
      // Bound parameters per statement stay well under both engines' limits (SQLite 32766, PostgreSQL 65535).
      const perStatement = Math.max(1, Math.floor(10_000 / Math.max(1, Object.keys(list[0]!).length)));
      for (let i = 0; i < list.length; i += perStatement) await trx.insertInto(t).values(list.slice(i, i + perStatement)).execute();
    }
  });
}

/**
 * The rows a first start leaves, given the current ones: the settings kept in `meta` (the master-key
 * check), the bootstrap root account (the first account ever made: first start makes it into an
 * empty store) with its first key, exactly as they are but for what later use changed (the sub-user
 * count back to 0, the key enabled), and the id sequences where the migrations left them, the UIN one
 * just past the root account's.
 */
export async function firstStartRows(current: (table: string) => Promise<Record<string, unknown>[]>): Promise<TableRows> {
  const accounts = (await current("accounts")) as unknown as Database["accounts"][];
  const root = accounts.reduce<Database["accounts"] | undefined>((min, a) => (min === undefined || Number(a.uin) < Number(min.uin) ? a : min), undefined);
  const rows: TableRows = { meta: await current("meta") };
  const sequences = (await current("sequences")) as unknown as { name: string; value: number }[];
  rows.sequences = sequences.map((s) => {
    if (s.name === "uin" && root) return { ...s, value: Number(root.uin) };
    const initial = INITIAL_SEQUENCES.find((i) => i.name === s.name);
    return initial ? { ...s, value: initial.value } : s;
  });
  if (root?.kind === "root") {
    rows.accounts = [{ ...root, sub_user_count: 0 }];
    const keys = ((await current("credentials")) as unknown as Database["credentials"][]).filter((k) => Number(k.account_uin) === Number(root.uin) && Number(k.subject_uin) === Number(root.uin));
    const first = keys.sort((a, b) => Number(a.created_at) - Number(b.created_at) || String(a.secret_id).localeCompare(String(b.secret_id)))[0];
    if (first) rows.credentials = [{ ...first, status: "Enabled" }];
  }
  return rows;
}

/** How many rows a state holds, all tables together. */
export const rowCount = (rows: TableRows): number => Object.values(rows).reduce((n, list) => n + list.length, 0);

