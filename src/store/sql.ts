/** SQL helpers that behave the same on both engines: uniqueness errors, sequences, text matching, row locks. */
import { type Kysely, PostgresAdapter, type RawBuilder, sql } from "kysely";
import { then, type MaybePromise } from "../lib/maybe-promise.js";
import type { Database } from "./schema.js";
import { first, precompiledRow } from "./statements.js";

/** True when `err` is a unique-constraint violation on either engine. */
export function isUniqueViolation(err: unknown): boolean {
  const e = err as { code?: string } | null;
  return e?.code === "23505" || e?.code === "SQLITE_CONSTRAINT_UNIQUE" || e?.code === "SQLITE_CONSTRAINT_PRIMARYKEY";
}

/** True when `err` is a clash on a table's primary key (not on another unique index), on either engine. */
export function isKeyClash(err: unknown): boolean {
  const e = err as { code?: string; constraint?: string } | null;
  return e?.code === "SQLITE_CONSTRAINT_PRIMARYKEY" || (e?.code === "23505" && e.constraint?.endsWith("_pkey") === true);
}

/** Clashes on a made key an insert outlives: a fresh key each time, then the clash is an error like any other. */
const FRESH_ID_ATTEMPTS = 3;

/** Runs `insert`; when its made key clashes with a row's, `renew` makes another and it runs again. */
export async function withFreshId<T>(insert: () => Promise<T>, renew: () => void): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await insert();
    } catch (err) {
      if (!isKeyClash(err) || attempt === FRESH_ID_ATTEMPTS) throw err;
      renew();
    }
  }
}

/** Reserve `count` consecutive values of a named sequence; returns the first. */
export function nextSequence(db: Kysely<Database>, name: string, count = 1): MaybePromise<number> {
  const next = first(db, db.updateTable("sequences").set({ value: sql`value + ${count}` }).where("name", "=", name).returning("value"));
  return then(next, (row) => {
    if (!row) throw new Error(`no sequence named ${name}`);
    return row.value - count + 1;
  });
}

/**
 * The id the caller's last insert gave a table's generated key (SQLite's rowid, a PostgreSQL identity
 * column), on the caller's connection (its transaction). On SQLite an `insert … returning` costs about
 * ten times a plain insert inside a transaction that has written before (a statement journal), which
 * matters on the fan-out's path.
 */
export const lastInsertId = precompiledRow((db: Kysely<Database>) =>
  db.getExecutor().adapter instanceof PostgresAdapter ? sql<{ id: number }>`select lastval() as id` : sql<{ id: number }>`select last_insert_rowid() as id`,
);

/**
 * Case-insensitive substring match that behaves the same on both engines
 * (SQLite's LIKE has no default escape character and PostgreSQL's is case-sensitive).
 */
export function containsText(column: string, needle: string, opts: { castToText?: boolean } = {}): RawBuilder<boolean> {
  const ref = opts.castToText ? sql`cast(${sql.ref(column)} as text)` : sql.ref(column);
  return sql<boolean>`lower(${ref}) like ${"%" + likeLiteral(needle) + "%"} escape '\\'`;
}

/** A name compared without regard to case: equal to `value`, or starting with it. */
export interface TextMatch {
  value: string;
  prefix: boolean;
}

/** Case-insensitive equality or prefix match on both engines; equality can use a `lower(column)` index. */
export function matchesText(column: string, m: TextMatch): RawBuilder<boolean> {
  if (!m.prefix) return sql<boolean>`lower(${sql.ref(column)}) = ${m.value.toLowerCase()}`;
  return sql<boolean>`lower(${sql.ref(column)}) like ${likeLiteral(m.value) + "%"} escape '\\'`;
}

/** `text` lower-cased with LIKE's wildcards and the escape character escaped. */
function likeLiteral(text: string): string {
  return escapeLike(text.toLowerCase());
}

/** `text` with LIKE's wildcards and its escape character (the backslash every `escape` clause here names) escaped. */
export function escapeLike(text: string): string {
  return text.replace(/[\\%_]/g, (c) => "\\" + c);
}

/**
 * ` for no key update` on PostgreSQL, nothing on SQLite: how a read takes a row's write lock for the
 * rest of its transaction. PostgreSQL's is the lock an update of the row's other columns takes.
 * SQLite runs one write transaction at a time, so there the read alone serializes writers; the
 * `update … set key = key` this replaces rewrote the row and its key's index for nothing (one more
 * page in every COMMIT of a group of CreateUsers, counted from the WAL).
 */
const forWriteLock = (db: Kysely<Database>): RawBuilder<unknown> => (db.getExecutor().adapter instanceof PostgresAdapter ? sql` for no key update` : sql``);

/** One precompiled lock per table and key column (`lockRow` names them per call). */
const rowLocks = new Map<string, (db: Kysely<Database>, key: string | number) => MaybePromise<{ found: number } | undefined>>();

/**
 * Serializes writers on one row for the rest of the transaction (`forWriteLock`), so counts and
 * checks made after it see every earlier writer's outcome. Returns false when the row is gone.
 */
export function lockRow(trx: Kysely<Database>, table: keyof Database, keyColumn: string, key: string | number): MaybePromise<boolean> {
  const name = `${table}.${keyColumn}`;
  let lock = rowLocks.get(name);
  if (!lock) {
    lock = precompiledRow((db: Kysely<Database>, k: string | number) => sql<{ found: number }>`select 1 as found from ${sql.table(table)} where ${sql.ref(keyColumn)} = ${k}${forWriteLock(db)}`);
    rowLocks.set(name, lock);
  }
  return then(lock(trx, key), (row) => row !== undefined);
}

/** `lockRow` that reads the whole row fresh with its lock; undefined when there is no such row. */
export function lockedRow<R>(table: keyof Database, keyColumn: string) {
  const key = sql.ref(keyColumn);
  return precompiledRow((db: Kysely<Database>, id: string) => sql<R>`select * from ${sql.table(table)} where ${key} = ${id}${forWriteLock(db)}`);
}

/** `lockedRow` for a directory's user or group: undefined when the directory has no such row. */
export function lockedInDirectory<R>(table: "dir_users" | "dir_groups", keyColumn: "user_id" | "group_id") {
  const key = sql.ref(keyColumn);
  return precompiledRow((db: Kysely<Database>, directoryId: string, id: string) => sql<R>`select * from ${sql.table(table)} where ${key} = ${id} and directory_id = ${directoryId}${forWriteLock(db)}`);
}

/** Largest IN-list one statement binds: well under SQLite's and PostgreSQL's limits on bound values. */
export const IN_LIST_MAX = 500;

/** Runs an IN-list read over `values` in chunks of IN_LIST_MAX and concatenates the rows. */
export async function inChunks<T, R>(values: readonly T[], read: (chunk: T[]) => MaybePromise<R[]>): Promise<R[]> {
  const out: R[] = [];
  for (let i = 0; i < values.length; i += IN_LIST_MAX) out.push(...(await read(values.slice(i, i + IN_LIST_MAX))));
  return out;
}
