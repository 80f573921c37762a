/**
 * An account that leaves the organization (it quits, or the manager removes it) is out of reach of
 * the organization's provisioning: its provisionings end with it (waiting tasks fail with why, both
 * doors stop listing them), the sub-users already there stay as ordinary ones, a user who joins the
 * group afterwards never appears there, and a reconcile already under way writes nothing after it.
 */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { aliyunClient } from "../helpers/aliyun.js";
import { ssoTenant, until, zoneIdOf, type SsoTenant } from "../helpers/cloudsso.js";
import { camClient, ENGINES, expectCode, orgClient, startServer, type TestServer } from "../helpers/harness.js";

for (const engine of ENGINES) {
  describe(`a member account that leaves the organization (${engine})`, () => {
    let server: TestServer;
    /** Provisioning id → what to do before its next write batch (once). */
    const beforeBatch = new Map<string, () => Promise<void>>();
    before(async () => {
      server = await startServer(engine, {
        workerOptions: {
          faults: {
            beforeBatch: async (key) => {
              const hook = beforeBatch.get(key);
              beforeBatch.delete(key);
              await hook?.();
            },
          },
        },
      });
    });
    after(() => server?.close());

    const camNames = async (uin: number) => ((await camClient(server, await server.keyFor(uin)).ListUsers()).Data ?? []).map((u) => u.Name!).sort();
    const ramNames = async (uin: number) => ((await aliyunClient(server, await server.keyFor(uin), "ram").call("ListUsers", {})).Users.User as { UserName: string }[]).map((u) => u.UserName).sort();
    // The organization is gone, so its zone answers nobody: the task is read from the store.
    const first = (server: TestServer, taskId: string) => server.store.db.selectFrom("provisioning_tasks").select(["status", "failure_reason"]).where("task_id", "=", taskId).executeTakeFirst();
    const queueEmpty = async () => (await server.store.db.selectFrom("reconcile_queue").select("work_key").execute()).length === 0;
    const settled = async (t: SsoTenant, taskId: string) => {
      let status = "";
      await until(async () => {
        status = (await t.org.GetProvisioningTaskStatus({ ZoneId: zoneIdOf(t.directoryId), TaskId: taskId })).TaskStatus!.Status!;
        return status !== "InProgress";
      }, `task ${taskId}`);
      return status;
    };

    async function groupOf(t: SsoTenant, users: string[]): Promise<string> {
      const zoneId = zoneIdOf(t.directoryId);
      const group = (await t.org.CreateGroup({ ZoneId: zoneId, GroupName: "team" })).GroupInfo!.GroupId!;
      for (const n of users) await join(t, group, n);
      return group;
    }
    async function join(t: SsoTenant, group: string, name: string): Promise<void> {
      const zoneId = zoneIdOf(t.directoryId);
      const u = (await t.org.CreateUser({ ZoneId: zoneId, UserName: name })).UserInfo!.UserId!;
      await t.org.AddUserToGroup({ ZoneId: zoneId, GroupId: group, UserId: u });
    }
    const provision = (t: SsoTenant, principal: { id: string; type: "User" | "Group" }, member: number) =>
      t.org.CreateUserSyncProvisioning({
        ZoneId: zoneIdOf(t.directoryId),
        UserSyncProvisionings: [{ PrincipalId: principal.id, PrincipalType: principal.type, TargetUin: t.members[member], TargetType: "MemberUin", DeletionStrategy: "Delete" }],
      });

    test("QuitOrganization: the provisionings into the account end, its sub-users stay unmanaged, later members of the group never reach it", async () => {
      const t = await ssoTenant(server, { members: 2 });
      const zoneId = zoneIdOf(t.directoryId);
      const group = await groupOf(t, ["ann", "ben"]);
      const [into0, into1] = [await provision(t, { id: group, type: "Group" }, 0), await provision(t, { id: group, type: "Group" }, 1)];
      for (const p of [into0, into1]) assert.equal(await settled(t, p.Tasks![0]!.TaskId!), "Success");
      assert.deepEqual(await camNames(t.members[0]!), ["ann", "ben"]);

      // A provisioning whose task still waits when the account leaves.
      await server.core.worker.stop();
      const cal = (await t.org.CreateUser({ ZoneId: zoneId, UserName: "cal" })).UserInfo!.UserId!;
      const waiting = await provision(t, { id: cal, type: "User" }, 0);
      const { OrgId } = await t.org.DescribeOrganization({});
      await orgClient(server, await server.keyFor(t.members[0]!)).QuitOrganization({ OrgId: OrgId! });
      const task = (await t.org.GetProvisioningTaskStatus({ ZoneId: zoneId, TaskId: waiting.Tasks![0]!.TaskId! })).TaskStatus!;
      assert.deepEqual([task.Status, task.FailureReason], ["Failed", `account ${t.members[0]} left the organization; the provisioning was removed`]);
      server.core.worker.start();

      // Neither door lists them; the other member's provisioning is untouched.
      const listed = (await t.org.ListUserSyncProvisionings({ ZoneId: zoneId })).UserProvisionings!.map((p) => p.UserProvisioningId);
      assert.deepEqual(listed, [into1.Tasks![0]!.UserProvisioningId]);
      const ssoListed = (await t.sso.call("ListUserProvisionings", { DirectoryId: t.directoryId })).UserProvisionings.map((p: { UserProvisioningId: string }) => p.UserProvisioningId);
      assert.deepEqual(ssoListed, listed);
      await expectCode(t.org.GetUserSyncProvisioning({ ZoneId: zoneId, UserProvisioningId: into0.Tasks![0]!.UserProvisioningId! }), "ResourceNotFound.UserProvisioningNotFound");

      // A user who joins the group now reaches the member that stayed, never the one that left.
      await join(t, group, "dee");
      await until(async () => (await camNames(t.members[1]!)).includes("dee"), "dee in member 1");
      await until(queueEmpty, "the queue to drain");
      assert.deepEqual(await camNames(t.members[0]!), ["ann", "ben"]);
      assert.deepEqual(await ramNames(t.members[0]!), ["ann", "ben"]);

      // What stayed is the account's own now: ordinary sub-users it may change and delete.
      const cam = camClient(server, await server.keyFor(t.members[0]!));
      await cam.UpdateUser({ Name: "ann", Remark: "ours now" });
      await cam.DeleteUser({ Name: "ben" });
      assert.deepEqual(await camNames(t.members[0]!), ["ann"]);
    });

    test("DeleteOrganization: the management account leaves with it, and provisionings into it end", async () => {
      const t = await ssoTenant(server, { members: 0 });
      const zoneId = zoneIdOf(t.directoryId);
      const { HostUin } = await t.org.DescribeOrganization({});
      const ivy = (await t.org.CreateUser({ ZoneId: zoneId, UserName: "ivy" })).UserInfo!.UserId!;
      const into = (uin: number) =>
        t.org.CreateUserSyncProvisioning({ ZoneId: zoneId, UserSyncProvisionings: [{ PrincipalId: ivy, PrincipalType: "User", TargetUin: uin, TargetType: "ManagerUin" }] });
      assert.equal(await settled(t, (await into(HostUin!)).Tasks![0]!.TaskId!), "Success");
      assert.deepEqual(await camNames(HostUin!), ["ivy"]);
      await server.core.worker.stop();
      const jay = (await t.org.CreateUser({ ZoneId: zoneId, UserName: "jay" })).UserInfo!.UserId!;
      const waiting = await t.org.CreateUserSyncProvisioning({ ZoneId: zoneId, UserSyncProvisionings: [{ PrincipalId: jay, PrincipalType: "User", TargetUin: HostUin!, TargetType: "ManagerUin" }] });
      await t.org.DeleteOrganization();
      server.core.worker.start();
      // The provisionings are gone with the organization; the waiting task says why; nothing more is written.
      const task = await first(server, waiting.Tasks![0]!.TaskId!);
      assert.deepEqual([task?.status, task?.failure_reason], ["Failed", `account ${HostUin} left the organization; the provisioning was removed`]);
      assert.equal((await server.store.db.selectFrom("provisionings").select("provisioning_id").where("target_uin", "=", HostUin!).execute()).length, 0);
      await until(queueEmpty, "the queue to drain");
      assert.deepEqual(await camNames(HostUin!), ["ivy"]);
      // What stayed is the account's own: an ordinary sub-user.
      await camClient(server, t.key).DeleteUser({ Name: "ivy" });
      assert.deepEqual(await camNames(HostUin!), []);
    });

    test("DeleteOrganizationMembers while a reconcile into the account is under way: it writes nothing after the removal", async () => {
      const t = await ssoTenant(server, { members: 2 });
      const zoneId = zoneIdOf(t.directoryId);
      const group = await groupOf(t, ["eve", "fay", "gil"]);
      await server.core.worker.stop();
      const doomed = await provision(t, { id: group, type: "Group" }, 1);
      const kept = await provision(t, { id: group, type: "Group" }, 0);
      // The removal lands after the reconcile has read the provisioning and planned its first batch's users.
      beforeBatch.set(doomed.Tasks![0]!.UserProvisioningId!, () => t.org.DeleteOrganizationMembers({ MemberUin: [t.members[1]!] }).then(() => {}));
      server.core.worker.start();

      assert.equal(await settled(t, doomed.Tasks![0]!.TaskId!), "Failed");
      assert.equal(await settled(t, kept.Tasks![0]!.TaskId!), "Success");
      assert.ok(!beforeBatch.size, "the removal ran in the middle of the reconcile");
      await join(t, group, "hal");
      await until(async () => (await camNames(t.members[0]!)).includes("hal"), "hal in member 0");
      await until(queueEmpty, "the queue to drain");
      assert.deepEqual(await ramNames(t.members[1]!), []);
      assert.deepEqual(await camNames(t.members[1]!), []);
      const ssoListed = (await t.sso.call("ListUserProvisionings", { DirectoryId: t.directoryId })).UserProvisionings.map((p: { TargetId: string }) => p.TargetId);
      assert.deepEqual(ssoListed, [String(t.members[0])]);
      assert.equal((await t.org.ListUserSyncProvisionings({ ZoneId: zoneId, TargetUin: t.members[1] })).TotalCounts, 0);
    });
  });
}
