/**
 * Opens the store on one of two engines behind one kysely query layer:
 * an embedded SQLite file (default, zero setup) or PostgreSQL (several processes
 * sharing one database). Everything above this file is engine-agnostic.
 */
import { mkdirSync } from "node:fs";
import { dirname } from "node:path";
import SqliteDatabase from "better-sqlite3";
import { type Compilable, type CompiledQuery, Kysely, type QueryResult, Migrator, PostgresDialect, type RawBuilder, SqliteDialect, type SqliteStatement, sql } from "kysely";
import pg from "pg";
import type { MaybePromise } from "../lib/maybe-promise.js";
import { migrationProvider } from "./migrations/index.js";
import type { Database } from "./schema.js";

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
    const connection = sqliteConnection(raw);
    db = new Kysely<Database>({ dialect: new SqliteDialect({ database: connection.forKysely }) });
    directReaders.set(db, connection.reader);
  }
  try {
    await migrate(db, engine);
  } catch (err) {
    await db.destroy();
    throw err;
  }
  return { db, engine, close: () => db.destroy() };
}

/** A statement as kysely runs it, and `get` for the direct reads of one row. */
type CachedStatement = SqliteStatement & { get(parameters: ReadonlyArray<unknown>): unknown };

/**
 * The one SQLite connection, as kysely drives it and as direct reads use it (see `directReaders`).
 *
 * - Prepared statements are kept and reused: kysely's driver prepares every statement anew, and the
 *   same few SQL strings recur on every request.
 * - Direct reads in one event-loop turn share one read transaction. Each read transaction takes and
 *   frees a lock on the WAL index with a system call apiece, which cost more than a point read; under
 *   concurrent requests a turn carries several reads, and they pay for one pair. The transaction ends
 *   when the turn's I/O callbacks are done (setImmediate), and before any statement kysely runs, so
 *   kysely's own transactions and writes never run inside it. A read sees this process's writes at
 *   once, and every other process's commits made before its turn's first read; one made during the
 *   turn is seen from the next turn on. kysely's streaming queries (which hold a statement open
 *   across awaits) are not used with it.
 */
function sqliteConnection(raw: SqliteDatabase.Database) {
  const cache = new Map<string, CachedStatement>();
  const prepare = (sqlText: string) => {
    let stmt = cache.get(sqlText);
    if (!stmt) {
      stmt = rowsBuiltInJs(raw.prepare(sqlText));
      if (cache.size >= 1000) cache.clear();
      cache.set(sqlText, stmt);
    }
    return stmt;
  };

  const begin = raw.prepare("begin");
  const commit = raw.prepare("commit");
  let turnRead = false;
  /** Whether a direct read may run now, opening the turn's read transaction if it is not open yet. */
  const beginTurnRead = (): boolean => {
    if (turnRead) return true;
    // kysely's transaction holds the connection: the read must wait its turn behind kysely's mutex.
    if (raw.inTransaction) return false;
    begin.run();
    turnRead = true;
    setImmediate(endTurnRead);
    return true;
  };
  const endTurnRead = () => {
    if (!turnRead) return;
    turnRead = false;
    // A read-only transaction commits by releasing its lock; nothing can make that fail but a closed database.
    if (raw.open && raw.inTransaction) commit.run();
  };

  return {
    forKysely: {
      close: () => {
        endTurnRead();
        raw.close();
      },
      prepare: (sqlText: string) => {
        endTurnRead();
        return prepare(sqlText);
      },
    },
    reader: {
      all: (sqlText: string, parameters: readonly unknown[]): unknown[] | undefined =>
        beginTurnRead() ? (prepare(sqlText).all(parameters) as unknown[]) : undefined,
      first: (sqlText: string, parameters: readonly unknown[]): unknown => (beginTurnRead() ? prepare(sqlText).get(parameters) : NOT_NOW),
    } satisfies DirectReader,
  };
}

/**
 * better-sqlite3 builds each result object through V8's C++ API one property at a time, which costs
 * more than the query itself for a point read. Statements that return rows fetch them as arrays, and
 * the objects are built here in plain JS: the same objects (same keys in the same order, a later
 * column of the same name winning), at a fraction of the cost.
 */
