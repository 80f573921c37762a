/**
 * CloudSSO 2021-05-15 group and membership actions through the official Alibaba clients over real
 * HTTP: CreateGroup, GetGroup, ListGroups (paging, Filter, ProvisionType), UpdateGroup, DeleteGroup,
 * AddUserToGroup, RemoveUserFromGroup, ListGroupMembers. Groups and memberships are the Tencent
 * door's too, and provisioning follows membership changes made through CloudSSO. Every rejected
 * request is checked to have left the store as it was.
 */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { aliyunClient, expectAliyunError, popClient } from "../helpers/aliyun.js";
import {
  ALIYUN_TIME,
  expectPopError,
  GROUP_ID,
  plain,
  type SsoTenant,
  ssoRejects,
  whileProvisioned,
  ssoTenant,
  UNKNOWN_DIRECTORY,
  UNKNOWN_GROUP,
  UNKNOWN_USER,
  until,
  walk,
  zoneIdOf,
} from "../helpers/cloudsso.js";
import { ENGINES, startServer, type TestServer } from "../helpers/harness.js";

const GROUP_FIELDS = ["CreateTime", "Description", "GroupId", "GroupName", "ProvisionType", "UpdateTime"];
const MEMBER_FIELDS = ["Description", "DisplayName", "Email", "GroupId", "JoinTime", "ProvisionType", "Status", "UserId", "UserName"];

async function createGroup(t: SsoTenant, groupName: string, description?: string) {
  return (await t.sso.call("CreateGroup", { DirectoryId: t.directoryId, GroupName: groupName, ...(description !== undefined ? { Description: description } : {}) })).Group;
}

async function createUser(t: SsoTenant, userName: string, extra: Record<string, string> = {}): Promise<string> {
  return (await t.sso.call("CreateUser", { DirectoryId: t.directoryId, UserName: userName, ...extra })).User.UserId;
}

const addMember = (t: SsoTenant, groupId: string, userId: string) => t.sso.call("AddUserToGroup", { DirectoryId: t.directoryId, GroupId: groupId, UserId: userId });
const removeMember = (t: SsoTenant, groupId: string, userId: string) => t.sso.call("RemoveUserFromGroup", { DirectoryId: t.directoryId, GroupId: groupId, UserId: userId });

