/** The storage layer on both engines: migrations, sequences, uniqueness, text matching, number types. */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { sql } from "kysely";
import { containsText, isKeyClash, isUniqueViolation, nextSequence, precompiled, precompiledRow, withFreshId } from "../../src/store/database.js";
import type { Kysely } from "kysely";
import type { Database } from "../../src/store/schema.js";
import { migrationProvider } from "../../src/store/migrations/index.js";
import { insertRows } from "../../src/store/shapes.js";
import { ENGINES, openTestStore, type TestStore } from "../helpers/harness.js";

for (const engine of ENGINES) {
  describe(`store (${engine})`, () => {
    let t: TestStore;
    before(async () => {
      t = await openTestStore(engine);
    });
    after(() => t.cleanup());

    if (engine === "sqlite") {
      test("SQLite: WAL, and temporary files (the commit group's savepoint sub-journals) in memory", async () => {
        const pragma = async (name: string) => Object.values((await sql<Record<string, unknown>>`select * from ${sql.raw(`pragma_${name}`)}`.execute(t.store.db)).rows[0]!)[0];
        assert.equal(await pragma("journal_mode"), "wal");
        assert.equal(await pragma("temp_store"), 2, "MEMORY");
      });
    }

    test("insertRows: rows in statements of at most `chunk`, conflicts skipped when asked, one column list", async () => {
      const db = t.store.db;
      const rows = Array.from({ length: 250 }, (_, i) => ({ key: `ins-${String(i).padStart(3, "0")}`, value: `v${i}` }));
      await db.transaction().execute((trx) => insertRows(trx, "meta", rows, { chunk: 100 }));
      const stored = async () => (await db.selectFrom("meta").select(["key", "value"]).where("key", "like", "ins-%").orderBy("key").execute()).map((r) => `${r.key}=${r.value}`);
      assert.deepEqual(await stored(), rows.map((r) => `${r.key}=${r.value}`));
      // The same shapes again, now with conflicts: the rows already there are kept as they are, new ones go in.
      const again = [...rows.slice(0, 150).map((r) => ({ ...r, value: "changed" })), { key: "ins-new", value: "new" }];
      await db.transaction().execute((trx) => insertRows(trx, "meta", again, { chunk: 100, skipConflictsOn: ["key"] }));
      assert.deepEqual(await stored(), [...rows.map((r) => `${r.key}=${r.value}`), "ins-new=new"]);
      await assert.rejects(db.transaction().execute((trx) => insertRows(trx, "meta", again, { chunk: 100 })), (err: unknown) => isUniqueViolation(err));
      await assert.rejects(insertRows(db, "meta", [{ key: "a", value: "1" }, { key: "b" } as never], { chunk: 10 }), /same columns/);
      assert.equal((await stored()).length, 251, "a refused insert changed nothing");
    });

    test("migrations are recorded and re-applying them at the next start is a no-op", async () => {
      const rows = await sql<{ name: string }>`select name from kysely_migration order by name`.execute(t.store.db);
      const expected = Object.keys(await migrationProvider.getMigrations()).sort();
      assert.deepEqual(rows.rows.map((r) => r.name), expected);
      assert.ok(expected.length >= 2);
      const again = await t.reopen();
      try {
        const seq = await again.db.selectFrom("sequences").select(["name", "value"]).orderBy("name").execute();
        assert.deepEqual(seq.map((s) => s.name), ["node_id", "org_id", "uid", "uin"]);
      } finally {
        await again.close();
      }
    });

    test("sequences hand out distinct values under concurrency, from two connections", async () => {
      const other = await t.reopen();
      try {
        const got = await Promise.all(
          Array.from({ length: 60 }, (_, i) => nextSequence(i % 2 ? t.store.db : other.db, "uid")),
        );
        assert.equal(new Set(got).size, 60);
        const block = await nextSequence(t.store.db, "uid", 100);
        const next = await nextSequence(t.store.db, "uid");
        assert.equal(next, block + 100, "a block reserves consecutive values");
      } finally {
        await other.close();
      }
    });

    test("bigint columns come back as JS numbers", async () => {
      await t.store.db.insertInto("accounts").values({ uin: 100009999999, name: "n", kind: "root", created_by_org: null, created_at: 1795310705123 }).execute();
      const row = await t.store.db.selectFrom("accounts").selectAll().where("uin", "=", 100009999999).executeTakeFirstOrThrow();
      assert.equal(row.uin, 100009999999);
      assert.equal(row.created_at, 1795310705123);
      const { n } = await t.store.db.selectFrom("accounts").select((eb) => eb.fn.countAll<number>().as("n")).executeTakeFirstOrThrow();
      assert.equal(typeof n, "number");
    });

    test("unique violations are recognised on this engine", async () => {
      const row = { uin: 100008888888, name: "u", kind: "root" as const, created_by_org: null, created_at: 1 };
      await t.store.db.insertInto("accounts").values(row).execute();
      const err = await t.store.db.insertInto("accounts").values(row).execute().then(() => null, (e: unknown) => e);
      assert.ok(err, "a duplicate primary key must fail");
      assert.equal(isUniqueViolation(err), true);
      assert.equal(isUniqueViolation(new Error("other")), false);
    });

    test("containsText is case-insensitive and treats % and _ literally", async () => {
      const names = ["Alpha_1", "alpha%2", "ALPHAx3", "beta"];
      for (const [i, name] of names.entries()) {
        await t.store.db.insertInto("accounts").values({ uin: 100007000000 + i, name, kind: "root", created_by_org: null, created_at: i }).execute();
      }
      const find = async (needle: string) =>
        (await t.store.db.selectFrom("accounts").select("name").where(containsText("name", needle)).where("uin", ">=", 100007000000).where("uin", "<", 100007000010).orderBy("uin").execute()).map((r) => r.name);
      assert.deepEqual(await find("alpha"), ["Alpha_1", "alpha%2", "ALPHAx3"]);
      assert.deepEqual(await find("_"), ["Alpha_1"]);
      assert.deepEqual(await find("%"), ["alpha%2"]);
      assert.deepEqual(await find("a_1"), ["Alpha_1"]);
      const byUin = await t.store.db.selectFrom("accounts").select("uin").where(containsText("uin", "7000003", { castToText: true })).execute();
      assert.deepEqual(byUin.map((r) => r.uin), [100007000003]);
    });

    test("directory names and emails are unique regardless of case; empty emails do not clash", async () => {
      const user = (id: string, name: string, email: string) => ({
        user_id: id, directory_id: "z-test", user_name: name, first_name: "", last_name: "", display_name: "", description: "",
        email, user_status: "Enabled" as const, user_type: "Manual" as const, need_reset_password: 0, password_hash: null, created_at: 1, updated_at: 1,
      });
      await t.store.db.insertInto("dir_users").values(user("u-1", "Alice", "A@x.io")).execute();
      await t.store.db.insertInto("dir_users").values(user("u-2", "bob", "")).execute();
      await t.store.db.insertInto("dir_users").values(user("u-3", "carol", "")).execute();
      for (const clash of [user("u-4", "ALICE", "other@x.io"), user("u-5", "dave", "a@X.IO")]) {
        const err = await t.store.db.insertInto("dir_users").values(clash).execute().then(() => null, (e: unknown) => e);
        assert.equal(isUniqueViolation(err), true, `${clash.user_name} must clash`);
      }
    });

    test("a clash on a made key is told from other clashes, and withFreshId retries only that one", async () => {
      const user = (id: string, name: string) => ({
        user_id: id, directory_id: "z-fresh", user_name: name, first_name: "", last_name: "", display_name: "", description: "",
        email: "", user_status: "Enabled" as const, user_type: "Manual" as const, need_reset_password: 0, password_hash: null, created_at: 1, updated_at: 1,
      });
      const db = t.store.db;
      await db.insertInto("dir_users").values(user("u-fresh000001", "taken")).execute();
      // The key clashes: a fresh key, and the insert runs again.
      const row = user("u-fresh000001", "newcomer");
      const renewed: string[] = [];
      await withFreshId(
        () => db.transaction().execute((trx) => trx.insertInto("dir_users").values(row).execute()),
        () => renewed.push((row.user_id = `u-fresh00000${renewed.length + 2}`)),
      );
      assert.deepEqual(renewed, ["u-fresh000002"]);
      assert.equal((await db.selectFrom("dir_users").select("user_name").where("user_id", "=", "u-fresh000002").executeTakeFirst())?.user_name, "newcomer");
      // The name clashes: no retry, the clash is the caller's to report.
      let renewals = 0;
      const err = await withFreshId(() => db.insertInto("dir_users").values(user("u-fresh000009", "TAKEN")).execute(), () => renewals++).then(() => null, (e: unknown) => e);
      assert.equal(renewals, 0);
      assert.equal(isUniqueViolation(err), true);
      assert.equal(isKeyClash(err), false);
      // A key that keeps clashing gives up after a few fresh ones.
      let tries = 0;
      const stuck = await withFreshId(() => (tries++, db.insertInto("dir_users").values(user("u-fresh000001", `stuck${tries}`)).execute()), () => {}).then(() => null, (e: unknown) => e);
      assert.equal(isKeyClash(stuck), true);
      assert.equal(tries, 3);
    });

    test("a precompiled read never sees another caller's open transaction, and sees it once committed", async () => {
      const accountByUin = precompiled((db: Kysely<Database>, uin: number) => db.selectFrom("accounts").select(["uin", "name"]).where("uin", "=", uin));
      let release!: () => void;
      const held = new Promise<void>((resolve) => (release = resolve));
      let inserted!: () => void;
      const insertedYet = new Promise<void>((resolve) => (inserted = resolve));
      const writer = t.store.db.transaction().execute(async (trx) => {
        await trx.insertInto("accounts").values({ uin: 100005000000, name: "pending", kind: "root", created_by_org: null, created_at: 0 }).execute();
        assert.deepEqual(await accountByUin(trx, 100005000000), [{ uin: 100005000000, name: "pending" }], "the transaction reads its own write");
        inserted();
        await held;
      });
      await insertedYet;
      // On SQLite the one connection is inside the writer's transaction: the read must wait for it, not read through it.
      let answered = false;
      const read = Promise.resolve(accountByUin(t.store.db, 100005000000)).then((rows) => ((answered = true), rows));
      await new Promise((resolve) => setTimeout(resolve, 50));
      if (engine === "sqlite") assert.equal(answered, false, "a read while a transaction holds the connection waits for it");
      else assert.deepEqual(await read, [], "PostgreSQL reads the last committed state");
      release();
      await writer;
      if (engine === "sqlite") assert.deepEqual(await read, [{ uin: 100005000000, name: "pending" }]);
      assert.deepEqual(await accountByUin(t.store.db, 100005000000), [{ uin: 100005000000, name: "pending" }]);
      assert.deepEqual(await accountByUin(t.store.db, 100005000001), []);
    });

    test("a precompiled one-row read answers the row or undefined, and waits for an open transaction like any read", async () => {
      const nameOf = precompiledRow((db: Kysely<Database>, uin: number) => db.selectFrom("accounts").select("name").where("uin", "=", uin));
      await t.store.db.insertInto("accounts").values({ uin: 100005100000, name: "one", kind: "root", created_by_org: null, created_at: 0 }).execute();
      assert.deepEqual(await nameOf(t.store.db, 100005100000), { name: "one" });
      assert.equal(await nameOf(t.store.db, 100005100001), undefined);
      let release!: () => void;
      const held = new Promise<void>((resolve) => (release = resolve));
      let updated!: () => void;
      const updatedYet = new Promise<void>((resolve) => (updated = resolve));
      const writer = t.store.db.transaction().execute(async (trx) => {
        await trx.updateTable("accounts").set({ name: "two" }).where("uin", "=", 100005100000).execute();
        assert.deepEqual(await nameOf(trx, 100005100000), { name: "two" });
        updated();
        await held;
      });
      await updatedYet;
      const read = Promise.resolve(nameOf(t.store.db, 100005100000));
      // PostgreSQL reads the last committed state at once; on SQLite the read waits for the writer.
      if (engine !== "sqlite") assert.deepEqual(await read, { name: "one" });
      release();
      await writer;
      if (engine === "sqlite") assert.deepEqual(await read, { name: "two" });
      assert.deepEqual(await nameOf(t.store.db, 100005100000), { name: "two" });
    });

    test("precompiled reads in one turn see this process's writes made between them, and other connections' commits", async () => {
      const accountByUin = precompiled((db: Kysely<Database>, uin: number) => db.selectFrom("accounts").select("name").where("uin", "=", uin));
      const row = (uin: number, name: string) => ({ uin, name, kind: "root" as const, created_by_org: null, created_at: 0 });
      // All in one synchronous stretch up to the write's await, as a burst of requests in one turn would run.
      const before = accountByUin(t.store.db, 100004000000);
      const write = t.store.db.insertInto("accounts").values(row(100004000000, "first")).execute();
      await write;
      const after = accountByUin(t.store.db, 100004000000);
      assert.deepEqual(await before, []);
      assert.deepEqual(await after, [{ name: "first" }]);

      // A transaction begun right after a read in the same turn is not nested in anything.
      const read = accountByUin(t.store.db, 100004000000);
      await t.store.db.transaction().execute(async (trx) => {
        await trx.updateTable("accounts").set({ name: "second" }).where("uin", "=", 100004000000).execute();
      });
      assert.deepEqual(await read, [{ name: "first" }]);
      assert.deepEqual(await accountByUin(t.store.db, 100004000000), [{ name: "second" }]);

      // Another connection (another process on the same database) commits: reads from the next turn on see it.
      // Within one turn reads share a snapshot (on SQLite; see sqliteConnection), as if made when the turn began.
      const other = await t.reopen();
      const nextTurn = () => new Promise((resolve) => setImmediate(resolve));
      try {
        await other.db.insertInto("accounts").values(row(100004000001, "elsewhere")).execute();
        await nextTurn();
        assert.deepEqual(await accountByUin(t.store.db, 100004000001), [{ name: "elsewhere" }]);
        await nextTurn();
        await other.db.updateTable("accounts").set({ name: "changed" }).where("uin", "=", 100004000001).execute();
        await nextTurn();
        if (engine === "sqlite") {
          // The read ran at once in this turn's read transaction; the other connection then writes
          // (WAL: readers never block writers). On PostgreSQL the read is a query still on its way,
          // which may run before or after the delete: there is no turn to hold it.
          const held = accountByUin(t.store.db, 100004000001);
          await other.db.deleteFrom("accounts").where("uin", "=", 100004000001).execute();
          assert.deepEqual(await held, [{ name: "changed" }]);
        } else {
          await other.db.deleteFrom("accounts").where("uin", "=", 100004000001).execute();
        }
        await nextTurn();
        assert.deepEqual(await accountByUin(t.store.db, 100004000001), []);
      } finally {
        await other.close();
      }
    });

    // The turn's shared read transaction is SQLite's (see sqliteConnection).
    if (engine === "sqlite") test("closing the store with a read in flight in this turn is clean", async () => {
      const again = await t.reopen();
      const accountByUin = precompiled((db: Kysely<Database>, uin: number) => db.selectFrom("accounts").select("name").where("uin", "=", uin));
      const crashes: unknown[] = [];
      const onError = (err: unknown) => crashes.push(err);
      process.on("uncaughtException", onError);
      try {
        const read = accountByUin(again.db, 1);
        await again.close();
        assert.deepEqual(await read, []);
        await new Promise((resolve) => setTimeout(resolve, 20));
        assert.deepEqual(crashes, []);
      } finally {
        process.off("uncaughtException", onError);
      }
    });

    test("rows come back as plain objects in column order; a later column of the same name wins", async () => {
      const { rows } = await sql<Record<string, unknown>>`select 1 as a, 'two' as b, 3 as a, null as c`.execute(t.store.db);
      assert.deepEqual(rows, [{ a: 3, b: "two", c: null }]);
      assert.deepEqual(Object.keys(rows[0]!), ["a", "b", "c"]);
      assert.equal(Object.getPrototypeOf(rows[0]), Object.prototype);
    });

    if (engine === "sqlite") test("a column named __proto__ is a field of the row, not its prototype", async () => {
      const { rows } = await sql<Record<string, unknown>>`select 'x' as "__proto__", 2 as b`.execute(t.store.db);
      assert.equal(Object.getPrototypeOf(rows[0]), Object.prototype);
      assert.deepEqual(Object.entries(rows[0]!), [["__proto__", "x"], ["b", 2]]);
    });

    test("a bound LIMIT and OFFSET page as given, run after run of one precompiled statement", async () => {
      for (let i = 0; i < 5; i++) {
        await t.store.db.insertInto("accounts").values({ uin: 100003000000 + i, name: `page${i}`, kind: "root", created_by_org: null, created_at: i }).execute();
      }
      const page = precompiled((db: Kysely<Database>, limit: number, offset: number) =>
        db.selectFrom("accounts").select("name").where("uin", ">=", 100003000000).where("uin", "<", 100003000010).orderBy("uin").limit(limit).offset(offset),
      );
      const names = async (limit: number, offset: number) => (await page(t.store.db, limit, offset)).map((r) => r.name);
      assert.deepEqual(await names(2, 0), ["page0", "page1"]);
      assert.deepEqual(await names(2, 3), ["page3", "page4"]);
      assert.deepEqual(await names(10, 1), ["page1", "page2", "page3", "page4"]);
      assert.deepEqual(await names(0, 0), []);
      if (engine === "sqlite") {
        // SQLite plans a bare `limit ?` with the value bound, which makes it prepare the kept statement
        // again at every run; `+?` is the same value without that (see store/sqlite/dialect.ts).
        const { sql: text } = t.store.db.selectFrom("accounts").select("name").limit(1).offset(2).compile();
        assert.match(text, / limit \+\? offset \+\?$/);
      }
    });

    test("a failed transaction leaves nothing behind", async () => {
      await assert.rejects(
        t.store.db.transaction().execute(async (trx) => {
          await trx.insertInto("accounts").values({ uin: 100006000000, name: "half", kind: "root", created_by_org: null, created_at: 0 }).execute();
          throw new Error("boom");
        }),
      );
      const row = await t.store.db.selectFrom("accounts").select("uin").where("uin", "=", 100006000000).executeTakeFirst();
      assert.equal(row, undefined);
    });
  });
}
