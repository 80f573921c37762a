/**
 * organization 2021-03-31 multi-account authorization and CAM 2019-01-16's view of it, through the
 * official tencentcloud-sdk-nodejs clients over real HTTP, on every engine (the acceptance flow of
 * issue 12): a configuration with system and custom policies, assigned to a group on two member
 * accounts; tasks polled to Success; each member reading with its own key the role
 * TencentCloudSSO-<name>, its policies and the SAML provider TencentReservedSSO-<zone>; a policy change
 * showing DeployedRequired until ProvisionRoleConfiguration applies it; assignments removed with and
 * without DeprovisionForLastRoleAssignmentOnAccount; dismantle; delete; and every documented code on
 * the way (spec §2.6, §2.7), each refused with the store unchanged.
 */
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { after, before, describe, test } from "node:test";
import { camClient, ENGINES, isUuid, type Key, orgClient, orgWithMembers, rejects, snapshot, startServer, type TestServer } from "../helpers/harness.js";

type Org = ReturnType<typeof orgClient>;
type Cam = ReturnType<typeof camClient>;

const hex = () => randomBytes(3).toString("hex");
const TIME = /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/;
const CAM_DOCUMENT = JSON.stringify({ version: "2.0", statement: [{ effect: "allow", action: ["cos:GetObject"], resource: ["*"] }] });

interface Tenant {
  key: Key & { uin: number };
  org: Org;
  zoneId: string;
  members: number[];
  userId: string;
  otherUserId: string;
  groupId: string;
  emptyGroupId: string;
}

async function tenant(server: TestServer, key: Key & { uin: number }, members: number): Promise<Tenant> {
  const org = orgClient(server, key);
  const { members: uins } = await orgWithMembers(server, key, members);
  const zoneId = (await org.OpenIdentityCenter({ ZoneName: `roles-${hex()}` })).ZoneId!;
  const user = async (name: string) => (await org.CreateUser({ ZoneId: zoneId, UserName: name })).UserInfo!.UserId!;
  const userId = await user("alice");
  const otherUserId = await user("bob");
  const groupId = (await org.CreateGroup({ ZoneId: zoneId, GroupName: "eng" })).GroupInfo!.GroupId!;
  const emptyGroupId = (await org.CreateGroup({ ZoneId: zoneId, GroupName: "ops" })).GroupInfo!.GroupId!;
  await org.AddUserToGroup({ ZoneId: zoneId, GroupId: groupId, UserId: userId });
  return { key, org, zoneId, members: uins, userId, otherUserId, groupId, emptyGroupId };
}