for (const engine of ENGINES) {
  describe(`CloudSSO groups and memberships (${engine})`, () => {
    let server: TestServer;
    before(async () => {
      server = await startServer(engine);
    });
    after(() => server?.close());

    test("CreateGroup returns the group and GetGroup reads it back", async () => {
      const t = await ssoTenant(server);
      const before = Date.now() - 1000;
      const g = await createGroup(t, "dev.ops_team-1", "the operators");
      assert.deepEqual(Object.keys(g).sort(), GROUP_FIELDS);
      assert.match(g.GroupId, GROUP_ID);
      assert.deepEqual([g.GroupName, g.Description, g.ProvisionType], ["dev.ops_team-1", "the operators", "Manual"]);
      assert.match(g.CreateTime, ALIYUN_TIME);
      assert.equal(g.UpdateTime, g.CreateTime);
      assert.ok(Date.parse(g.CreateTime) >= before && Date.parse(g.CreateTime) <= Date.now());
      assert.deepEqual((await t.sso.call("GetGroup", { DirectoryId: t.directoryId, GroupId: g.GroupId })).Group, g);
      assert.equal((await createGroup(t, "plain")).Description, "");
      await ssoRejects(server, "EntityNotExists.Group", 404, () => t.sso.call("GetGroup", { DirectoryId: t.directoryId, GroupId: UNKNOWN_GROUP }));
      await ssoRejects(server, "MissingGroupId", 400, () => t.sso.call("GetGroup", { DirectoryId: t.directoryId }));
    });

    test("CreateGroup refusals: names, duplicates without regard to case, description, quota, directory — nothing created", async () => {
      const t = await ssoTenant(server);
      await createGroup(t, "devs");
      const call = (p: Record<string, string>) => () => t.sso.call("CreateGroup", { DirectoryId: t.directoryId, ...p });
      await ssoRejects(server, "MissingGroupName", 400, call({}));
      for (const bad of ["has space", "at@sign", "组", "x".repeat(129)]) await ssoRejects(server, "InvalidParameter.GroupName", 400, call({ GroupName: bad }));
      await ssoRejects(server, "EntityAlreadyExists.Group", 409, call({ GroupName: "DEVS" }));
      await ssoRejects(server, "InvalidParameter.Description", 400, call({ GroupName: "ops", Description: "x".repeat(1025) }));
      await ssoRejects(server, "EntityNotExists.Directory", 404, () => t.sso.call("CreateGroup", { DirectoryId: UNKNOWN_DIRECTORY, GroupName: "ops" }));
      await createGroup(t, "x".repeat(128), "d".repeat(1024));
      await server.core.directories.setQuotas(zoneIdOf(t.directoryId), { groups: 2 });
      await ssoRejects(server, "LimitExceeded.Group", 409, call({ GroupName: "ops" }));
    });

    test("ListGroups pages with NextToken; TotalCounts; Filter GroupName eq|sw; ProvisionType; bad parameters refused", async () => {
      const t = await ssoTenant(server);
      const ids: string[] = [];
      for (let i = 0; i < 12; i++) ids.push((await createGroup(t, `team${String(i).padStart(2, "0")}`)).GroupId);
      await createGroup(t, "Ops");
      await createGroup(t, "ops_x");
      await createGroup(t, "opsyx");
      // A synchronized group can only come from the Tencent door (or, later, SCIM).
      await t.org.CreateGroup({ ZoneId: zoneIdOf(t.directoryId), GroupName: "synced", GroupType: "Synchronized" });

      const { items, pages } = await walk((token) => t.sso.call("ListGroups", { DirectoryId: t.directoryId, MaxResults: 4, ...(token ? { NextToken: token } : {}) }), "Groups", 4);
      assert.equal(pages.length, 4);
      assert.equal(pages[0]!.TotalCounts, 16);
      assert.equal(new Set(items.map((g: { GroupId: string }) => g.GroupId)).size, 16);
      for (const id of ids) assert.ok(items.some((g: { GroupId: string }) => g.GroupId === id));
      for (const g of items) assert.deepEqual(Object.keys(g).sort(), GROUP_FIELDS);
      assert.equal((await t.sso.call("ListGroups", { DirectoryId: t.directoryId })).MaxResults, 10);

      const names = async (extra: Record<string, unknown>) => {
        const r = await t.sso.call("ListGroups", { DirectoryId: t.directoryId, MaxResults: 100, ...extra });
        assert.equal(r.TotalCounts, r.Groups.length);
        return r.Groups.map((g: { GroupName: string }) => g.GroupName).sort();
      };
      assert.deepEqual(await names({ Filter: "GroupName eq ops" }), ["Ops"]);
      assert.deepEqual(await names({ Filter: "groupname sw OPS" }), ["Ops", "ops_x", "opsyx"]);
      assert.deepEqual(await names({ Filter: "GroupName sw ops_" }), ["ops_x"]);
      assert.deepEqual(await names({ Filter: "GroupName sw team1" }), ["team10", "team11"]);
      assert.deepEqual(await names({ ProvisionType: "Synchronized" }), ["synced"]);
      assert.deepEqual(await names({ ProvisionType: "manual", Filter: "GroupName sw s" }), []);
      const filtered = await t.sso.call("ListGroups", { DirectoryId: t.directoryId, Filter: "GroupName sw team", MaxResults: 5 });
      assert.equal(filtered.TotalCounts, 12);
      await ssoRejects(server, "InvalidParameter.NextToken", 400, () => t.sso.call("ListGroups", { DirectoryId: t.directoryId, NextToken: filtered.NextToken, MaxResults: 5 }));
      await ssoRejects(server, "InvalidParameter.Filter", 400, () => t.sso.call("ListGroups", { DirectoryId: t.directoryId, Filter: "UserName eq ops" }));
      await ssoRejects(server, "InvalidParameter.ProvisionType", 400, () => t.sso.call("ListGroups", { DirectoryId: t.directoryId, ProvisionType: "Imported" }));
      await ssoRejects(server, "InvalidParameter.MaxResults", 400, () => t.sso.call("ListGroups", { DirectoryId: t.directoryId, MaxResults: 101 }));
    });

    test("UpdateGroup renames and re-describes, and returns the group; refusals change nothing", async () => {
      const t = await ssoTenant(server);
      const g = await createGroup(t, "devs", "developers");
      await createGroup(t, "ops");
      await new Promise((r) => setTimeout(r, 1100)); // UpdateTime has whole seconds
      const { Group } = await t.sso.call("UpdateGroup", { DirectoryId: t.directoryId, GroupId: g.GroupId, NewGroupName: "developers" });
      assert.deepEqual({ ...Group, UpdateTime: "" }, { ...g, GroupName: "developers", UpdateTime: "" });
      assert.ok(Group.UpdateTime > g.UpdateTime);
      const described = (await t.sso.call("UpdateGroup", { DirectoryId: t.directoryId, GroupId: g.GroupId, NewDescription: "all of them" })).Group;
      assert.deepEqual([described.GroupName, described.Description], ["developers", "all of them"]);
      assert.deepEqual((await t.sso.call("GetGroup", { DirectoryId: t.directoryId, GroupId: g.GroupId })).Group, described);
      // A change of case only is the group's own name.
      assert.equal((await t.sso.call("UpdateGroup", { DirectoryId: t.directoryId, GroupId: g.GroupId, NewGroupName: "Developers" })).Group.GroupName, "Developers");

      const call = (p: Record<string, string>) => () => t.sso.call("UpdateGroup", { DirectoryId: t.directoryId, GroupId: g.GroupId, ...p });
      await ssoRejects(server, "EntityAlreadyExists.Group", 409, call({ NewGroupName: "OPS" }));
      await ssoRejects(server, "InvalidParameter.NewGroupName", 400, call({ NewGroupName: "x".repeat(129) }));
      await ssoRejects(server, "InvalidParameter.NewGroupName", 400, call({ NewGroupName: "bad name" }));
      await ssoRejects(server, "InvalidParameter.NewDescription", 400, call({ NewDescription: "x".repeat(1025) }));
      await ssoRejects(server, "EntityNotExists.Group", 404, () => t.sso.call("UpdateGroup", { DirectoryId: t.directoryId, GroupId: UNKNOWN_GROUP, NewGroupName: "x" }));
    });

    test("memberships: add, list with JoinTime and paging, remove; duplicates, strangers and unknowns refused", async () => {
      const t = await ssoTenant(server);
      const g = await createGroup(t, "devs");
      const users: string[] = [];
      for (let i = 0; i < 7; i++) users.push(await createUser(t, `user${i}`, { Email: `user${i}@example.com`, DisplayName: `User ${i}`, Description: `d${i}` }));
      for (const u of users) assert.deepEqual(Object.keys(await addMember(t, g.GroupId, u)), ["RequestId"]);

      const { items, pages } = await walk(
        (token) => t.sso.call("ListGroupMembers", { DirectoryId: t.directoryId, GroupId: g.GroupId, MaxResults: 3, ...(token ? { NextToken: token } : {}) }),
        "GroupMembers",
        3,
      );
      assert.equal(pages.length, 3);
      assert.equal(pages[0]!.TotalCounts, 7);
      assert.deepEqual(items.map((m: { UserId: string }) => m.UserId).sort(), [...users].sort());
      const m0 = items.find((m: { UserName: string }) => m.UserName === "user0");
      assert.deepEqual(Object.keys(m0).sort(), MEMBER_FIELDS);
      assert.deepEqual(
        [m0.GroupId, m0.UserId, m0.DisplayName, m0.Email, m0.Description, m0.Status, m0.ProvisionType],
        [g.GroupId, users[0], "User 0", "user0@example.com", "d0", "Enabled", "Manual"],
      );
      assert.match(m0.JoinTime, ALIYUN_TIME);

      await ssoRejects(server, "EntityAlreadyExists.GroupMember", 409, () => addMember(t, g.GroupId, users[0]!));
      await ssoRejects(server, "EntityNotExists.User", 404, () => addMember(t, g.GroupId, UNKNOWN_USER));
      await ssoRejects(server, "EntityNotExists.Group", 404, () => addMember(t, UNKNOWN_GROUP, users[0]!));
      await ssoRejects(server, "MissingUserId", 400, () => t.sso.call("AddUserToGroup", { DirectoryId: t.directoryId, GroupId: g.GroupId }));
      await ssoRejects(server, "EntityNotExists.Group", 404, () => t.sso.call("ListGroupMembers", { DirectoryId: t.directoryId, GroupId: UNKNOWN_GROUP }));

      assert.deepEqual(Object.keys(await removeMember(t, g.GroupId, users[0]!)), ["RequestId"]);
      await ssoRejects(server, "EntityNotExists.GroupMember", 404, () => removeMember(t, g.GroupId, users[0]!));
      await ssoRejects(server, "EntityNotExists.User", 404, () => removeMember(t, g.GroupId, UNKNOWN_USER));
      await ssoRejects(server, "EntityNotExists.Group", 404, () => removeMember(t, UNKNOWN_GROUP, users[1]!));
      const after = await t.sso.call("ListGroupMembers", { DirectoryId: t.directoryId, GroupId: g.GroupId, MaxResults: 100 });
      assert.equal(after.TotalCounts, 6);
      assert.ok(!after.GroupMembers.some((m: { UserId: string }) => m.UserId === users[0]));

      // A synchronized user does not join a manual group.
      const synced = (await t.org.CreateUser({ ZoneId: zoneIdOf(t.directoryId), UserName: "synced", UserType: "Synchronized" })).UserInfo!.UserId!;
      await ssoRejects(server, "OperationConflict.ProvisionType", 409, () => addMember(t, g.GroupId, synced));
    });

    test("membership caps: members per group and groups per user", async () => {
      const t = await ssoTenant(server);
      await server.core.directories.setQuotas(zoneIdOf(t.directoryId), { membersPerGroup: 2, groupsPerUser: 2 });
      const [a, b, c] = [await createUser(t, "a"), await createUser(t, "b"), await createUser(t, "c")];
      const g1 = (await createGroup(t, "g1")).GroupId;
      const g2 = (await createGroup(t, "g2")).GroupId;
      const g3 = (await createGroup(t, "g3")).GroupId;
      await addMember(t, g1, a);
      await addMember(t, g1, b);
      await ssoRejects(server, "LimitExceeded.GroupMember", 409, () => addMember(t, g1, c));
      await addMember(t, g2, a);
      await ssoRejects(server, "LimitExceeded.UserGroup", 409, () => addMember(t, g3, a));
    });

    test("DeleteGroup: refused while it has members or is provisioned; then deleted", async () => {
      const t = await ssoTenant(server, { members: 1 });
      const g = await createGroup(t, "devs");
      const u = await createUser(t, "alice");
      await addMember(t, g.GroupId, u);
      await ssoRejects(server, "DeletionConflict.Group.User", 409, () => t.sso.call("DeleteGroup", { DirectoryId: t.directoryId, GroupId: g.GroupId }));
      await removeMember(t, g.GroupId, u);

      await whileProvisioned(server, t, "Group", g.GroupId, () =>
        ssoRejects(server, "DeletionConflict.Group.UserProvisioning", 409, () => t.sso.call("DeleteGroup", { DirectoryId: t.directoryId, GroupId: g.GroupId })).then(() => {}),
      );

      assert.deepEqual(Object.keys(await t.sso.call("DeleteGroup", { DirectoryId: t.directoryId, GroupId: g.GroupId })), ["RequestId"]);
      await expectAliyunError(t.sso.call("GetGroup", { DirectoryId: t.directoryId, GroupId: g.GroupId }), "EntityNotExists.Group", 404);
      await ssoRejects(server, "EntityNotExists.Group", 404, () => t.sso.call("DeleteGroup", { DirectoryId: t.directoryId, GroupId: g.GroupId }));
      assert.equal((await t.sso.call("GetDirectoryStatistics", { DirectoryId: t.directoryId })).DirectoryStatistics.GroupCount, 0);
    });

    test("provisioning follows CloudSSO AddUserToGroup and RemoveUserFromGroup: sub-users appear and go in the member account", async () => {
      const t = await ssoTenant(server, { members: 1 });
      const g = await createGroup(t, "devs");
      const alice = await createUser(t, "alice", { Email: "alice@example.com" });
      const bob = await createUser(t, "bob");
      await addMember(t, g.GroupId, alice);
      await t.org.CreateUserSyncProvisioning({
        ZoneId: zoneIdOf(t.directoryId),
        UserSyncProvisionings: [{ PrincipalId: g.GroupId, PrincipalType: "Group", TargetUin: t.members[0], TargetType: "MemberUin", DeletionStrategy: "Delete", DuplicationStrategy: "KeepBoth" }],
      });
      const subUsers = async () =>
        (await server.store.db.selectFrom("sub_users").select("name").where("account_uin", "=", t.members[0]!).where("directory_user_id", "is not", null).execute()).map((r) => r.name).sort();
      await until(async () => (await subUsers()).join() === "alice", "alice's sub-user");
      await addMember(t, g.GroupId, bob);
      await until(async () => (await subUsers()).join() === "alice,bob", "bob's sub-user after AddUserToGroup");
      await removeMember(t, g.GroupId, alice);
      await until(async () => (await subUsers()).join() === "bob", "alice's sub-user to go after RemoveUserFromGroup");
    });

    test("one set of groups and memberships for both doors", async () => {
      const t = await ssoTenant(server);
      const zoneId = zoneIdOf(t.directoryId);
      const g = await createGroup(t, "devs", "via CloudSSO");
      const alice = await createUser(t, "alice");
      await addMember(t, g.GroupId, alice);
      const info = (await t.org.GetGroup({ ZoneId: zoneId, GroupId: g.GroupId })).GroupInfo!;
      assert.deepEqual([info.GroupName, info.Description, info.GroupType, info.MemberCount], ["devs", "via CloudSSO", "Manual", 1]);
      const tcMembers = (await t.org.ListGroupMembers({ ZoneId: zoneId, GroupId: g.GroupId })).GroupMembers ?? [];
      assert.deepEqual(tcMembers.map((m) => m.UserId), [alice]);

      const ops = (await t.org.CreateGroup({ ZoneId: zoneId, GroupName: "ops", Description: "via Tencent" })).GroupInfo!;
      const bob = (await t.org.CreateUser({ ZoneId: zoneId, UserName: "bob" })).UserInfo!.UserId!;
      await t.org.AddUserToGroup({ ZoneId: zoneId, GroupId: ops.GroupId!, UserId: bob });
      assert.deepEqual(
        plain((await t.sso.call("GetGroup", { DirectoryId: t.directoryId, GroupId: ops.GroupId })).Group).Description,
        "via Tencent",
      );
      const members = await t.sso.call("ListGroupMembers", { DirectoryId: t.directoryId, GroupId: ops.GroupId });
      assert.deepEqual(members.GroupMembers.map((m: { UserId: string }) => m.UserId), [bob]);
      // Names are unique across both doors; a membership made through one is removed through the other.
      await ssoRejects(server, "EntityAlreadyExists.Group", 409, () => t.sso.call("CreateGroup", { DirectoryId: t.directoryId, GroupName: "OPS" }));
      await removeMember(t, ops.GroupId!, bob);
      assert.equal((await t.org.GetGroup({ ZoneId: zoneId, GroupId: ops.GroupId! })).GroupInfo!.MemberCount, 0);
      await t.org.RemoveUserFromGroup({ ZoneId: zoneId, GroupId: g.GroupId, UserId: alice });
      assert.equal((await t.sso.call("ListGroupMembers", { DirectoryId: t.directoryId, GroupId: g.GroupId })).TotalCounts, 0);
      await t.sso.call("UpdateGroup", { DirectoryId: t.directoryId, GroupId: ops.GroupId, NewGroupName: "operators" });
      assert.equal((await t.org.GetGroup({ ZoneId: zoneId, GroupId: ops.GroupId! })).GroupInfo!.GroupName, "operators");
      await t.org.DeleteGroup({ ZoneId: zoneId, GroupId: ops.GroupId! });
      await expectAliyunError(t.sso.call("GetGroup", { DirectoryId: t.directoryId, GroupId: ops.GroupId }), "EntityNotExists.Group", 404);
    });

    test("tenant isolation: another tenant's groups, users and directory are unknown, and nothing changes", async () => {
      const a = await ssoTenant(server);
      const b = await ssoTenant(server);
      const ga = (await createGroup(a, "devs")).GroupId;
      const ua = await createUser(a, "alice");
      const ub = await createUser(b, "bob");
      const gb = (await createGroup(b, "devs")).GroupId;
      for (const [action, extra] of [
        ["GetGroup", {}],
        ["UpdateGroup", { NewGroupName: "mine" }],
        ["DeleteGroup", {}],
        ["ListGroupMembers", {}],
        ["AddUserToGroup", { UserId: ub }],
        ["RemoveUserFromGroup", { UserId: ub }],
      ] as const) {
        await ssoRejects(server, "EntityNotExists.Group", 404, () => b.sso.call(action, { DirectoryId: b.directoryId, GroupId: ga, ...extra }));
        await ssoRejects(server, "EntityNotExists.Directory", 404, () => b.sso.call(action, { DirectoryId: a.directoryId, GroupId: ga, ...extra }));
      }
      // b's own group, a's user.
      await ssoRejects(server, "EntityNotExists.User", 404, () => addMember(b, gb, ua));
      await ssoRejects(server, "EntityNotExists.Directory", 404, () => b.sso.call("ListGroups", { DirectoryId: a.directoryId }));
      assert.equal((await b.sso.call("ListGroups", { DirectoryId: b.directoryId })).TotalCounts, 1);
    });

    test("wire shapes: signature V1 over GET and a form body, and @alicloud/pop-core", async () => {
      const t = await ssoTenant(server, { signing: "v1" });
      const v1 = aliyunClient(server, t.key, "cloudsso", "v1");
      const g = (await v1.call("CreateGroup", { DirectoryId: t.directoryId, GroupName: "devs", Description: "a & b = c" }, { inBody: true })).Group;
      assert.equal(g.Description, "a & b = c");
      assert.deepEqual((await v1.call("GetGroup", { DirectoryId: t.directoryId, GroupId: g.GroupId }, { method: "GET" })).Group, g);
      const pop = popClient(server, t.key, "cloudsso");
      const u = (await pop.call("CreateUser", { DirectoryId: t.directoryId, UserName: "alice" })).User;
      await pop.call("AddUserToGroup", { DirectoryId: t.directoryId, GroupId: g.GroupId, UserId: u.UserId });
      const members = plain(await pop.call("ListGroupMembers", { DirectoryId: t.directoryId, GroupId: g.GroupId }, "GET"));
      assert.deepEqual(members.GroupMembers.map((m: { UserId: string }) => m.UserId), [u.UserId]);
      await expectPopError(pop.call("AddUserToGroup", { DirectoryId: t.directoryId, GroupId: g.GroupId, UserId: u.UserId }), "EntityAlreadyExists.GroupMember", 409);
      await pop.call("RemoveUserFromGroup", { DirectoryId: t.directoryId, GroupId: g.GroupId, UserId: u.UserId });
      await pop.call("DeleteGroup", { DirectoryId: t.directoryId, GroupId: g.GroupId });
      await expectPopError(pop.call("GetGroup", { DirectoryId: t.directoryId, GroupId: g.GroupId }), "EntityNotExists.Group", 404);
    });
  });
}
