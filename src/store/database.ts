/**
 * Opens the store on one of two engines behind one kysely query layer:
 * an embedded SQLite file (default, zero setup) or PostgreSQL (several processes
 * sharing one database). Everything above this file is engine-agnostic.
 */
import { mkdirSync } from "node:fs";
import { dirname } from "node:path";
import SqliteDatabase from "better-sqlite3";
import { Kysely, Migrator, PostgresDialect, sql } from "kysely";
import pg from "pg";
import { migrationProvider } from "./migrations/index.js";
import type { Database } from "./schema.js";
import { CommitGroups, GroupCommitSqliteDialect } from "./sqlite/group-commit.js";
import { sqliteConnection } from "./sqlite/sqlite-connection.js";
import { registerDirectConnection } from "./statements.js";

export { containsText, escapeLike, inChunks, isKeyClash, isUniqueViolation, lastInsertId, lockedInDirectory, lockedRow, lockRow, matchesText, nextSequence, type TextMatch, withFreshId } from "./sql.js";
export { all, exec, first, precompiled, precompiledExec, precompiledRow } from "./statements.js";

export type Engine = "sqlite" | "postgres";

export interface StoreOptions {
  /** A postgres:// URL selects PostgreSQL; otherwise `sqliteFile` is used. */
  databaseUrl?: string;
  sqliteFile?: string;
}

export interface Store {
  db: Kysely<Database>;
  engine: Engine;
  close(): Promise<void>;
}

// int8 (bigint, count(*)) arrives as a string by default; every value we keep is below 2^53.
pg.types.setTypeParser(pg.types.builtins.INT8, (v) => Number(v));

export async function openStore(opts: StoreOptions): Promise<Store> {
  const url = opts.databaseUrl;
  let db: Kysely<Database>;
  let engine: Engine;
  if (url && /^postgres(ql)?:\/\//.test(url)) {
    engine = "postgres";
    db = new Kysely<Database>({ dialect: new PostgresDialect({ pool: new pg.Pool({ connectionString: url, max: 10 }) }) });
  } else {
    engine = "sqlite";
    const file = opts.sqliteFile ?? ":memory:";
    if (file !== ":memory:") mkdirSync(dirname(file), { recursive: true });
    const raw = new SqliteDatabase(file);
    // WAL keeps readers off the writer's lock; NORMAL sync is durable across process crashes under WAL.
    raw.pragma("journal_mode = WAL");
    raw.pragma("synchronous = NORMAL");
    raw.pragma("busy_timeout = 5000");
    raw.pragma("foreign_keys = ON");
    // SQLite's default page cache is 2 MB; a million-row fan-out walks indexes far larger than that.
    raw.pragma("cache_size = -65536");
    raw.pragma("mmap_size = 268435456");
    // Checkpoints run inside a COMMIT once the WAL passes this many pages. SQLite's 1,000 (4 MB) made a
    // sustained write load (an identity provider's first push, a large fan-out) checkpoint every few
    // commits, writing the same hot index pages back again each time; 16,000 pages (64 MB) halved the
    // COMMIT time of the SCIM initial cycle (BENCHMARKS.md). The WAL file is cut back to that size after.
    raw.pragma("wal_autocheckpoint = 16000");
    raw.pragma(`journal_size_limit = ${64 * 1024 * 1024}`);
    // Every transaction of a commit group is a savepoint (sqlite/group-commit.ts), and SQLite keeps a
    // savepoint's undo copies of the pages it changes in a sub-journal: a temporary file by default, one
    // write() per page. In memory they cost a copy: the sub-journal's writes were 18% of the SCIM
    // initial cycle's provisioning time. It holds one transaction's pages at a time (a batch of 500).
    raw.pragma("temp_store = MEMORY");
    const groups = new CommitGroups();
    const connection = sqliteConnection(raw, groups);
    db = new Kysely<Database>({ dialect: new GroupCommitSqliteDialect(connection.forKysely, groups) });
    registerDirectConnection(db, connection.direct);
  }
  try {
    await migrate(db, engine);
  } catch (err) {
    await db.destroy();
    throw err;
  }
  return { db, engine, close: () => db.destroy() };
}

async function migrate(db: Kysely<Database>, engine: Engine): Promise<void> {
  // kysely looks for its bookkeeping tables in every schema it can see; pin them to the schema
  // this connection works in, so databases holding several OpenCIC schemas do not confuse it.
  const migrationTableSchema =
    engine === "postgres" ? (await sql<{ schema: string }>`select current_schema() as schema`.execute(db)).rows[0]?.schema : undefined;
  const migrator = new Migrator({ db, provider: migrationProvider, migrationTableSchema });
  for (let attempt = 1; ; attempt++) {
    const { error, results } = await migrator.migrateToLatest();
    const failed = results?.find((r) => r.status === "Error");
    if (!error && !failed) return;
    const cause = error instanceof Error ? error.message : String(error ?? failed?.migrationName);
    // That look at every schema races other users of the same PostgreSQL server dropping theirs;
    // another schema vanishing under it says nothing about this one, so it is simply asked again.
    const otherSchemaGone = /schema "([^"]+)" does not exist/.exec(cause);
    if (otherSchemaGone && otherSchemaGone[1] !== migrationTableSchema && attempt < 5) continue;
    throw new Error(`database migration failed: ${cause}`);
  }
}