async function until(check: () => Promise<boolean>, what: string): Promise<void> {
  const deadline = Date.now() + 20_000;
  while (!(await check())) {
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** Polls GetTaskStatus until the task leaves InProgress, then waits until the engine has nothing left to write. */
async function settled(server: TestServer, t: Tenant, taskId: string): Promise<{ Status?: string; TaskType?: string; FailureReason?: string }> {
  let status: { Status?: string; TaskType?: string; FailureReason?: string } = {};
  await until(async () => (status = (await t.org.GetTaskStatus({ ZoneId: t.zoneId, TaskId: taskId })).TaskStatus!).Status !== "InProgress", `task ${taskId}`);
  await until(async () => (await server.store.db.selectFrom("reconcile_queue").select("work_key").execute()).length === 0, "the reconcile queue to drain");
  let last = await snapshot(server.store);
  await until(async () => {
    await new Promise((r) => setTimeout(r, 50));
    const now = await snapshot(server.store);
    const same = now === last;
    last = now;
    return same;
  }, "the store to settle");
  return status;
}

for (const engine of ENGINES) {
  describe(`role assignments and deployments, and the member's CAM view [${engine}]`, () => {
    let server: TestServer;
    let t: Tenant;
    let other: Tenant;
    let a: number, b: number, c: number;
    let camOf: Record<number, Cam>;
    before(async () => {
      server = await startServer(engine);
      t = await tenant(server, server.root, 3);
      other = await tenant(server, await server.newRoot(), 1);
      [a, b, c] = t.members as [number, number, number];
      camOf = {};
      for (const uin of [...t.members, t.key.uin]) camOf[uin] = camClient(server, uin === t.key.uin ? t.key : await server.keyFor(uin));
    });
    after(() => server?.close());

    const roleOf = async (uin: number, name: string) => (await camOf[uin]!.GetRole({ RoleName: `TencentCloudSSO-${name}` })).RoleInfo!;
    const policiesOf = async (uin: number, name: string, extra: { PolicyType?: string; Keyword?: string } = {}) =>
      (await camOf[uin]!.ListAttachedRolePolicies({ Page: 1, Rp: 200, RoleName: `TencentCloudSSO-${name}`, ...extra })).List!.map((p) => [p.PolicyType, p.PolicyName, p.PolicyId]);
    const providersOf = async (uin: number) => (await camOf[uin]!.ListSAMLProviders()).SAMLProviderSet!.map((p) => p.Name);
    const provisionings = async (configId: string, extra: { DeploymentStatus?: string } = {}) =>
      new Map((await t.org.ListRoleConfigurationProvisionings({ ZoneId: t.zoneId, RoleConfigurationId: configId, MaxResults: 100, ...extra })).RoleConfigurationProvisionings!.map((p) => [p.TargetUin!, p.DeploymentStatus!]));

    test("assign to a group on two accounts, read with each member's key, redeploy a policy change, unassign, dismantle, delete", async () => {
      const { org, zoneId } = t;
      const z = { ZoneId: zoneId };
      const config = (await org.CreateRoleConfiguration({ ...z, RoleConfigurationName: "Admins", Description: "administrators", SessionDuration: 7200 })).RoleConfigurationInfo!;
      const configId = config.RoleConfigurationId!;
      const ref = { ...z, RoleConfigurationId: configId };
      await org.AddPermissionPolicyToRoleConfiguration({ ...ref, RolePolicyType: "System", RolePolicies: [{ PolicyId: 1 }] });
      await org.AddPermissionPolicyToRoleConfiguration({ ...ref, RolePolicyType: "Custom", RolePolicyNames: ["extra"], CustomPolicyDocument: CAM_DOCUMENT });

      // One call, two items, one task each, in order; the assignments are listed at once.
      const item = (uin: number) => ({ RoleConfigurationId: configId, TargetType: "MemberUin", TargetUin: uin, PrincipalType: "Group", PrincipalId: t.groupId });
      const created = await org.CreateRoleAssignment({ ...z, RoleAssignmentInfo: [item(a), item(b)] });
      assert.ok(isUuid(created.RequestId));
      assert.equal(created.Tasks!.length, 2);
      for (const [i, task] of created.Tasks!.entries()) {
        assert.match(task.TaskId!, /^t-[a-z0-9]+$/);
        assert.equal(task.TaskType, "CreateRoleAssignment");
        assert.equal(task.Status, "InProgress");
        assert.deepEqual([task.RoleConfigurationId, task.RoleConfigurationName, task.TargetUin, task.TargetType, task.PrincipalId, task.PrincipalType], [configId, "Admins", [a, b][i], "MemberUin", t.groupId, "Group"]);
      }
      const listed = await org.ListRoleAssignments({ ...z, RoleConfigurationId: configId });
      assert.equal(listed.TotalCounts, 2);
      assert.equal(listed.IsTruncated, false);
      for (const task of created.Tasks!) {
        const s = await settled(server, t, task.TaskId!);
        assert.deepEqual([s.Status, s.TaskType, s.FailureReason], ["Success", "CreateRoleAssignment", ""]);
      }
      const assignment = (await org.ListRoleAssignments({ ...z, TargetUin: a })).RoleAssignments![0]!;
      assert.equal(assignment.PrincipalName, "eng");
      assert.equal(assignment.RoleConfigurationName, "Admins");
      assert.match(assignment.CreateTime!, TIME);
      assert.ok(assignment.TargetName);
      assert.equal((await org.ListRoleAssignments({ ...z, Filter: "admi" })).TotalCounts, 2);
      assert.equal((await org.ListRoleAssignments({ ...z, Filter: "nothing" })).TotalCounts, 0);

      // What each member sees with its own key.
      for (const uin of [a, b]) {
        const role = await roleOf(uin, "Admins");
        assert.equal(role.RoleName, "TencentCloudSSO-Admins");
        assert.equal(role.RoleArn, `qcs::cam::uin/${uin}:roleName/TencentCloudSSO-Admins`);
        assert.equal(role.SessionDuration, 7200);
        assert.equal(role.Description, "administrators");
        assert.match(role.AddTime!, TIME);
        const trust = JSON.parse(role.PolicyDocument!);
        assert.equal(trust.version, "2.0");
        assert.equal(trust.statement[0].action, "name/sts:AssumeRoleWithSAML");
        assert.deepEqual(trust.statement[0].principal.federated, [`qcs::cam::uin/${uin}:saml-provider/TencentReservedSSO-${zoneId}`]);
        assert.deepEqual((await camOf[uin]!.GetRole({ RoleId: role.RoleId! })).RoleInfo, role);
        const list = await camOf[uin]!.DescribeRoleList({ Page: 1, Rp: 20 });
        assert.equal(list.TotalNum, 1);
        assert.deepEqual(list.List, [role]);
        assert.deepEqual(await policiesOf(uin, "Admins"), [["QCS", "AdministratorAccess", 1], ["User", "extra", 0]]);
        assert.deepEqual(await policiesOf(uin, "Admins", { PolicyType: "QCS" }), [["QCS", "AdministratorAccess", 1]]);
        assert.deepEqual(await policiesOf(uin, "Admins", { Keyword: "EXT" }), [["User", "extra", 0]]);
        assert.deepEqual(await providersOf(uin), [`TencentReservedSSO-${zoneId}`]);
        const provider = await camOf[uin]!.GetSAMLProvider({ Name: `TencentReservedSSO-${zoneId}` });
        assert.equal(provider.Name, `TencentReservedSSO-${zoneId}`);
        assert.ok(Buffer.from(provider.SAMLMetadata, "base64").toString().includes(zoneId));
      }
      // An account without an assignment, and the management account, hold nothing.
      for (const uin of [c, t.key.uin]) {
        assert.equal((await camOf[uin]!.DescribeRoleList({ Page: 1, Rp: 20 })).TotalNum, 0);
        assert.deepEqual(await providersOf(uin), []);
        await rejects(server, "InvalidParameter.RoleNotExist", () => camOf[uin]!.GetRole({ RoleName: "TencentCloudSSO-Admins" }));
      }
      assert.deepEqual(await provisionings(configId), new Map([[a, "Deployed"], [b, "Deployed"]]));
      assert.equal((await org.GetZoneStatistics(z)).ZoneStatistics!.RoleConfigurationSyncCount, 2);

      // IsSelected: assigned on one of FilterTargets (to PrincipalId, when given).
      const selected = async (extra: { FilterTargets?: number[]; PrincipalId?: string }) =>
        (await org.ListRoleConfigurations({ ...z, MaxResults: 100, ...extra })).RoleConfigurations!.find((r) => r.RoleConfigurationId === configId)!.IsSelected;
      assert.equal(await selected({}), false);
      assert.equal(await selected({ FilterTargets: [a] }), true);
      assert.equal(await selected({ FilterTargets: [c, b] }), true);
      assert.equal(await selected({ FilterTargets: [c] }), false);
      assert.equal(await selected({ FilterTargets: [a], PrincipalId: t.groupId }), true);
      assert.equal(await selected({ FilterTargets: [a], PrincipalId: t.userId }), false);
      await rejects(server, "InvalidParameter.ParamError", () => org.ListRoleConfigurations({ ...z, PrincipalId: t.groupId }));

      // A policy change: both deployments need redeploying; the roles keep their policies until then.
      await org.AddPermissionPolicyToRoleConfiguration({ ...ref, RolePolicyType: "System", RolePolicies: [{ PolicyId: 2 }] });
      assert.deepEqual(await provisionings(configId), new Map([[a, "DeployedRequired"], [b, "DeployedRequired"]]));
      assert.equal((await org.ListRoleConfigurationProvisionings({ ...z, DeploymentStatus: "DeployedRequired" })).TotalCounts, 2);
      assert.equal((await org.ListRoleConfigurationProvisionings({ ...z, DeploymentStatus: "Deployed" })).TotalCounts, 0);
      assert.equal((await policiesOf(a, "Admins")).length, 2);
      const provision = (await org.ProvisionRoleConfiguration({ ...ref, TargetType: "MemberUin", TargetUin: a })).Task!;
      assert.deepEqual([provision.TaskType, provision.RoleConfigurationId, provision.RoleConfigurationName, provision.TargetUin, provision.TargetType], ["ProvisionRoleConfiguration", configId, "Admins", a, "MemberUin"]);
      assert.ok(provision.TaskStatus === "InProgress" || provision.TaskStatus === "Success");
      assert.deepEqual((await settled(server, t, provision.TaskId!)).Status, "Success");
      assert.deepEqual(await policiesOf(a, "Admins"), [["QCS", "AdministratorAccess", 1], ["QCS", "ReadOnlyAccess", 2], ["User", "extra", 0]]);
      assert.equal((await policiesOf(b, "Admins")).length, 2);
      assert.deepEqual(await provisionings(configId), new Map([[a, "Deployed"], [b, "DeployedRequired"]]));
      assert.deepEqual(await provisionings(configId, { DeploymentStatus: "Deployed" }), new Map([[a, "Deployed"]]));
      // Removing the custom policy (Terraform: RolePolicyId 0 and the name) and redeploying b applies both changes there.
      await org.RemovePermissionPolicyFromRoleConfiguration({ ...ref, RolePolicyType: "Custom", RolePolicyId: 0, RolePolicyName: "extra" });
      const redeployB = (await org.ProvisionRoleConfiguration({ ...ref, TargetType: "MemberUin", TargetUin: b })).Task!;
      assert.equal((await settled(server, t, redeployB.TaskId!)).Status, "Success");
      assert.deepEqual(await policiesOf(b, "Admins"), [["QCS", "AdministratorAccess", 1], ["QCS", "ReadOnlyAccess", 2]]);
      assert.deepEqual(await policiesOf(a, "Admins"), [["QCS", "AdministratorAccess", 1], ["QCS", "ReadOnlyAccess", 2], ["User", "extra", 0]]);

      // The tasks, newest first, filtered.
      const tasks = await org.ListTasks({ ...z, RoleConfigurationId: configId, MaxResults: 100 });
      assert.equal(tasks.TotalCounts, 4);
      assert.equal(tasks.IsTruncated, false);
      assert.deepEqual(tasks.Tasks!.map((x) => x.TaskId), [redeployB.TaskId, provision.TaskId, ...created.Tasks!.map((x) => x.TaskId).reverse()]);
      assert.ok(tasks.Tasks!.every((x) => x.Status === "Success"));
      assert.equal((await org.ListTasks({ ...z, TaskType: "CreateRoleAssignment" })).TotalCounts, 2);
      assert.equal((await org.ListTasks({ ...z, TaskType: "ProvisionRoleConfiguration", TargetUin: a })).TotalCounts, 1);
      assert.equal((await org.ListTasks({ ...z, PrincipalType: "Group", PrincipalId: t.groupId, TargetType: "MemberUin" })).TotalCounts, 2);
      assert.equal((await org.ListTasks({ ...z, Status: "InProgress" })).TotalCounts, 0);
      const firstPage = await org.ListTasks({ ...z, MaxResults: 1 });
      assert.equal(firstPage.IsTruncated, true);
      assert.equal((await org.ListTasks({ ...z, MaxResults: 1, NextToken: firstPage.NextToken })).Tasks![0]!.TaskId, tasks.Tasks![1]!.TaskId);

      // Remove b's assignment without undeploying: the role stays until Dismantle.
      const kept = (await org.DeleteRoleAssignment({ ...ref, TargetType: "MemberUin", TargetUin: b, PrincipalType: "Group", PrincipalId: t.groupId })).Task!;
      assert.deepEqual([kept.TaskType, kept.PrincipalId, kept.PrincipalType, kept.TargetUin], ["DeleteRoleAssignment", t.groupId, "Group", b]);
      assert.equal((await settled(server, t, kept.TaskId!)).Status, "Success");
      assert.equal((await roleOf(b, "Admins")).RoleName, "TencentCloudSSO-Admins");
      // a still holds the custom policy removed since.
      assert.deepEqual(await provisionings(configId), new Map([[a, "DeployedRequired"], [b, "Deployed"]]));
      const dismantled = (await org.DismantleRoleConfiguration({ ...ref, TargetType: "MemberUin", TargetUin: b })).Task!;
      assert.deepEqual([dismantled.TaskType, dismantled.TargetUin, dismantled.RoleConfigurationName], ["DeprovisionRoleConfiguration", b, "Admins"]);
      assert.ok(dismantled.TaskStatus === "InProgress" || dismantled.TaskStatus === "Success");
      assert.equal((await settled(server, t, dismantled.TaskId!)).Status, "Success");
      await rejects(server, "InvalidParameter.RoleNotExist", () => roleOf(b, "Admins"));
      assert.deepEqual(await providersOf(b), []);

      // Remove a's with the last-assignment strategy: the role and the provider go with it.
      const last = (await org.DeleteRoleAssignment({ ...ref, TargetType: "MemberUin", TargetUin: a, PrincipalType: "Group", PrincipalId: t.groupId, DeprovisionStrategy: "DeprovisionForLastRoleAssignmentOnAccount" })).Task!;
      assert.equal((await settled(server, t, last.TaskId!)).Status, "Success");
      await rejects(server, "InvalidParameter.RoleNotExist", () => roleOf(a, "Admins"));
      assert.deepEqual(await providersOf(a), []);
      assert.deepEqual(await provisionings(configId), new Map());
      await rejects(server, "ResourceNotFound.RoleConfigurationProvisioningNotFound", () => org.DismantleRoleConfiguration({ ...ref, TargetType: "MemberUin", TargetUin: a }));
      assert.equal((await org.GetZoneStatistics(z)).ZoneStatistics!.RoleConfigurationSyncCount, 0);

      // Delete: refused while it holds policies; then gone.
      await rejects(server, "InvalidParameter.RolePolicyAlreadyExist", () => org.DeleteRoleConfiguration(ref));
      await org.RemovePermissionPolicyFromRoleConfiguration({ ...ref, RolePolicyType: "System", RolePolicyId: 1 });
      await org.RemovePermissionPolicyFromRoleConfiguration({ ...ref, RolePolicyType: "System", RolePolicyId: 2 });
      await org.DeleteRoleConfiguration(ref);
      await rejects(server, "InvalidParameter.RoleConfigurationNotExist", () => org.GetRoleConfiguration(ref));
      // Its tasks still read.
      assert.equal((await org.GetTaskStatus({ ...z, TaskId: last.TaskId! })).TaskStatus!.TaskType, "DeleteRoleAssignment");
    });

    test("every documented refusal of assignments, deployments and tasks changes nothing", async () => {
      const { org, zoneId } = t;
      const z = { ZoneId: zoneId };
      const configId = (await org.CreateRoleConfiguration({ ...z, RoleConfigurationName: `Guards-${hex()}` })).RoleConfigurationInfo!.RoleConfigurationId!;
      const ref = { ...z, RoleConfigurationId: configId };
      await org.AddPermissionPolicyToRoleConfiguration({ ...ref, RolePolicyType: "System", RolePolicies: [{ PolicyId: 2 }] });
      const item = { RoleConfigurationId: configId, TargetType: "MemberUin", TargetUin: c, PrincipalType: "User", PrincipalId: t.otherUserId };
      const task = (await org.CreateRoleAssignment({ ...z, RoleAssignmentInfo: [item] })).Tasks![0]!;
      assert.equal((await settled(server, t, task.TaskId!)).Status, "Success");
      const assign = (items: object[]) => () => org.CreateRoleAssignment({ ...z, RoleAssignmentInfo: items });

      // CreateRoleAssignment
      await rejects(server, "FailedOperation.RoleConfigurationAuthorizationAlreadyExist", assign([item]));
      await rejects(server, "FailedOperation.RoleConfigurationAuthorizationAlreadyExist", assign([{ ...item, TargetUin: b }, { ...item, TargetUin: b }]));
      await rejects(server, "FailedOperation.OrganizationMemberNotExist", assign([{ ...item, TargetUin: other.members[0] }]));
      await rejects(server, "FailedOperation.OrganizationMemberNotExist", assign([{ ...item, TargetUin: b }, { ...item, TargetType: "ManagerUin", TargetUin: a }]));
      await rejects(server, "FailedOperation.OrganizationMemberNotExist", assign([{ ...item, TargetUin: t.key.uin }]));
      await rejects(server, "InvalidParameter.RoleConfigurationNotExist", assign([{ ...item, RoleConfigurationId: "rc-000000000000" }]));
      await rejects(server, "InvalidParameter.GroupNotExist", assign([{ ...item, PrincipalType: "Group", PrincipalId: other.groupId }]));
      await rejects(server, "ResourceNotFound.UserNotExist", assign([{ ...item, PrincipalId: other.userId }]));
      await rejects(server, "ResourceNotFound.UserNotExist", assign([{ ...item, PrincipalId: t.groupId }]));
      await rejects(server, "LimitExceeded.CreateRoleAssignmentLimitExceeded", assign(Array.from({ length: 51 }, (_, i) => ({ ...item, TargetUin: [a, b][i % 2] }))));
      await rejects(server, "MissingParameter", assign([]));
      await rejects(server, "MissingParameter", () => org.CreateRoleAssignment(z));
      for (const field of ["RoleConfigurationId", "TargetType", "TargetUin", "PrincipalType", "PrincipalId"]) {
        const { [field]: _, ...rest } = item as Record<string, unknown>;
        await rejects(server, "MissingParameter", assign([rest]));
      }
      await rejects(server, "InvalidParameterValue", assign([{ ...item, TargetType: "Member" }]));
      await rejects(server, "InvalidParameterValue", assign([{ ...item, PrincipalType: "Role" }]));
      await rejects(server, "FailedOperation.ZoneIdNotExist", () => org.CreateRoleAssignment({ ZoneId: other.zoneId, RoleAssignmentInfo: [item] }));

      // DeleteRoleAssignment
      const del = { ...ref, TargetType: "MemberUin", TargetUin: c, PrincipalType: "User", PrincipalId: t.otherUserId };
      await rejects(server, "ResourceNotFound.RoleConfigurationAuthorizationNotFound", () => org.DeleteRoleAssignment({ ...del, PrincipalId: t.userId }));
      await rejects(server, "ResourceNotFound.RoleConfigurationAuthorizationNotFound", () => org.DeleteRoleAssignment({ ...del, TargetUin: b }));
      await rejects(server, "ResourceNotFound.RoleConfigurationAuthorizationNotFound", () => org.DeleteRoleAssignment({ ...del, TargetType: "ManagerUin" }));
      // A UIN that is not a whole number names no account (on PostgreSQL too, where it cannot be compared with a bigint).
      await rejects(server, "ResourceNotFound.RoleConfigurationAuthorizationNotFound", () => org.DeleteRoleAssignment({ ...del, TargetUin: c + 0.5 }));
      await rejects(server, "InvalidParameterValue", () => org.DeleteRoleAssignment({ ...del, DeprovisionStrategy: "DeprovisionForLastAccessAssignmentOnAccount" }));
      await rejects(server, "InvalidParameter.RoleConfigurationNotExist", () => org.DeleteRoleAssignment({ ...del, RoleConfigurationId: "rc-000000000000" }));

      // ProvisionRoleConfiguration, DismantleRoleConfiguration
      const target = { ...ref, TargetType: "MemberUin" };
      await rejects(server, "FailedOperation.OrganizationMemberNotExist", () => org.ProvisionRoleConfiguration({ ...target, TargetUin: other.members[0]! }));
      await rejects(server, "FailedOperation.OrganizationMemberNotExist", () => org.ProvisionRoleConfiguration({ ...ref, TargetType: "ManagerUin", TargetUin: a }));
      await rejects(server, "InvalidParameter.RoleConfigurationNotExist", () => org.ProvisionRoleConfiguration({ ...target, RoleConfigurationId: "rc-000000000000", TargetUin: a }));
      await rejects(server, "FailedOperation.RoleConfigurationAuthorizationExist", () => org.DismantleRoleConfiguration({ ...target, TargetUin: c }));
      await rejects(server, "ResourceNotFound.RoleConfigurationProvisioningNotFound", () => org.DismantleRoleConfiguration({ ...target, TargetUin: a }));
      await rejects(server, "FailedOperation.OrganizationMemberNotExist", () => org.DismantleRoleConfiguration({ ...target, TargetUin: other.members[0]! }));
      await rejects(server, "FailedOperation.OrganizationMemberNotExist", () => org.DismantleRoleConfiguration({ ...target, TargetUin: c + 0.5 }));
      await rejects(server, "FailedOperation.OrganizationMemberNotExist", () => org.ProvisionRoleConfiguration({ ...target, TargetUin: c + 0.5 }));
      await rejects(server, "InvalidParameter.RoleConfigurationNotExist", () => org.DismantleRoleConfiguration({ ...target, RoleConfigurationId: "rc-000000000000", TargetUin: c }));

      // The configuration, the principals: in use.
      await rejects(server, "FailedOperation.RoleConfigurationProvisioningAlreadyDeployed", () => org.DeleteRoleConfiguration(ref));
      await rejects(server, "FailedOperation.RoleConfigurationAuthorizationExist", () => org.DeleteUser({ ...z, UserId: t.otherUserId }));
      const groupItem = { ...item, PrincipalType: "Group", PrincipalId: t.emptyGroupId };
      const groupTask = (await org.CreateRoleAssignment({ ...z, RoleAssignmentInfo: [groupItem] })).Tasks![0]!;
      assert.equal((await settled(server, t, groupTask.TaskId!)).Status, "Success");
      await rejects(server, "FailedOperation.RoleConfigurationAuthorizationExist", () => org.DeleteGroup({ ...z, GroupId: t.emptyGroupId }));

      // Lists and tasks
      await rejects(server, "ResourceNotFound.RoleConfigurationTaskNotFound", () => org.GetTaskStatus({ ...z, TaskId: "t-000000000000" }));
      const theirs = (await other.org.CreateRoleConfiguration({ ZoneId: other.zoneId, RoleConfigurationName: "theirs" })).RoleConfigurationInfo!.RoleConfigurationId!;
      const theirTask = (await other.org.CreateRoleAssignment({ ZoneId: other.zoneId, RoleAssignmentInfo: [{ RoleConfigurationId: theirs, TargetType: "MemberUin", TargetUin: other.members[0], PrincipalType: "User", PrincipalId: other.userId }] })).Tasks![0]!;
      assert.equal((await settled(server, other, theirTask.TaskId!)).Status, "Success");
      await rejects(server, "ResourceNotFound.RoleConfigurationTaskNotFound", () => org.GetTaskStatus({ ...z, TaskId: theirTask.TaskId! }));
      await rejects(server, "FailedOperation.ZoneIdNotExist", () => org.GetTaskStatus({ ZoneId: other.zoneId, TaskId: theirTask.TaskId! }));
      await rejects(server, "InvalidParameter.RoleConfigurationNotExist", () => org.CreateRoleAssignment({ ...z, RoleAssignmentInfo: [{ ...item, RoleConfigurationId: theirs }] }));
      assert.equal((await org.ListRoleAssignments({ ...z, RoleConfigurationId: theirs })).TotalCounts, 0);
      assert.equal((await org.ListTasks({ ...z, RoleConfigurationId: theirs })).TotalCounts, 0);
      assert.equal((await org.ListRoleConfigurationProvisionings({ ...z, TargetUin: other.members[0] })).TotalCounts, 0);
      await rejects(server, "InvalidParameterValue", () => org.ListTasks({ ...z, TaskType: "StartProvisioning" }));
      await rejects(server, "InvalidParameterValue", () => org.ListTasks({ ...z, Status: "Done" }));
      await rejects(server, "InvalidParameterValue", () => org.ListRoleConfigurationProvisionings({ ...z, DeploymentStatus: "Deploying" }));
      await rejects(server, "InvalidParameter.NextTokenInvalid", () => org.ListRoleAssignments({ ...z, NextToken: "forged" }));
      await rejects(server, "InvalidParameter.ParamError", () => org.ListRoleAssignments({ ...z, MaxResults: 101 }));

      // Cleaned up through the API: the last-assignment strategy leaves nothing behind.
      for (const [type, id] of [["User", t.otherUserId], ["Group", t.emptyGroupId]]) {
        const done = (await org.DeleteRoleAssignment({ ...del, PrincipalType: type!, PrincipalId: id!, DeprovisionStrategy: "DeprovisionForLastRoleAssignmentOnAccount" })).Task!;
        assert.equal((await settled(server, t, done.TaskId!)).Status, "Success");
      }
      assert.deepEqual(await providersOf(c), []);
      await org.DeleteUser({ ...z, UserId: t.otherUserId });
      t.otherUserId = (await org.CreateUser({ ...z, UserName: "bob" })).UserInfo!.UserId!;
    });

    test("CAM refuses every change to what the identity center deployed, with its per-action codes, and knows no other names", async () => {
      const { org, zoneId } = t;
      const z = { ZoneId: zoneId };
      const configId = (await org.CreateRoleConfiguration({ ...z, RoleConfigurationName: "Readers" })).RoleConfigurationInfo!.RoleConfigurationId!;
      // The management account is a target too (ManagerUin); it reads its role with its own key.
      const tasks = (await org.CreateRoleAssignment({
        ...z,
        RoleAssignmentInfo: [
          { RoleConfigurationId: configId, TargetType: "MemberUin", TargetUin: a, PrincipalType: "User", PrincipalId: t.userId },
          { RoleConfigurationId: configId, TargetType: "ManagerUin", TargetUin: t.key.uin, PrincipalType: "User", PrincipalId: t.userId },
        ],
      })).Tasks!;
      for (const task of tasks) assert.equal((await settled(server, t, task.TaskId!)).Status, "Success");
      assert.equal((await roleOf(t.key.uin, "Readers")).RoleArn, `qcs::cam::uin/${t.key.uin}:roleName/TencentCloudSSO-Readers`);
      const cam = camOf[a]!;
      const role = await roleOf(a, "Readers");
      const provider = `TencentReservedSSO-${zoneId}`;
      const roleName = "TencentCloudSSO-Readers";

      await rejects(server, "InvalidParameter.OrganizationRoleOperateError", () => cam.DeleteRole({ RoleName: roleName }));
      await rejects(server, "InvalidParameter.OrganizationRoleOperateError", () => cam.DeleteRole({ RoleId: role.RoleId! }));
      await rejects(server, "InvalidParameter.OrganizationRoleOperateError", () => cam.UpdateRoleDescription({ RoleName: roleName, Description: "mine now" }));
      await rejects(server, "InvalidParameter.OrganizationRoleOperateError", () => cam.UpdateAssumeRolePolicy({ RoleId: role.RoleId!, PolicyDocument: role.PolicyDocument! }));
      await rejects(server, "FailedOperation.OrganizationPolicyOperateError", () => cam.AttachRolePolicy({ AttachRoleName: roleName, PolicyId: 1 }));
      await rejects(server, "FailedOperation.OrganizationPolicyOperateError", () => cam.DetachRolePolicy({ DetachRoleId: role.RoleId!, PolicyName: "ReadOnlyAccess" }));
      await rejects(server, "FailedOperation.CICIdentityForbidden", () => cam.UpdateSAMLProvider({ Name: provider, Description: "mine now" }));
      await rejects(server, "FailedOperation.CICIdentityForbidden", () => cam.DeleteSAMLProvider({ Name: provider }));

      // Names that are not the identity center's objects (OpenCIC models no other CAM roles or providers).
      for (const name of ["Readers", "TencentCloudSSO-Nobody", "tencentcloudsso-Readers", "SomeRole"]) {
        await rejects(server, "InvalidParameter.RoleNotExist", () => cam.GetRole({ RoleName: name }));
        await rejects(server, "InvalidParameter.RoleNotExist", () => cam.DeleteRole({ RoleName: name }));
        await rejects(server, "InvalidParameter.RoleNotExist", () => cam.AttachRolePolicy({ AttachRoleName: name, PolicyId: 1 }));
      }
      await rejects(server, "InvalidParameter.RoleNotExist", () => cam.GetRole({ RoleId: "4611686018427844696" }));
      // Another account's role, by id: not in this account.
      await rejects(server, "InvalidParameter.RoleNotExist", () => camOf[b]!.GetRole({ RoleId: role.RoleId! }));
      for (const name of ["TencentReservedSSO-z-000000000000", `TencentReservedSSO-${other.zoneId}`, zoneId, "SomeProvider"]) {
        await rejects(server, "ResourceNotFound.IdentityNotExist", () => cam.GetSAMLProvider({ Name: name }));
        await rejects(server, "ResourceNotFound.IdentityNotExist", () => cam.DeleteSAMLProvider({ Name: name }));
      }
      await rejects(server, "ResourceNotFound.IdentityNotExist", () => camOf[c]!.GetSAMLProvider({ Name: provider }));
      // Exactly one of RoleId and RoleName; CAM's paging bounds; policy types.
      await rejects(server, "InvalidParameter.ParamError", () => cam.GetRole({ RoleId: role.RoleId!, RoleName: roleName }));
      await rejects(server, "MissingParameter", () => cam.GetRole({}));
      await rejects(server, "InvalidParameter.ParamError", () => cam.DescribeRoleList({ Page: 0, Rp: 20 }));
      await rejects(server, "InvalidParameter.ParamError", () => cam.DescribeRoleList({ Page: 1, Rp: 201 }));
      await rejects(server, "InvalidParameter.ParamError", () => cam.ListAttachedRolePolicies({ Page: 1, Rp: 20, RoleName: roleName, PolicyType: "Custom" }));
      assert.equal((await cam.DescribeRoleList({ Page: 2, Rp: 20 })).List!.length, 0);
      assert.equal((await cam.DescribeRoleList({ Page: 1, Rp: 20, Tags: [{ Key: "k", Value: "v" }] })).TotalNum, 0);
      assert.equal((await cam.ListAttachedRolePolicies({ Page: 1, Rp: 20, RoleName: roleName })).TotalNum, 0);

      for (const [uin, type] of [[a, "MemberUin"], [t.key.uin, "ManagerUin"]] as const) {
        const done = (await org.DeleteRoleAssignment({ ...z, RoleConfigurationId: configId, TargetType: type, TargetUin: uin, PrincipalType: "User", PrincipalId: t.userId, DeprovisionStrategy: "DeprovisionForLastRoleAssignmentOnAccount" })).Task!;
        assert.equal((await settled(server, t, done.TaskId!)).Status, "Success");
        assert.deepEqual(await providersOf(uin), [], `account ${uin} (${type}) ${JSON.stringify(await camOf[uin]!.DescribeRoleList({ Page: 1, Rp: 20 }))}`);
      }
      await org.DeleteRoleConfiguration({ ...z, RoleConfigurationId: configId });
    });
  });

  describe(`role tasks while the engine has not run them [${engine}]`, () => {
    let server: TestServer;
    let t: Tenant;
    before(async () => {
      server = await startServer(engine, { worker: false });
      t = await tenant(server, server.root, 1);
    });
    after(() => server?.close());

    test("a deployment with a task running refuses Provision and Dismantle (FailedOperation.RoleConfigurationProvisioningStatusError); its tasks read InProgress", async () => {
      const { org, zoneId } = t;
      const z = { ZoneId: zoneId };
      const configId = (await org.CreateRoleConfiguration({ ...z, RoleConfigurationName: "Busy" })).RoleConfigurationInfo!.RoleConfigurationId!;
      const ref = { ...z, RoleConfigurationId: configId, TargetType: "MemberUin", TargetUin: t.members[0]! };
      const provision = (await org.ProvisionRoleConfiguration(ref)).Task!;
      assert.equal(provision.TaskStatus, "InProgress");
      assert.deepEqual((await org.GetTaskStatus({ ...z, TaskId: provision.TaskId! })).TaskStatus, { Status: "InProgress", TaskId: provision.TaskId, TaskType: "ProvisionRoleConfiguration", FailureReason: "" });
      await rejects(server, "FailedOperation.RoleConfigurationProvisioningStatusError", () => org.ProvisionRoleConfiguration(ref));
      await rejects(server, "FailedOperation.RoleConfigurationProvisioningStatusError", () => org.DismantleRoleConfiguration(ref));
      // Deploying shows as DeployedRequired (the account does not hold the configuration yet).
      const listed = await org.ListRoleConfigurationProvisionings({ ...z, DeploymentStatus: "DeployedRequired" });
      assert.deepEqual(listed.RoleConfigurationProvisionings!.map((p) => [p.RoleConfigurationId, p.TargetUin, p.DeploymentStatus]), [[configId, t.members[0], "DeployedRequired"]]);
      assert.equal((await org.ListTasks({ ...z, Status: "InProgress" })).TotalCounts, 1);
    });
  });
}
