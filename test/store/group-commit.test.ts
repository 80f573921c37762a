/**
 * SQLite group commit (src/store/sqlite/group-commit.ts): transactions queued behind one another
 * share one COMMIT, and still each one is answered only once its write is durable, fails alone when
 * it fails, and fails when the COMMIT carrying it fails.
 */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import SqliteDatabase from "better-sqlite3";
import { Kysely, sql } from "kysely";
import { all, exec, first, openStore, type Store } from "../../src/store/database.js";
import { CommitGroups, GroupCommitSqliteDialect } from "../../src/store/sqlite/group-commit.js";

interface Db {
  t: { id: number; v: string };
}

describe("SQLite group commit", () => {
  let dir: string;
  let file: string;
  let raw: SqliteDatabase.Database;
  let db: Kysely<Db>;
  /** Statements the driver ran, in order, as SQL text. */
  let ran: string[] = [];
  /** When set, the next COMMIT throws this. */
  let failNextCommit: Error | undefined;
  /** Another connection to the same file: it sees only what was committed. */
  let observer: SqliteDatabase.Database;

  before(() => {
    dir = mkdtempSync(join(tmpdir(), "opencic-group-commit-"));
    file = join(dir, "t.db");
    raw = new SqliteDatabase(file);
    raw.pragma("journal_mode = WAL");
    raw.exec("create table t (id integer primary key, v text not null unique)");
    db = new Kysely<Db>({
      dialect: new GroupCommitSqliteDialect({
        close: () => raw.close(),
        inTransaction: () => raw.inTransaction,
        prepare: (sqlText) => {
          ran.push(sqlText);
          if (sqlText === "commit" && failNextCommit) {
            const err = failNextCommit;
            failNextCommit = undefined;
            return { reader: false, all: () => [], iterate: () => [][Symbol.iterator](), run: () => { throw err; } };
          }
          return raw.prepare(sqlText);
        },
      }, new CommitGroups()),
    });
    observer = new SqliteDatabase(file, { readonly: true });
  });
  after(async () => {
    observer.close();
    await db.destroy();
    rmSync(dir, { recursive: true, force: true });
  });

  const committedCount = () => (observer.prepare("select count(*) as n from t").get() as { n: number }).n;
  const committedIds = () => (observer.prepare("select id from t order by id").all() as { id: number }[]).map((r) => r.id);
  const reset = async () => {
    await sql`delete from t`.execute(db);
    ran = [];
  };
  const insert = (id: number, v = `v${id}`) =>
    db.transaction().execute(async (trx) => {
      await trx.insertInto("t").values({ id, v }).execute();
      return id;
    });

  test("transactions queued together share one COMMIT, and each is durable when its execute resolves", async () => {
    await reset();
    const seenAtResolve: boolean[] = [];
    await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        insert(i + 1).then((id) => {
          seenAtResolve.push(committedIds().includes(id));
        }),
      ),
    );
    assert.deepEqual(seenAtResolve, Array(20).fill(true));
    assert.equal(committedCount(), 20);
    const commits = ran.filter((s) => s === "commit").length;
    assert.ok(commits >= 1 && commits < 20, `20 queued transactions took ${commits} commits`);
  });

  test("transactions started in one event-loop turn share a COMMIT even when none queued behind another", async () => {
    await reset();
    const a = insert(1);
    // a has run its statements and handed the connection back by now; b starts later in the same turn.
    for (let i = 0; i < 20; i++) await Promise.resolve();
    const b = insert(2);
    await Promise.all([a, b]);
    assert.deepEqual(committedIds(), [1, 2]);
    assert.equal(ran.filter((s) => s === "begin").length, 1);
    assert.equal(ran.filter((s) => s === "commit").length, 1);
  });

  test("a steady queue still commits: one COMMIT carries at most 64 transactions", async () => {
    await reset();
    await Promise.all(Array.from({ length: 200 }, (_, i) => insert(i + 1)));
    assert.equal(committedCount(), 200);
    assert.ok(ran.filter((s) => s === "commit").length >= 4);
  });

  test("a transaction that fails rolls back alone; the others of its group commit", async () => {
    await reset();
    const results = await Promise.allSettled([
      insert(1),
      db.transaction().execute(async (trx) => {
        await trx.insertInto("t").values({ id: 2, v: "two" }).execute();
        throw new Error("changed my mind");
      }),
      insert(3),
      insert(4, "v3"), // unique violation on v: fails in the middle of its group
      insert(5),
    ]);
    assert.deepEqual(results.map((r) => r.status), ["fulfilled", "rejected", "fulfilled", "rejected", "fulfilled"]);
    assert.deepEqual(committedIds(), [1, 3, 5]);
  });

  test("a COMMIT that fails fails every transaction it carried, and none of their writes stays", async () => {
    await reset();
    failNextCommit = new Error("disk I/O error");
    const results = await Promise.allSettled([insert(1), insert(2), insert(3)]);
    assert.ok(results.every((r) => r.status === "rejected"), JSON.stringify(results.map((r) => r.status)));
    assert.equal(committedCount(), 0);
    assert.equal(raw.inTransaction, false);
    // The connection goes on working.
    await insert(4);
    assert.deepEqual(committedIds(), [4]);
  });

  test("a statement outside a transaction queued behind a group commits the group first and never runs inside it", async () => {
    await reset();
    await Promise.all([insert(1), db.insertInto("t").values({ id: 2, v: "v2" }).execute()]);
    assert.deepEqual(committedIds(), [1, 2]);
    const insertSql = ran.find((s) => s.startsWith("insert"));
    assert.deepEqual(ran, ["begin", "savepoint opencic_member", insertSql, "release opencic_member", "commit", insertSql]);
  });
});

