/**
 * The one SQLite connection, as kysely drives it and as statements may use it directly.
 *
 * kysely's SQLite driver runs every statement through an async mutex and a chain of promises (the
 * single connection is held by a transaction across awaits), which costs several times more than a
 * point read or a one-row write itself. better-sqlite3 runs statements synchronously, so a statement
 * may go straight to the connection whenever that is what queuing behind the mutex would come to:
 *
 * - inside a kysely transaction, by that transaction's own statements: the transaction holds the
 *   connection, and nothing else can run on it until the transaction ends;
 * - outside any transaction, when no kysely transaction holds the connection.
 *
 * Reads outside a transaction in one event-loop turn share one read transaction. Each read
 * transaction takes and frees a lock on the WAL index with a system call apiece, which cost more than
 * a point read; under concurrent requests a turn carries several reads, and they pay for one pair.
 * The read transaction ends when the turn's I/O callbacks are done (setImmediate), and before any
 * statement kysely runs or any direct write, so writes never run inside it. A read sees this
 * process's writes at once, and every other process's commits made before its turn's first read; one
 * made during the turn is seen from the next turn on. kysely's streaming queries (which hold a
 * statement open across awaits) are not used with it.
 *
 * Prepared statements are kept and reused: kysely's driver prepares every statement anew, and the
 * same few SQL strings recur on every request.
 */
import type SqliteDatabase from "better-sqlite3";
import type { SqliteStatement } from "kysely";
import type { CommitGroups } from "./group-commit.js";

/** A statement as kysely runs it, `get` for the direct reads of one row, and whether it only reads. */
type CachedStatement = SqliteStatement & { get(parameters: ReadonlyArray<unknown>): unknown; readonly: boolean };

/** Marks "not now": a kysely transaction holds the connection, so the statement must queue behind it. */
export const NOT_NOW: unique symbol = Symbol("not now");

export interface WriteResult {
  numAffectedRows: bigint;
}

/** Statements run on the connection at once, when they may (see above); NOT_NOW otherwise. */
export interface DirectConnection {
  /** The rows, or a promise of them when they were read inside a commit group (see group-commit.ts). */
  all(sqlText: string, parameters: readonly unknown[], inTransaction: boolean): unknown[] | Promise<unknown[]> | typeof NOT_NOW;
  /** The first row (undefined when there is none), or a promise of it, as `all`. */
  first(sqlText: string, parameters: readonly unknown[], inTransaction: boolean): unknown;
  run(sqlText: string, parameters: readonly unknown[], inTransaction: boolean): WriteResult | typeof NOT_NOW;
}

export function sqliteConnection(raw: SqliteDatabase.Database, groups: CommitGroups) {
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
  /** Whether a read outside a transaction may run now, opening the turn's read transaction if it is not open yet. */
  const beginTurnRead = (): boolean => {
    if (turnRead) return true;
    // A kysely transaction holds the connection: the read must wait its turn behind kysely's mutex.
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

  /**
   * The statement, when it may run now. Outside a transaction a read joins the turn's read
   * transaction, and a write (`update … returning` too) commits on its own: it never joins, and so
   * never upgrades, the turn's read transaction.
   */
  const now = (sqlText: string, inTransaction: boolean): CachedStatement | undefined => {
    const stmt = prepare(sqlText);
    if (inTransaction) return stmt;
    if (stmt.readonly) return beginTurnRead() ? stmt : undefined;
    endTurnRead();
    return raw.inTransaction ? undefined : stmt;
  };

  /**
   * A read outside a transaction: at once; or, between the members of an open commit group, inside
   * the group, answered when it has committed; or NOT_NOW, behind a member's transaction.
   */
  const read = <T>(sqlText: string, inTransaction: boolean, run: (stmt: CachedStatement) => T): T | Promise<T> | typeof NOT_NOW => {
    const stmt = now(sqlText, inTransaction);
    if (stmt) return run(stmt);
    const committed = groups.joinable;
    const readOnly = prepare(sqlText);
    if (!committed || !readOnly.readonly) return NOT_NOW;
    const result = run(readOnly);
    return committed.then(() => result);
  };

  const direct: DirectConnection = {
    all: (sqlText, parameters, inTransaction) => read(sqlText, inTransaction, (stmt) => stmt.all(parameters)),
    first: (sqlText, parameters, inTransaction) => read(sqlText, inTransaction, (stmt) => stmt.get(parameters)),
    run: (sqlText, parameters, inTransaction) => {
      const stmt = now(sqlText, inTransaction);
      if (!stmt) return NOT_NOW;
      if (stmt.reader) throw new Error("run: the statement returns rows; read it with all or first");
      return { numAffectedRows: BigInt(stmt.run(parameters).changes) };
    },
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
      inTransaction: () => raw.inTransaction,
    },
    direct,
  };
}

/**
 * better-sqlite3 builds each result object through V8's C++ API one property at a time, which costs
 * more than the query itself for a point read. Statements that return rows fetch them as arrays, and
 * the objects are built here in plain JS: the same objects (same keys in the same order, a later
 * column of the same name winning), at a fraction of the cost.
 */
function rowsBuiltInJs(stmt: SqliteDatabase.Statement): CachedStatement {
  if (!stmt.reader) return stmt as unknown as CachedStatement;
  const toObject = rowBuilder(stmt.columns().map((c) => c.name));
  stmt.raw(true);
  return {
    reader: true,
    readonly: stmt.readonly,
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
