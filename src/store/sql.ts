/** SQL helpers that behave the same on both engines: uniqueness errors, sequences, text matching, row locks. */
import { type Kysely, PostgresAdapter, type RawBuilder, sql } from "kysely";
import { then, type MaybePromise } from "../lib/maybe-promise.js";
import type { Database } from "./schema.js";
import { exec, first, precompiledRow } from "./statements.js";

/** True when `err` is a unique-constraint violation on either engine. */
export function isUniqueViolation(err: unknown): boolean {
  const e = err as { code?: string } | null;
  return e?.code === "23505" || e?.code === "SQLITE_CONSTRAINT_UNIQUE" || e?.code === "SQLITE_CONSTRAINT_PRIMARYKEY";
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
 * Serializes writers on one row for the rest of the transaction: a no-op update takes the row's
 * write lock on PostgreSQL (SQLite runs one write transaction at a time already), so counts and
 * checks made after it see every earlier writer's outcome. Returns false when the row is gone.
 */
export function lockRow(trx: Kysely<Database>, table: keyof Database, keyColumn: string, key: string | number): MaybePromise<boolean> {
  return then(exec(trx, sql`update ${sql.table(table)} set ${sql.ref(keyColumn)} = ${sql.ref(keyColumn)} where ${sql.ref(keyColumn)} = ${key}`), (n) => n > 0);
}

/**
 * `lockRow` for a directory's user or group, read fresh by the same statement (precompiled:
 * `update … set <key> = <key> … returning *`). Undefined when the directory has no such row.
 */
export function lockedInDirectory<R>(table: "dir_users" | "dir_groups", keyColumn: "user_id" | "group_id") {
  const key = sql.ref(keyColumn);
  return precompiledRow(
    (_db: Kysely<Database>, directoryId: string, id: string) => sql<R>`update ${sql.table(table)} set ${key} = ${key} where ${key} = ${id} and directory_id = ${directoryId} returning *`,
  );
}

/** Largest IN-list one statement binds: well under SQLite's and PostgreSQL's limits on bound values. */
export const IN_LIST_MAX = 500;

/** Runs an IN-list read over `values` in chunks of IN_LIST_MAX and concatenates the rows. */
export async function inChunks<T, R>(values: readonly T[], read: (chunk: T[]) => MaybePromise<R[]>): Promise<R[]> {
  const out: R[] = [];
  for (let i = 0; i < values.length; i += IN_LIST_MAX) out.push(...(await read(values.slice(i, i + IN_LIST_MAX))));
  return out;
}
