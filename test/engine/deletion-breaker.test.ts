/**
 * The deletion circuit breaker, end to end: a group of 100 provisioned with DeletionStrategy Delete;
 * 50 members leave at once while one joins. The 50 deletions are held (the member account keeps
 * those sub-users) while the new member's sub-user is created; the native API shows the held set,
 * the Alibaba door an event, the plan a hold. Approving deletes exactly those 50; a second held set
 * is refused when stale, then rejected: its sub-users stay, unmanaged. Deleting the provisioning
 * holds its deletions too: its Tencent task stays InProgress through the SDK until approved.
 * Each sub-user's timeline tells the hold (once, under the set that first held it) and the
 * administrator's decision that followed.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import type { Caller } from "../../src/core/index.js";
import { settled, ssoTenant, until, zoneIdOf } from "../helpers/cloudsso.js";
import { camClient, ENGINES, startServer, type TestServer } from "../helpers/harness.js";
import { nativeClient } from "../helpers/native.js";

for (const engine of ENGINES) {
  test(`the deletion circuit breaker holds a mass deletion for an administrator (${engine})`, async () => {
    const server = await startServer(engine, { limits: { usersPerDirectory: 500, membersPerGroup: 500 } });
    try {
      const t = await ssoTenant(server, { members: 1 });
      const member = t.members[0]!;
      const zoneId = zoneIdOf(t.directoryId);
      const caller: Caller = { accountUin: t.key.uin, principalUin: t.key.uin, isSubUser: false };
      const api = nativeClient(server, t.key);
      const cam = camClient(server, await server.keyFor(member));
      const subUserNames = async () => ((await cam.ListUsers()).Data ?? []).map((u) => u.Name!).sort();
      /** A directory user's decisions in the member account, oldest first, as the native API gives them. */
      const history = async (userId: string): Promise<{ decision: string; cause: string; explanation: string; breaker: { decision: string; holdId: string | null } | null }[]> =>
        (await api.ok(200, "GET", `/directories/${zoneId}/timeline`, { query: { userId, accountUin: member, maxResults: 100 } })).items.reverse();

      // 101 users, the first 100 in the group.
      const group = await server.core.groups.create(caller, zoneId, { groupName: "staff" });
      const users: { id: string; name: string }[] = [];
      for (let i = 0; i < 101; i++) {
        const name = `person${String(i).padStart(3, "0")}`;
        users.push({ id: (await server.core.users.create(caller, zoneId, { userName: name })).user.userId, name });
        if (i < 100) await server.core.groups.addMember(caller, zoneId, group.groupId, users[i]!.id);
      }
      const { Tasks } = await t.org.CreateUserSyncProvisioning({
        ZoneId: zoneId,
        UserSyncProvisionings: [{ PrincipalId: group.groupId, PrincipalType: "Group", TargetUin: member, TargetType: "MemberUin", DeletionStrategy: "Delete", DuplicationStrategy: "KeepBoth" }],
      });
      const provisioningId = Tasks![0]!.UserProvisioningId!;
      assert.equal(await settled(t.org, zoneId, Tasks![0]!.TaskId!), "Success");
      assert.equal((await subUserNames()).length, 100);

      // 50 leave and one joins, in one go (the worker sees them together).
      await server.core.worker.stop();
      const leaving = users.slice(0, 50);
      for (const u of leaving) await t.org.RemoveUserFromGroup({ ZoneId: zoneId, GroupId: group.groupId, UserId: u.id });
      await t.org.AddUserToGroup({ ZoneId: zoneId, GroupId: group.groupId, UserId: users[100]!.id });
      server.core.worker.start();

      const held = await heldSets(server, api, zoneId, 1);
      assert.equal(held[0].count, 50);
      assert.equal(held[0].decision, null);
      assert.deepEqual(held[0].subUsers.map((s: { subUserName: string }) => s.subUserName).sort(), leaving.map((u) => u.name));
      // Each held sub-user's timeline says so, naming the set to decide on.
      const heldHistory = await history(leaving[0]!.id);
      assert.deepEqual(heldHistory.map((d) => d.decision), ["created", "held"]);
      assert.deepEqual([heldHistory[1]!.cause, heldHistory[1]!.breaker], ["left_group", { decision: "held", holdId: held[0].holdId }]);
      assert.match(heldHistory[1]!.explanation, /the deletion circuit breaker tripped/);
      // The addition went through; the 50 are still there.
      await until(async () => (await subUserNames()).includes("person100"), "the new member's sub-user");
      assert.equal((await subUserNames()).length, 101);
      // The Alibaba door lists an event saying why; the plan shows the same holds.
      // The event is written as the reconcile settles, just after the held set: wait for it.
      let UserProvisioningEvents: { ErrorInfo: string }[] = [];
      await until(async () => {
        UserProvisioningEvents = (await t.sso.call("ListUserProvisioningEvents", { DirectoryId: t.directoryId, UserProvisioningId: provisioningId })).UserProvisioningEvents;
        return UserProvisioningEvents.length > 0;
      }, "the held deletions' event");
      assert.equal(UserProvisioningEvents.length, 1);
      assert.match(UserProvisioningEvents[0]!.ErrorInfo, /^OperationSuspended\.UserProvisioning\.DeletionHeld: 50 sub-user deletions in account \d+ are held by the deletion circuit breaker/);
      assert.equal((await api.ok(200, "GET", `/directories/${zoneId}/provisionings/${provisioningId}`)).progress.heldDeletions, 50);
      const plan = await api.ok(200, "GET", `/directories/${zoneId}/provisionings/${provisioningId}/plan`);
      assert.equal(plan.counts.hold, 50);
      assert.equal(plan.counts.delete, 0);

      // Approve: exactly those 50 go.
      const approved = await api.ok(200, "POST", `/directories/${zoneId}/provisionings/${provisioningId}/held-deletions/${held[0].holdId}/approve`);
      assert.equal(approved.decision, "approved");
      await heldSets(server, api, zoneId, 0);
      const afterApproval = await subUserNames();
      assert.deepEqual(afterApproval, users.slice(50).map((u) => u.name));
      const approvedHistory = await history(leaving[0]!.id);
      assert.deepEqual(approvedHistory.map((d) => [d.decision, d.breaker?.decision ?? null]), [["created", null], ["held", "held"], ["deleted", "approved"]]);
      await until(async () => (await t.sso.call("ListUserProvisioningEvents", { DirectoryId: t.directoryId, UserProvisioningId: provisioningId })).UserProvisioningEvents.length === 0, "the event gone");

      // 25 more leave: held again. A newer change re-plans (one more leaves), so the first set's id is stale.
      await server.core.worker.stop();
      for (const u of users.slice(50, 75)) await t.org.RemoveUserFromGroup({ ZoneId: zoneId, GroupId: group.groupId, UserId: u.id });
      server.core.worker.start();
      const first = (await heldSets(server, api, zoneId, 1))[0];
      assert.equal(first.count, 25);
      await t.org.RemoveUserFromGroup({ ZoneId: zoneId, GroupId: group.groupId, UserId: users[75]!.id });
      await until(async () => (await heldSets(server, api, zoneId, 1))[0].count === 26, "the re-planned held set");
      const second = (await heldSets(server, api, zoneId, 1))[0];
      assert.notEqual(second.holdId, first.holdId);
      const stale = await api.call("POST", `/directories/${zoneId}/provisionings/${provisioningId}/held-deletions/${first.holdId}/approve`);
      assert.equal(stale.status, 409);
      assert.equal(stale.body.reason, "provisioning.hold_replaced");

      // Reject: the 26 sub-users stay, as ordinary (unmanaged) ones.
      await api.ok(200, "POST", `/directories/${zoneId}/provisionings/${provisioningId}/held-deletions/${second.holdId}/reject`);
      await heldSets(server, api, zoneId, 0);
      assert.deepEqual(await subUserNames(), afterApproval);
      const unmanaged = await server.store.db.selectFrom("sub_users").select(["name", "directory_user_id"]).where("account_uin", "=", member).where("name", "in", users.slice(50, 76).map((u) => u.name)).execute();
      assert.equal(unmanaged.length, 26);
      assert.ok(unmanaged.every((s) => s.directory_user_id === null));
      // A user held in the first set is recorded as held once: the set that replaced it held it again, unchanged.
      const rejectedHistory = await history(users[50]!.id);
      assert.deepEqual(rejectedHistory.map((d) => [d.decision, d.breaker]), [["created", null], ["held", { decision: "held", holdId: first.holdId }], ["kept", { decision: "rejected", holdId: null }]]);
      assert.match(rejectedHistory[2]!.explanation, /an administrator rejected the deletion/);
      const lastLeaver = await history(users[75]!.id);
      assert.deepEqual(lastLeaver.map((d) => [d.decision, d.breaker?.holdId ?? null]), [["created", null], ["held", second.holdId], ["kept", null]]);

      // Deleting the provisioning would delete its remaining 24 + 1: held, and its Tencent task stays InProgress.
      const { Tasks: deletion } = await t.org.DeleteUserSyncProvisioning({ ZoneId: zoneId, UserProvisioningId: provisioningId });
      const lastSet = (await heldSets(server, api, zoneId, 1))[0];
      assert.equal(lastSet.count, 25);
      for (let i = 0; i < 3; i++) assert.equal((await t.org.GetProvisioningTaskStatus({ ZoneId: zoneId, TaskId: deletion!.TaskId! })).TaskStatus?.Status, "InProgress");
      await api.ok(200, "POST", `/directories/${zoneId}/provisionings/${provisioningId}/held-deletions/${lastSet.holdId}/approve`);
      assert.equal(await settled(t.org, zoneId, deletion!.TaskId!), "Success");
      assert.deepEqual(await subUserNames(), users.slice(50, 76).map((u) => u.name));
    } finally {
      await server.close();
    }
  });
}

/** Waits until the directory has `n` held sets waiting (the worker records them), and returns them. */
async function heldSets(server: TestServer, api: ReturnType<typeof nativeClient>, zoneId: string, n: number) {
  let items: any[] = [];
  await until(async () => {
    items = (await api.ok(200, "GET", `/directories/${zoneId}/held-deletions`)).items.filter((s: { decision: string | null }) => s.decision === null);
    // None left waiting also means the decided ones were applied.
    return items.length === n && (n > 0 || (await server.store.db.selectFrom("held_deletions").select("user_id").execute()).length === 0);
  }, `${n} held set(s)`);
  return items;
}
