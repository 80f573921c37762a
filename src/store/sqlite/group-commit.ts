/**
 * kysely's SQLite driver, with group commit: the transactions that queue for the one connection
 * while another runs share one SQLite transaction and one COMMIT.
 *
 * A commit writes every page the transaction touched to the WAL, and that costs more than the
 * statements of a small write (a CreateUser changes a few pages of five B-trees). Transactions that
 * queue behind one another run one after the other anyway; here each runs as a savepoint inside an
 * outer transaction, and the outer transaction commits once at the end of the event-loop turn, when
 * no one is queuing (or after MAX_MEMBERS transactions, so a steady queue still commits): the
 * writes of the requests read in one turn share a COMMIT. A transaction that fails rolls back to
 * its savepoint and leaves the others alone. A transaction's `execute` resolves only after the
 * COMMIT that made it durable, so nobody is answered before their write is on disk, and an outer
 * COMMIT that fails (or an error by which SQLite rolled the whole transaction back) fails every
 * transaction that was waiting on it.
 *
 * The connection is handed to the next transaction as soon as a transaction has released its
 * savepoint, before the outer COMMIT: that is what lets the queue, and the turn, join the group.
 * A write outside a transaction (kysely's or a direct one) commits the group first, so it is never
 * answered before its own write is durable. A direct read outside a transaction between members runs
 * inside the group and is answered once the group has committed (CommitGroups), so it never reports
 * a write that might not be; kysely's own reads commit the group first.
 */
import type { CompiledQuery, DatabaseConnection, Driver, QueryResult, SqliteDatabase } from "kysely";
import { StoreSqliteDialect } from "./dialect.js";
import { runTurnEnd } from "../../lib/turn-end.js";

/** The transactions one COMMIT may carry: each waits for it, so a steady queue must not wait for ever. */
const MAX_MEMBERS = 64;

/** The one connection as the driver needs it: prepare through the statement cache, and SQLite's own transaction flag. */
export interface GroupCommitDatabase extends SqliteDatabase {
  inTransaction(): boolean;
}

/**
 * The open group as statements from outside a transaction see it (sqlite-connection.ts): while no
 * member is in the middle of its transaction, a read may run inside the group, and is answered when
 * the group's COMMIT is done; it must not be answered with writes that are not committed yet.
 */
export class CommitGroups {
  /** The open group's COMMIT, while no member holds the connection; undefined otherwise. */
  joinable: Promise<void> | undefined;
}

/** The store's SQLite dialect (its SQL as `dialect.ts` writes it) with the group-committing driver. */
export class GroupCommitSqliteDialect extends StoreSqliteDialect {
  constructor(
    private readonly database: GroupCommitDatabase,
    private readonly groups: CommitGroups,
  ) {
    super({ database });
  }

  override createDriver(): Driver {
    return new GroupCommitDriver(this.database, this.groups);
  }
}

/** The transactions of one outer SQLite transaction, waiting for its COMMIT. */
interface Group {
  members: number;
  /** Whether its COMMIT is due at the end of this turn. */
  scheduled: boolean;
  committed: Promise<void>;
  resolve(): void;
  reject(err: unknown): void;
}

const SAVEPOINT = "opencic_member";

class GroupCommitDriver implements Driver {
  /** Whether someone holds the connection; the next holders wait in `waiting`. */
  private held = false;
  private readonly waiting: Array<() => void> = [];
  private group: Group | undefined;

  constructor(
    private readonly db: GroupCommitDatabase,
    private readonly groups: CommitGroups,
  ) {}

  async init(): Promise<void> {}

  async acquireConnection(): Promise<DatabaseConnection> {
    if (this.held) await new Promise<void>((resolve) => this.waiting.push(resolve));
    this.held = true;
    this.groups.joinable = undefined;
    return new Hold(this);
  }