function rowsBuiltInJs(stmt: SqliteDatabase.Statement): CachedStatement {
  if (!stmt.reader) return stmt as CachedStatement;
  const toObject = rowBuilder(stmt.columns().map((c) => c.name));
  stmt.raw(true);
  return {
    reader: true,
    all: (params) => (stmt.all(params) as unknown[][]).map(toObject),
    get: (params) => {
      const values = stmt.get(params) as unknown[] | undefined;
      return values && toObject(values);
    },
    run: (params) => stmt.run(params),
    *iterate(params) {
      for (const values of stmt.iterate(params) as IterableIterator<unknown[]>) yield toObject(values);
    },
  };
}

/**
 * A function from a row's values to its object. Written out as an object literal per column list, so
 * every row of a statement gets one hidden class at once; one loop shared by all statements would
 * see every column list and look each name up the slow (megamorphic) way. The names are SQLite's
 * column names, quoted as JSON; a `__proto__` column, which a literal would take as the prototype,
 * gets the loop.
 */
function rowBuilder(names: string[]): (values: unknown[]) => Record<string, unknown> {
  if (names.includes("__proto__")) {
    return (values) => {
      const row: Record<string, unknown> = {};
      for (let i = 0; i < names.length; i++) Object.defineProperty(row, names[i]!, { value: values[i], enumerable: true, writable: true, configurable: true });
      return row;
    };
  }
  return new Function("v", `return {${names.map((name, i) => `${JSON.stringify(name)}: v[${i}]`).join(", ")}};`) as (values: unknown[]) => Record<string, unknown>;
}

/**
 * Reads that may run on the SQLite connection at once, without kysely's driver. That driver serializes
 * every query through an async mutex (SQLite has one connection, and a transaction holds it across
 * awaits), and its chain of promises costs more than a point read itself. better-sqlite3 runs a statement
 * synchronously, so a read may go straight to the connection whenever kysely has no transaction open
 * on it: it then sees what a read queued behind the mutex would. Answers undefined while one is open;
 * the caller then goes through kysely and waits its turn.
 */
interface DirectReader {
  /** The rows, or undefined while a kysely transaction holds the connection. */
  all(sqlText: string, parameters: readonly unknown[]): unknown[] | undefined;
  /** The first row (undefined when there is none), or NOT_NOW while a kysely transaction holds the connection. */
  first(sqlText: string, parameters: readonly unknown[]): unknown;
}
const NOT_NOW = Symbol("not now");
const directReaders = new WeakMap<Kysely<Database>, DirectReader>();

/**
 * A query built and compiled once per database, then run through kysely with each call's values
 * (`db.executeQuery` on a compiled query, kysely's documented way to split building from execution).
 * For the reads on every request: building and compiling the same SQL again costs more than running
 * it. `build` is called once with placeholders for its arguments (declared ones: no defaults or rest
 * parameters); every placeholder must become a bound parameter (plain values in `where`, not lists or
 * SQL fragments), which is checked then. On SQLite a read outside a transaction runs at once and its
 * rows come back as they are, not in a promise (see `directReaders`); inside a transaction (a
 * Transaction is its own Kysely instance), and on PostgreSQL, it goes through kysely.
 */
export function precompiled<A extends unknown[], R>(build: (db: Kysely<Database>, ...args: A) => Compilable<R>): (db: Kysely<Database>, ...args: A) => MaybePromise<R[]> {
  const bind = binder(build);
  return (db, ...args) => {
    const query = bind(db, args);
    const rows = directReaders.get(db)?.all(query.sql, query.parameters);
    if (rows) return rows as R[];
    return db.executeQuery<R>(query).then(rowsOf);
  };
}

/** `precompiled` for a read of one row (by a unique key): the row, or undefined when there is none. */
export function precompiledRow<A extends unknown[], R>(build: (db: Kysely<Database>, ...args: A) => Compilable<R>): (db: Kysely<Database>, ...args: A) => MaybePromise<R | undefined> {
  const bind = binder(build);
  return (db, ...args) => {
    const query = bind(db, args);
    const reader = directReaders.get(db);
    const row = reader ? reader.first(query.sql, query.parameters) : NOT_NOW;
    if (row !== NOT_NOW) return row as R | undefined;
    return db.executeQuery<R>(query).then(firstRowOf);
  };
}

