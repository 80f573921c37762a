/**
 * The native API and the vendor APIs show one state: changes made through tencentcloud-sdk-nodejs
 * and the Alibaba client read the same through /api/v1, and the reverse. And its tenant boundaries
 * are the vendor doors': another tenant's ids name nothing (404), and change nothing.
 */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { aliyunClient } from "../helpers/aliyun.js";
import { camClient, ENGINES, startServer, type TestServer } from "../helpers/harness.js";
import { ssoTenant, type SsoTenant, uniq, until, zoneIdOf } from "../helpers/cloudsso.js";
import { type NativeClient, nativeClient, refused } from "../helpers/native.js";

for (const engine of ENGINES) {
  describe(`native API and the vendor APIs (${engine})`, () => {
    let server: TestServer;
    let t: SsoTenant;
    let api: NativeClient;
    let zoneId: string;
    let dir: string;

    before(async () => {
      server = await startServer(engine);
      t = await ssoTenant(server, { members: 2 });
      api = nativeClient(server, t.key);
      zoneId = zoneIdOf(t.directoryId);
      dir = `/directories/${zoneId}`;
    });
    after(() => server?.close());

    const subUserNames = async (uin: number) => ((await camClient(server, await server.keyFor(uin)).ListUsers()).Data ?? []).map((u) => u.Name!).sort();

    test("what the Tencent and Alibaba clients change, /api/v1 shows", async () => {
      assert.deepEqual((await api.ok(200, "GET", "/directories")).items.map((d: { directoryId: string; name: string }) => [d.directoryId, d.name]), [[zoneId, t.directoryName]]);

      const tc = (await t.org.CreateUser({ ZoneId: zoneId, UserName: uniq("tc"), DisplayName: "From Tencent", Email: "tc@example.com" })).UserInfo!;
      const seen = await api.ok(200, "GET", `${dir}/users/${tc.UserId}`);
      assert.deepEqual([seen.userName, seen.displayName, seen.email, seen.status], [tc.UserName, "From Tencent", "tc@example.com", "Enabled"]);
      await t.org.UpdateUserStatus({ ZoneId: zoneId, UserId: tc.UserId!, NewUserStatus: "Disabled" });
      assert.equal((await api.ok(200, "GET", `${dir}/users/${tc.UserId}`)).status, "Disabled");
      await t.org.UpdateUserStatus({ ZoneId: zoneId, UserId: tc.UserId!, NewUserStatus: "Enabled" });

      const ali = (await t.sso.call("CreateGroup", { DirectoryId: t.directoryId, GroupName: uniq("ali"), Description: "from Alibaba" })).Group;
      await t.sso.call("AddUserToGroup", { DirectoryId: t.directoryId, GroupId: ali.GroupId, UserId: tc.UserId });
      const group = await api.ok(200, "GET", `${dir}/groups/${ali.GroupId}`);
      assert.deepEqual([group.groupName, group.description, group.memberCount], [ali.GroupName, "from Alibaba", 1]);
      assert.deepEqual((await api.ok(200, "GET", `${dir}/groups/${ali.GroupId}/members`)).items.map((m: { userId: string }) => m.userId), [tc.UserId]);

      const target = t.members[0]!;
      const { Tasks } = await t.org.CreateUserSyncProvisioning({
        ZoneId: zoneId,
        UserSyncProvisionings: [{ PrincipalId: ali.GroupId, PrincipalType: "Group", TargetUin: target, TargetType: "MemberUin", DeletionStrategy: "Delete", DuplicationStrategy: "KeepBoth" }],
      });
      const pid = Tasks![0]!.UserProvisioningId!;
      const listed = await api.ok(200, "GET", `${dir}/provisionings`, { query: { targetUin: target } });
      assert.deepEqual(listed.items.map((p: { provisioningId: string }) => p.provisioningId), [pid]);
      await until(async () => (await api.ok(200, "GET", `${dir}/provisionings/${pid}`)).progress.done === 1, "the provisioning's progress");
      assert.equal((await api.ok(200, "GET", `${dir}/provisioning-tasks/${Tasks![0]!.TaskId}`)).provisioningId, pid);
      const subs = (await api.ok(200, "GET", `/accounts/${target}/sub-users`)).items as { name: string; directoryUserId: string; managedBy: { provisioningId: string; principal: { id: string } }[] }[];
      assert.deepEqual(subs.map((s) => s.name).sort(), await subUserNames(target), "the sub-users CAM lists");
      const mine = subs.find((s) => s.name === tc.UserName)!;
      assert.deepEqual([mine.directoryUserId, mine.managedBy[0]?.provisioningId, mine.managedBy[0]?.principal.id], [tc.UserId, pid, ali.GroupId]);

      const rc = (await t.org.CreateRoleConfiguration({ ZoneId: zoneId, RoleConfigurationName: uniq("rc"), Description: "from Tencent" })).RoleConfigurationInfo!;
      const configs = await api.ok(200, "GET", `${dir}/access-configurations`);
      assert.deepEqual(configs.items.map((c: { configurationId: string; name: string }) => [c.configurationId, c.name]), [[rc.RoleConfigurationId, rc.RoleConfigurationName]]);
      assert.equal((await api.ok(200, "GET", `${dir}/deployments`)).totalCount, 0);
      assert.equal((await api.ok(200, "GET", `${dir}/assignments`)).totalCount, 0);
      const ref = { ZoneId: zoneId, RoleConfigurationId: rc.RoleConfigurationId! };
      await t.org.AddPermissionPolicyToRoleConfiguration({ ...ref, RolePolicyType: "System", RolePolicies: [{ PolicyId: 1 }] });
      const one = await api.ok(200, "GET", `${dir}/access-configurations/${rc.RoleConfigurationId}`);
      assert.equal(one.description, "from Tencent");
      assert.deepEqual(one.policies.map((p: { type: string }) => p.type), ["System"]);
      const assigned = await t.org.CreateRoleAssignment({
        ZoneId: zoneId,
        RoleAssignmentInfo: [{ RoleConfigurationId: rc.RoleConfigurationId!, TargetType: "MemberUin", TargetUin: target, PrincipalType: "Group", PrincipalId: ali.GroupId }],
      });
      const assignments = await api.ok(200, "GET", `${dir}/assignments`, { query: { configurationId: rc.RoleConfigurationId! } });
      assert.deepEqual(assignments.items.map((a: { principalId: string; targetUin: number }) => [a.principalId, a.targetUin]), [[ali.GroupId, target]]);
      const taskId = assigned.Tasks![0]!.TaskId!;
      await until(async () => (await api.ok(200, "GET", `${dir}/access-tasks/${taskId}`)).status !== "InProgress", "the assignment's task");
      assert.equal((await api.ok(200, "GET", `${dir}/access-tasks/${taskId}`)).status, "Success");
      const deployments = await api.ok(200, "GET", `${dir}/deployments`, { query: { targetUin: target } });
      assert.deepEqual(deployments.items.map((d: { configurationId: string; state: string }) => [d.configurationId, d.state]), [[rc.RoleConfigurationId, "Deployed"]]);
      const tcDeployed = await t.org.ListRoleConfigurationProvisionings({ ZoneId: zoneId, RoleConfigurationId: rc.RoleConfigurationId! });
      assert.deepEqual((tcDeployed.RoleConfigurationProvisionings ?? []).map((d) => d.TargetUin), [target]);
    });

    test("what /api/v1 changes, the Tencent and Alibaba clients show", async () => {
      const { user } = await api.ok(201, "POST", `${dir}/users`, { body: { userName: uniq("nat"), displayName: "From the API", email: "nat@example.com" } });
      const tcUser = (await t.org.GetUser({ ZoneId: zoneId, UserId: user.userId })).UserInfo!;
      assert.deepEqual([tcUser.UserName, tcUser.DisplayName, tcUser.Email], [user.userName, "From the API", "nat@example.com"]);
      assert.equal((await t.sso.call("GetUser", { DirectoryId: t.directoryId, UserId: user.userId })).User.UserName, user.userName);
      await api.ok(200, "PATCH", `${dir}/users/${user.userId}`, { body: { status: "Disabled" } });
      assert.equal((await t.org.GetUser({ ZoneId: zoneId, UserId: user.userId })).UserInfo!.UserStatus, "Disabled");
      assert.equal((await t.sso.call("GetUser", { DirectoryId: t.directoryId, UserId: user.userId })).User.Status, "Disabled");
      await api.ok(200, "PATCH", `${dir}/users/${user.userId}`, { body: { status: "Enabled" } });

      const g = await api.ok(201, "POST", `${dir}/groups`, { body: { groupName: uniq("natg") } });
      await api.call("PUT", `${dir}/groups/${g.groupId}/members/${user.userId}`);
      const members = await t.sso.call("ListGroupMembers", { DirectoryId: t.directoryId, GroupId: g.groupId, MaxResults: 100 });
      assert.deepEqual(members.GroupMembers.map((m: { UserId: string }) => m.UserId), [user.userId]);

      const target = t.members[1]!;
      const made = await api.ok(202, "POST", `${dir}/provisionings`, { body: { principalType: "User", principalId: user.userId, targetUin: target } });
      const pid = made.provisioning.provisioningId;
      const tcList = await t.org.ListUserSyncProvisionings({ ZoneId: zoneId, PrincipalId: user.userId });
      assert.deepEqual((tcList.UserProvisionings ?? []).map((p) => [p.UserProvisioningId, p.TargetUin]), [[pid, target]]);
      const task = await t.org.GetProvisioningTaskStatus({ ZoneId: zoneId, TaskId: made.task.taskId });
      assert.deepEqual([task.TaskStatus?.TaskId, task.TaskStatus?.TaskType], [made.task.taskId, "StartProvisioning"]);
      await until(async () => (await api.ok(200, "GET", `${dir}/provisionings/${pid}`)).progress.done === 1, "the provisioning's progress");
      assert.ok((await subUserNames(target)).includes(user.userName), "CAM lists the sub-user");
      const ram = aliyunClient(server, await server.keyFor(target), "ram");
      assert.ok((await ram.call("ListUsers")).Users.User.some((u: { UserName: string }) => u.UserName === user.userName), "RAM lists the sub-user");

      // A key issued here works on both vendor doors.
      const issued = await api.ok(201, "POST", "/keys");
      const key = { secretId: issued.secretId, secretKey: issued.secretKey };
      assert.equal((await aliyunClient(server, key, "cloudsso").call("GetUser", { DirectoryId: t.directoryId, UserId: user.userId })).User.UserId, user.userId);
      await api.ok(200, "PATCH", `/keys/${issued.secretId}`, { body: { status: "Disabled" } });
      await assert.rejects(aliyunClient(server, key, "cloudsso").call("GetUser", { DirectoryId: t.directoryId, UserId: user.userId }));
    });

    test("another tenant's ids name nothing: 404, and nothing changes", async () => {
      const other = await ssoTenant(server, { members: 1 });
      const theirs = nativeClient(server, other.key);
      const otherDir = `/directories/${zoneIdOf(other.directoryId)}`;
      const { user } = await api.ok(201, "POST", `${dir}/users`, { body: { userName: uniq("mine") } });
      const g = await api.ok(201, "POST", `${dir}/groups`, { body: { groupName: uniq("mine") } });
      const made = await api.ok(202, "POST", `${dir}/provisionings`, { body: { principalType: "User", principalId: user.userId, targetUin: t.members[0]! } });
      const pid = made.provisioning.provisioningId;
      const rc = (await t.org.CreateRoleConfiguration({ ZoneId: zoneId, RoleConfigurationName: uniq("iso") })).RoleConfigurationInfo!;
      const keys = (await api.ok(200, "GET", "/keys")).items as { secretId: string }[];
      await until(async () => (await api.ok(200, "GET", `${dir}/provisionings/${pid}`)).progress.done === 1, "the provisioning");
      await until(async () => (await api.ok(200, "GET", `${dir}/provisioning-tasks/${made.task.taskId}`)).status !== "InProgress", "the task");

      // Their directory id in my paths, and my ids in theirs.
      await refused(server, 404, "directory.not_found", () => theirs.call("GET", dir));
      await refused(server, 404, "directory.not_found", () => theirs.call("GET", `${dir}/users`));
      await refused(server, 404, "directory.not_found", () => theirs.call("GET", `${dir}/users/${user.userId}`));
      await refused(server, 404, "directory.not_found", () => theirs.call("POST", `${dir}/users`, { body: { userName: "intruder" } }));
      await refused(server, 404, "directory.not_found", () => theirs.call("DELETE", `${dir}/provisionings/${pid}`));
      await refused(server, 404, "directory.user_not_found", () => theirs.call("GET", `${otherDir}/users/${user.userId}`));
      await refused(server, 404, "directory.user_not_found", () => theirs.call("PATCH", `${otherDir}/users/${user.userId}`, { body: { status: "Disabled" } }));
      await refused(server, 404, "directory.user_not_found", () => theirs.call("DELETE", `${otherDir}/users/${user.userId}`));
      await refused(server, 404, "directory.group_not_found", () => theirs.call("GET", `${otherDir}/groups/${g.groupId}`));
      await refused(server, 404, "directory.group_not_found", () => theirs.call("DELETE", `${otherDir}/groups/${g.groupId}`));
      await refused(server, 404, "provisioning.not_found", () => theirs.call("GET", `${otherDir}/provisionings/${pid}`));
      await refused(server, 404, "provisioning.not_found", () => theirs.call("DELETE", `${otherDir}/provisionings/${pid}`));
      await refused(server, 404, "provisioning.task_not_found", () => theirs.call("GET", `${otherDir}/provisioning-tasks/${made.task.taskId}`));
      await refused(server, 404, "access.configuration_not_found", () => theirs.call("GET", `${otherDir}/access-configurations/${rc.RoleConfigurationId}`));
      await refused(server, 404, "organization.member_not_found", () => theirs.call("GET", `/accounts/${t.members[0]}/sub-users`));
      await refused(server, 404, "organization.member_not_found", () => theirs.call("GET", `/accounts/${t.key.uin}/sub-users`));
      await refused(server, 404, "key.not_found", () => theirs.call("PATCH", `/keys/${keys[0]!.secretId}`, { body: { status: "Disabled" } }));
      await refused(server, 404, "key.not_found", () => theirs.call("DELETE", `/keys/${keys[0]!.secretId}`));

      // Their lists hold nothing of mine.
      assert.deepEqual((await theirs.ok(200, "GET", "/directories")).items.map((d: { directoryId: string }) => d.directoryId), [zoneIdOf(other.directoryId)]);
      assert.equal((await theirs.ok(200, "GET", `${otherDir}/users`)).totalCount, 0);
      assert.equal((await theirs.ok(200, "GET", `${otherDir}/provisionings`)).totalCount, 0);
      const theirKeys = (await theirs.ok(200, "GET", "/keys")).items as { secretId: string; accountUin: number }[];
      assert.ok(theirKeys.every((k) => k.accountUin === other.key.uin));
      const theirMembers = (await theirs.ok(200, "GET", "/organization/members")).items as { uin: number }[];
      assert.deepEqual(theirMembers.map((m) => m.uin).sort(), [other.key.uin, ...other.members].sort());

      // A member account sees its own sub-users, not its organization's other accounts'.
      const member = nativeClient(server, await server.keyFor(t.members[0]!));
      assert.ok((await member.ok(200, "GET", `/accounts/${t.members[0]}/sub-users`)).items.some((s: { name: string }) => s.name === user.userName));
      await refused(server, 404, "organization.member_not_found", () => member.call("GET", `/accounts/${t.members[1]}/sub-users`));
      await refused(server, 404, "organization.member_not_found", () => member.call("GET", `/accounts/${t.key.uin}/sub-users`));
    });
  });
}
