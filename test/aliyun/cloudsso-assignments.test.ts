/**
 * CloudSSO 2021-05-15 access assignments, provisionings and tasks through the official Alibaba client
 * over real HTTP, on every engine, and what lands in the member accounts as each member reads it
 * with its own key through RAM (GetRole, ListRoles, ListPoliciesForRole, GetPolicy) and IMS
 * (GetSAMLProvider, ListSAMLProviders): the acceptance flow of issue 12 end to end, every code of
 * access spec §3.6 on the way (each refused call changing nothing), the refusals of direct change,
 * and a configuration made through the Tencent door deployed through this one (and seen through CAM).
 */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { aliyunClient } from "../helpers/aliyun.js";
import { ALIYUN_TIME, plain, ssoRejects as rejects, ssoTenant, type SsoTenant, taskSettled, uniq, walk, zoneIdOf } from "../helpers/cloudsso.js";
import { camClient, ENGINES, startServer, type TestServer } from "../helpers/harness.js";

const RAM_DOCUMENT = JSON.stringify({ Version: "1", Statement: [{ Effect: "Allow", Action: ["ecs:Describe*"], Resource: "*" }] });
const TASK_ID = /^t-[a-z0-9]{20}$/;

for (const engine of ENGINES) {
  describe(`CloudSSO access assignments and provisionings [${engine}]`, () => {
    let server: TestServer;
    let t: SsoTenant;
    before(async () => {
      server = await startServer(engine);
      t = await ssoTenant(server, { members: 2 });
    });
    after(async () => {
      await server?.close();
    });

    const sso = (action: string, params: Record<string, unknown> = {}) => t.sso.call(action, { DirectoryId: t.directoryId, ...params });
    const settled = (taskId: string) => taskSettled(t.sso, t.directoryId, taskId);

    test("assign to a group on two members, read with each member's key, reprovision after a change, unassign, deprovision, delete", async () => {
      const [a, b] = t.members as [number, number];
      const name = uniq("Admins");
      const config = (await sso("CreateAccessConfiguration", { AccessConfigurationName: name, SessionDuration: 7200 })).AccessConfiguration;
      const ac = config.AccessConfigurationId as string;
      await sso("AddPermissionPolicyToAccessConfiguration", { AccessConfigurationId: ac, PermissionPolicyType: "System", PermissionPolicyName: "AliyunECSFullAccess" });
      await sso("AddPermissionPolicyToAccessConfiguration", { AccessConfigurationId: ac, PermissionPolicyType: "Inline", PermissionPolicyName: "extra", InlinePolicyDocument: RAM_DOCUMENT });
      const group = (await sso("CreateGroup", { GroupName: uniq("ops") })).Group;
      const stats = async () => (await sso("GetDirectoryStatistics")).DirectoryStatistics;
      assert.equal((await stats()).AccessAssignmentCount, 0);

      const assignTo = (target: number) => sso("CreateAccessAssignment", { AccessConfigurationId: ac, TargetType: "RD-Account", TargetId: String(target), PrincipalType: "Group", PrincipalId: group.GroupId });
      const created = [(await assignTo(a)).Task, (await assignTo(b)).Task];
      for (const [task, target] of [[created[0], a], [created[1], b]] as const) {
        assert.match(task.TaskId, TASK_ID);
        assert.equal(task.TaskType, "CreateAccessAssignment");
        assert.ok(["InProgress", "Success"].includes(task.Status));
        assert.deepEqual([task.AccessConfigurationId, task.AccessConfigurationName, task.TargetId, task.TargetType, task.PrincipalType, task.PrincipalId, task.PrincipalName], [ac, name, String(target), "RD-Account", "Group", group.GroupId, group.GroupName]);
        assert.ok(task.TargetName.length > 0);
        assert.equal(await settled(task.TaskId), "Success");
      }
      const got = (await sso("GetTask", { TaskId: created[0].TaskId })).Task;
      assert.equal(got.Status, "Success");
      assert.match(got.StartTime, ALIYUN_TIME);
      assert.match(got.EndTime, ALIYUN_TIME);
      assert.ok(!("FailureReason" in got));
      const status = (await sso("GetTaskStatus", { TaskId: created[0].TaskId })).TaskStatus;
      assert.deepEqual(Object.keys(status).sort(), ["EndTime", "StartTime", "Status", "TaskId", "TaskType"]);
      assert.equal((await stats()).AccessAssignmentCount, 2);
      assert.equal((await stats()).InProgressTaskCount, 0);

      const assignments = (await sso("ListAccessAssignments", { AccessConfigurationId: ac })).AccessAssignments;
      assert.deepEqual(assignments.map((x: any) => [x.TargetId, x.PrincipalName, x.TargetType]).sort(), [[String(a), group.GroupName, "RD-Account"], [String(b), group.GroupName, "RD-Account"]].sort());
      const provisionings = (await sso("ListAccessConfigurationProvisionings", { AccessConfigurationId: ac })).AccessConfigurationProvisionings;
      assert.equal(provisionings.length, 2);
      for (const p of provisionings) {
        assert.equal(p.Status, "Provisioned");
        assert.equal(p.RAMRoleName, `AliyunReservedSSO-${name}`);
        assert.deepEqual(plain(p.RAMPolicyNames), ["AliyunECSFullAccess", `AliyunReservedSSO-${name}-InlinePolicy`]);
        assert.equal(p.SAMLProviderName, `AliyunReservedSSO-${t.directoryId}`);
        assert.match(p.CreateTime, ALIYUN_TIME);
        assert.match(p.TargetPath, /^rd-\d+\/root\//);
      }

      // Each member reads its role, policies and identity provider with its own key.
      const ramOf = async (uin: number) => aliyunClient(server, await server.keyFor(uin), "ram");
      const imsOf = async (uin: number) => aliyunClient(server, await server.keyFor(uin), "ims");
      const roleName = `AliyunReservedSSO-${name}`;
      const inlineName = `${roleName}-InlinePolicy`;
      const providerName = `AliyunReservedSSO-${t.directoryId}`;
      for (const uin of [a, b]) {
        const ram = await ramOf(uin);
        const role = (await ram.call("GetRole", { RoleName: roleName })).Role;
        assert.equal(role.RoleName, roleName);
        assert.equal(role.Arn, `acs:ram::${uin}:role/${roleName.toLowerCase()}`);
        assert.equal(role.MaxSessionDuration, 7200);
        assert.match(role.CreateDate, ALIYUN_TIME);
        const trust = JSON.parse(role.AssumeRolePolicyDocument);
        assert.equal(trust.Version, "1");
        assert.deepEqual(trust.Statement[0].Principal.Federated, [`acs:ram::${uin}:saml-provider/${providerName}`]);
        assert.equal(trust.Statement[0].Action, "sts:AssumeRole");
        assert.equal((await ram.call("GetRole", { RoleName: roleName.toUpperCase() })).Role.RoleId, role.RoleId, "role names compare without regard to case");
        const listed = (await ram.call("ListRoles")).Roles.Role;
        assert.deepEqual(listed.map((r: any) => r.RoleName), [roleName]);
        assert.equal(listed[0].Arn, role.Arn);
        const policies = (await ram.call("ListPoliciesForRole", { RoleName: roleName })).Policies.Policy;
        assert.deepEqual(policies.map((p: any) => [p.PolicyName, p.PolicyType]), [["AliyunECSFullAccess", "System"], [inlineName, "Custom"]]);
        const policy = await ram.call("GetPolicy", { PolicyName: inlineName, PolicyType: "Custom" });
        assert.equal(policy.Policy.PolicyType, "Custom");
        assert.equal(policy.Policy.PolicyName, inlineName);
        assert.equal(policy.DefaultPolicyVersion.PolicyDocument, RAM_DOCUMENT);
        assert.equal(policy.DefaultPolicyVersion.IsDefaultVersion, true);
        const ims = await imsOf(uin);
        const provider = (await ims.call("GetSAMLProvider", { SAMLProviderName: providerName })).SAMLProvider;
        assert.equal(provider.Arn, `acs:ram::${uin}:saml-provider/${providerName}`);
        assert.deepEqual((await ims.call("ListSAMLProviders")).SAMLProviders.SAMLProvider.map((p: any) => p.SAMLProviderName), [providerName]);
      }
      // The management account was not assigned anything: it has no role.
      await rejects(server, "EntityNotExist.Role", 404, () => aliyunClient(server, t.key, "ram").call("GetRole", { RoleName: roleName }));

      // Guards while assigned and deployed.
      await rejects(server, "EntityAlreadyExists.AccessAssignment", 409, () => assignTo(a));
      await rejects(server, "DeletionConflict.AccessConfiguration.Provisioning", 409, () => sso("DeleteAccessConfiguration", { AccessConfigurationId: ac, ForceRemovePermissionPolicies: true }));
      await rejects(server, "DeletionConflict.AccessConfigurationProvisioning.AccessAssignment", 409, () =>
        sso("DeprovisionAccessConfiguration", { AccessConfigurationId: ac, TargetType: "RD-Account", TargetId: String(a) }),
      );
      await rejects(server, "DeletionConflict.Group.AccessAssigment", 409, () => sso("DeleteGroup", { GroupId: group.GroupId }));

      // A policy change: both provisionings need re-provisioning, the configuration says so, the roles are unchanged.
      await sso("AddPermissionPolicyToAccessConfiguration", { AccessConfigurationId: ac, PermissionPolicyType: "System", PermissionPolicyName: "ReadOnlyAccess" });
      const required = (await sso("ListAccessConfigurationProvisionings", { AccessConfigurationId: ac, ProvisioningStatus: "ReprovisionRequired" })).AccessConfigurationProvisionings;
      assert.equal(required.length, 2);
      assert.deepEqual(plain((await sso("GetAccessConfiguration", { AccessConfigurationId: ac })).AccessConfiguration.StatusNotifications), ["ReprovisionRequired"]);
      const notified = (await sso("ListAccessConfigurations", { StatusNotifications: "ReprovisionRequired" })).AccessConfigurations;
      assert.deepEqual(notified.map((c: any) => c.AccessConfigurationId), [ac]);
      const ramA = await ramOf(a);
      assert.equal((await ramA.call("ListPoliciesForRole", { RoleName: roleName })).Policies.Policy.length, 2);
      for (const target of [a, b]) {
        const { Tasks } = await sso("ProvisionAccessConfiguration", { AccessConfigurationId: ac, TargetType: "RD-Account", TargetId: String(target) });
        assert.equal(Tasks.length, 1);
        assert.equal(Tasks[0].TaskType, "ProvisionAccessConfiguration");
        assert.equal(await settled(Tasks[0].TaskId), "Success");
      }
      assert.deepEqual((await ramA.call("ListPoliciesForRole", { RoleName: roleName })).Policies.Policy.map((p: any) => p.PolicyName).sort(), ["AliyunECSFullAccess", inlineName, "ReadOnlyAccess"].sort());
      assert.deepEqual(plain((await sso("GetAccessConfiguration", { AccessConfigurationId: ac })).AccessConfiguration.StatusNotifications), []);
      assert.deepEqual(plain((await sso("ListAccessConfigurations", { StatusNotifications: "ReprovisionRequired" })).AccessConfigurations), []);
      assert.equal((await sso("ListAccessConfigurationProvisionings", { AccessConfigurationId: ac, ProvisioningStatus: "Provisioned" })).TotalCounts, 2);

      // Unassign: None keeps b's role; the last-assignment strategy undeploys a's role and its identity provider.
      const unassign = (target: number, strategy?: string) =>
        sso("DeleteAccessAssignment", { AccessConfigurationId: ac, TargetType: "RD-Account", TargetId: String(target), PrincipalType: "Group", PrincipalId: group.GroupId, ...(strategy ? { DeprovisionStrategy: strategy } : {}) });
      const kept = (await unassign(b, "None")).Task;
      assert.equal(kept.TaskType, "DeleteAccessAssignment");
      assert.equal(await settled(kept.TaskId), "Success");
      assert.equal((await (await ramOf(b)).call("GetRole", { RoleName: roleName })).Role.RoleName, roleName);
      const removed = (await unassign(a, "DeprovisionForLastAccessAssignmentOnAccount")).Task;
      assert.equal(await settled(removed.TaskId), "Success");
      await rejects(server, "EntityNotExist.Role", 404, () => ramA.call("GetRole", { RoleName: roleName }));
      const imsA = await imsOf(a);
      await rejects(server, "EntityNotExist.SAMLProvider", 404, () => imsA.call("GetSAMLProvider", { SAMLProviderName: providerName }));
      assert.deepEqual(plain((await imsA.call("ListSAMLProviders")).SAMLProviders.SAMLProvider), []);
      await rejects(server, "EntityNotExists.AccessAssignment", 404, () => unassign(a));
      assert.equal((await stats()).AccessAssignmentCount, 0);

      // Deprovision b, then delete.
      const { Tasks } = await sso("DeprovisionAccessConfiguration", { AccessConfigurationId: ac, TargetType: "RD-Account", TargetId: String(b) });
      assert.equal(Tasks[0].TaskType, "DeprovisionAccessConfiguration");
      assert.equal(await settled(Tasks[0].TaskId), "Success");
      const ramB = await ramOf(b);
      await rejects(server, "EntityNotExist.Role", 404, () => ramB.call("GetRole", { RoleName: roleName }));
      await rejects(server, "EntityNotExists.AccessConfigurationProvisioning", 404, () => sso("DeprovisionAccessConfiguration", { AccessConfigurationId: ac, TargetType: "RD-Account", TargetId: String(b) }));
      assert.deepEqual(plain((await sso("ListAccessConfigurationProvisionings", { AccessConfigurationId: ac })).AccessConfigurationProvisionings), []);
      await sso("DeleteAccessConfiguration", { AccessConfigurationId: ac, ForceRemovePermissionPolicies: true });
      await sso("DeleteGroup", { GroupId: group.GroupId });

      // Every task, newest first, with its filters.
      const tasks = (await sso("ListTasks", { AccessConfigurationId: ac, MaxResults: 20 })).Tasks;
      assert.deepEqual(tasks.map((x: any) => x.TaskType), ["DeprovisionAccessConfiguration", "DeleteAccessAssignment", "DeleteAccessAssignment", "ProvisionAccessConfiguration", "ProvisionAccessConfiguration", "CreateAccessAssignment", "CreateAccessAssignment"]);
      assert.ok(tasks.every((x: any) => x.Status === "Success"));
      assert.equal((await sso("ListTasks", { AccessConfigurationId: ac, TaskType: "ProvisionAccessConfiguration" })).TotalCounts, 2);
      assert.equal((await sso("ListTasks", { AccessConfigurationId: ac, Status: "Failed" })).TotalCounts, 0);
      assert.equal((await sso("ListTasks", { AccessConfigurationId: ac, TargetType: "RD-Account", TargetId: String(a) })).TotalCounts, 3);
      assert.equal((await sso("ListTasks", { AccessConfigurationId: ac, TargetId: String(a) })).TotalCounts, 7, "a target filter without its type does not filter");
      const hourAgo = new Date(Date.now() - 3600_000).toISOString().replace(/\.\d{3}Z$/, "Z");
      const inFuture = new Date(Date.now() + 3600_000).toISOString().replace(/\.\d{3}Z$/, "Z");
      assert.equal((await sso("ListTasks", { AccessConfigurationId: ac, Filter: `StartTime ge ${hourAgo}` })).TotalCounts, 7);
      assert.equal((await sso("ListTasks", { AccessConfigurationId: ac, Filter: `starttime GE ${inFuture}` })).TotalCounts, 0);
      const { items } = await walk((token) => sso("ListTasks", { AccessConfigurationId: ac, MaxResults: 3, ...(token ? { NextToken: token } : {}) }), "Tasks", 3);
      assert.deepEqual(items.map((x: any) => x.TaskId), tasks.map((x: any) => x.TaskId));
    });

    test("every code of the assignment, provisioning and task actions, each changing nothing", async () => {
      const [a] = t.members as [number];
      const ac = (await sso("CreateAccessConfiguration", { AccessConfigurationName: uniq("codes") })).AccessConfiguration.AccessConfigurationId;
      const group = (await sso("CreateGroup", { GroupName: uniq("g") })).Group;
      const user = (await sso("CreateUser", { UserName: uniq("u") })).User;
      const assign = (p: Record<string, unknown>) => sso("CreateAccessAssignment", { AccessConfigurationId: ac, TargetType: "RD-Account", TargetId: String(a), PrincipalType: "Group", PrincipalId: group.GroupId, ...p });
      await rejects(server, "EntityNotExists.AccessConfiguration", 404, () => assign({ AccessConfigurationId: "ac-000000000000" }));
      await rejects(server, "EntityNotExists.Group", 404, () => assign({ PrincipalId: "g-000000000000" }));
      await rejects(server, "EntityNotExists.User", 404, () => assign({ PrincipalType: "User", PrincipalId: "u-000000000000" }));
      await rejects(server, "EntityNotExists.RdAccount", 404, () => assign({ TargetId: "1234567" }));
      await rejects(server, "EntityNotExists.RdAccount", 404, () => assign({ TargetId: "not-an-account" }));
      await rejects(server, "InvalidParameter.TargetType", 400, () => assign({ TargetType: "MemberUin" }));
      await rejects(server, "InvalidParameter.PrincipalType", 400, () => assign({ PrincipalType: "Role" }));
      await rejects(server, "MissingTargetType", 400, () => sso("CreateAccessAssignment", { AccessConfigurationId: ac, TargetId: String(a), PrincipalType: "Group", PrincipalId: group.GroupId }));
      await rejects(server, "MissingPrincipalId", 400, () => sso("CreateAccessAssignment", { AccessConfigurationId: ac, TargetType: "RD-Account", TargetId: String(a), PrincipalType: "Group" }));
      await rejects(server, "EntityNotExists.Directory", 404, () => t.sso.call("CreateAccessAssignment", { DirectoryId: "d-000000000000", AccessConfigurationId: ac, TargetType: "RD-Account", TargetId: String(a), PrincipalType: "Group", PrincipalId: group.GroupId }));

      const userTask = (await assign({ PrincipalType: "user", PrincipalId: user.UserId })).Task;
      assert.equal(userTask.PrincipalType, "User");
      assert.equal(await settled(userTask.TaskId), "Success");
      await rejects(server, "DeletionConflict.User.AccessAssigment", 409, () => sso("DeleteUser", { UserId: user.UserId }));

      const target = { AccessConfigurationId: ac, TargetType: "RD-Account", TargetId: String(a) };
      const ref = { ...target, PrincipalType: "User", PrincipalId: user.UserId };
      await rejects(server, "InvalidParameter.DeprovisionStrategy", 400, () => sso("DeleteAccessAssignment", { ...ref, DeprovisionStrategy: "Always" }));
      await rejects(server, "EntityNotExists.AccessAssignment", 404, () => sso("DeleteAccessAssignment", { ...ref, PrincipalType: "Group", PrincipalId: group.GroupId }));
      await rejects(server, "MissingTargetId", 400, () => sso("DeleteAccessAssignment", { ...ref, TargetId: "" }));
      await rejects(server, "EntityNotExists.AccessConfigurationProvisioning", 404, () => sso("DeprovisionAccessConfiguration", { ...target, TargetId: String(t.members[1]) }));
      await rejects(server, "EntityNotExists.RdAccount", 404, () => sso("DeprovisionAccessConfiguration", { ...target, TargetId: "1234567" }));
      await rejects(server, "EntityNotExists.AccessConfiguration", 404, () => sso("ProvisionAccessConfiguration", { ...target, AccessConfigurationId: "ac-000000000000" }));
      await rejects(server, "EntityNotExists.RdAccount", 404, () => sso("ProvisionAccessConfiguration", { ...target, TargetId: "1234567" }));

      await rejects(server, "EntityNotExists.Task", 404, () => sso("GetTask", { TaskId: "t-00000000000000000000" }));
      await rejects(server, "EntityNotExists.Task", 404, () => sso("GetTaskStatus", { TaskId: "t-00000000000000000000" }));
      await rejects(server, "MissingTaskId", 400, () => sso("GetTaskStatus"));
      const old = new Date(Date.now() - 8 * 24 * 3600_000).toISOString().replace(/\.\d{3}Z$/, "Z");
      await rejects(server, "InvalidParameter.Filter", 400, () => sso("ListTasks", { Filter: `StartTime ge ${old}` }));
      await rejects(server, "InvalidParameter.Filter", 400, () => sso("ListTasks", { Filter: "StartTime gt 2026-01-01T00:00:00Z" }));
      await rejects(server, "InvalidParameter.TaskType", 400, () => sso("ListTasks", { TaskType: "Provision" }));
      await rejects(server, "InvalidParameter.Status", 400, () => sso("ListTasks", { Status: "Done" }));
      for (const list of ["ListTasks", "ListAccessAssignments", "ListAccessConfigurationProvisionings"]) {
        await rejects(server, "InvalidParameter.MaxResults", 400, () => sso(list, { MaxResults: 21 }));
        await rejects(server, "InvalidParameter.MaxResults", 400, () => sso(list, { MaxResults: 0 }));
        assert.equal((await sso(list, { MaxResults: 20 })).MaxResults, 20);
      }
      await rejects(server, "InvalidParameter.ProvisioningStatus", 400, () => sso("ListAccessConfigurationProvisionings", { ProvisioningStatus: "Deployed" }));

      // Another tenant's ids name nothing here.
      const other = await ssoTenant(server);
      const theirs = (await other.sso.call("CreateAccessConfiguration", { DirectoryId: other.directoryId, AccessConfigurationName: uniq("theirs") })).AccessConfiguration.AccessConfigurationId;
      await rejects(server, "EntityNotExists.AccessConfiguration", 404, () => assign({ AccessConfigurationId: theirs }));
      await rejects(server, "EntityNotExists.Task", 404, () => other.sso.call("GetTask", { DirectoryId: other.directoryId, TaskId: userTask.TaskId }));
      await rejects(server, "EntityNotExists.Directory", 404, () => other.sso.call("ListTasks", { DirectoryId: t.directoryId }));
      const theirGroup = (await other.sso.call("CreateGroup", { DirectoryId: other.directoryId, GroupName: uniq("g") })).Group;
      await rejects(server, "EntityNotExists.RdAccount", 404, () =>
        other.sso.call("CreateAccessAssignment", { DirectoryId: other.directoryId, AccessConfigurationId: theirs, TargetType: "RD-Account", TargetId: String(a), PrincipalType: "Group", PrincipalId: theirGroup.GroupId }),
      );
      await rejects(server, "EntityNotExists.Group", 404, () =>
        other.sso.call("CreateAccessAssignment", { DirectoryId: other.directoryId, AccessConfigurationId: theirs, TargetType: "RD-Account", TargetId: String(a), PrincipalType: "Group", PrincipalId: group.GroupId }),
      );

      // Cleanup through the last-assignment strategy (the default Terraform sends).
      const removed = (await sso("DeleteAccessAssignment", { ...ref, DeprovisionStrategy: "DeprovisionForLastAccessAssignmentOnAccount" })).Task;
      assert.equal(await settled(removed.TaskId), "Success");
      await sso("DeleteUser", { UserId: user.UserId });
    });

    test("refusals of direct change in the member account, and RAM's not-found for other names", async () => {
      const [a] = t.members as [number];
      const name = uniq("Reserved");
      const ac = (await sso("CreateAccessConfiguration", { AccessConfigurationName: name })).AccessConfiguration.AccessConfigurationId;
      await sso("AddPermissionPolicyToAccessConfiguration", { AccessConfigurationId: ac, PermissionPolicyType: "Inline", PermissionPolicyName: "doc", InlinePolicyDocument: RAM_DOCUMENT });
      const group = (await sso("CreateGroup", { GroupName: uniq("g") })).Group;
      const task = (await sso("CreateAccessAssignment", { AccessConfigurationId: ac, TargetType: "RD-Account", TargetId: String(a), PrincipalType: "Group", PrincipalId: group.GroupId })).Task;
      assert.equal(await settled(task.TaskId), "Success");
      const key = await server.keyFor(a);
      const ram = aliyunClient(server, key, "ram");
      const ims = aliyunClient(server, key, "ims", "v1");
      const roleName = `AliyunReservedSSO-${name}`;
      const policyName = `${roleName}-InlinePolicy`;
      const providerName = `AliyunReservedSSO-${t.directoryId}`;
      const REFUSED = "NoPermission.ReservedByCloudSSO";
      await rejects(server, REFUSED, 403, () => ram.call("DeleteRole", { RoleName: roleName }));
      await rejects(server, REFUSED, 403, () => ram.call("UpdateRole", { RoleName: roleName, NewMaxSessionDuration: 3600 }));
      await rejects(server, REFUSED, 403, () => ram.call("AttachPolicyToRole", { RoleName: roleName, PolicyType: "System", PolicyName: "AdministratorAccess" }));
      await rejects(server, REFUSED, 403, () => ram.call("DetachPolicyFromRole", { RoleName: roleName, PolicyType: "Custom", PolicyName: policyName }));
      await rejects(server, REFUSED, 403, () => ram.call("DeletePolicy", { PolicyName: policyName }));
      await rejects(server, REFUSED, 403, () => ram.call("CreatePolicyVersion", { PolicyName: policyName, PolicyDocument: RAM_DOCUMENT }));
      await rejects(server, REFUSED, 403, () => ram.call("DeletePolicyVersion", { PolicyName: policyName, VersionId: "v1" }));
      await rejects(server, REFUSED, 403, () => ram.call("SetDefaultPolicyVersion", { PolicyName: policyName, VersionId: "v1" }));
      await rejects(server, REFUSED, 403, () => ims.call("UpdateSAMLProvider", { SAMLProviderName: providerName, NewDescription: "mine" }));
      await rejects(server, REFUSED, 403, () => ims.call("DeleteSAMLProvider", { SAMLProviderName: providerName }));

      await rejects(server, "EntityNotExist.Role", 404, () => ram.call("GetRole", { RoleName: "my-role" }));
      await rejects(server, "EntityNotExist.Role", 404, () => ram.call("GetRole", { RoleName: "AliyunReservedSSO-" }));
      await rejects(server, "EntityNotExist.Role", 404, () => ram.call("DeleteRole", { RoleName: "AliyunReservedSSO-other" }));
      await rejects(server, "EntityNotExist.Role", 404, () => ram.call("ListPoliciesForRole", { RoleName: "my-role" }));
      await rejects(server, "EntityNotExist.Policy", 404, () => ram.call("GetPolicy", { PolicyName: "my-policy", PolicyType: "Custom" }));
      await rejects(server, "EntityNotExist.Policy", 404, () => ram.call("GetPolicy", { PolicyName: policyName, PolicyType: "System" }));
      await rejects(server, "EntityNotExist.Policy", 404, () => ram.call("GetPolicy", { PolicyName: "AliyunReservedSSO-other-InlinePolicy", PolicyType: "Custom" }));
      await rejects(server, "EntityNotExist.Policy", 404, () => ram.call("DeletePolicy", { PolicyName: "my-policy" }));
      await rejects(server, "InvalidParameter.PolicyType", 400, () => ram.call("GetPolicy", { PolicyName: policyName, PolicyType: "Inline" }));
      await rejects(server, "MissingRoleName", 400, () => ram.call("GetRole"));
      await rejects(server, "InvalidParameter.MaxItems", 400, () => ram.call("ListRoles", { MaxItems: 1001 }));
      await rejects(server, "InvalidParameter.Marker", 400, () => ram.call("ListRoles", { Marker: "nonsense" }));
      await rejects(server, "EntityNotExist.SAMLProvider", 404, () => ims.call("GetSAMLProvider", { SAMLProviderName: "AliyunReservedSSO-d-000000000000" }));
      await rejects(server, "EntityNotExist.SAMLProvider", 404, () => ims.call("DeleteSAMLProvider", { SAMLProviderName: "corp-idp" }));
      await rejects(server, "InvalidParameter.MaxItems", 400, () => ims.call("ListSAMLProviders", { MaxItems: 101 }));
      await rejects(server, "MissingSAMLProviderName", 400, () => ims.call("GetSAMLProvider"));
      // A role name in any case, a marker that pages.
      assert.equal((await ram.call("GetPolicy", { PolicyName: policyName.toLowerCase(), PolicyType: "custom" })).Policy.PolicyName, policyName);
      const first = await ram.call("ListRoles", { MaxItems: 1 });
      assert.equal(first.IsTruncated, false);
      assert.ok(!("Marker" in first));

      const removed = (await sso("DeleteAccessAssignment", { AccessConfigurationId: ac, TargetType: "RD-Account", TargetId: String(a), PrincipalType: "Group", PrincipalId: group.GroupId, DeprovisionStrategy: "DeprovisionForLastAccessAssignmentOnAccount" })).Task;
      assert.equal(await settled(removed.TaskId), "Success");
    });

    test("a configuration made through the Tencent door is assigned and deployed through this one", async () => {
      const [, b] = t.members as [number, number];
      const zoneId = zoneIdOf(t.directoryId);
      const name = uniq("FromTencent");
      const made = (await t.org.CreateRoleConfiguration({ ZoneId: zoneId, RoleConfigurationName: name, SessionDuration: 5400 })).RoleConfigurationInfo!;
      const ac = made.RoleConfigurationId!.replace(/^rc-/, "ac-");
      await sso("AddPermissionPolicyToAccessConfiguration", { AccessConfigurationId: ac, PermissionPolicyType: "System", PermissionPolicyName: "ReadOnlyAccess" });
      const group = (await sso("CreateGroup", { GroupName: uniq("g") })).Group;
      const task = (await sso("CreateAccessAssignment", { AccessConfigurationId: ac, TargetType: "RD-Account", TargetId: String(b), PrincipalType: "Group", PrincipalId: group.GroupId })).Task;
      assert.equal(await settled(task.TaskId), "Success");
      const ram = aliyunClient(server, await server.keyFor(b), "ram");
      const role = (await ram.call("GetRole", { RoleName: `AliyunReservedSSO-${name}` })).Role;
      assert.equal(role.MaxSessionDuration, 5400);
      assert.deepEqual((await ram.call("ListPoliciesForRole", { RoleName: role.RoleName })).Policies.Policy.map((p: any) => p.PolicyName), ["ReadOnlyAccess"]);
      // The same role through CAM, in Tencent's naming, and the same deployment through the Tencent door.
      const cam = camClient(server, await server.keyFor(b));
      const camRole = (await cam.GetRole({ RoleName: `TencentCloudSSO-${name}` })).RoleInfo!;
      assert.equal(camRole.RoleId, role.RoleId);
      assert.equal(camRole.SessionDuration, 5400);
      const deployed = await t.org.ListRoleConfigurationProvisionings({ ZoneId: zoneId, RoleConfigurationId: made.RoleConfigurationId! });
      assert.deepEqual(deployed.RoleConfigurationProvisionings!.map((p) => [p.TargetUin, p.DeploymentStatus]), [[b, "Deployed"]]);
      const removed = (await sso("DeleteAccessAssignment", { AccessConfigurationId: ac, TargetType: "RD-Account", TargetId: String(b), PrincipalType: "Group", PrincipalId: group.GroupId, DeprovisionStrategy: "DeprovisionForLastAccessAssignmentOnAccount" })).Task;
      assert.equal(await settled(removed.TaskId), "Success");
      await rejects(server, "EntityNotExist.Role", 404, () => ram.call("GetRole", { RoleName: role.RoleName }));
    });
  });
}
