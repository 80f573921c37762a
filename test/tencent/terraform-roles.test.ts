/**
 * The exact call sequences of tencentcloudstack/terraform-provider-tencentcloud's identity-center role
 * resources (access spec §4.1), replayed through tencentcloud-sdk-nodejs over real HTTP on every
 * engine: role_configuration create/read/update/delete; the system policy attachment (RolePolicies,
 * read back by RolePolicyId) and the custom one (removed with `RolePolicyId: 0` and the name);
 * role_assignment create → poll GetTaskStatus → read with all six filters and MaxResults 10 → delete →
 * poll → DismantleRoleConfiguration → poll; the data sources' paging (IsTruncated always present); and
 * the two documented provider bugs, which OpenCIC answers as the API documents: two assignments on one
 * account (Dismantle → FailedOperation.RoleConfigurationAuthorizationExist) and the last-assignment
 * strategy (Dismantle → ResourceNotFound.RoleConfigurationProvisioningNotFound).
 */
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { after, before, describe, test } from "node:test";
import { ENGINES, expectCode, orgClient, orgWithMembers, startServer, type TestServer } from "../helpers/harness.js";

type Org = ReturnType<typeof orgClient>;

const CAM_DOCUMENT = JSON.stringify({ version: "2.0", statement: [{ effect: "allow", action: ["cvm:Describe*"], resource: ["*"] }] });
/** tencentcloud/common/common.go FILED_SP: the provider joins id parts with "#". */
const SP = "#";

