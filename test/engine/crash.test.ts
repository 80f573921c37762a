/**
 * Durable work: a server killed with SIGKILL in the middle of a large fan-out resumes on restart and
 * converges to exactly the right sub-users, none lost and none duplicated; the InProgress tasks finish.
 */
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { once } from "node:events";
import { join } from "node:path";
import { after, test } from "node:test";
import { parseLimits } from "../../src/core/limits.js";
import { openRuntime } from "../../src/runtime.js";
import { openStore, type Store } from "../../src/store/database.js";
import { ENGINES, orgClient, throwawaySchema } from "../helpers/harness.js";
import { seedFanout } from "../helpers/fanout.js";
import { removeTempDirs, serve, tempDir } from "../helpers/process.js";

after(removeTempDirs);

const USERS = 3000;
const TARGETS = 3;
const LIMITS = `usersPerDirectory=${USERS},membersPerGroup=${USERS},subUsersPerAccount=${USERS + 10}`;

const managedCount = async (store: Store) =>
  Number((await store.db.selectFrom("sub_users").select((eb) => eb.fn.countAll<number>().as("n")).where("directory_user_id", "is not", null).executeTakeFirstOrThrow()).n);

for (const engine of ENGINES) {
  test(`SIGKILL in the middle of a ${USERS}×${TARGETS} fan-out, then restart (${engine})`, async () => {
    const dataDir = tempDir();
    const pgs = engine === "postgres" ? await throwawaySchema("crash") : undefined;
    const databaseUrl = pgs?.url;
    // A pause between write batches widens the window in which the kill lands mid-way.
    const env = { OPENCIC_MASTER_KEY: randomBytes(32).toString("hex"), OPENCIC_LIMITS: LIMITS, OPENCIC_WORKER_BATCH_PAUSE_MS: "30" };
    try {
      // Seed through the core: a group of USERS users, TARGETS member accounts, one hand-made clash.
      const rt = await openRuntime({ dataDir, databaseUrl, masterKey: env.OPENCIC_MASTER_KEY, limits: parseLimits(LIMITS) });
      const root = (await rt.core.accounts.bootstrap())!;
      const caller = { accountUin: root.accountUin, principalUin: root.accountUin, isSubUser: false };
      const { targets, zoneId, groupId } = await seedFanout(rt.core, caller, { users: USERS, targets: TARGETS, zoneName: `crash-${engine}` });
      await rt.core.subUsers.create({ accountUin: targets[0]!, principalUin: targets[0]!, isSubUser: false }, { name: "user7" });
      const names: string[] = [];
      for (let i = 0; i < USERS; i++) names.push(`user${i}`);
      const tasks = await rt.core.provisionings.create(
        caller,
        zoneId,
        targets.map((t) => ({ principalType: "Group", principalId: groupId, targetType: "MemberUin", targetUin: t, deletionStrategy: "Delete" })),
        { duplicateSuffix: "_cic" },
      );
      await rt.close();

      // Start the server, and kill it -9 once the fan-out is under way.
      const args = ["--data-dir", dataDir, ...(databaseUrl ? ["--database", databaseUrl] : [])];
      const watcher = await openStore({ databaseUrl, sqliteFile: join(dataDir, "opencic.db") });
      const first = await serve(args, env);
      let atKill = 0;
      const total = USERS * TARGETS;
      for (;;) {
        atKill = await managedCount(watcher);
        if (atKill > 0) break;
        await new Promise((r) => setTimeout(r, 5));
      }
      first.proc.kill("SIGKILL");
      await once(first.proc, "exit");
      atKill = await managedCount(watcher);
      assert.ok(atKill < total, `the kill landed mid-way (${atKill} of ${total} sub-users existed)`);

      // Restart: the work resumes from the database and converges.
      const second = await serve(args, env);
      try {
        const client = orgClient(second, root);
        for (const t of tasks) {
          const deadline = Date.now() + 120_000;
          for (;;) {
            const { TaskStatus } = await client.GetProvisioningTaskStatus({ ZoneId: zoneId, TaskId: t.taskId });
            if (TaskStatus?.Status === "Success") break;
            assert.notEqual(TaskStatus?.Status, "Failed", TaskStatus?.FailureReason);
            assert.ok(Date.now() < deadline, `task ${t.taskId} did not finish`);
            await new Promise((r) => setTimeout(r, 50));
          }
        }
        for (const [i, target] of targets.entries()) {
          const rows = await watcher.db.selectFrom("sub_users").select(["name", "directory_user_id"]).where("account_uin", "=", target).execute();
          const managed = rows.filter((r) => r.directory_user_id !== null).map((r) => r.name).sort();
          const expected = names.map((n) => (i === 0 && n === "user7" ? "user7_cic" : n)).sort();
          assert.deepEqual(managed, expected, `exactly one sub-user per user in target ${i}`);
          assert.equal(rows.length, managed.length + (i === 0 ? 1 : 0), "nothing else was created");
          const claims = await watcher.db.selectFrom("provisioning_claims").select((eb) => eb.fn.countAll<number>().as("n")).where("target_uin", "=", target).executeTakeFirstOrThrow();
          assert.equal(Number(claims.n), USERS);
        }
        const queue = await watcher.db.selectFrom("reconcile_queue").selectAll().execute();
        assert.deepEqual(queue, [], "no work left behind");
      } finally {
        await second.stop();
        await watcher.close();
      }
    } finally {
      await pgs?.drop();
    }
  });
}
