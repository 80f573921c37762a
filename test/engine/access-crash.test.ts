/**
 * Durable deployments: a server killed with SIGKILL while one configuration is being deployed into
 * 50 accounts resumes on restart and converges to exactly the right roles, policies and identity
 * providers in every account, none missing and none duplicated; every task settles Success.
 */
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { once } from "node:events";
import { join } from "node:path";
import { after, test } from "node:test";
import { MAX_ASSIGNMENT_BATCH } from "../../src/core/access/deployments.js";
import { openRuntime } from "../../src/runtime.js";
import { openStore, type Store } from "../../src/store/database.js";
import { ENGINES, throwawaySchema } from "../helpers/harness.js";
import { seedFanout } from "../helpers/fanout.js";
import { removeTempDirs, serve, tempDir } from "../helpers/process.js";

after(removeTempDirs);

const ACCOUNTS = 50;
const SYSTEM_POLICIES = ["AdministratorAccess", "ReadOnlyAccess", "QcloudCVMFullAccess", "QcloudCOSReadOnlyAccess"];
const INLINE = { name: "crash-extra", document: JSON.stringify({ version: "2.0", statement: [{ effect: "allow", action: ["cos:GetObject"], resource: ["*"] }] }) };

const count = async (store: Store, table: "account_roles" | "account_role_policies" | "account_saml_providers", configurationId?: string) => {
  let q = store.db.selectFrom(table).select((eb) => eb.fn.countAll<number>().as("n"));
  if (configurationId && table !== "account_saml_providers") q = q.where("configuration_id", "=", configurationId);
  return Number((await q.executeTakeFirstOrThrow()).n);
};

