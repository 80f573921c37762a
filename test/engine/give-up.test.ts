/**
 * A provisioning whose reconcile keeps failing gives up after the attempt cap (or at once on a
 * TerminalError): its task fails with a reason a person can act on, an Alibaba failed event records
 * it, and its key stays parked until the next change or a retry re-arms it. Other provisionings of
 * the same directory keep converging. Faults are injected through the engine's test seam.
 */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { TerminalError } from "../../src/core/engine/result.js";
import { aliyunClient } from "../helpers/aliyun.js";
import { ssoTenant, until, zoneIdOf, type SsoTenant } from "../helpers/cloudsso.js";
import { camClient, ENGINES, startServer, type TestServer } from "../helpers/harness.js";
import { checkWorkerSetting } from "../helpers/worker-setting.js";

const MAX_ATTEMPTS = 3;

for (const engine of ENGINES) {
  describe(`a reconcile that keeps failing gives up (${engine})`, () => {
    let server: TestServer;
    /** Provisioning id → the error its reconcile throws while it is in here. */
    const faults = new Map<string, () => Error>();
    before(async () => {
      server = await startServer(engine, {
        workerOptions: {
          backoffBaseMs: 1,
          backoffMaxMs: 4,
          maxAttempts: MAX_ATTEMPTS,
          faults: {
            beforeReconcile: (key) => {
              const fault = faults.get(key);
              if (fault) throw fault();
            },
          },
        },
      });
    });
    after(() => server?.close());

    async function taskStatus(t: SsoTenant, taskId: string): Promise<{ Status?: string; FailureReason?: string }> {
      let status: { Status?: string; FailureReason?: string } = {};
      await until(async () => {
        status = (await t.org.GetProvisioningTaskStatus({ ZoneId: zoneIdOf(t.directoryId), TaskId: taskId })).TaskStatus ?? {};
        return status.Status !== "InProgress";
      }, `task ${taskId}`);
      return status;
    }
    const names = async (t: SsoTenant, member: number) => ((await camClient(server, await server.keyFor(t.members[member]!)).ListUsers()).Data ?? []).map((u) => u.Name!).sort();
    const queueRow = (id: string) => server.store.db.selectFrom("reconcile_queue").selectAll().where("work_key", "=", id).executeTakeFirst();

    /** Users in a group, and provisionings of it into the given members, stored while the worker is stopped so faults can be set first. */
    async function setUp(t: SsoTenant, users: string[], members: number[]) {
      const zoneId = zoneIdOf(t.directoryId);
      const group = (await t.org.CreateGroup({ ZoneId: zoneId, GroupName: "team" })).GroupInfo!.GroupId!;
      for (const n of users) {
        const u = (await t.org.CreateUser({ ZoneId: zoneId, UserName: n })).UserInfo!.UserId!;
        await t.org.AddUserToGroup({ ZoneId: zoneId, GroupId: group, UserId: u });
      }
      await server.core.worker.stop();
      const { Tasks } = await t.org.CreateUserSyncProvisioning({
        ZoneId: zoneId,
        UserSyncProvisionings: members.map((m) => ({ PrincipalId: group, PrincipalType: "Group", TargetUin: t.members[m], TargetType: "MemberUin" })),
      });
      return { zoneId, group, tasks: Tasks! };
    }

    test("after the attempt cap the task fails with why and the key is parked; the other provisioning converges; the next change re-arms it", async () => {
      const t = await ssoTenant(server, { members: 2 });
      const { zoneId, group, tasks } = await setUp(t, ["ann", "ben", "cid"], [0, 1]);
      const [bad, good] = [tasks[0]!, tasks[1]!];
      faults.set(bad.UserProvisioningId!, () => new Error("injected fault: the target account cannot be reached"));
      const seen: { key: string; outcome: string; created?: number; gaveUp?: number }[] = [];
      const unobserve = server.core.worker.observe({
        reconciled: (e) => seen.push({ key: e.key, outcome: e.outcome, created: e.counts.created }),
        gaveUp: (e) => seen.push({ key: e.key, outcome: "gave_up", gaveUp: e.attempts }),
      });
      server.core.worker.start();

      assert.equal((await taskStatus(t, good.TaskId!)).Status, "Success");
      assert.deepEqual(await names(t, 1), ["ann", "ben", "cid"]);
      const failed = await taskStatus(t, bad.TaskId!);
      assert.equal(failed.Status, "Failed");
      assert.match(failed.FailureReason!, new RegExp(`provisioning ${bad.UserProvisioningId} into account ${t.members[0]} failed ${MAX_ATTEMPTS} times`));
      assert.match(failed.FailureReason!, /the last error: injected fault: the target account cannot be reached\./);
      assert.match(failed.FailureReason!, /the next change to the provisioning .* or a retry of its failed event, runs it again/);
      assert.doesNotMatch(failed.FailureReason!, /\n|at .*\.ts:\d+/, "no stack trace");
      assert.deepEqual(await names(t, 0), []);
      unobserve();
      // The observer saw every attempt: three errors, then the give-up; the other one converged creating three.
      assert.deepEqual(
        seen.filter((e) => e.key === bad.UserProvisioningId).map((e) => e.outcome),
        ["error", "error", "error", "gave_up"],
      );
      assert.deepEqual(seen.find((e) => e.key === bad.UserProvisioningId && e.outcome === "gave_up")?.gaveUp, MAX_ATTEMPTS);
      assert.deepEqual(
        seen.filter((e) => e.key === good.UserProvisioningId).map((e) => [e.outcome, e.created]),
        [["converged", 3]],
      );

      // Parked: kept on the queue with its attempts, but not due.
      const row = await queueRow(bad.UserProvisioningId!);
      assert.ok(row?.parked_at, "the key is parked");
      assert.equal(Number(row.attempts), MAX_ATTEMPTS);
      const stats = await server.core.queue.stats();
      assert.deepEqual([stats.parked, stats.due, stats.oldestDueAgeMs], [1, 0, null]);

      // The Alibaba door shows the give-up as a failed event of the provisioning.
      const sso = t.sso;
      const events = await sso.call("ListUserProvisioningEvents", { DirectoryId: t.directoryId });
      assert.equal(events.TotalCounts, 1);
      const e = events.UserProvisioningEvents[0];
      assert.deepEqual([e.UserProvisioningId, e.TargetId, e.SourceType, e.ErrorCount], [bad.UserProvisioningId, String(t.members[0]), "StartProvisioning", 1]);
      assert.match(e.ErrorInfo, /^InternalError\.UserProvisioning\.Process\.fail: syncing provisioning .* failed 3 times; the last error: injected fault/);
      assert.deepEqual(JSON.parse(e.Content), { TargetId: String(t.members[0]), Operation: "SyncUserProvisioning" });
      assert.equal((await sso.call("GetUserProvisioningEvent", { DirectoryId: t.directoryId, EventId: e.EventId })).UserProvisioningEvent.ErrorInfo, e.ErrorInfo);
      const stat = (await sso.call("GetUserProvisioningStatistics", { DirectoryId: t.directoryId, UserProvisioningId: bad.UserProvisioningId })).UserProvisioningStatistics;
      assert.equal(stat.FailedEventCount, 1);

      // The fault goes; the next change (a user joins the group) re-arms the key and it converges.
      faults.delete(bad.UserProvisioningId!);
      const dee = (await t.org.CreateUser({ ZoneId: zoneId, UserName: "dee" })).UserInfo!.UserId!;
      await t.org.AddUserToGroup({ ZoneId: zoneId, GroupId: group, UserId: dee });
      await until(async () => (await names(t, 0)).join() === "ann,ben,cid,dee", "the sub-users in member 0");
      await until(async () => (await names(t, 1)).join() === "ann,ben,cid,dee", "dee in member 1");
      await until(async () => (await queueRow(bad.UserProvisioningId!)) === undefined, "the key to be done");
      assert.equal((await sso.call("ListUserProvisioningEvents", { DirectoryId: t.directoryId })).TotalCounts, 0, "success clears the event");
      assert.equal((await taskStatus(t, bad.TaskId!)).Status, "Failed", "the task that failed stays failed");

      // A task made after the recovery succeeds.
      const del = await t.org.DeleteUserSyncProvisioning({ ZoneId: zoneId, UserProvisioningId: bad.UserProvisioningId! });
      assert.equal((await taskStatus(t, del.Tasks!.TaskId!)).Status, "Success");
    });

    /** One user provisioned into a new tenant's member, its reconcile failing with `fault`; waits for its task to settle. */
    async function failing(userName: string, fault: () => Error) {
      const t = await ssoTenant(server, { members: 1 });
      const { tasks } = await setUp(t, [userName], [0]);
      const id = tasks[0]!.UserProvisioningId!;
      faults.set(id, fault);
      server.core.worker.start();
      return { t, id, status: await taskStatus(t, tasks[0]!.TaskId!) };
    }

    test("RetryUserProvisioningEvent re-arms a provisioning that gave up; failing again counts on the same event", async () => {
      const { t, id, status } = await failing("eve", () => new Error("injected fault"));
      assert.equal(status.Status, "Failed");
      const first = (await t.sso.call("ListUserProvisioningEvents", { DirectoryId: t.directoryId, UserProvisioningId: id })).UserProvisioningEvents[0];
      assert.equal(first.ErrorCount, 1);

      // Retried while the fault holds: it runs again, gives up again, and the same event counts it.
      await t.sso.call("RetryUserProvisioningEvent", { DirectoryId: t.directoryId, EventId: first.EventId, DuplicationStrategy: "KeepBoth" });
      await until(async () => (await t.sso.call("GetUserProvisioningEvent", { DirectoryId: t.directoryId, EventId: first.EventId })).UserProvisioningEvent.ErrorCount === 2, "the second give-up");
      assert.ok((await queueRow(id))?.parked_at, "parked again");

      faults.delete(id);
      await t.sso.call("RetryUserProvisioningEvent", { DirectoryId: t.directoryId, EventId: first.EventId, DuplicationStrategy: "KeepBoth" });
      const ram = aliyunClient(server, await server.keyFor(t.members[0]!), "ram");
      await until(async () => (await ram.call("ListUsers", {})).Users.User.some((u: { UserName: string }) => u.UserName === "eve"), "eve as a RAM user");
      await until(async () => (await t.sso.call("ListUserProvisioningEvents", { DirectoryId: t.directoryId })).TotalCounts === 0, "the event to clear");
    });

    test("a TerminalError gives up at once, without retries", async () => {
      const { id, status } = await failing("fay", () => new TerminalError("injected: the account refuses sub-users"));
      assert.equal(status.Status, "Failed");
      assert.match(status.FailureReason!, /failed with an error that retrying cannot fix \(attempt 1\); the last error: injected: the account refuses sub-users/);
      assert.equal(Number((await queueRow(id))?.attempts), 1);
      faults.delete(id);
    });
  });
}

test("OPENCIC_WORKER_MAX_ATTEMPTS sets the attempt cap (default 8); anything but a whole number from 1 is refused", () => checkWorkerSetting("OPENCIC_WORKER_MAX_ATTEMPTS", "workerMaxAttempts", "maxAttempts", 8));
