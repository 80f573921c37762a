/**
 * CloudSSO 2021-05-15 user actions through the official Alibaba clients over real HTTP: CreateUser,
 * GetUser, GetUserId, ListUsers (paging, Filter, Status, ProvisionType), UpdateUser,
 * UpdateUserStatus, ResetUserPassword, DeleteUser, ListJoinedGroupsForUser. The users are the
 * Tencent door's users too; provisioning follows a profile change made through CloudSSO. Every
 * rejected request is checked to have left the store as it was.
 */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { verifyPassword } from "../../src/core/secrets.js";
import { aliyunClient, expectAliyunError, popClient } from "../helpers/aliyun.js";
import {
  ALIYUN_TIME,
  expectPopError,
  plain,
  type SsoTenant,
  ssoRejects,
  ssoTenant,
  UNKNOWN_DIRECTORY,
  UNKNOWN_USER,
  whileProvisioned,
  until,
  USER_ID,
  walk,
  zoneIdOf,
} from "../helpers/cloudsso.js";
import { ENGINES, startServer, type TestServer } from "../helpers/harness.js";
import { scimClient } from "../helpers/scim.js";

const USER_FIELDS = ["CreateTime", "Description", "DisplayName", "Email", "FirstName", "LastName", "ProvisionType", "Status", "Tags", "UpdateTime", "UserId", "UserName"];

async function createUser(t: SsoTenant, userName: string, extra: Record<string, string> = {}) {
  return (await t.sso.call("CreateUser", { DirectoryId: t.directoryId, UserName: userName, ...extra })).User;
}

async function passwordHash(server: TestServer, userId: string): Promise<string> {
  const row = await server.store.db.selectFrom("dir_users").select("password_hash").where("user_id", "=", userId).executeTakeFirstOrThrow();
  return row.password_hash!;
}

