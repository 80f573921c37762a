/**
 * Migration 011 on both engines: strategy spellings stored by earlier versions become the Alibaba
 * door's annotations (so Terraform still reads back "Takeover"), the old columns go, and down() puts
 * them back.
 */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, test } from "node:test";
import SqliteDatabase from "better-sqlite3";
import { Kysely, Migrator, PostgresDialect, SqliteDialect, sql } from "kysely";
import pg from "pg";
import { migrationProvider } from "../../src/store/migrations/index.js";
import { ENGINES, throwawaySchema } from "../helpers/harness.js";

const BEFORE = "010-request-nonce-log";

async function open(engine: (typeof ENGINES)[number]): Promise<{ db: Kysely<any>; migrator: Migrator; cleanup(): Promise<void> }> {
  if (engine === "sqlite") {
    const dir = mkdtempSync(join(tmpdir(), "opencic-011-"));
    const db = new Kysely<any>({ dialect: new SqliteDialect({ database: new SqliteDatabase(join(dir, "opencic.db")) }) });
    return { db, migrator: new Migrator({ db, provider: migrationProvider }), cleanup: async () => (await db.destroy(), rmSync(dir, { recursive: true, force: true })) };
  }
  const { url, drop } = await throwawaySchema("m011");
  const db = new Kysely<any>({ dialect: new PostgresDialect({ pool: new pg.Pool({ connectionString: url, max: 1 }) }) });
  const schema = (await sql<{ schema: string }>`select current_schema() as schema`.execute(db)).rows[0]!.schema;
  return { db, migrator: new Migrator({ db, provider: migrationProvider, migrationTableSchema: schema }), cleanup: async () => (await db.destroy(), await drop()) };
}

const row = (id: string, duplication: string | null, deletion: string | null) => ({
  provisioning_id: id,
  directory_id: "z-000000000001",
  principal_type: "User",
  principal_id: `u-${id}`,
  target_type: "MemberUin",
  target_uin: 100000000001,
  duplication_strategy: "TakeOver",
  deletion_strategy: "Keep",
  description: "",
  status: "Enabled",
  created_at: 1,
  updated_at: 1,
  duplication_spelling: duplication,
  deletion_spelling: deletion,
});

for (const engine of ENGINES) {
  describe(`migration 011, provisioning annotations (${engine})`, () => {
    test("spellings move into annotations under the Alibaba door's keys, and back on the way down", async () => {
      const t = await open(engine);
      try {
        const to = await t.migrator.migrateTo(BEFORE);
        assert.equal(to.error, undefined);
        await t.db.insertInto("provisionings").values([row("up-a", "Takeover", "keep"), row("up-b", null, "KEEP"), row("up-c", null, null)]).execute();

        const up = await t.migrator.migrateToLatest();
        assert.equal(up.error, undefined);
        const after = await t.db.selectFrom("provisionings").selectAll().orderBy("provisioning_id").execute();
        assert.deepEqual(
          after.map((r) => [r.provisioning_id, JSON.parse(r.annotations)]),
          [
            ["up-a", { "cloudsso.DuplicationStrategy": "Takeover", "cloudsso.DeletionStrategy": "keep" }],
            ["up-b", { "cloudsso.DeletionStrategy": "KEEP" }],
            ["up-c", {}],
          ],
        );
        assert.ok(after.every((r) => !("duplication_spelling" in r) && !("deletion_spelling" in r)), "the spelling columns are gone");

        const down = await t.migrator.migrateTo(BEFORE);
        assert.equal(down.error, undefined);
        const back = await t.db.selectFrom("provisionings").select(["provisioning_id", "duplication_spelling", "deletion_spelling"]).orderBy("provisioning_id").execute();
        assert.deepEqual(back, [
          { provisioning_id: "up-a", duplication_spelling: "Takeover", deletion_spelling: "keep" },
          { provisioning_id: "up-b", duplication_spelling: null, deletion_spelling: "KEEP" },
          { provisioning_id: "up-c", duplication_spelling: null, deletion_spelling: null },
        ]);
      } finally {
        await t.cleanup();
      }
    });
  });
}