/** Compiles `build` once per database; binds each call's arguments into the compiled query's parameters. */
function binder<A extends unknown[], R>(build: (db: Kysely<Database>, ...args: A) => Compilable<R>): (db: Kysely<Database>, args: A) => CompiledQuery<R> {
  const compiled = new WeakMap<Kysely<Database>, { query: CompiledQuery<R>; slots: number[] }>();
  const prepare = (db: Kysely<Database>) => {
    const placeholders = Array.from({ length: build.length - 1 }, (_, i) => ({ placeholder: i }));
    const query = build(db, ...(placeholders as unknown as A)).compile();
    const slots = query.parameters.map((p) => placeholders.indexOf(p as { placeholder: number }));
    if (placeholders.some((_, i) => !slots.includes(i))) throw new Error(`precompiled: an argument is not a bound parameter of ${query.sql}`);
    const entry = { query, slots };
    compiled.set(db, entry);
    return entry;
  };
  return (db, args) => {
    if (args.length !== build.length - 1) throw new Error(`precompiled: expected ${build.length - 1} arguments, got ${args.length}`);
    const { query, slots } = compiled.get(db) ?? prepare(db);
    const parameters = new Array<unknown>(slots.length);
    for (let i = 0; i < slots.length; i++) parameters[i] = slots[i]! < 0 ? query.parameters[i] : args[slots[i]!];
    return { ...query, parameters };
  };
}

const rowsOf = <R>(result: QueryResult<R>): R[] => result.rows;
const firstRowOf = <R>(result: QueryResult<R>): R | undefined => result.rows[0];

async function migrate(db: Kysely<Database>, engine: Engine): Promise<void> {
  // kysely looks for its bookkeeping tables in every schema it can see; pin them to the schema
  // this connection works in, so databases holding several OpenCIC schemas do not confuse it.
  const migrationTableSchema =
    engine === "postgres" ? (await sql<{ schema: string }>`select current_schema() as schema`.execute(db)).rows[0]?.schema : undefined;
  const migrator = new Migrator({ db, provider: migrationProvider, migrationTableSchema });
  const { error, results } = await migrator.migrateToLatest();
  const failed = results?.find((r) => r.status === "Error");
  if (error || failed) {
    const cause = error instanceof Error ? error.message : String(error ?? failed?.migrationName);
    throw new Error(`database migration failed: ${cause}`);
  }
}

/** True when `err` is a unique-constraint violation on either engine. */
export function isUniqueViolation(err: unknown): boolean {
  const e = err as { code?: string } | null;
  return e?.code === "23505" || e?.code === "SQLITE_CONSTRAINT_UNIQUE" || e?.code === "SQLITE_CONSTRAINT_PRIMARYKEY";
}

/** Reserve `count` consecutive values of a named sequence; returns the first. */
export async function nextSequence(db: Kysely<Database>, name: string, count = 1): Promise<number> {
  const row = await db
    .updateTable("sequences")
    .set({ value: sql`value + ${count}` })
    .where("name", "=", name)
    .returning("value")
    .executeTakeFirstOrThrow();
  return row.value - count + 1;
}

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
  return text.toLowerCase().replace(/[\\%_]/g, (c) => "\\" + c);
}

/**
 * Serializes writers on one row for the rest of the transaction: a no-op update takes the row's
 * write lock on PostgreSQL (SQLite runs one write transaction at a time already), so counts and
 * checks made after it see every earlier writer's outcome. Returns false when the row is gone.
 */
export async function lockRow(trx: Kysely<Database>, table: keyof Database, keyColumn: string, key: string | number): Promise<boolean> {
  const res = await sql`update ${sql.table(table)} set ${sql.ref(keyColumn)} = ${sql.ref(keyColumn)} where ${sql.ref(keyColumn)} = ${key}`.execute(trx);
  return Number(res.numAffectedRows ?? 0) > 0;
}