  async beginTransaction(connection: DatabaseConnection): Promise<void> {
    const hold = connection as Hold;
    if (!this.group) {
      this.run("begin");
      let resolve!: () => void;
      let reject!: (err: unknown) => void;
      const committed = new Promise<void>((res, rej) => {
        resolve = res;
        reject = rej;
      });
      // Nobody may be waiting on it yet (a group can fail before its first member commits).
      committed.catch(() => {});
      this.group = { members: 0, scheduled: false, committed, resolve, reject };
    }
    this.run(`savepoint ${SAVEPOINT}`);
    hold.group = this.group;
  }

  async commitTransaction(connection: DatabaseConnection): Promise<void> {
    const hold = connection as Hold;
    const group = hold.group!;
    hold.group = undefined;
    this.run(`release ${SAVEPOINT}`);
    group.members++;
    this.handOver(hold);
    await group.committed;
  }

  async rollbackTransaction(connection: DatabaseConnection): Promise<void> {
    const hold = connection as Hold;
    const group = hold.group!;
    hold.group = undefined;
    if (this.db.inTransaction()) {
      this.run(`rollback to ${SAVEPOINT}`);
      this.run(`release ${SAVEPOINT}`);
    } else if (this.group === group) {
      // SQLite rolled the whole outer transaction back (a full disk, an I/O error): every member lost its write.
      this.group = undefined;
      this.groups.joinable = undefined;
      group.reject(new Error("the transaction was rolled back with the others committing with it"));
    }
  }

  async releaseConnection(connection: DatabaseConnection): Promise<void> {
    const hold = connection as Hold;
    if (!hold.released) this.handOver(hold);
  }

  async destroy(): Promise<void> {
    this.commitGroup();
    this.db.close();
  }

  /** Runs a statement outside any transaction: after the group it would otherwise join has committed. */
  execute<R>(compiledQuery: CompiledQuery, inTransaction: boolean): QueryResult<R> {
    if (!inTransaction) this.commitGroup();
    const stmt = this.db.prepare(compiledQuery.sql);
    let result: QueryResult<R>;
    if (stmt.reader) result = { rows: stmt.all(compiledQuery.parameters) as R[] };
    else {
      const { changes, lastInsertRowid } = stmt.run(compiledQuery.parameters);
      result = { numAffectedRows: BigInt(changes), insertId: BigInt(lastInsertRowid), rows: [] };
    }
    return result;
  }

  /**
   * The connection passes to the next in line. With no one in line the group stays open until the
   * end of this event-loop turn's I/O callbacks: requests read in the same turn join it.
   */
  private handOver(hold: Hold): void {
    hold.released = true;
    const group = this.group;
    if (group && group.members >= MAX_MEMBERS) this.commitGroup();
    const next = this.waiting.shift();
    if (next) return next();
    this.held = false;
    this.groups.joinable = this.group?.committed;
    if (group && this.group === group && !group.scheduled) {
      group.scheduled = true;
      setImmediate(() => {
        // The turn's answers leave before the COMMIT wakes the writers waiting on it (lib/turn-end.ts).
        runTurnEnd();
        group.scheduled = false;
        // A holder inside the group schedules it again when it hands over.
        if (this.group === group && !this.held) this.commitGroup();
      });
    }
  }

  private commitGroup(): void {
    const group = this.group;
    if (!group) return;
    this.group = undefined;
    this.groups.joinable = undefined;
    try {
      this.run("commit");
      group.resolve();
    } catch (err) {
      if (this.db.inTransaction()) this.run("rollback");
      group.reject(err);
    }
  }

  private run(sqlText: string): void {
    this.db.prepare(sqlText).run([]);
  }
}

/** One caller's hold on the connection, from acquire to release. */
class Hold implements DatabaseConnection {
  group: Group | undefined;
  released = false;

  constructor(private readonly driver: GroupCommitDriver) {}

  executeQuery<R>(compiledQuery: CompiledQuery): Promise<QueryResult<R>> {
    try {
      return Promise.resolve(this.driver.execute<R>(compiledQuery, this.group !== undefined));
    } catch (err) {
      return Promise.reject(err);
    }
  }

  // eslint-disable-next-line require-yield
  async *streamQuery<R>(): AsyncIterableIterator<QueryResult<R>> {
    throw new Error("streaming queries are not used on SQLite");
  }
}
