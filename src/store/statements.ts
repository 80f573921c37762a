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
  const compiled = compile(db, query);
  return allOf(db, compiled, compiled.parameters);
}

/** The first row the query returns, or undefined. */
export function first<R>(db: Kysely<Database>, query: Query<R>): MaybePromise<R | undefined> {
  const compiled = compile(db, query);
  return firstOf(db, compiled, compiled.parameters);
}

/** A statement that returns no rows (insert, update, delete): how many rows it changed. */
export function exec(db: Kysely<Database>, query: Query<unknown>): MaybePromise<number> {
  const compiled = compile(db, query);
  return execOf(db, compiled, compiled.parameters);
}

// The statement `query` with `parameters` (its own, or a precompiled query's bound per call): the
// CompiledQuery object kysely wants is made only when the statement goes through kysely.
const withParameters = <R>(query: CompiledQuery<R>, parameters: readonly unknown[]): CompiledQuery<R> => (parameters === query.parameters ? query : { ...query, parameters });

function execOf(db: Kysely<Database>, query: CompiledQuery<unknown>, parameters: readonly unknown[]): MaybePromise<number> {
  const done = directOf(db)?.run(query.sql, parameters, db.isTransaction);
  if (done !== undefined && done !== NOT_NOW) return Number(done.numAffectedRows);
  return db.executeQuery(withParameters(query, parameters)).then(affectedRows);
}

function allOf<R>(db: Kysely<Database>, query: CompiledQuery<R>, parameters: readonly unknown[]): MaybePromise<R[]> {
  const rows = directOf(db)?.all(query.sql, parameters, db.isTransaction);
  if (rows !== undefined && rows !== NOT_NOW) return rows as MaybePromise<R[]>;
  return db.executeQuery<R>(withParameters(query, parameters)).then(rowsOf);
}

function firstOf<R>(db: Kysely<Database>, query: CompiledQuery<R>, parameters: readonly unknown[]): MaybePromise<R | undefined> {
  const direct = directOf(db);
  const row = direct ? direct.first(query.sql, parameters, db.isTransaction) : NOT_NOW;
  if (row !== NOT_NOW) return row as MaybePromise<R | undefined>;
  return db.executeQuery<R>(withParameters(query, parameters)).then(firstRowOf);
}

/**
 * A query built and compiled once per database, then run with each call's values (kysely's documented
 * way to split building from execution). For the reads on every request: building and compiling the
 * same SQL again costs more than running it. `build` is called once with placeholders for its
 * arguments (declared ones: no defaults or rest parameters); every placeholder must become a bound
 * parameter (plain values in `where`, not lists or SQL fragments), which is checked then.
 */
export function precompiled<A extends unknown[], R>(build: (db: Kysely<Database>, ...args: A) => Query<R>): (db: Kysely<Database>, ...args: A) => MaybePromise<R[]> {
  return precompiledAs(build, allOf);
}

/** `precompiled` for a read of one row (by a unique key): the row, or undefined when there is none. */
export function precompiledRow<A extends unknown[], R>(build: (db: Kysely<Database>, ...args: A) => Query<R>): (db: Kysely<Database>, ...args: A) => MaybePromise<R | undefined> {
  return precompiledAs(build, firstOf);
}

/** `precompiled` for a statement that returns no rows (insert, update, delete): how many rows it changed. */
export function precompiledExec<A extends unknown[]>(build: (db: Kysely<Database>, ...args: A) => Query<unknown>): (db: Kysely<Database>, ...args: A) => MaybePromise<number> {
  return precompiledAs(build, execOf);
}

/** `build` compiled once per database, each call's arguments bound, then run as `run` runs a statement. */
function precompiledAs<A extends unknown[], R, T>(
  build: (db: Kysely<Database>, ...args: A) => Query<R>,
  run: (db: Kysely<Database>, query: CompiledQuery<R>, parameters: readonly unknown[]) => MaybePromise<T>,
): (db: Kysely<Database>, ...args: A) => MaybePromise<T> {
  const prepared = preparer(build);
  return (db, ...args) => {
    const entry = prepared(db, args);
    return run(db, entry.query, bind(entry, args));
  };
}

/** A compiled query and, per parameter, the argument it takes (-1: a constant of the query). */
interface Prepared<R> {
  query: CompiledQuery<R>;
  slots: number[];
}

/**
 * Compiles `build` once per database (a transaction compiles to the same SQL as its parent, and is
 * keyed by the parent's adapter); each call then binds its arguments (`bind`).
 */
function preparer<A extends unknown[], R>(build: (db: Kysely<Database>, ...args: A) => Query<R>): (db: Kysely<Database>, args: A) => Prepared<R> {
  const compiled = new WeakMap<object, Prepared<R>>();
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
    return compiled.get(db.getExecutor().adapter) ?? prepare(db);
  };
}

/** The compiled query's parameters with this call's arguments in their slots. */
function bind(entry: Prepared<unknown>, args: readonly unknown[]): unknown[] {
  const { query, slots } = entry;
  const parameters = new Array<unknown>(slots.length);
  for (let i = 0; i < slots.length; i++) parameters[i] = slots[i]! < 0 ? query.parameters[i] : args[slots[i]!];
  return parameters;
}

const rowsOf = <R>(result: QueryResult<R>): R[] => result.rows;
const firstRowOf = <R>(result: QueryResult<R>): R | undefined => result.rows[0];
const affectedRows = (result: QueryResult<unknown>): number => Number(result.numAffectedRows ?? 0);