describe("SQLite group commit, with the store's direct statements", () => {
  let dir: string;
  let file: string;
  let store: Store;
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), "opencic-group-commit-"));
    file = join(dir, "opencic.db");
    store = await openStore({ sqliteFile: file });
    await sql`create table t (id integer primary key, v text not null)`.execute(store.db);
  });
  after(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  test("a direct read or write outside a transaction never runs inside a member's transaction: it waits for the COMMIT", async () => {
    const db = store.db as unknown as Kysely<Db>;
    await sql`delete from t`.execute(store.db);
    let readDuring: unknown = "not read";
    let writeDuring: unknown = "not written";
    const a = db.transaction().execute(async (trx) => {
      await trx.insertInto("t").values({ id: 1, v: "v1" }).execute();
    });
    const b = db.transaction().execute(async (trx) => {
      // Runs in a's group, before its COMMIT, holding the connection: statements from outside must not run now.
      readDuring = first(store.db, sql`select id from t where id = 1`);
      writeDuring = exec(store.db, sql`insert into t (id, v) values (3, 'v3')`);
      await trx.insertInto("t").values({ id: 2, v: "v2" }).execute();
    });
    await Promise.all([a, b]);
    // They queued (promises, not values) and then ran after the COMMIT.
    assert.ok(readDuring instanceof Promise && writeDuring instanceof Promise);
    assert.deepEqual(await readDuring, { id: 1 });
    assert.equal(await writeDuring, 1);
    assert.deepEqual(await all(store.db, sql<{ id: number }>`select id from t order by id`), [{ id: 1 }, { id: 2 }, { id: 3 }]);
  });

  test("a direct read between the members of an open group is answered only once the group has committed", async () => {
    await sql`delete from t`.execute(store.db);
    const observer = new SqliteDatabase(file, { readonly: true });
    try {
      const a = (store.db as unknown as Kysely<Db>).transaction().execute(async (trx) => {
        await trx.insertInto("t").values({ id: 1, v: "v1" }).execute();
      });
      // a has released its savepoint and handed the connection back; its group commits at the end of the turn.
      for (let i = 0; i < 20; i++) await Promise.resolve();
      const read = first(store.db, sql<{ id: number }>`select id from t where id = 1`);
      assert.ok(read instanceof Promise, "read inside the open group: its answer waits for the COMMIT");
      assert.equal((observer.prepare("select count(*) as n from t").get() as { n: number }).n, 0, "not committed yet");
      const row = await read;
      assert.deepEqual(row, { id: 1 });
      assert.equal((observer.prepare("select count(*) as n from t").get() as { n: number }).n, 1, "answered after the COMMIT");
      await a;
      // With no group open, a read answers at once again.
      assert.deepEqual(first(store.db, sql`select id from t where id = 1`), { id: 1 });
    } finally {
      observer.close();
    }
  });
});
