/**
 * The emulator's failure switch for deployments (OPENCIC_DEPLOYMENT_FAULTS), through the core on both
 * engines: deployments into the chosen accounts fail with the given reason (or "No Permission."),
 * once, not retried; their tasks are Failed with that reason and the deployment DeployFailed; other
 * accounts deploy as usual; undeploying is not affected; without the switch, a new provision succeeds.
 */
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { after, before, describe, test } from "node:test";
import { loadConfig } from "../../src/config.js";
import { DEFAULT_DEPLOYMENT_FAULT } from "../../src/core/access/reconcile.js";
import { systemClock } from "../../src/core/clock.js";
import { type Caller, Core } from "../../src/core/index.js";
import { SecretBox } from "../../src/core/secrets.js";
import { until } from "../helpers/cloudsso.js";
import { seedFanout } from "../helpers/fanout.js";
import { ENGINES, openTestStore, type TestStore } from "../helpers/harness.js";

test("OPENCIC_DEPLOYMENT_FAULTS: account UINs, each with an optional reason; anything else is refused at start", () => {
  assert.deepEqual(loadConfig({}, {}).deploymentFaults, new Map());
  const parsed = loadConfig({}, { OPENCIC_DEPLOYMENT_FAULTS: " 100000000002 ,100000000003=Access denied by a guardrail., 100000000004= " }).deploymentFaults;
  assert.deepEqual(
    parsed,
    new Map([
      [100000000002, DEFAULT_DEPLOYMENT_FAULT],
      [100000000003, "Access denied by a guardrail."],
      [100000000004, DEFAULT_DEPLOYMENT_FAULT],
    ]),
  );
  assert.equal(DEFAULT_DEPLOYMENT_FAULT, "No Permission.");
  for (const bad of ["abc", "0", "12x", "=No Permission.", "-5", "1.5", "100000000002;100000000003", "12345678901234567890"]) {
    assert.throws(() => loadConfig({}, { OPENCIC_DEPLOYMENT_FAULTS: bad }), /bad deployment fault/, bad);
  }
});

