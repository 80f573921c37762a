/**
 * The role half of access through the core, both engines: an assignment deploys its configuration
 * (role, policies, identity provider in the account), a policy change marks the deployment for
 * redeployment and a new provision applies only the difference, the last-assignment strategy
 * undeploys, the identity provider goes with the directory's last role, and the guards hold.
 * The doors' own tests drive the same flows over the wire.
 */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import type { Caller } from "../../src/core/index.js";
import { CoreError } from "../../src/core/errors.js";
import { ENGINES, startServer, type TestServer } from "../helpers/harness.js";
import { seedFanout } from "../helpers/fanout.js";
import { until } from "../helpers/cloudsso.js";

async function reason(call: Promise<unknown>): Promise<string> {
  try {
    await call;
  } catch (e) {
    assert.ok(e instanceof CoreError, String(e));
    return e.reason;
  }
  return assert.fail("expected the call to fail");
}

for (const engine of ENGINES) {
  describe(`access deployments through the core (${engine})`, () => {
    let server: TestServer;
    before(async () => {
      server = await startServer(engine);
    });
    after(() => server?.close());

    test("assign, redeploy, unassign, deprovision, delete", async () => {
      const { core } = server;
      const root = await server.newRoot();
      const caller: Caller = { accountUin: root.uin, principalUin: root.uin, isSubUser: false };
      const f = await seedFanout(core, caller, { users: 2, targets: 2, zoneName: `z${Date.now()}` });
      const dir = f.zoneId;
      const [a, b] = f.targets as [number, number];
      const config = await core.accessConfigurations.create(caller, dir, { name: "Admins", sessionDuration: 7200 });
      await core.accessConfigurations.addPolicies(caller, dir, config.configurationId, "cam", [{ type: "System", name: "AdministratorAccess" }]);
      await core.accessConfigurations.addPolicies(caller, dir, config.configurationId, "cam", [{ type: "Inline", name: "extra", document: JSON.stringify({ version: "2.0", statement: [{ effect: "allow", action: ["cos:GetObject"], resource: ["*"] }] }) }]);

      const tasks = await core.accessDeployments.assign(caller, dir, [
        { configurationId: config.configurationId, targetType: "MemberUin", targetUin: a, principalType: "Group", principalId: f.groupId },
        { configurationId: config.configurationId, targetType: "MemberUin", targetUin: b, principalType: "Group", principalId: f.groupId },
      ]);
      assert.deepEqual(tasks.map((t) => [t.type, t.status]), [["CreateAssignment", "InProgress"], ["CreateAssignment", "InProgress"]]);
      const settled = async (taskId: string) => {
        let t = await core.accessDeployments.task(caller, dir, taskId);
        await until(async () => (t = await core.accessDeployments.task(caller, dir, taskId)).status !== "InProgress", `task ${taskId}`);
        return t;
      };
      for (const t of tasks) assert.equal((await settled(t.taskId)).status, "Success");

      const inA: Caller = { accountUin: a, principalUin: a, isSubUser: false };
      const role = await core.accountRoles.roleByConfigurationName(inA, "admins");
      assert.equal(role.sessionDuration, 7200);
      assert.deepEqual((await core.accountRoles.policies(inA, config.configurationId)).map((p) => [p.type, p.name]), [["System", "AdministratorAccess"], ["Inline", "extra"]]);
      assert.deepEqual((await core.accountRoles.samlProviders(inA)).map((p) => p.directoryId), [dir]);
      assert.equal(await reason(core.accessDeployments.assign(caller, dir, [{ configurationId: config.configurationId, targetUin: a, principalType: "Group", principalId: f.groupId }])), "access.assignment_exists");
      assert.equal(await reason(core.accessConfigurations.delete(caller, dir, config.configurationId, { forceRemovePolicies: true })), "access.configuration_deployed");

      // A policy change marks both deployments; a provision into one applies the difference there only.
      await core.accessConfigurations.addPolicies(caller, dir, config.configurationId, "cam", [{ type: "System", name: "ReadOnlyAccess" }]);
      const listed = await core.accessDeployments.deployments(caller, dir, { configurationId: config.configurationId });
      assert.deepEqual(listed.items.map((d) => d.state), ["RedeployRequired", "RedeployRequired"]);
      assert.equal((await core.accessConfigurations.get(caller, dir, config.configurationId)).redeployRequired, true);
      const before = await core.accountRoles.policies(inA, config.configurationId);
      assert.equal(before.length, 2);
      // A millisecond apart at least, so a re-attachment would show in its time.
      await new Promise((r) => setTimeout(r, 5));
      const again = await core.accessDeployments.provision(caller, dir, config.configurationId, { targetType: "MemberUin", targetUin: a });
      assert.equal((await settled(again.taskId)).status, "Success");
      const afterRedeploy = await core.accountRoles.policies(inA, config.configurationId);
      assert.deepEqual(afterRedeploy.map((p) => p.name).sort(), ["AdministratorAccess", "ReadOnlyAccess", "extra"]);
      // Only the difference was applied: what was attached already kept its attachment.
      for (const p of before) assert.equal(afterRedeploy.find((q) => q.name === p.name)?.attachedAt, p.attachedAt, p.name);
      // A changed inline document is replaced on the next provision, the others stay.
      const newDocument = JSON.stringify({ version: "2.0", statement: [{ effect: "allow", action: ["cos:PutObject"], resource: ["*"] }] });
      await core.accessConfigurations.updateInlinePolicy(caller, dir, config.configurationId, "cam", "extra", newDocument);
      await new Promise((r) => setTimeout(r, 5));
      const third = await core.accessDeployments.provision(caller, dir, config.configurationId, { targetUin: a });
      assert.equal((await settled(third.taskId)).status, "Success");
      const afterReplace = await core.accountRoles.policies(inA, config.configurationId);
      assert.equal(afterReplace.find((p) => p.name === "extra")?.document, newDocument);
      assert.equal(afterReplace.find((p) => p.name === "AdministratorAccess")?.attachedAt, before.find((p) => p.name === "AdministratorAccess")?.attachedAt);
      const states = (await core.accessDeployments.deployments(caller, dir, { configurationId: config.configurationId })).items.map((d) => [d.targetUin, d.state]);
      assert.deepEqual(new Map(states as [number, string][]), new Map([[a, "Deployed"], [b, "RedeployRequired"]]));

      // Undeploy: refused while assigned; the last-assignment strategy undeploys and the IdP goes with the last role.
      assert.equal(await reason(core.accessDeployments.deprovision(caller, dir, config.configurationId, { targetUin: a })), "access.deployment_has_assignments");
      const kept = await core.accessDeployments.unassign(caller, dir, config.configurationId, { targetType: "MemberUin", targetUin: b, principalType: "Group", principalId: f.groupId });
      assert.equal(kept.status, "Success");
      assert.equal((await core.accessDeployments.deployments(caller, dir, { targetUin: b })).items.length, 1);
      const removed = await core.accessDeployments.unassign(caller, dir, config.configurationId, { targetUin: a, principalType: "Group", principalId: f.groupId }, "DeprovisionForLastAssignment");
      assert.equal((await settled(removed.taskId)).status, "Success");
      assert.equal(await reason(core.accountRoles.roleByConfigurationName(inA, "Admins")), "account.role_not_found");
      assert.deepEqual(await core.accountRoles.samlProviders(inA), []);
      const dismantle = await core.accessDeployments.deprovision(caller, dir, config.configurationId, { targetType: "MemberUin", targetUin: b });
      assert.equal((await settled(dismantle.taskId)).status, "Success");
      assert.equal(await reason(core.accessDeployments.deprovision(caller, dir, config.configurationId, { targetUin: b })), "access.deployment_not_found");
      await core.accessConfigurations.delete(caller, dir, config.configurationId, { forceRemovePolicies: true });
      const listedTasks = await core.accessDeployments.tasks(caller, dir, {});
      assert.equal(listedTasks.totalCounts, 7);
      assert.ok(listedTasks.items.every((t) => t.status === "Success"));
    });

    test("an account that leaves the organization takes the directory's assignments, deployments and roles with it", async () => {
      const { core } = server;
      const root = await server.newRoot();
      const caller: Caller = { accountUin: root.uin, principalUin: root.uin, isSubUser: false };
      const f = await seedFanout(core, caller, { users: 1, targets: 2, zoneName: `z${Date.now()}l` });
      const [a, b] = f.targets as [number, number];
      const config = await core.accessConfigurations.create(caller, f.zoneId, { name: "Leavers" });
      await core.accessConfigurations.addPolicies(caller, f.zoneId, config.configurationId, "ram", [{ type: "System", name: "ReadOnlyAccess" }]);
      const tasks = await core.accessDeployments.assign(
        caller,
        f.zoneId,
        [a, b].map((uin) => ({ configurationId: config.configurationId, targetUin: uin, principalType: "Group", principalId: f.groupId })),
      );
      for (const t of tasks) await until(async () => (await core.accessDeployments.task(caller, f.zoneId, t.taskId)).status === "Success", "deployed");
      await core.organizations.removeMembers(caller, [a]);
      const inA: Caller = { accountUin: a, principalUin: a, isSubUser: false };
      assert.deepEqual(await core.accountRoles.roles(inA), []);
      assert.deepEqual(await core.accountRoles.samlProviders(inA), []);
      assert.deepEqual((await core.accessDeployments.assignments(caller, f.zoneId, {})).items.map((x) => x.targetUin), [b]);
      assert.deepEqual((await core.accessDeployments.deployments(caller, f.zoneId, {})).items.map((x) => x.targetUin), [b]);
      assert.equal((await core.accountRoles.roles({ accountUin: b, principalUin: b, isSubUser: false })).length, 1);
      // With no deployment left, the configuration can go.
      await core.accessDeployments.unassign(caller, f.zoneId, config.configurationId, { targetUin: b, principalType: "Group", principalId: f.groupId }, "DeprovisionForLastAssignment");
      await until(async () => (await core.accessDeployments.deployments(caller, f.zoneId, {})).items.length === 0, "undeployed");
      await core.accessConfigurations.delete(caller, f.zoneId, config.configurationId, { forceRemovePolicies: true });
    });
  });
}
