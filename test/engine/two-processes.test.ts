/**
 * Several processes on one PostgreSQL database share the reconcile queue (FOR UPDATE SKIP LOCKED
 * plus leases): a fan-out across many targets is completed exactly once, whichever process does it.
 */
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { after, test } from "node:test";
import { parseLimits } from "../../src/core/limits.js";
import { openRuntime } from "../../src/runtime.js";
import { openStore } from "../../src/store/database.js";
import { orgClient, TEST_DATABASE_URL, throwawaySchema } from "../helpers/harness.js";
import { seedFanout } from "../helpers/fanout.js";
import { removeTempDirs, serve, tempDir } from "../helpers/process.js";

after(removeTempDirs);

const USERS = 1000;
const TARGETS = 8;
const LIMITS = `usersPerDirectory=${USERS},membersPerGroup=${USERS}`;

test("two server processes on one PostgreSQL database complete a fan-out exactly once", { skip: TEST_DATABASE_URL ? false : "needs TEST_DATABASE_URL (PostgreSQL)" }, async () => {
  const { url: databaseUrl, drop } = await throwawaySchema("multi");
  const env = { OPENCIC_MASTER_KEY: randomBytes(32).toString("hex"), OPENCIC_LIMITS: LIMITS, OPENCIC_WORKER_BATCH_PAUSE_MS: "10" };
  try {
    const rt = await openRuntime({ dataDir: tempDir(), databaseUrl, masterKey: env.OPENCIC_MASTER_KEY, limits: parseLimits(LIMITS) });
    const root = (await rt.core.accounts.bootstrap())!;
    const caller = { accountUin: root.accountUin, principalUin: root.accountUin, isSubUser: false };
    const { targets, zoneId, groupId } = await seedFanout(rt.core, caller, { users: USERS, targets: TARGETS, zoneName: "two-processes" });
    await rt.close();

    const a = await serve(["--data-dir", tempDir(), "--database", databaseUrl], env);
    const b = await serve(["--data-dir", tempDir(), "--database", databaseUrl], env);
    try {
      // The provisionings arrive through one process; both workers see the queue.
      const created = await orgClient(a, root).CreateUserSyncProvisioning({
        ZoneId: zoneId,
        UserSyncProvisionings: targets.map((t) => ({ PrincipalId: groupId, PrincipalType: "Group", TargetUin: t, TargetType: "MemberUin" })),
      });
      const clients = [orgClient(a, root), orgClient(b, root)];
      for (const [i, t] of created.Tasks!.entries()) {
        const deadline = Date.now() + 120_000;
        for (;;) {
          const { TaskStatus } = await clients[i % 2]!.GetProvisioningTaskStatus({ ZoneId: zoneId, TaskId: t.TaskId! });
          if (TaskStatus?.Status === "Success") break;
          assert.notEqual(TaskStatus?.Status, "Failed", TaskStatus?.FailureReason);
          assert.ok(Date.now() < deadline, "fan-out did not finish");
          await new Promise((r) => setTimeout(r, 50));
        }
      }
      const store = await openStore({ databaseUrl });
      try {
        for (const target of targets) {
          const rows = await store.db.selectFrom("sub_users").select("name").where("account_uin", "=", target).execute();
          assert.equal(rows.length, USERS, `exactly ${USERS} sub-users in ${target}`);
          assert.equal(new Set(rows.map((r) => r.name)).size, USERS);
        }
        const claims = await store.db.selectFrom("provisioning_claims").select((eb) => eb.fn.countAll<number>().as("n")).executeTakeFirstOrThrow();
        assert.equal(Number(claims.n), USERS * TARGETS);
        const uins = await store.db.selectFrom("sub_users").select("uin").execute();
        assert.equal(new Set(uins.map((u) => u.uin)).size, uins.length, "no UIN handed out twice");
        assert.deepEqual(await store.db.selectFrom("reconcile_queue").selectAll().execute(), []);
      } finally {
        await store.close();
      }
      const errors = (a.output() + b.output()).split("\n").filter((l) => l.includes('"level":"error"') || l.includes('"level":50'));
      assert.deepEqual(errors, [], "no worker errors");
    } finally {
      await a.stop();
      await b.stop();
    }
  } finally {
    await drop();
  }
});