for (const engine of ENGINES) {
  describe(`deployments into accounts switched to fail (${engine})`, () => {
    let ts: TestStore;
    const box = new SecretBox(randomBytes(32));
    const cores: Core[] = [];
    const coreWith = (env: NodeJS.ProcessEnv): Core => {
      const core = new Core({ store: ts.store, clock: systemClock, box, worker: { pollMs: 20 }, deploymentFaults: loadConfig({}, env).deploymentFaults });
      cores.push(core);
      return core;
    };
    before(async () => {
      ts = await openTestStore(engine);
    });
    after(async () => {
      for (const c of cores) await c.worker.stop();
      await ts?.cleanup();
    });

    test("tasks fail with the reason, once; the deployment is DeployFailed; the rest deploy; lifting the switch lets a provision succeed", async () => {
      // Seeded by a core without the switch (the emulator before its restart with OPENCIC_DEPLOYMENT_FAULTS).
      const seeder = coreWith({});
      await seeder.accounts.checkMasterKey();
      const root = (await seeder.accounts.bootstrap())!;
      const caller: Caller = { accountUin: root.accountUin, principalUin: root.accountUin, isSubUser: false };
      const f = await seedFanout(seeder, caller, { users: 1, targets: 3, zoneName: `faults-${engine}` });
      const dir = f.zoneId;
      const [denied, guarded, open] = f.targets as [number, number, number];
      const config = await seeder.accessConfigurations.create(caller, dir, { name: "Auditors" });
      await seeder.accessConfigurations.addPolicies(caller, dir, config.configurationId, "cam", [{ type: "System", name: "ReadOnlyAccess" }]);

      const core = coreWith({ OPENCIC_DEPLOYMENT_FAULTS: `${denied},${guarded}=Access denied by a guardrail.` });
      const reconciles: { key: string; outcome: string }[] = [];
      const gaveUp: string[] = [];
      core.worker.observe({ reconciled: (e) => reconciles.push({ key: e.key, outcome: e.outcome }), gaveUp: (e) => gaveUp.push(e.key) });
      core.worker.start();
      const settled = async (taskId: string) => {
        let t = await core.accessDeployments.task(caller, dir, taskId);
        await until(async () => (t = await core.accessDeployments.task(caller, dir, taskId)).status !== "InProgress", `task ${taskId}`);
        return t;
      };
      const assign = (uin: number) => ({ configurationId: config.configurationId, targetType: "MemberUin", targetUin: uin, principalType: "Group", principalId: f.groupId });
      const tasks = await core.accessDeployments.assign(caller, dir, [assign(denied), assign(guarded), assign(open)]);
      const outcome = await Promise.all(tasks.map(async (t) => (({ status, failureReason }) => [status, failureReason])(await settled(t.taskId))));
      assert.deepEqual(outcome, [
        ["Failed", "No Permission."],
        ["Failed", "Access denied by a guardrail."],
        ["Success", ""],
      ]);
      const deployments = await core.accessDeployments.deployments(caller, dir, { configurationId: config.configurationId });
      assert.deepEqual(
        new Map(deployments.items.map((d) => [d.targetUin, [d.state, d.failureReason]])),
        new Map([
          [denied, ["DeployFailed", "No Permission."]],
          [guarded, ["DeployFailed", "Access denied by a guardrail."]],
          [open, ["Deployed", ""]],
        ]),
      );
      // Nothing landed where the switch refused; the open account got its role and identity provider.
      const inAccount = (uin: number): Caller => ({ accountUin: uin, principalUin: uin, isSubUser: false });
      for (const uin of [denied, guarded]) {
        assert.deepEqual(await core.accountRoles.roles(inAccount(uin)), []);
        assert.deepEqual(await core.accountRoles.samlProviders(inAccount(uin)), []);
      }
      assert.deepEqual((await core.accountRoles.roles(inAccount(open))).map((r) => r.configurationName), ["Auditors"]);
      // A unit failure, not a retried error: each deployment was reconciled once and nothing is left queued or given up.
      await until(async () => reconciles.length >= 3, "the observer to hear of the three reconciles");
      assert.deepEqual(reconciles.map((r) => r.outcome).sort(), ["converged", "unit_failures", "unit_failures"]);
      assert.equal(new Set(reconciles.map((r) => r.key)).size, 3);
      assert.deepEqual(gaveUp, []);
      assert.deepEqual(await ts.store.db.selectFrom("reconcile_queue").selectAll().execute(), []);

      // Provisioning again while the switch holds fails again, with the same reason.
      const again = await core.accessDeployments.provision(caller, dir, config.configurationId, { targetType: "MemberUin", targetUin: denied });
      assert.deepEqual(((t) => [t.type, t.status, t.failureReason])(await settled(again.taskId)), ["Provision", "Failed", "No Permission."]);
      // Undeploying is not refused: the assignment goes with the last-assignment strategy, and the deployment with it.
      const removed = await core.accessDeployments.unassign(caller, dir, config.configurationId, { targetType: "MemberUin", targetUin: guarded, principalType: "Group", principalId: f.groupId }, "DeprovisionForLastAssignment");
      assert.equal((await settled(removed.taskId)).status, "Success");
      assert.deepEqual((await core.accessDeployments.deployments(caller, dir, { targetUin: guarded })).items, []);
      await core.worker.stop();

      // Restarted without the switch: a new provision deploys the role.
      const lifted = coreWith({});
      lifted.worker.start();
      const retried = await lifted.accessDeployments.provision(caller, dir, config.configurationId, { targetType: "MemberUin", targetUin: denied });
      await until(async () => (await lifted.accessDeployments.task(caller, dir, retried.taskId)).status !== "InProgress", "the provision");
      assert.equal((await lifted.accessDeployments.task(caller, dir, retried.taskId)).status, "Success");
      assert.deepEqual((await lifted.accountRoles.roles(inAccount(denied))).map((r) => r.configurationName), ["Auditors"]);
      assert.deepEqual((await lifted.accountRoles.samlProviders(inAccount(denied))).map((p) => p.directoryId), [dir]);
    });
  });
}