for (const engine of ENGINES) {
  describe(`CloudSSO users (${engine})`, () => {
    let server: TestServer;
    before(async () => {
      server = await startServer(engine);
    });
    after(() => server?.close());

    test("CreateUser returns the user and GetUser reads it back; defaults; enum values in any case", async () => {
      const t = await ssoTenant(server);
      const before = Date.now() - 1000;
      const u = await createUser(t, "alice.smith@corp", {
        DisplayName: "Alice Smith",
        FirstName: "Alice",
        LastName: "Smith",
        Email: "alice@example.com",
        Description: "first user",
        Status: "Disabled",
      });
      assert.deepEqual(Object.keys(u).sort(), USER_FIELDS);
      assert.match(u.UserId, USER_ID);
      assert.deepEqual(
        { ...u, UserId: "", CreateTime: "", UpdateTime: "" },
        { UserId: "", UserName: "alice.smith@corp", DisplayName: "Alice Smith", FirstName: "Alice", LastName: "Smith", Email: "alice@example.com", Description: "first user", Status: "Disabled", ProvisionType: "Manual", Tags: [], CreateTime: "", UpdateTime: "" },
      );
      assert.match(u.CreateTime, ALIYUN_TIME);
      assert.equal(u.UpdateTime, u.CreateTime);
      assert.ok(Date.parse(u.CreateTime) >= before && Date.parse(u.CreateTime) <= Date.now());
      const got = await t.sso.call("GetUser", { DirectoryId: t.directoryId, UserId: u.UserId });
      assert.deepEqual(got.User, u);

      const minimal = await createUser(t, "bob");
      assert.equal(minimal.Status, "Enabled");
      assert.equal(minimal.ProvisionType, "Manual");
      assert.equal(minimal.Email, "");
      assert.equal(minimal.DisplayName, "");
      assert.equal((await createUser(t, "carol", { Status: "disabled" })).Status, "Disabled");
      // The core's name set: letters, digits and + = , . @ _ - (CloudSSO's @ _ - . among them).
      assert.equal((await createUser(t, "d_e-f.g@h+i=j,k")).UserName, "d_e-f.g@h+i=j,k");
    });

    test("CreateUser refusals: names, duplicates without regard to case, fields, Status, quota, directory — nothing created", async () => {
      const t = await ssoTenant(server);
      await createUser(t, "alice", { Email: "alice@example.com" });
      const call = (p: Record<string, string>) => () => t.sso.call("CreateUser", { DirectoryId: t.directoryId, ...p });
      await ssoRejects(server, "MissingUserName", 400, call({}));
      await ssoRejects(server, "MissingDirectoryId", 400, () => t.sso.call("CreateUser", { UserName: "x" }));
      for (const bad of ["has space", "名字", "semi;colon", "x".repeat(65)]) await ssoRejects(server, "InvalidParameter.UserName", 400, call({ UserName: bad }));
      await ssoRejects(server, "EntityAlreadyExists.User", 409, call({ UserName: "ALICE" }));
      await ssoRejects(server, "EntityAlreadyExists.User.Email", 409, call({ UserName: "alice2", Email: "Alice@Example.COM" }));
      await ssoRejects(server, "InvalidParameter.Email", 400, call({ UserName: "bob", Email: "not-an-email" }));
      await ssoRejects(server, "InvalidParameter.Email", 400, call({ UserName: "bob", Email: `${"x".repeat(120)}@example.com` }));
      await ssoRejects(server, "InvalidParameter.DisplayName", 400, call({ UserName: "bob", DisplayName: "x".repeat(257) }));
      await ssoRejects(server, "InvalidParameter.FirstName", 400, call({ UserName: "bob", FirstName: "x".repeat(65) }));
      await ssoRejects(server, "InvalidParameter.LastName", 400, call({ UserName: "bob", LastName: "x".repeat(65) }));
      await ssoRejects(server, "InvalidParameter.Description", 400, call({ UserName: "bob", Description: "x".repeat(1025) }));
      await ssoRejects(server, "InvalidParameter.Status", 400, call({ UserName: "bob", Status: "Paused" }));
      await ssoRejects(server, "EntityNotExists.Directory", 404, () => t.sso.call("CreateUser", { DirectoryId: UNKNOWN_DIRECTORY, UserName: "bob" }));
      // The longest values pass.
      await createUser(t, "x".repeat(64), { DisplayName: "d".repeat(256), FirstName: "f".repeat(64), LastName: "l".repeat(64), Description: "e".repeat(1024) });

      await server.core.directories.setQuotas(zoneIdOf(t.directoryId), { users: 2 });
      await ssoRejects(server, "LimitExceeded.User", 409, call({ UserName: "bob" }));
      await server.core.directories.setQuotas(zoneIdOf(t.directoryId), { users: null });
      await createUser(t, "bob");
    });

    test("Tags: CreateUser stores them, Get/List return them, ListUsers filters on every given tag; bad tag sets are refused", async () => {
      const t = await ssoTenant(server);
      const tagged = await createUser(t, "tagged", { Tags: [{ Key: "team", Value: "core" }, { Key: "env", Value: "prod" }] } as never);
      assert.deepEqual(tagged.Tags, [{ Key: "env", Value: "prod" }, { Key: "team", Value: "core" }]);
      await createUser(t, "other", { Tags: [{ Key: "team", Value: "edge" }] } as never);
      const plainUser = await createUser(t, "untagged");
      assert.deepEqual(plainUser.Tags, []);
      assert.deepEqual((await t.sso.call("GetUser", { DirectoryId: t.directoryId, UserId: tagged.UserId })).User.Tags, tagged.Tags);
      const byTag = async (tags: { Key: string; Value: string }[]) =>
        (await t.sso.call("ListUsers", { DirectoryId: t.directoryId, Tags: tags })).Users.map((u: { UserName: string }) => u.UserName);
      assert.deepEqual(await byTag([{ Key: "team", Value: "core" }]), ["tagged"]);
      assert.deepEqual(await byTag([{ Key: "team", Value: "core" }, { Key: "env", Value: "prod" }]), ["tagged"]);
      assert.deepEqual(await byTag([{ Key: "team", Value: "core" }, { Key: "env", Value: "dev" }]), []);
      assert.equal((await t.sso.call("ListUsers", { DirectoryId: t.directoryId, Tags: [{ Key: "team", Value: "edge" }] })).TotalCounts, 1);
      const tooMany = Array.from({ length: 21 }, (_, i) => ({ Key: `k${i}`, Value: "v" }));
      for (const tags of [tooMany, [{ Key: "aliyun:owner", Value: "x" }], [{ Key: "a", Value: "1" }, { Key: "a", Value: "2" }], [{ Key: "x".repeat(129), Value: "v" }]]) {
        await ssoRejects(server, "InvalidParameter.Tags", 400, () => createUser(t, "never", { Tags: tags } as never));
      }
      await t.sso.call("DeleteUser", { DirectoryId: t.directoryId, UserId: tagged.UserId });
      assert.deepEqual(await byTag([{ Key: "team", Value: "core" }]), []);
      assert.equal(await server.store.db.selectFrom("dir_user_tags").select("user_id").where("user_id", "=", tagged.UserId).executeTakeFirst(), undefined);
    });

    test("ListUsers pages with NextToken in creation order; TotalCounts; MaxResults default and bounds; tokens bound to their query", async () => {
      const t = await ssoTenant(server);
      const ids: string[] = [];
      for (let i = 0; i < 23; i++) ids.push((await createUser(t, `user${String(i).padStart(2, "0")}`)).UserId);
      const list = (extra: Record<string, unknown>) => (token: string | undefined) => t.sso.call("ListUsers", { DirectoryId: t.directoryId, ...extra, ...(token ? { NextToken: token } : {}) });

      const { items, pages } = await walk(list({ MaxResults: 5 }), "Users", 5);
      // Every user exactly once (users made in the same millisecond are ordered by id).
      assert.deepEqual(items.map((u: { UserId: string }) => u.UserId).sort(), [...ids].sort());
      assert.equal(pages.length, 5);
      assert.equal(pages[0]!.TotalCounts, 23);
      for (const u of items) assert.deepEqual(Object.keys(u).sort(), USER_FIELDS);

      const first = await t.sso.call("ListUsers", { DirectoryId: t.directoryId });
      assert.equal(first.MaxResults, 10);
      assert.equal(first.Users.length, 10);
      assert.equal(first.IsTruncated, true);
      const all = await t.sso.call("ListUsers", { DirectoryId: t.directoryId, MaxResults: 100 });
      assert.equal(all.Users.length, 23);
      assert.equal(all.IsTruncated, false);
      assert.ok(!("NextToken" in all));

      for (const bad of [0, 101, "ten"]) await ssoRejects(server, "InvalidParameter.MaxResults", 400, () => t.sso.call("ListUsers", { DirectoryId: t.directoryId, MaxResults: bad }));
      await ssoRejects(server, "InvalidParameter.NextToken", 400, () => t.sso.call("ListUsers", { DirectoryId: t.directoryId, NextToken: "forged" }));
      // A token belongs to the query that made it: other filters, or another tenant's directory, refuse it.
      const filtered = await t.sso.call("ListUsers", { DirectoryId: t.directoryId, Filter: "UserName sw user1", MaxResults: 2 });
      assert.equal(filtered.TotalCounts, 10);
      await ssoRejects(server, "InvalidParameter.NextToken", 400, () => t.sso.call("ListUsers", { DirectoryId: t.directoryId, NextToken: filtered.NextToken }));
      const other = await ssoTenant(server);
      await ssoRejects(server, "InvalidParameter.NextToken", 400, () => other.sso.call("ListUsers", { DirectoryId: other.directoryId, NextToken: first.NextToken }));
      const rest = await walk(list({ Filter: "UserName sw user1", MaxResults: 2 }), "Users", 2);
      assert.deepEqual(rest.items.map((u: { UserName: string }) => u.UserName).sort(), ids.slice(10, 20).map((_, i) => `user${10 + i}`));
    });

    test("ListUsers filters: UserName eq|sw without regard to case, Status, ProvisionType, together; malformed filters are refused", async () => {
      const t = await ssoTenant(server);
      await createUser(t, "Alice");
      await createUser(t, "alina", { Status: "Disabled" });
      await createUser(t, "bob");
      await createUser(t, "a_b");
      await createUser(t, "axb");
      // A synchronized user can only come from the Tencent door (or, later, SCIM).
      await t.org.CreateUser({ ZoneId: zoneIdOf(t.directoryId), UserName: "alfred", UserType: "Synchronized" });
      const names = async (extra: Record<string, unknown>) => {
        const r = await t.sso.call("ListUsers", { DirectoryId: t.directoryId, MaxResults: 100, ...extra });
        assert.equal(r.TotalCounts, r.Users.length);
        return r.Users.map((u: { UserName: string }) => u.UserName).sort();
      };
      assert.deepEqual(await names({ Filter: "UserName eq alice" }), ["Alice"]);
      assert.deepEqual(await names({ Filter: "username EQ ALICE" }), ["Alice"]);
      assert.deepEqual(await names({ Filter: 'UserName eq "alice"' }), ["Alice"]);
      assert.deepEqual(await names({ Filter: "UserName eq ali" }), []);
      assert.deepEqual(await names({ Filter: "UserName sw al" }), ["Alice", "alfred", "alina"]);
      assert.deepEqual(await names({ Filter: "UserName SW AL" }), ["Alice", "alfred", "alina"]);
      assert.deepEqual(await names({ Filter: "UserName sw a_" }), ["a_b"]); // `_` is no wildcard
      assert.deepEqual(await names({ Filter: "" }), ["Alice", "a_b", "alfred", "alina", "axb", "bob"]);
      assert.deepEqual(await names({ Status: "Disabled" }), ["alina"]);
      assert.deepEqual(await names({ Status: "enabled", Filter: "UserName sw al" }), ["Alice", "alfred"]);
      assert.deepEqual(await names({ ProvisionType: "Synchronized" }), ["alfred"]);
      assert.deepEqual(await names({ ProvisionType: "Manual", Filter: "UserName sw al" }), ["Alice", "alina"]);
      for (const bad of ["DisplayName eq x", "UserName contains x", "UserName eq", "alice"]) {
        await ssoRejects(server, "InvalidParameter.Filter", 400, () => t.sso.call("ListUsers", { DirectoryId: t.directoryId, Filter: bad }));
      }
      await ssoRejects(server, "InvalidParameter.Status", 400, () => t.sso.call("ListUsers", { DirectoryId: t.directoryId, Status: "Paused" }));
      await ssoRejects(server, "InvalidParameter.ProvisionType", 400, () => t.sso.call("ListUsers", { DirectoryId: t.directoryId, ProvisionType: "Imported" }));
      await ssoRejects(server, "EntityNotExists.Directory", 404, () => t.sso.call("ListUsers", { DirectoryId: UNKNOWN_DIRECTORY }));
    });

    test("UpdateUser changes the profile and returns the user; refusals change nothing", async () => {
      const t = await ssoTenant(server);
      const u = await createUser(t, "alice", { DisplayName: "Alice", FirstName: "A", LastName: "S", Email: "alice@example.com", Description: "d" });
      await createUser(t, "bob", { Email: "bob@example.com" });
      await new Promise((r) => setTimeout(r, 1100)); // UpdateTime has whole seconds
      const { User } = await t.sso.call("UpdateUser", { DirectoryId: t.directoryId, UserId: u.UserId, NewDisplayName: "Alice Smith", NewEmail: "alice@corp.example.com" });
      assert.deepEqual({ ...User, UpdateTime: "" }, { ...u, DisplayName: "Alice Smith", Email: "alice@corp.example.com", UpdateTime: "" });
      assert.ok(User.UpdateTime > u.UpdateTime);
      assert.deepEqual((await t.sso.call("GetUser", { DirectoryId: t.directoryId, UserId: u.UserId })).User, User);
      const all = await t.sso.call("UpdateUser", { DirectoryId: t.directoryId, UserId: u.UserId, NewFirstName: "Al", NewLastName: "Smith", NewDescription: "lead" });
      assert.deepEqual([all.User.FirstName, all.User.LastName, all.User.Description, all.User.DisplayName], ["Al", "Smith", "lead", "Alice Smith"]);
      // An empty NewEmail removes the email.
      assert.equal((await t.sso.call("UpdateUser", { DirectoryId: t.directoryId, UserId: u.UserId, NewEmail: "" })).User.Email, "");

      const call = (p: Record<string, string>) => () => t.sso.call("UpdateUser", { DirectoryId: t.directoryId, UserId: u.UserId, ...p });
      await ssoRejects(server, "EntityAlreadyExists.User.Email", 409, call({ NewEmail: "BOB@example.com" }));
      await ssoRejects(server, "InvalidParameter.NewEmail", 400, call({ NewEmail: "nope" }));
      await ssoRejects(server, "InvalidParameter.NewDisplayName", 400, call({ NewDisplayName: "x".repeat(257) }));
      await ssoRejects(server, "InvalidParameter.NewDescription", 400, call({ NewDescription: "x".repeat(1025) }));
      await ssoRejects(server, "EntityNotExists.User", 404, () => t.sso.call("UpdateUser", { DirectoryId: t.directoryId, UserId: UNKNOWN_USER, NewDisplayName: "x" }));
      await ssoRejects(server, "MissingUserId", 400, () => t.sso.call("UpdateUser", { DirectoryId: t.directoryId, NewDisplayName: "x" }));
    });

    test("UpdateUserStatus enables and disables; the Tencent door sees it; refusals change nothing", async () => {
      const t = await ssoTenant(server);
      const u = await createUser(t, "alice");
      const r = await t.sso.call("UpdateUserStatus", { DirectoryId: t.directoryId, UserId: u.UserId, NewStatus: "Disabled" });
      assert.deepEqual(Object.keys(r), ["RequestId"]);
      assert.equal((await t.sso.call("GetUser", { DirectoryId: t.directoryId, UserId: u.UserId })).User.Status, "Disabled");
      assert.equal((await t.org.GetUser({ ZoneId: zoneIdOf(t.directoryId), UserId: u.UserId })).UserInfo!.UserStatus, "Disabled");
      await t.sso.call("UpdateUserStatus", { DirectoryId: t.directoryId, UserId: u.UserId, NewStatus: "enabled" });
      assert.equal((await t.sso.call("GetUser", { DirectoryId: t.directoryId, UserId: u.UserId })).User.Status, "Enabled");
      await ssoRejects(server, "InvalidParameter.NewStatus", 400, () => t.sso.call("UpdateUserStatus", { DirectoryId: t.directoryId, UserId: u.UserId, NewStatus: "Paused" }));
      await ssoRejects(server, "MissingNewStatus", 400, () => t.sso.call("UpdateUserStatus", { DirectoryId: t.directoryId, UserId: u.UserId }));
      await ssoRejects(server, "EntityNotExists.User", 404, () => t.sso.call("UpdateUserStatus", { DirectoryId: t.directoryId, UserId: UNKNOWN_USER, NewStatus: "Disabled" }));
    });

    test("ResetUserPassword: a generated password returned once, or a chosen strong one; the reset-at-next-logon flag; refusals change nothing", async () => {
      const t = await ssoTenant(server);
      const u = await createUser(t, "alice");
      const zoneId = zoneIdOf(t.directoryId);
      const initial = await passwordHash(server, u.UserId);

      const gen = await t.sso.call("ResetUserPassword", { DirectoryId: t.directoryId, UserId: u.UserId, GenerateRandomPassword: true, RequirePasswordResetForNextLogin: true });
      assert.deepEqual(Object.keys(gen).sort(), ["NewPassword", "RequestId"]);
      assert.equal(typeof gen.NewPassword, "string");
      assert.ok(gen.NewPassword.length >= 8 && gen.NewPassword.length <= 32);
      const hash = await passwordHash(server, u.UserId);
      assert.notEqual(hash, initial);
      assert.ok(!hash.includes(gen.NewPassword), "the password is stored in clear");
      assert.equal(verifyPassword(gen.NewPassword, hash), true);
      assert.equal((await t.org.GetUser({ ZoneId: zoneId, UserId: u.UserId })).UserInfo!.NeedResetPassword, true);

      const chosen = "Str0ng!Passw0rd";
      const set = await t.sso.call("ResetUserPassword", { DirectoryId: t.directoryId, UserId: u.UserId, Password: chosen, RequirePasswordResetForNextLogin: false });
      assert.deepEqual(Object.keys(set), ["RequestId"]);
      assert.equal(verifyPassword(chosen, await passwordHash(server, u.UserId)), true);
      assert.equal((await t.org.GetUser({ ZoneId: zoneId, UserId: u.UserId })).UserInfo!.NeedResetPassword, false);
      // Without the flag, the reset-at-next-logon setting stays as it was.
      await t.sso.call("ResetUserPassword", { DirectoryId: t.directoryId, UserId: u.UserId, GenerateRandomPassword: "True" });
      assert.equal((await t.org.GetUser({ ZoneId: zoneId, UserId: u.UserId })).UserInfo!.NeedResetPassword, false);

      const call = (p: Record<string, unknown>) => () => t.sso.call("ResetUserPassword", { DirectoryId: t.directoryId, UserId: u.UserId, ...p });
      for (const weak of ["Sh0rt!", "alllowercase1!", "ALLUPPERCASE1!", "NoDigitsHere!", "NoSymbols123", "Has Space1!", `Aa1!${"x".repeat(29)}`]) {
        await ssoRejects(server, "InvalidParameter.Password", 400, call({ Password: weak }));
      }
      await ssoRejects(server, "MissingPassword", 400, call({}));
      await ssoRejects(server, "MissingPassword", 400, call({ GenerateRandomPassword: false }));
      await ssoRejects(server, "InvalidParameter.Password", 400, call({ GenerateRandomPassword: true, Password: chosen }));
      await ssoRejects(server, "InvalidParameter.GenerateRandomPassword", 400, call({ GenerateRandomPassword: "maybe" }));
      await ssoRejects(server, "EntityNotExists.User", 404, () => t.sso.call("ResetUserPassword", { DirectoryId: t.directoryId, UserId: UNKNOWN_USER, GenerateRandomPassword: true }));
    });

    test("DeleteUser: refused while the user is in a group or provisioned; then deleted", async () => {
      const t = await ssoTenant(server, { members: 1 });
      const u = await createUser(t, "alice");
      const { Group } = await t.sso.call("CreateGroup", { DirectoryId: t.directoryId, GroupName: "devs" });
      await t.sso.call("AddUserToGroup", { DirectoryId: t.directoryId, GroupId: Group.GroupId, UserId: u.UserId });
      await ssoRejects(server, "DeletionConflict.User.Group", 409, () => t.sso.call("DeleteUser", { DirectoryId: t.directoryId, UserId: u.UserId }));
      await t.sso.call("RemoveUserFromGroup", { DirectoryId: t.directoryId, GroupId: Group.GroupId, UserId: u.UserId });

      await whileProvisioned(server, t, "User", u.UserId, () =>
        ssoRejects(server, "DeletionConflict.User.UserProvisioning", 409, () => t.sso.call("DeleteUser", { DirectoryId: t.directoryId, UserId: u.UserId })).then(() => {}),
      );

      const r = await t.sso.call("DeleteUser", { DirectoryId: t.directoryId, UserId: u.UserId });
      assert.deepEqual(Object.keys(r), ["RequestId"]);
      await expectAliyunError(t.sso.call("GetUser", { DirectoryId: t.directoryId, UserId: u.UserId }), "EntityNotExists.User", 404);
      await ssoRejects(server, "EntityNotExists.User", 404, () => t.sso.call("DeleteUser", { DirectoryId: t.directoryId, UserId: u.UserId }));
      assert.equal((await t.sso.call("GetDirectoryStatistics", { DirectoryId: t.directoryId })).DirectoryStatistics.UserCount, 0);
    });

    test("ListJoinedGroupsForUser pages the user's groups with JoinTime; an unknown user is refused", async () => {
      const t = await ssoTenant(server);
      const u = await createUser(t, "alice");
      const groups: string[] = [];
      for (let i = 0; i < 7; i++) {
        const { Group } = await t.sso.call("CreateGroup", { DirectoryId: t.directoryId, GroupName: `group${i}`, Description: `g${i}` });
        await t.sso.call("AddUserToGroup", { DirectoryId: t.directoryId, GroupId: Group.GroupId, UserId: u.UserId });
        groups.push(Group.GroupId);
      }
      const { items, pages } = await walk(
        (token) => t.sso.call("ListJoinedGroupsForUser", { DirectoryId: t.directoryId, UserId: u.UserId, MaxResults: 3, ...(token ? { NextToken: token } : {}) }),
        "JoinedGroups",
        3,
      );
      assert.equal(pages.length, 3);
      assert.equal(pages[0]!.TotalCounts, 7);
      assert.deepEqual(items.map((g: { GroupId: string }) => g.GroupId).sort(), [...groups].sort());
      const g0 = items.find((g: { GroupName: string }) => g.GroupName === "group0") as Record<string, string>;
      assert.deepEqual(Object.keys(g0).sort(), ["Description", "GroupId", "GroupName", "JoinTime", "ProvisionType", "UserId"]);
      assert.deepEqual([g0.GroupName, g0.Description, g0.ProvisionType, g0.UserId], ["group0", "g0", "Manual", u.UserId]);
      assert.match(g0.JoinTime!, /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/);
      const lonely = await createUser(t, "bob");
      const none = await t.sso.call("ListJoinedGroupsForUser", { DirectoryId: t.directoryId, UserId: lonely.UserId });
      assert.deepEqual([none.JoinedGroups, none.TotalCounts, none.IsTruncated], [[], 0, false]);
      await ssoRejects(server, "EntityNotExists.User", 404, () => t.sso.call("ListJoinedGroupsForUser", { DirectoryId: t.directoryId, UserId: UNKNOWN_USER }));
    });

    test("GetUserId: the user a SCIM provider gave the external id; none for a hand-made user's name; a malformed ExternalId is refused", async () => {
      const t = await ssoTenant(server);
      await createUser(t, "alice");
      await ssoRejects(server, "EntityNotExists.User", 404, () => t.sso.call("GetUserId", { DirectoryId: t.directoryId, ExternalId: JSON.stringify({ Id: "alice", Issuer: "SCIM" }) }));
      // An identity provider pushes a user with its own id over SCIM.
      const zoneId = zoneIdOf(t.directoryId);
      const caller = { accountUin: t.key.uin, principalUin: t.key.uin, isSubUser: false };
      await server.core.scimCredentials.setSyncStatus(caller, zoneId, "Enabled");
      const { secret } = await server.core.scimCredentials.create(caller, zoneId);
      const scim = scimClient(server, secret);
      const pushed = (await scim("POST", "/Users", { schemas: ["urn:ietf:params:scim:schemas:core:2.0:User"], userName: "bob", externalId: "c73a5fdd5-Entra" })).body;
      const found = await t.sso.call("GetUserId", { DirectoryId: t.directoryId, ExternalId: JSON.stringify({ Id: "c73a5fdd5-Entra", Issuer: "SCIM" }) });
      assert.equal(found.UserId, pushed.id);
      // GetUser and ListUsers show it as ExternalId {Id, Issuer: "SCIM"}; a hand-made user has none.
      const got = (await t.sso.call("GetUser", { DirectoryId: t.directoryId, UserId: pushed.id })).User;
      assert.deepEqual(got.ExternalId, { Id: "c73a5fdd5-Entra", Issuer: "SCIM" });
      assert.equal(got.ProvisionType, "Synchronized");
      const listed = (await t.sso.call("ListUsers", { DirectoryId: t.directoryId })).Users as { UserName: string; ExternalId?: unknown }[];
      assert.deepEqual(listed.map((u) => [u.UserName, u.ExternalId]), [["alice", undefined], ["bob", { Id: "c73a5fdd5-Entra", Issuer: "SCIM" }]]);
      // A new externalId shows at once; removing it removes ExternalId.
      assert.equal((await scim("PATCH", `/Users/${pushed.id}`, { schemas: ["urn:ietf:params:scim:api:messages:2.0:PatchOp"], Operations: [{ op: "replace", path: "externalId", value: "e-2" }] })).status, 200);
      assert.deepEqual((await t.sso.call("GetUser", { DirectoryId: t.directoryId, UserId: pushed.id })).User.ExternalId, { Id: "e-2", Issuer: "SCIM" });
      assert.equal((await scim("PATCH", `/Users/${pushed.id}`, { schemas: ["urn:ietf:params:scim:api:messages:2.0:PatchOp"], Operations: [{ op: "remove", path: "externalId" }] })).status, 200);
      assert.equal((await t.sso.call("GetUser", { DirectoryId: t.directoryId, UserId: pushed.id })).User.ExternalId, undefined);
      // External ids compare exactly, as SCIM's caseExact externalId.
      await ssoRejects(server, "EntityNotExists.User", 404, () => t.sso.call("GetUserId", { DirectoryId: t.directoryId, ExternalId: JSON.stringify({ Id: "C73A5FDD5-ENTRA", Issuer: "SCIM" }) }));
      await ssoRejects(server, "EntityNotExists.User", 404, () => t.sso.call("GetUserId", { DirectoryId: t.directoryId, ExternalId: JSON.stringify({ Id: "c73a5fdd5-Entra", Issuer: "SCIM" }) }));
      for (const bad of ["not json", JSON.stringify({ Id: 1, Issuer: "SCIM" }), JSON.stringify({ Id: "a", Issuer: "LDAP" }), "null"]) {
        await ssoRejects(server, "InvalidParameter.ExternalId", 400, () => t.sso.call("GetUserId", { DirectoryId: t.directoryId, ExternalId: bad }));
      }
      await ssoRejects(server, "MissingExternalId", 400, () => t.sso.call("GetUserId", { DirectoryId: t.directoryId }));
      await ssoRejects(server, "EntityNotExists.Directory", 404, () => t.sso.call("GetUserId", { DirectoryId: UNKNOWN_DIRECTORY, ExternalId: JSON.stringify({ Id: "a", Issuer: "SCIM" }) }));
    });

    test("one set of users for both doors: created, changed and listed through either", async () => {
      const t = await ssoTenant(server);
      const zoneId = zoneIdOf(t.directoryId);
      const a = await createUser(t, "alice", { DisplayName: "Alice", FirstName: "A", LastName: "S", Email: "alice@example.com", Description: "via CloudSSO" });
      const info = (await t.org.GetUser({ ZoneId: zoneId, UserId: a.UserId })).UserInfo!;
      assert.deepEqual(
        [info.UserName, info.DisplayName, info.FirstName, info.LastName, info.Email, info.Description, info.UserStatus, info.UserType],
        [a.UserName, a.DisplayName, a.FirstName, a.LastName, a.Email, a.Description, a.Status, a.ProvisionType],
      );
      const b = (await t.org.CreateUser({ ZoneId: zoneId, UserName: "bob", Email: "bob@example.com", DisplayName: "Bob" })).UserInfo!;
      const viaSso = (await t.sso.call("GetUser", { DirectoryId: t.directoryId, UserId: b.UserId })).User;
      assert.deepEqual([viaSso.UserName, viaSso.Email, viaSso.DisplayName, viaSso.Status, viaSso.ProvisionType], ["bob", "bob@example.com", "Bob", "Enabled", "Manual"]);
      // Names are unique across both doors.
      await ssoRejects(server, "EntityAlreadyExists.User", 409, () => t.sso.call("CreateUser", { DirectoryId: t.directoryId, UserName: "BOB" }));
      await t.org.UpdateUser({ ZoneId: zoneId, UserId: a.UserId, NewDisplayName: "Alice via Tencent" });
      assert.equal((await t.sso.call("GetUser", { DirectoryId: t.directoryId, UserId: a.UserId })).User.DisplayName, "Alice via Tencent");
      await t.sso.call("UpdateUser", { DirectoryId: t.directoryId, UserId: b.UserId!, NewDescription: "via CloudSSO" });
      assert.equal((await t.org.GetUser({ ZoneId: zoneId, UserId: b.UserId! })).UserInfo!.Description, "via CloudSSO");
      const ssoIds = (await t.sso.call("ListUsers", { DirectoryId: t.directoryId })).Users.map((u: { UserId: string }) => u.UserId);
      const tcIds = ((await t.org.ListUsers({ ZoneId: zoneId })).Users ?? []).map((u) => u.UserId!);
      assert.deepEqual(ssoIds, tcIds);
      assert.deepEqual([...ssoIds].sort(), [a.UserId, b.UserId].sort());
      await t.sso.call("DeleteUser", { DirectoryId: t.directoryId, UserId: b.UserId });
      assert.equal((await t.org.ListUsers({ ZoneId: zoneId })).TotalCounts, 1);
    });

    test("tenant isolation: another tenant's users and directory are unknown, and nothing changes", async () => {
      const a = await ssoTenant(server);
      const b = await ssoTenant(server);
      const u = await createUser(a, "alice");
      for (const [action, extra] of [
        ["GetUser", {}],
        ["UpdateUser", { NewDisplayName: "x" }],
        ["UpdateUserStatus", { NewStatus: "Disabled" }],
        ["ResetUserPassword", { GenerateRandomPassword: true }],
        ["DeleteUser", {}],
        ["ListJoinedGroupsForUser", {}],
      ] as const) {
        // b's directory with a's user: no such user; a's directory: not b's.
        await ssoRejects(server, "EntityNotExists.User", 404, () => b.sso.call(action, { DirectoryId: b.directoryId, UserId: u.UserId, ...extra }));
        await ssoRejects(server, "EntityNotExists.Directory", 404, () => b.sso.call(action, { DirectoryId: a.directoryId, UserId: u.UserId, ...extra }));
      }
      await ssoRejects(server, "EntityNotExists.Directory", 404, () => b.sso.call("CreateUser", { DirectoryId: a.directoryId, UserName: "mallory" }));
      await ssoRejects(server, "EntityNotExists.Directory", 404, () => b.sso.call("ListUsers", { DirectoryId: a.directoryId }));
      assert.equal((await b.sso.call("ListUsers", { DirectoryId: b.directoryId })).TotalCounts, 0);
    });

    test("provisioning follows a CloudSSO UpdateUser: the sub-user's email changes in the member account", async () => {
      const t = await ssoTenant(server, { members: 1 });
      const u = await createUser(t, "alice", { Email: "alice@example.com", DisplayName: "Alice" });
      await t.org.CreateUserSyncProvisioning({
        ZoneId: zoneIdOf(t.directoryId),
        UserSyncProvisionings: [{ PrincipalId: u.UserId, PrincipalType: "User", TargetUin: t.members[0], TargetType: "MemberUin", DeletionStrategy: "Delete", DuplicationStrategy: "KeepBoth" }],
      });
      const subUser = () => server.store.db.selectFrom("sub_users").selectAll().where("directory_user_id", "=", u.UserId).where("account_uin", "=", t.members[0]!).executeTakeFirst();
      await until(async () => (await subUser())?.email === "alice@example.com", "the sub-user");
      await t.sso.call("UpdateUser", { DirectoryId: t.directoryId, UserId: u.UserId, NewEmail: "alice@corp.example.com" });
      await until(async () => (await subUser())?.email === "alice@corp.example.com", "the sub-user's new email");
    });

    test("wire shapes: signature V1 over GET and a form body, and @alicloud/pop-core", async () => {
      const t = await ssoTenant(server);
      const v1 = aliyunClient(server, t.key, "cloudsso", "v1");
      const u = (await v1.call("CreateUser", { DirectoryId: t.directoryId, UserName: "alice", DisplayName: "A l i c e & co" }, { inBody: true })).User;
      assert.equal(u.DisplayName, "A l i c e & co");
      assert.deepEqual((await v1.call("GetUser", { DirectoryId: t.directoryId, UserId: u.UserId }, { method: "GET" })).User, u);
      const pop = popClient(server, t.key, "cloudsso");
      const viaPop = (await pop.call("CreateUser", { DirectoryId: t.directoryId, UserName: "bob", Status: "Disabled" })).User;
      assert.equal(viaPop.Status, "Disabled");
      const listed = await pop.call("ListUsers", { DirectoryId: t.directoryId, Filter: "UserName eq BOB" }, "GET");
      assert.deepEqual(plain(listed.Users), [plain(viaPop)]);
      await expectPopError(pop.call("GetUser", { DirectoryId: t.directoryId, UserId: UNKNOWN_USER }), "EntityNotExists.User", 404);
      await expectPopError(pop.call("ResetUserPassword", { DirectoryId: t.directoryId, UserId: u.UserId, Password: "weak" }), "InvalidParameter.Password", 400);
    });
  });
}
