/**
 * One core path into provisioning: a group an identity provider pushed over SCIM, provisioned into
 * two member accounts through the Tencent SDK; a SCIM PATCH adding a member makes the new user a CAM
 * sub-user in both accounts (read through the SDK's CAM ListUsers), and a SCIM removal takes it away.
 */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { camClient, ENGINES, orgClient, orgWithMembers, startServer, type TestServer } from "../helpers/harness.js";
import { newGroup, newUser, patch, scimClient } from "../helpers/scim.js";

async function until(check: () => Promise<boolean>, what: string): Promise<void> {
  // Polls until the fan-out is done; the bound only stops a broken run from hanging.
  const deadline = Date.now() + 30_000;
  while (!(await check())) {
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

for (const engine of ENGINES) {
  describe(`SCIM into provisioning (${engine})`, () => {
    let server: TestServer;
    before(async () => {
      server = await startServer(engine);
    });
    after(() => server?.close());

    test("a SCIM PATCH adding a member to a group provisioned into two accounts creates the sub-user in both; a SCIM removal deletes it", async () => {
      const root = await server.newRoot();
      const { members } = await orgWithMembers(server, root, 2);
      const org = orgClient(server, root);
      const { ZoneId } = await org.OpenIdentityCenter({ ZoneName: `scim-${Math.random().toString(36).slice(2, 10)}` });
      const caller = { accountUin: root.uin, principalUin: root.uin, isSubUser: false };
      await server.core.scimCredentials.setSyncStatus(caller, ZoneId!, "Enabled");
      const { secret } = await server.core.scimCredentials.create(caller, ZoneId!);
      const scim = scimClient(server, secret);

      const alice = (await scim("POST", "/Users", newUser("alice.scim@example.com", { emails: [{ value: "alice.scim@example.com", primary: true }], displayName: "Alice" }))).body;
      const group = (await scim("POST", "/Groups", newGroup("Provisioned Team", { members: [{ value: alice.id }] }))).body;
      assert.ok(group.id, "the group was created");
      const created = await org.CreateUserSyncProvisioning({
        ZoneId: ZoneId!,
        UserSyncProvisionings: members.map((uin) => ({ PrincipalId: group.id, PrincipalType: "Group", TargetUin: uin, TargetType: "MemberUin", DeletionStrategy: "Delete", DuplicationStrategy: "KeepBoth" })),
      });
      assert.equal(created.Tasks?.length, 2);

      const memberKeys = await Promise.all(members.map((uin) => server.keyFor(uin)));
      const cams = memberKeys.map((k) => camClient(server, k));
      const names = async (i: number) => ((await cams[i]!.ListUsers()).Data ?? []).map((u) => u.Name!).sort();
      const inBoth = (name: string) => async () => (await names(0)).includes(name) && (await names(1)).includes(name);
      await until(inBoth("alice.scim@example.com"), "alice in both accounts");

      const bob = (await scim("POST", "/Users", newUser("bob.scim@example.com", { emails: [{ value: "bob.scim@example.com", primary: true }], displayName: "Bob" }))).body;
      const added = await scim("PATCH", `/Groups/${group.id}`, patch({ op: "Add", path: "members", value: [{ value: bob.id }] }));
      assert.equal(added.status, 204, added.text);
      await until(inBoth("bob.scim@example.com"), "bob in both accounts");
      const bobSub = await cams[1]!.GetUser({ Name: "bob.scim@example.com" });
      assert.equal(bobSub.Email, "bob.scim@example.com");
      assert.equal(bobSub.Remark, "Bob");

      // Entra's removal by value array; DeletionStrategy Delete takes the sub-users away again.
      const removed = await scim("PATCH", `/Groups/${group.id}`, patch({ op: "Remove", path: "members", value: [{ value: bob.id }] }));
      assert.equal(removed.status, 204);
      await until(async () => !(await names(0)).includes("bob.scim@example.com") && !(await names(1)).includes("bob.scim@example.com"), "bob gone from both accounts");
      assert.deepEqual(await names(0), ["alice.scim@example.com"]);

      // A provisioned group is not deleted under its provisionings: 409, the group stays.
      const del = await scim("DELETE", `/Groups/${group.id}`);
      assert.equal(del.status, 409, del.text);
      assert.equal((await scim("GET", `/Groups/${group.id}`)).status, 200);
    });

    test("a provisioned user renamed over SCIM keeps its sub-user (same name, same UIN, no second one); an account provisioned afterwards gets the new name", async () => {
      const root = await server.newRoot();
      const { members } = await orgWithMembers(server, root, 2);
      const org = orgClient(server, root);
      const { ZoneId } = await org.OpenIdentityCenter({ ZoneName: `scim-${Math.random().toString(36).slice(2, 10)}` });
      const caller = { accountUin: root.uin, principalUin: root.uin, isSubUser: false };
      await server.core.scimCredentials.setSyncStatus(caller, ZoneId!, "Enabled");
      const { secret } = await server.core.scimCredentials.create(caller, ZoneId!);
      const scim = scimClient(server, secret);
      const cams = await Promise.all(members.map(async (uin) => camClient(server, await server.keyFor(uin))));
      const subUsers = async (i: number) => ((await cams[i]!.ListUsers()).Data ?? []).map((u) => ({ name: u.Name!, uin: u.Uin!, remark: u.Remark! })).sort((a, b) => a.name.localeCompare(b.name));
      const provision = (principalId: string, principalType: "User" | "Group", uin: number) =>
        org.CreateUserSyncProvisioning({
          ZoneId: ZoneId!,
          UserSyncProvisionings: [{ PrincipalId: principalId, PrincipalType: principalType, TargetUin: uin, TargetType: "MemberUin", DeletionStrategy: "Delete", DuplicationStrategy: "KeepBoth" }],
        });

      const carol = (await scim("POST", "/Users", newUser("carol.old@example.com", { displayName: "Carol" }))).body;
      const group = (await scim("POST", "/Groups", newGroup("Renamed Team", { members: [{ value: carol.id }] }))).body;
      await provision(group.id, "Group", members[0]!);
      await until(async () => (await subUsers(0)).length === 1, "carol's sub-user in the first account");
      const [before] = await subUsers(0);
      assert.equal(before!.name, "carol.old@example.com");

      // Entra renames a user whose UPN changed; the display name changes with it here, so the sub-user's
      // remark following it shows the reconcile after the rename has run.
      const renamed = await scim("PATCH", `/Users/${carol.id}`, patch({ op: "Replace", path: "userName", value: "carol.new@example.com" }, { op: "Replace", path: "displayName", value: "Carol New" }));
      assert.equal(renamed.status, 200, renamed.text);
      await until(async () => (await subUsers(0))[0]?.remark === "Carol New", "the reconcile after the rename");
      // The claimed sub-user is the account's identity (keys, logins): it keeps its name and UIN, and no second one appears.
      assert.deepEqual(await subUsers(0), [{ name: "carol.old@example.com", uin: before!.uin, remark: "Carol New" }]);

      // A provisioning of the user herself into the same account reuses that sub-user; a new account gets the new name.
      const tasks = [...((await provision(carol.id, "User", members[0]!)).Tasks ?? []), ...((await provision(group.id, "Group", members[1]!)).Tasks ?? [])];
      assert.equal(tasks.length, 2);
      for (const task of tasks) {
        await until(async () => (await org.GetProvisioningTaskStatus({ ZoneId: ZoneId!, TaskId: task.TaskId! })).TaskStatus?.Status === "Success", "the provisioning tasks");
      }
      assert.deepEqual(await subUsers(0), [{ name: "carol.old@example.com", uin: before!.uin, remark: "Carol New" }]);
      assert.deepEqual((await subUsers(1)).map((s) => [s.name, s.remark]), [["carol.new@example.com", "Carol New"]]);
    });
  });
}