for (const engine of ENGINES) {
  test(`SIGKILL during the deployment of one configuration into ${ACCOUNTS} accounts, then restart (${engine})`, async () => {
    const dataDir = tempDir();
    const pgs = engine === "postgres" ? await throwawaySchema("accesscrash") : undefined;
    const databaseUrl = pgs?.url;
    // A pause before each deployment's transaction widens the window in which the kill lands mid-way.
    const env = { OPENCIC_MASTER_KEY: randomBytes(32).toString("hex"), OPENCIC_WORKER_BATCH_PAUSE_MS: "60" };
    try {
      // Seed through the core: ACCOUNTS members, a zone with a group, a configuration with system and inline policies, assigned everywhere.
      const rt = await openRuntime({ dataDir, databaseUrl, masterKey: env.OPENCIC_MASTER_KEY });
      const root = (await rt.core.accounts.bootstrap())!;
      const caller = { accountUin: root.accountUin, principalUin: root.accountUin, isSubUser: false };
      const { targets, zoneId, groupId } = await seedFanout(rt.core, caller, { users: 2, targets: ACCOUNTS, zoneName: `access-crash-${engine}` });
      const config = await rt.core.accessConfigurations.create(caller, zoneId, { name: "Operators", description: "run the fleet", sessionDuration: 7200 });
      await rt.core.accessConfigurations.addPolicies(caller, zoneId, config.configurationId, "cam", SYSTEM_POLICIES.map((name) => ({ type: "System" as const, name })));
      await rt.core.accessConfigurations.addPolicies(caller, zoneId, config.configurationId, "cam", [{ type: "Inline", ...INLINE }]);
      const taskIds: string[] = [];
      for (let i = 0; i < targets.length; i += MAX_ASSIGNMENT_BATCH) {
        const batch = targets.slice(i, i + MAX_ASSIGNMENT_BATCH).map((uin) => ({ configurationId: config.configurationId, targetType: "MemberUin", targetUin: uin, principalType: "Group", principalId: groupId }));
        taskIds.push(...(await rt.core.accessDeployments.assign(caller, zoneId, batch)).map((t) => t.taskId));
      }
      assert.equal(taskIds.length, ACCOUNTS);
      await rt.close();

      // Start the server, and kill it -9 once the deployments are under way.
      const args = ["--data-dir", dataDir, ...(databaseUrl ? ["--database", databaseUrl] : [])];
      const watcher = await openStore({ databaseUrl, sqliteFile: join(dataDir, "opencic.db") });
      try {
        const first = await serve(args, env);
        while ((await count(watcher, "account_roles", config.configurationId)) === 0) await new Promise((r) => setTimeout(r, 5));
        first.proc.kill("SIGKILL");
        await once(first.proc, "exit");
        const atKill = await count(watcher, "account_roles", config.configurationId);
        assert.ok(atKill > 0 && atKill < ACCOUNTS, `the kill landed mid-way (${atKill} of ${ACCOUNTS} roles existed)`);
        const pendingAtKill = await watcher.db.selectFrom("access_tasks").select("task_id").where("status", "=", "InProgress").execute();
        assert.ok(pendingAtKill.length > 0, "some tasks were still in progress at the kill");

        // Restart: the deployments resume from the database and converge.
        const second = await serve(args, env);
        try {
          const deadline = Date.now() + 120_000;
          for (;;) {
            const queued = await watcher.db.selectFrom("reconcile_queue").select("work_key").execute();
            const inProgress = await watcher.db.selectFrom("access_tasks").select("task_id").where("status", "=", "InProgress").execute();
            if (queued.length === 0 && inProgress.length === 0) break;
            assert.ok(Date.now() < deadline, `the work did not drain (${queued.length} keys queued, ${inProgress.length} tasks in progress)`);
            await new Promise((r) => setTimeout(r, 50));
          }
        } finally {
          await second.stop();
        }

        const tasks = await watcher.db.selectFrom("access_tasks").select(["task_id", "task_type", "status", "failure_reason"]).execute();
        assert.deepEqual(tasks.map((t) => t.task_id).sort(), [...taskIds].sort());
        for (const t of tasks) assert.deepEqual([t.task_type, t.status, t.failure_reason], ["CreateAssignment", "Success", ""], `task ${t.task_id}`);
        const deployments = await watcher.db.selectFrom("access_deployments").selectAll().execute();
        assert.equal(deployments.length, ACCOUNTS);
        for (const d of deployments) assert.deepEqual([d.status, Number(d.reconciled_generation)], ["Deployed", Number(d.generation)], `deployment ${d.deployment_id}`);

        const expectedPolicies = [...SYSTEM_POLICIES.map((n) => `System:${n}`), `Inline:${INLINE.name}`].sort();
        for (const account of targets) {
          const roles = await watcher.db.selectFrom("account_roles").selectAll().where("account_uin", "=", account).execute();
          assert.deepEqual(
            roles.map((r) => [r.configuration_id, r.configuration_name, r.directory_id, r.description, Number(r.session_duration)]),
            [[config.configurationId, "Operators", zoneId, "run the fleet", 7200]],
            `exactly one role in account ${account}`,
          );
          const policies = await watcher.db.selectFrom("account_role_policies").selectAll().where("account_uin", "=", account).execute();
          assert.deepEqual(policies.map((p) => `${p.policy_type}:${p.policy_name}`).sort(), expectedPolicies, `exactly the configuration's policies in account ${account}`);
          assert.equal(policies.find((p) => p.policy_type === "Inline")?.document, INLINE.document);
          const providers = await watcher.db.selectFrom("account_saml_providers").select("directory_id").where("account_uin", "=", account).execute();
          assert.deepEqual(providers.map((p) => p.directory_id), [zoneId], `exactly one identity provider in account ${account}`);
        }
        // Nothing landed anywhere else (the management account holds nothing: it was not assigned).
        assert.equal(await count(watcher, "account_roles"), ACCOUNTS);
        assert.equal(await count(watcher, "account_role_policies"), ACCOUNTS * expectedPolicies.length);
        assert.equal(await count(watcher, "account_saml_providers"), ACCOUNTS);
      } finally {
        await watcher.close();
      }
    } finally {
      await pgs?.drop();
    }
  });
}