async function until(check: () => Promise<boolean>, what: string): Promise<void> {
  const deadline = Date.now() + 20_000;
  while (!(await check())) {
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** The provider's poll: GetTaskStatus until Success or Failed; Failed is an error carrying FailureReason. */
async function pollTask(org: Org, zoneId: string, taskId: string): Promise<void> {
  let status = "";
  let reason = "";
  await until(async () => {
    const s = (await org.GetTaskStatus({ ZoneId: zoneId, TaskId: taskId })).TaskStatus!;
    status = s.Status!;
    reason = s.FailureReason ?? "";
    return status === "Success" || status === "Failed";
  }, `task ${taskId}`);
  assert.equal(status, "Success", `task ${taskId} failed: ${reason}`);
}

/** resource_tc_identity_center_role_assignment, as the provider drives it. */
class RoleAssignmentResource {
  constructor(
    private readonly org: Org,
    private readonly zoneId: string,
  ) {}

  async create(i: { roleConfigurationId: string; targetType: string; targetUin: number; principalType: string; principalId: string }): Promise<string> {
    const r = await this.org.CreateRoleAssignment({
      ZoneId: this.zoneId,
      RoleAssignmentInfo: [{ RoleConfigurationId: i.roleConfigurationId, TargetType: i.targetType, TargetUin: i.targetUin, PrincipalType: i.principalType, PrincipalId: i.principalId }],
    });
    // The ID is set only when Tasks is non-empty.
    assert.ok(r.Tasks && r.Tasks.length > 0, "CreateRoleAssignment must return a task");
    const task = r.Tasks[0]!;
    assert.notEqual(task.Status, "Failed", task.FailureReason);
    await pollTask(this.org, this.zoneId, task.TaskId!);
    return [this.zoneId, i.roleConfigurationId, i.targetType, i.targetUin, i.principalType, i.principalId].join(SP);
  }

  /** All six filters, MaxResults 10, the first item; none → gone from state. */
  async read(id: string) {
    const [zoneId, rc, targetType, targetUin, principalType, principalId] = id.split(SP) as [string, string, string, string, string, string];
    const r = await this.org.ListRoleAssignments({ ZoneId: zoneId, RoleConfigurationId: rc, TargetType: targetType, TargetUin: Number(targetUin), PrincipalType: principalType, PrincipalId: principalId, MaxResults: 10 });
    assert.equal(typeof r.IsTruncated, "boolean");
    return r.RoleAssignments?.[0];
  }

  /** DeleteRoleAssignment → poll, then always DismantleRoleConfiguration → poll. */
  async delete(id: string, deprovisionStrategy: string): Promise<void> {
    const [zoneId, rc, targetType, targetUin, principalType, principalId] = id.split(SP) as [string, string, string, string, string, string];
    const deleted = await this.org.DeleteRoleAssignment({ ZoneId: zoneId, RoleConfigurationId: rc, TargetType: targetType, TargetUin: Number(targetUin), PrincipalType: principalType, PrincipalId: principalId, DeprovisionStrategy: deprovisionStrategy });
    await pollTask(this.org, zoneId, deleted.Task!.TaskId!);
    const dismantled = await this.org.DismantleRoleConfiguration({ ZoneId: zoneId, RoleConfigurationId: rc, TargetType: targetType, TargetUin: Number(targetUin) });
    assert.ok(dismantled.Task?.TaskStatus, "Dismantle answers Task.TaskStatus");
    await pollTask(this.org, zoneId, dismantled.Task!.TaskId!);
  }
}

for (const engine of ENGINES) {
  describe(`Terraform's identity-center role resources (tencentcloud provider) [${engine}]`, () => {
    let server: TestServer;
    let org: Org;
    let zoneId: string;
    let members: number[];
    let userId: string;
    let groupId: string;
    before(async () => {
      server = await startServer(engine);
      org = orgClient(server, server.root);
      members = (await orgWithMembers(server, server.root, 2)).members;
      zoneId = (await org.OpenIdentityCenter({ ZoneName: `tf-${randomBytes(3).toString("hex")}` })).ZoneId!;
      userId = (await org.CreateUser({ ZoneId: zoneId, UserName: "tf-user" })).UserInfo!.UserId!;
      groupId = (await org.CreateGroup({ ZoneId: zoneId, GroupName: "tf-group" })).GroupInfo!.GroupId!;
    });
    after(() => server?.close());

    test("role_configuration, both policy attachments and role_assignment: apply, refresh, update, destroy", async () => {
      // role_configuration: create → read.
      const created = await org.CreateRoleConfiguration({ ZoneId: zoneId, RoleConfigurationName: "tf-admins", Description: "by terraform", SessionDuration: 3600, RelayState: "https://console.cloud.tencent.com/cam" });
      const rcId = created.RoleConfigurationInfo!.RoleConfigurationId!;
      const configResourceId = [zoneId, rcId].join(SP);
      const read = async () => (await org.GetRoleConfiguration({ ZoneId: zoneId, RoleConfigurationId: configResourceId.split(SP)[1]! })).RoleConfigurationInfo;
      assert.deepEqual([(await read())!.RoleConfigurationName, (await read())!.SessionDuration, (await read())!.RelayState], ["tf-admins", 3600, "https://console.cloud.tencent.com/cam"]);

      // System policy attachment: RolePolicies in, read back by RolePolicyId.
      await org.AddPermissionPolicyToRoleConfiguration({ ZoneId: zoneId, RoleConfigurationId: rcId, RolePolicyType: "System", RolePolicies: [{ PolicyId: 2, PolicyName: "ReadOnlyAccess" }] });
      const systemId = [zoneId, rcId, 2].join(SP);
      const systemRead = async () =>
        (await org.ListPermissionPoliciesInRoleConfiguration({ ZoneId: zoneId, RoleConfigurationId: rcId, RolePolicyType: "System" })).RolePolicies!.find((p) => p.RolePolicyId === Number(systemId.split(SP)[2]));
      const system = await systemRead();
      assert.deepEqual([system?.RolePolicyName, system?.RolePolicyType, system?.RolePolicyDocument], ["ReadOnlyAccess", "System", ""]);
      assert.ok(system!.AddTime);

      // Custom policy attachment: one name and a document, read back by name.
      await org.AddPermissionPolicyToRoleConfiguration({ ZoneId: zoneId, RoleConfigurationId: rcId, RolePolicyType: "Custom", RolePolicyNames: ["tf-custom"], CustomPolicyDocument: CAM_DOCUMENT });
      const customRead = async () => (await org.ListPermissionPoliciesInRoleConfiguration({ ZoneId: zoneId, RoleConfigurationId: rcId, RolePolicyType: "Custom" })).RolePolicies!.find((p) => p.RolePolicyName === "tf-custom");
      assert.equal((await customRead())?.RolePolicyDocument, CAM_DOCUMENT);

      // role_assignment: create → poll → read.
      const assignments = new RoleAssignmentResource(org, zoneId);
      const assignmentId = await assignments.create({ roleConfigurationId: rcId, targetType: "MemberUin", targetUin: members[0]!, principalType: "User", principalId: userId });
      const got = await assignments.read(assignmentId);
      assert.deepEqual([got?.RoleConfigurationName, got?.PrincipalName, got?.TargetUin, got?.PrincipalId], ["tf-admins", "tf-user", members[0], userId]);
      assert.ok(got!.TargetName && got!.CreateTime && got!.UpdateTime);

      // role_configuration update: all three New* values the configuration has set.
      await org.UpdateRoleConfiguration({ ZoneId: zoneId, RoleConfigurationId: rcId, NewDescription: "changed", NewSessionDuration: 7200, NewRelayState: "https://console.cloud.tencent.com/cvm" });
      assert.deepEqual([(await read())!.Description, (await read())!.SessionDuration, (await read())!.RelayState], ["changed", 7200, "https://console.cloud.tencent.com/cvm"]);

      // Data sources: page until IsTruncated is false; it is always present.
      for (let i = 0; i < 3; i++) await org.CreateRoleConfiguration({ ZoneId: zoneId, RoleConfigurationName: `tf-extra-${i}` });
      const names: string[] = [];
      let token: string | undefined;
      for (;;) {
        const page = await org.ListRoleConfigurations({ ZoneId: zoneId, MaxResults: 2, ...(token ? { NextToken: token } : {}) });
        assert.equal(typeof page.IsTruncated, "boolean");
        names.push(...page.RoleConfigurations!.map((c) => c.RoleConfigurationName!));
        if (!page.IsTruncated) break;
        token = page.NextToken!;
      }
      assert.deepEqual(names.sort(), ["tf-admins", "tf-extra-0", "tf-extra-1", "tf-extra-2"]);
      const provisionings = await org.ListRoleConfigurationProvisionings({ ZoneId: zoneId, RoleConfigurationId: rcId });
      assert.equal(provisionings.IsTruncated, false);
      assert.deepEqual(provisionings.RoleConfigurationProvisionings!.map((p) => [p.TargetUin, p.DeploymentStatus]), [[members[0], "Deployed"]]);
      assert.equal((await org.ListPermissionPoliciesInRoleConfiguration({ ZoneId: zoneId, RoleConfigurationId: rcId })).TotalCounts, 2);
      assert.equal(typeof (await org.ListTasks({ ZoneId: zoneId })).IsTruncated, "boolean");
      for (let i = 0; i < 3; i++) {
        const extra = (await org.ListRoleConfigurations({ ZoneId: zoneId, Filter: `tf-extra-${i}` })).RoleConfigurations![0]!;
        await org.DeleteRoleConfiguration({ ZoneId: zoneId, RoleConfigurationId: extra.RoleConfigurationId! });
      }

      // Destroy, in Terraform's dependency order: the assignment (with its dismantle), the attachments, the configuration.
      await assignments.delete(assignmentId, "None");
      assert.equal(await assignments.read(assignmentId), undefined);
      assert.equal((await org.ListRoleConfigurationProvisionings({ ZoneId: zoneId, RoleConfigurationId: rcId })).TotalCounts, 0);
      await org.RemovePermissionPolicyFromRoleConfiguration({ ZoneId: zoneId, RoleConfigurationId: rcId, RolePolicyType: "Custom", RolePolicyId: 0, RolePolicyName: "tf-custom" });
      assert.equal(await customRead(), undefined);
      await org.RemovePermissionPolicyFromRoleConfiguration({ ZoneId: zoneId, RoleConfigurationId: rcId, RolePolicyType: "System", RolePolicyId: 2 });
      assert.equal(await systemRead(), undefined);
      await org.DeleteRoleConfiguration({ ZoneId: zoneId, RoleConfigurationId: rcId });
      // Read after destroy: the documented error for an unknown id.
      await expectCode(read(), "InvalidParameter.RoleConfigurationNotExist");
    });

    test("provider bug 1: two assignments on one account; destroying one fails at Dismantle with FailedOperation.RoleConfigurationAuthorizationExist", async () => {
      const rcId = (await org.CreateRoleConfiguration({ ZoneId: zoneId, RoleConfigurationName: "tf-shared" })).RoleConfigurationInfo!.RoleConfigurationId!;
      const assignments = new RoleAssignmentResource(org, zoneId);
      const target = { roleConfigurationId: rcId, targetType: "MemberUin", targetUin: members[1]! };
      const toUser = await assignments.create({ ...target, principalType: "User", principalId: userId });
      const toGroup = await assignments.create({ ...target, principalType: "Group", principalId: groupId });
      await expectCode(assignments.delete(toUser, "None"), "FailedOperation.RoleConfigurationAuthorizationExist");
      // The assignment itself is gone (Terraform's state still holds it); the other keeps the role deployed.
      assert.equal(await assignments.read(toUser), undefined);
      assert.ok(await assignments.read(toGroup));
      assert.equal((await org.ListRoleConfigurationProvisionings({ ZoneId: zoneId, RoleConfigurationId: rcId })).TotalCounts, 1);
      await assignments.delete(toGroup, "None");
      await org.DeleteRoleConfiguration({ ZoneId: zoneId, RoleConfigurationId: rcId });
    });

    test("provider bug 2: DeprovisionForLastRoleAssignmentOnAccount undeploys, so the Dismantle after it fails with ResourceNotFound.RoleConfigurationProvisioningNotFound", async () => {
      const rcId = (await org.CreateRoleConfiguration({ ZoneId: zoneId, RoleConfigurationName: "tf-last" })).RoleConfigurationInfo!.RoleConfigurationId!;
      const assignments = new RoleAssignmentResource(org, zoneId);
      const id = await assignments.create({ roleConfigurationId: rcId, targetType: "MemberUin", targetUin: members[0]!, principalType: "Group", principalId: groupId });
      await expectCode(assignments.delete(id, "DeprovisionForLastRoleAssignmentOnAccount"), "ResourceNotFound.RoleConfigurationProvisioningNotFound");
      assert.equal(await assignments.read(id), undefined);
      assert.equal((await org.ListRoleConfigurationProvisionings({ ZoneId: zoneId, RoleConfigurationId: rcId })).TotalCounts, 0);
      await org.DeleteRoleConfiguration({ ZoneId: zoneId, RoleConfigurationId: rcId });
    });
  });
}
