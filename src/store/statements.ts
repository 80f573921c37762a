/**
 * How the core runs its statements: `all`, `first` and `exec` take any kysely query and run it on
 * the SQLite connection at once when they may (sqlite/sqlite-connection.ts), answering with a value
 * instead of a promise; otherwise (PostgreSQL, or a read while another caller's transaction holds the
 * SQLite connection) through kysely, as `execute` would. `precompiled` and `precompiledRow` also
 * build and compile a query once, for the reads every request makes.
 */
import type { CompiledQuery, Kysely, QueryResult, RawBuilder } from "kysely";
import type { MaybePromise } from "../lib/maybe-promise.js";
import type { Database } from "./schema.js";
import { type DirectConnection, NOT_NOW } from "./sqlite/sqlite-connection.js";

/**
 * The direct connection of a SQLite store, found from any Kysely instance over it: a transaction is a
 * Kysely instance of its own, but it shares its parent's adapter.
 */
const directConnections = new WeakMap<object, DirectConnection>();

export function registerDirectConnection(db: Kysely<Database>, direct: DirectConnection): void {
  directConnections.set(db.getExecutor().adapter, direct);
}

function directOf(db: Kysely<Database>): DirectConnection | undefined {
  return directConnections.get(db.getExecutor().adapter);
}

/** A query builder (select, insert, update, delete) or a raw `sql` query. */
export type Query<R> = { compile(): CompiledQuery<R> } | RawBuilder<R>;

const compile = <R>(db: Kysely<Database>, query: Query<R>): CompiledQuery<R> => ("isRawBuilder" in query ? query.compile(db) : query.compile());

/** Every row the query returns. */
export function all<R>(db: Kysely<Database>, query: Query<R>): MaybePromise<R[]> {
  return allCompiled(db, compile(db, query));
}

/** The first row the query returns, or undefined. */
export function first<R>(db: Kysely<Database>, query: Query<R>): MaybePromise<R | undefined> {
  return firstCompiled(db, compile(db, query));
}

/** A statement that returns no rows (insert, update, delete): how many rows it changed. */
export function exec(db: Kysely<Database>, query: Query<unknown>): MaybePromise<number> {
  return execCompiled(db, compile(db, query));
}

function execCompiled(db: Kysely<Database>, compiled: CompiledQuery<unknown>): MaybePromise<number> {
  const done = directOf(db)?.run(compiled.sql, compiled.parameters, db.isTransaction);
  if (done !== undefined && done !== NOT_NOW) return Number(done.numAffectedRows);
  return db.executeQuery(compiled).then(affectedRows);
}

function allCompiled<R>(db: Kysely<Database>, compiled: CompiledQuery<R>): MaybePromise<R[]> {
  const rows = directOf(db)?.all(compiled.sql, compiled.parameters, db.isTransaction);
  if (rows !== undefined && rows !== NOT_NOW) return rows as R[];
  return db.executeQuery<R>(compiled).then(rowsOf);
}

function firstCompiled<R>(db: Kysely<Database>, compiled: CompiledQuery<R>): MaybePromise<R | undefined> {
  const direct = directOf(db);
  const row = direct ? direct.first(compiled.sql, compiled.parameters, db.isTransaction) : NOT_NOW;
  if (row !== NOT_NOW) return row as R | undefined;
  return db.executeQuery<R>(compiled).then(firstRowOf);
}

/**
 * A query built and compiled once per database, then run with each call's values (kysely's documented
 * way to split building from execution). For the reads on every request: building and compiling the
 * same SQL again costs more than running it. `build` is called once with placeholders for its
 * arguments (declared ones: no defaults or rest parameters); every placeholder must become a bound
 * parameter (plain values in `where`, not lists or SQL fragments), which is checked then.
 */
export function precompiled<A extends unknown[], R>(build: (db: Kysely<Database>, ...args: A) => Query<R>): (db: Kysely<Database>, ...args: A) => MaybePromise<R[]> {
  const bind = binder(build);
  return (db, ...args) => allCompiled(db, bind(db, args));
}

/** `precompiled` for a read of one row (by a unique key): the row, or undefined when there is none. */
export function precompiledRow<A extends unknown[], R>(build: (db: Kysely<Database>, ...args: A) => Query<R>): (db: Kysely<Database>, ...args: A) => MaybePromise<R | undefined> {
  const bind = binder(build);
  return (db, ...args) => firstCompiled(db, bind(db, args));
}

/** `precompiled` for a statement that returns no rows (insert, update, delete): how many rows it changed. */
export function precompiledExec<A extends unknown[]>(build: (db: Kysely<Database>, ...args: A) => Query<unknown>): (db: Kysely<Database>, ...args: A) => MaybePromise<number> {
  const bind = binder(build);
  return (db, ...args) => execCompiled(db, bind(db, args));
}

/**
 * Compiles `build` once per database (a transaction compiles to the same SQL as its parent, and is
 * keyed by the parent's adapter); binds each call's arguments into the compiled query's parameters.
 */
function binder<A extends unknown[], R>(build: (db: Kysely<Database>, ...args: A) => Query<R>): (db: Kysely<Database>, args: A) => CompiledQuery<R> {
  const compiled = new WeakMap<object, { query: CompiledQuery<R>; slots: number[] }>();
  const prepare = (db: Kysely<Database>) => {
    const placeholders = Array.from({ length: build.length - 1 }, (_, i) => ({ placeholder: i }));
    const query = compile(db, build(db, ...(placeholders as unknown as A)));
    const slots = query.parameters.map((p) => placeholders.indexOf(p as { placeholder: number }));
    if (placeholders.some((_, i) => !slots.includes(i))) throw new Error(`precompiled: an argument is not a bound parameter of ${query.sql}`);
    const entry = { query, slots };
    compiled.set(db.getExecutor().adapter, entry);
    return entry;
  };
  return (db, args) => {
    if (args.length !== build.length - 1) throw new Error(`precompiled: expected ${build.length - 1} arguments, got ${args.length}`);
    const { query, slots } = compiled.get(db.getExecutor().adapter) ?? prepare(db);
    const parameters = new Array<unknown>(slots.length);
    for (let i = 0; i < slots.length; i++) parameters[i] = slots[i]! < 0 ? query.parameters[i] : args[slots[i]!];
    return { ...query, parameters };
  };
}

const rowsOf = <R>(result: QueryResult<R>): R[] => result.rows;
const firstRowOf = <R>(result: QueryResult<R>): R | undefined => result.rows[0];
const affectedRows = (result: QueryResult<unknown>): number => Number(result.numAffectedRows ?? 0);
