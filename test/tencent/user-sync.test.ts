/**
 * Sub-user synchronization end to end through the official SDK: provisionings, tasks polled as
 * Terraform polls them, strategies, shared sub-users and membership propagation.
 */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import {
  camClient,
  ENGINES,
  expectCode,
  type Key,
  orgClient,
  orgWithMembers,
  rejects,
  startServer,
  type TestServer,
} from "../helpers/harness.js";

type Org = ReturnType<typeof orgClient>;

/** Polls GetProvisioningTaskStatus until the task leaves InProgress (as the Terraform provider does). */
async function waitTask(org: Org, zoneId: string, taskId: string): Promise<{ Status?: string; FailureReason?: string }> {
  const deadline = Date.now() + 20_000;
  for (;;) {
    const { TaskStatus } = await org.GetProvisioningTaskStatus({ ZoneId: zoneId, TaskId: taskId });
    if (TaskStatus?.Status !== "InProgress") return TaskStatus!;
    if (Date.now() > deadline) assert.fail(`task ${taskId} still InProgress`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

async function until(check: () => Promise<boolean>, what: string): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (!(await check())) {
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

interface World {
  server: TestServer;
  org: Org;
  zoneId: string;
  members: number[];
  memberKeys: Key[];
}

/** A fresh tenant: its own root account, organization with `members` members, and an open zone. */
async function world(server: TestServer, members = 2): Promise<World> {
  const root = await server.newRoot();
  const { members: uins } = await orgWithMembers(server, root, members);
  const org = orgClient(server, root);
  const { ZoneId } = await org.OpenIdentityCenter({ ZoneName: `zone-${Math.random().toString(36).slice(2, 10)}` });
  const memberKeys = await Promise.all(uins.map((u) => server.keyFor(u)));
  return { server, org, zoneId: ZoneId!, members: uins, memberKeys };
}

const subUserNames = async (w: World, i: number) => ((await camClient(w.server, w.memberKeys[i]!).ListUsers()).Data ?? []).map((u) => u.Name!).sort();

for (const engine of ENGINES) {
  describe(`user sync provisioning (${engine})`, () => {
    let server: TestServer;
    before(async () => {
      server = await startServer(engine, { limits: { membersPerGroup: 5000, usersPerDirectory: 5000, provisioningsPerDirectory: 12 } });
    });
    after(() => server?.close());

    test("group provisioning: create → poll → every member is a CAM sub-user in the target; Terraform-style read, update, delete", async () => {
      const w = await world(server);
      const group = (await w.org.CreateGroup({ ZoneId: w.zoneId, GroupName: "devs" })).GroupInfo!;
      const names = ["alice", "bob", "carol"];
      for (const n of names) {
        const u = (await w.org.CreateUser({ ZoneId: w.zoneId, UserName: n, Email: `${n}@example.com`, DisplayName: `${n} display` })).UserInfo!;
        await w.org.AddUserToGroup({ ZoneId: w.zoneId, GroupId: group.GroupId!, UserId: u.UserId! });
      }
      const created = await w.org.CreateUserSyncProvisioning({
        ZoneId: w.zoneId,
        UserSyncProvisionings: [{ PrincipalId: group.GroupId, PrincipalType: "Group", TargetUin: w.members[0], TargetType: "MemberUin", DeletionStrategy: "Delete", DuplicationStrategy: "KeepBoth", Description: "devs → member 0" }],
      });
      assert.equal(created.Tasks?.length, 1);
      const task = created.Tasks![0]!;
      assert.equal(task.TaskType, "StartProvisioning");
      assert.equal(task.TaskStatus, "InProgress");
      assert.match(task.TaskId!, /^t-[a-z0-9]{12}$/);
      assert.match(task.UserProvisioningId!, /^up-[a-z0-9]{20}$/);
      assert.equal(task.PrincipalName, "devs");
      assert.equal((await waitTask(w.org, w.zoneId, task.TaskId!)).Status, "Success");

      assert.deepEqual(await subUserNames(w, 0), names);
      const alice = await camClient(server, w.memberKeys[0]!).GetUser({ Name: "alice" });
      assert.equal(alice.Email, "alice@example.com");
      assert.equal(alice.Remark, "alice display");
      await expectCode(camClient(server, w.memberKeys[0]!).DeleteUser({ Name: "alice" }), "FailedOperation.Unmodifiable");
      assert.deepEqual(await subUserNames(w, 1), [], "the other member account is untouched");

      const { UserProvisioning: p } = await w.org.GetUserSyncProvisioning({ ZoneId: w.zoneId, UserProvisioningId: task.UserProvisioningId! });
      assert.equal(p?.Status, "Enabled");
      assert.equal(p?.PrincipalName, "devs");
      assert.ok(p?.TargetName, "TargetName is filled");
      assert.match(p?.CreateTime ?? "", /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/);
      assert.match(p?.UpdateTime ?? "", /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/);
      assert.equal((await w.org.GetZoneStatistics({ ZoneId: w.zoneId })).ZoneStatistics?.UserProvisioningCount, 3);

      await w.org.UpdateUserSyncProvisioning({ ZoneId: w.zoneId, UserProvisioningId: p!.UserProvisioningId!, NewDescription: "renamed", NewDuplicationStateful: "TakeOver", NewDeletionStrategy: "Delete" });
      const updated = (await w.org.GetUserSyncProvisioning({ ZoneId: w.zoneId, UserProvisioningId: p!.UserProvisioningId! })).UserProvisioning!;
      assert.equal(updated.Description, "renamed");
      assert.equal(updated.DuplicationStrategy, "TakeOver");

      const del = await w.org.DeleteUserSyncProvisioning({ ZoneId: w.zoneId, UserProvisioningId: p!.UserProvisioningId! });
      assert.ok(del.Tasks && !Array.isArray(del.Tasks), "Tasks is a single object");
      assert.equal(del.Tasks.TaskType, "DeleteProvisioning");
      assert.equal((await waitTask(w.org, w.zoneId, del.Tasks.TaskId!)).Status, "Success");
      await expectCode(w.org.GetUserSyncProvisioning({ ZoneId: w.zoneId, UserProvisioningId: p!.UserProvisioningId! }), "ResourceNotFound.UserProvisioningNotFound");
      assert.deepEqual(await subUserNames(w, 0), [], "DeletionStrategy Delete removed the sub-users");
    });

    test("KeepBoth and TakeOver clashes, and the double clash that fails with a reason", async () => {
      const w = await world(server);
      const cam0 = camClient(server, w.memberKeys[0]!);
      await cam0.AddUser({ Name: "dave", Remark: "hand-made" });
      await cam0.AddUser({ Name: "erin", Remark: "hand-made" });
      await cam0.AddUser({ Name: "erin_cic", Remark: "hand-made" });
      const cam1 = camClient(server, w.memberKeys[1]!);
      await cam1.AddUser({ Name: "dave", Remark: "hand-made" });
      const dave = (await w.org.CreateUser({ ZoneId: w.zoneId, UserName: "dave", Email: "dave@example.com" })).UserInfo!;
      const erin = (await w.org.CreateUser({ ZoneId: w.zoneId, UserName: "erin" })).UserInfo!;

      const keepBoth = await w.org.CreateUserSyncProvisioning({ ZoneId: w.zoneId, UserSyncProvisionings: [{ PrincipalId: dave.UserId, PrincipalType: "User", TargetUin: w.members[0], TargetType: "MemberUin", DuplicationStrategy: "KeepBoth" }] });
      assert.equal((await waitTask(w.org, w.zoneId, keepBoth.Tasks![0]!.TaskId!)).Status, "Success");
      assert.deepEqual(await subUserNames(w, 0), ["dave", "dave_cic", "erin", "erin_cic"]);
      assert.equal((await cam0.GetUser({ Name: "dave" })).Remark, "hand-made", "the existing sub-user is left alone");
      assert.equal((await cam0.GetUser({ Name: "dave_cic" })).Email, "dave@example.com");

      const takeOver = await w.org.CreateUserSyncProvisioning({ ZoneId: w.zoneId, UserSyncProvisionings: [{ PrincipalId: dave.UserId, PrincipalType: "User", TargetUin: w.members[1], TargetType: "MemberUin", DuplicationStrategy: "TakeOver" }] });
      assert.equal((await waitTask(w.org, w.zoneId, takeOver.Tasks![0]!.TaskId!)).Status, "Success");
      assert.deepEqual(await subUserNames(w, 1), ["dave"]);
      assert.equal((await cam1.GetUser({ Name: "dave" })).Email, "dave@example.com", "the adopted sub-user now follows the directory");
      await expectCode(cam1.UpdateUser({ Name: "dave", Remark: "x" }), "FailedOperation.Unmodifiable");

      const double = await w.org.CreateUserSyncProvisioning({ ZoneId: w.zoneId, UserSyncProvisionings: [{ PrincipalId: erin.UserId, PrincipalType: "User", TargetUin: w.members[0], TargetType: "MemberUin", DuplicationStrategy: "KeepBoth" }] });
      const failed = await waitTask(w.org, w.zoneId, double.Tasks![0]!.TaskId!);
      assert.equal(failed.Status, "Failed");
      assert.match(failed.FailureReason ?? "", /erin.*erin_cic.*both exist/);
    });

    test("Keep leaves sub-users in place, unmanaged; overlapping provisionings share one sub-user", async () => {
      const w = await world(server);
      const group = (await w.org.CreateGroup({ ZoneId: w.zoneId, GroupName: "ops" })).GroupInfo!;
      const frank = (await w.org.CreateUser({ ZoneId: w.zoneId, UserName: "frank" })).UserInfo!;
      const gina = (await w.org.CreateUser({ ZoneId: w.zoneId, UserName: "gina" })).UserInfo!;
      await w.org.AddUserToGroup({ ZoneId: w.zoneId, GroupId: group.GroupId!, UserId: frank.UserId! });
      await w.org.AddUserToGroup({ ZoneId: w.zoneId, GroupId: group.GroupId!, UserId: gina.UserId! });
      const viaGroup = await w.org.CreateUserSyncProvisioning({ ZoneId: w.zoneId, UserSyncProvisionings: [{ PrincipalId: group.GroupId, PrincipalType: "Group", TargetUin: w.members[0], TargetType: "MemberUin", DeletionStrategy: "Delete" }] });
      const direct = await w.org.CreateUserSyncProvisioning({ ZoneId: w.zoneId, UserSyncProvisionings: [{ PrincipalId: frank.UserId, PrincipalType: "User", TargetUin: w.members[0], TargetType: "MemberUin", DeletionStrategy: "Keep" }] });
      for (const t of [viaGroup.Tasks![0]!, direct.Tasks![0]!]) assert.equal((await waitTask(w.org, w.zoneId, t.TaskId!)).Status, "Success");
      assert.deepEqual(await subUserNames(w, 0), ["frank", "gina"], "one sub-user per user, however many provisionings reach it");

      // Removing the group provisioning (Delete) keeps frank, whom the direct one still needs.
      const delGroup = await w.org.DeleteUserSyncProvisioning({ ZoneId: w.zoneId, UserProvisioningId: viaGroup.Tasks![0]!.UserProvisioningId! });
      assert.equal((await waitTask(w.org, w.zoneId, delGroup.Tasks!.TaskId!)).Status, "Success");
      assert.deepEqual(await subUserNames(w, 0), ["frank"]);
      await expectCode(camClient(server, w.memberKeys[0]!).DeleteUser({ Name: "frank" }), "FailedOperation.Unmodifiable");

      // Removing the direct one (Keep) leaves frank in place as an ordinary sub-user.
      const delDirect = await w.org.DeleteUserSyncProvisioning({ ZoneId: w.zoneId, UserProvisioningId: direct.Tasks![0]!.UserProvisioningId! });
      assert.equal((await waitTask(w.org, w.zoneId, delDirect.Tasks!.TaskId!)).Status, "Success");
      assert.deepEqual(await subUserNames(w, 0), ["frank"]);
      await camClient(server, w.memberKeys[0]!).UpdateUser({ Name: "frank", Remark: "mine now" });
    });

    test("membership and user changes propagate without further calls", async () => {
      const w = await world(server);
      const group = (await w.org.CreateGroup({ ZoneId: w.zoneId, GroupName: "sre" })).GroupInfo!;
      const created = await w.org.CreateUserSyncProvisioning({
        ZoneId: w.zoneId,
        UserSyncProvisionings: [0, 1].map((i) => ({ PrincipalId: group.GroupId, PrincipalType: "Group", TargetUin: w.members[i], TargetType: "MemberUin", DeletionStrategy: "Delete" })),
      });
      for (const t of created.Tasks!) assert.equal((await waitTask(w.org, w.zoneId, t.TaskId!)).Status, "Success");
      const hank = (await w.org.CreateUser({ ZoneId: w.zoneId, UserName: "hank", Email: "hank@example.com" })).UserInfo!;
      await w.org.AddUserToGroup({ ZoneId: w.zoneId, GroupId: group.GroupId!, UserId: hank.UserId! });
      for (const i of [0, 1]) await until(async () => (await subUserNames(w, i)).includes("hank"), `hank in member ${i}`);

      await w.org.UpdateUser({ ZoneId: w.zoneId, UserId: hank.UserId!, NewEmail: "hank@new.example.com", NewDisplayName: "Hank H" });
      for (const i of [0, 1]) {
        await until(async () => (await camClient(server, w.memberKeys[i]!).GetUser({ Name: "hank" })).Email === "hank@new.example.com", "email propagation");
        assert.equal((await camClient(server, w.memberKeys[i]!).GetUser({ Name: "hank" })).Remark, "Hank H");
      }

      await w.org.RemoveUserFromGroup({ ZoneId: w.zoneId, GroupId: group.GroupId!, UserId: hank.UserId! });
      for (const i of [0, 1]) await until(async () => !(await subUserNames(w, i)).includes("hank"), `hank gone from member ${i}`);
    });

    test("errors: unknown principal or target, duplicates, bad enums, empty batch, unknown ids — nothing created", async () => {
      const w = await world(server);
      const user = (await w.org.CreateUser({ ZoneId: w.zoneId, UserName: "ivan" })).UserInfo!;
      const item = { PrincipalId: user.UserId, PrincipalType: "User", TargetUin: w.members[0], TargetType: "MemberUin" };
      const create = (items: object[]) => () => w.org.CreateUserSyncProvisioning({ ZoneId: w.zoneId, UserSyncProvisionings: items as never });
      await rejects(server, "ResourceNotFound.UserNotExist", create([{ ...item, PrincipalId: "u-nobody000000" }]));
      await rejects(server, "InvalidParameter.GroupNotExist", create([{ ...item, PrincipalType: "Group", PrincipalId: "g-nobody000000" }]));
      await rejects(server, "FailedOperation.OrganizationMemberNotExist", create([{ ...item, TargetUin: 1 }]));
      await rejects(server, "FailedOperation.OrganizationMemberNotExist", create([{ ...item, TargetType: "ManagerUin" }]));
      await rejects(server, "InvalidParameterValue", create([{ ...item, PrincipalType: "Robot" }]));
      await rejects(server, "InvalidParameterValue", create([{ ...item, DuplicationStrategy: "Merge" }]));
      await rejects(server, "InvalidParameterValue", create([]));
      await rejects(server, "LimitExceeded.CreateUserSyncProvisioningLimitExceeded", create(Array.from({ length: 51 }, () => item)));
      await rejects(server, "MissingParameter", create([{ ...item, TargetType: undefined }]));
      await rejects(server, "FailedOperation.UserProvisioningAlreadyExists", create([item, item]));
      const ok = await w.org.CreateUserSyncProvisioning({ ZoneId: w.zoneId, UserSyncProvisionings: [item as never] });
      await waitTask(w.org, w.zoneId, ok.Tasks![0]!.TaskId!);
      await rejects(server, "FailedOperation.UserProvisioningAlreadyExists", create([item]));
      await rejects(server, "FailedOperation.UserProvisioningAlreadyExists", create([{ ...item, TargetUin: w.members[1] }, item]));
      await rejects(server, "ResourceNotFound.UserProvisioningNotFound", () => w.org.GetUserSyncProvisioning({ ZoneId: w.zoneId, UserProvisioningId: "up-nothing00000" }));
      await rejects(server, "ResourceNotFound.UserProvisioningNotFound", () => w.org.DeleteUserSyncProvisioning({ ZoneId: w.zoneId, UserProvisioningId: "up-nothing00000" }));
      await rejects(server, "ResourceNotFound.UserProvisioningTaskNotFound", () => w.org.GetProvisioningTaskStatus({ ZoneId: w.zoneId, TaskId: "t-nothing0000" }));
      await rejects(server, "FailedOperation.UserProvisioningExists", () => w.org.DeleteUser({ ZoneId: w.zoneId, UserId: user.UserId! }));
      const other = await server.newRoot();
      await orgClient(server, other).CreateOrganization();
      const otherZone = (await orgClient(server, other).OpenIdentityCenter({ ZoneName: `other-${Date.now()}` })).ZoneId!;
      await rejects(server, "FailedOperation.ZoneIdNotExist", () => orgClient(server, other).GetUserSyncProvisioning({ ZoneId: w.zoneId, UserProvisioningId: ok.Tasks![0]!.UserProvisioningId! }));
      await rejects(server, "ResourceNotFound.UserProvisioningNotFound", () => orgClient(server, other).GetUserSyncProvisioning({ ZoneId: otherZone, UserProvisioningId: ok.Tasks![0]!.UserProvisioningId! }));
    });

    test("another tenant's users, groups and member accounts are unknown here; nothing is created", async () => {
      const w = await world(server);
      const other = await world(server);
      const mine = (await w.org.CreateUser({ ZoneId: w.zoneId, UserName: "own" })).UserInfo!;
      const theirUser = (await other.org.CreateUser({ ZoneId: other.zoneId, UserName: "theirs" })).UserInfo!;
      const theirGroup = (await other.org.CreateGroup({ ZoneId: other.zoneId, GroupName: "their-group" })).GroupInfo!;
      const create = (item: object) => () => w.org.CreateUserSyncProvisioning({ ZoneId: w.zoneId, UserSyncProvisionings: [item as never] });
      const base = { PrincipalId: mine.UserId, PrincipalType: "User", TargetUin: w.members[0], TargetType: "MemberUin" };
      await rejects(server, "ResourceNotFound.UserNotExist", create({ ...base, PrincipalId: theirUser.UserId }));
      await rejects(server, "InvalidParameter.GroupNotExist", create({ ...base, PrincipalType: "Group", PrincipalId: theirGroup.GroupId }));
      await rejects(server, "FailedOperation.OrganizationMemberNotExist", create({ ...base, TargetUin: other.members[0] }));
      // Their zone id with my key: the zone is not mine.
      await rejects(server, "FailedOperation.ZoneIdNotExist", () => w.org.CreateUserSyncProvisioning({ ZoneId: other.zoneId, UserSyncProvisionings: [{ ...base, PrincipalId: theirUser.UserId, TargetUin: other.members[0] } as never] }));
    });

    test("the per-directory provisioning quota: FailedOperation.UserProvisioningOverLimit, and a batch that would cross it creates nothing", async () => {
      const w = await world(server, 2);
      const users: { UserId?: string }[] = [];
      for (let i = 0; i < 7; i++) users.push((await w.org.CreateUser({ ZoneId: w.zoneId, UserName: `q${i}` })).UserInfo!);
      const item = (u: (typeof users)[number], m: number) => ({ PrincipalId: u.UserId, PrincipalType: "User", TargetUin: w.members[m], TargetType: "MemberUin" });
      const first = await w.org.CreateUserSyncProvisioning({ ZoneId: w.zoneId, UserSyncProvisionings: users.slice(0, 5).flatMap((u) => [item(u, 0), item(u, 1)]) as never });
      for (const t of first.Tasks!) await waitTask(w.org, w.zoneId, t.TaskId!);
      assert.equal((await w.org.ListUserSyncProvisionings({ ZoneId: w.zoneId })).TotalCounts, 10);
      await rejects(server, "FailedOperation.UserProvisioningOverLimit", () =>
        w.org.CreateUserSyncProvisioning({ ZoneId: w.zoneId, UserSyncProvisionings: [item(users[5]!, 0), item(users[5]!, 1), item(users[6]!, 0)] as never }),
      );
      const second = await w.org.CreateUserSyncProvisioning({ ZoneId: w.zoneId, UserSyncProvisionings: [item(users[5]!, 0), item(users[5]!, 1)] as never });
      for (const t of second.Tasks!) await waitTask(w.org, w.zoneId, t.TaskId!);
      await rejects(server, "FailedOperation.UserProvisioningOverLimit", () => w.org.CreateUserSyncProvisioning({ ZoneId: w.zoneId, UserSyncProvisionings: [item(users[6]!, 0)] as never }));
      assert.equal((await w.org.ListUserSyncProvisionings({ ZoneId: w.zoneId })).TotalCounts, 12);
    });

    test("deleting a provisioning whose deletion is under way: FailedOperation.UserProvisioningFailed, the first task still succeeds", async () => {
      const w = await world(server);
      const u = (await w.org.CreateUser({ ZoneId: w.zoneId, UserName: "del-twice" })).UserInfo!;
      const created = await w.org.CreateUserSyncProvisioning({ ZoneId: w.zoneId, UserSyncProvisionings: [{ PrincipalId: u.UserId, PrincipalType: "User", TargetUin: w.members[0], TargetType: "MemberUin" }] });
      await waitTask(w.org, w.zoneId, created.Tasks![0]!.TaskId!);
      await server.core.worker.stop();
      try {
        const id = created.Tasks![0]!.UserProvisioningId!;
        const first = await w.org.DeleteUserSyncProvisioning({ ZoneId: w.zoneId, UserProvisioningId: id });
        await rejects(server, "FailedOperation.UserProvisioningFailed", () => w.org.DeleteUserSyncProvisioning({ ZoneId: w.zoneId, UserProvisioningId: id }));
        server.core.worker.start();
        assert.equal((await waitTask(w.org, w.zoneId, first.Tasks!.TaskId!)).Status, "Success");
        await expectCode(w.org.GetUserSyncProvisioning({ ZoneId: w.zoneId, UserProvisioningId: id }), "ResourceNotFound.UserProvisioningNotFound");
      } finally {
        server.core.worker.start();
      }
    });

    test("the Terraform provider's exact flow: create (set fields only) → poll with backoff → id zone#up → read → update → read → delete → poll; import reads by id", async () => {
      const w = await world(server);
      const group = (await w.org.CreateGroup({ ZoneId: w.zoneId, GroupName: "tf-group" })).GroupInfo!;
      for (const n of ["tf1", "tf2"]) {
        const u = (await w.org.CreateUser({ ZoneId: w.zoneId, UserName: n })).UserInfo!;
        await w.org.AddUserToGroup({ ZoneId: w.zoneId, GroupId: group.GroupId!, UserId: u.UserId! });
      }
      // Create: only the fields the configuration sets (GetOk omits empty values), retrying on retryable codes.
      const retryable = (code: string | undefined) => ["RequestLimitExceeded", "ResourceInUse", "ResourceUnavailable", "ResourceBusy"].includes((code ?? "").split(".")[0]!);
      async function withRetry<T>(call: () => Promise<T>): Promise<T> {
        for (let attempt = 0; ; attempt++) {
          try {
            return await call();
          } catch (e) {
            if (!retryable((e as { code?: string }).code) || attempt > 20) throw e;
            await new Promise((r) => setTimeout(r, 50));
          }
        }
      }
      const created = await withRetry(() =>
        w.org.CreateUserSyncProvisioning({ ZoneId: w.zoneId, UserSyncProvisionings: [{ PrincipalId: group.GroupId, PrincipalType: "Group", TargetUin: w.members[0], TargetType: "MemberUin", DeletionStrategy: "Delete" }] }),
      );
      assert.ok(created.Tasks && created.Tasks.length > 0, "Terraform needs at least one task");
      const pollTf = async (taskId: string) => {
        for (let delay = 10; ; delay = Math.min(delay * 2, 500)) {
          const { TaskStatus } = await w.org.GetProvisioningTaskStatus({ ZoneId: w.zoneId, TaskId: taskId });
          if (!TaskStatus || TaskStatus.Status === "Success") return;
          if (TaskStatus.Status === "Failed") assert.fail(`task failed: ${TaskStatus.FailureReason}`);
          await new Promise((r) => setTimeout(r, delay));
        }
      };
      await pollTf(created.Tasks[0]!.TaskId!);
      const id = `${w.zoneId}#${created.Tasks[0]!.UserProvisioningId}`;
      const read = async (resourceId: string) => {
        const parts = resourceId.split("#");
        assert.equal(parts.length, 2, "id is broken");
        return (await w.org.GetUserSyncProvisioning({ ZoneId: parts[0]!, UserProvisioningId: parts[1]! })).UserProvisioning!;
      };
      const state = await read(id);
      assert.equal(state.Status, "Enabled");
      for (const f of ["PrincipalName", "TargetName", "CreateTime", "UpdateTime"] as const) assert.ok(state[f], `${f} must be non-empty`);
      assert.deepEqual([state.PrincipalId, state.PrincipalType, state.TargetUin, state.TargetType, state.DuplicationStrategy, state.DeletionStrategy], [group.GroupId, "Group", w.members[0], "MemberUin", "KeepBoth", "Delete"]);
      assert.deepEqual(await subUserNames(w, 0), ["tf1", "tf2"]);
      // Update: description and deletion strategy changed; no poll; then Read.
      await withRetry(() => w.org.UpdateUserSyncProvisioning({ ZoneId: w.zoneId, UserProvisioningId: state.UserProvisioningId!, NewDescription: "managed by terraform", NewDeletionStrategy: "Keep" }));
      const updated = await read(id);
      assert.deepEqual([updated.Description, updated.DeletionStrategy], ["managed by terraform", "Keep"]);
      // Import: a plain Read of the same id gives the same state.
      assert.deepEqual({ ...(await read(id)), UpdateTime: undefined }, { ...updated, UpdateTime: undefined });
      // Delete: the single Tasks object, polled the same way; the sub-users stay (Keep).
      const deleted = await withRetry(() => w.org.DeleteUserSyncProvisioning({ ZoneId: w.zoneId, UserProvisioningId: state.UserProvisioningId! }));
      assert.ok(deleted.Tasks && !Array.isArray(deleted.Tasks) && deleted.Tasks.TaskId);
      await pollTf(deleted.Tasks.TaskId!);
      await expectCode(read(id), "ResourceNotFound.UserProvisioningNotFound");
      assert.deepEqual(await subUserNames(w, 0), ["tf1", "tf2"]);
    });

    test("ListUserSyncProvisionings filters and pages", async () => {
      const w = await world(server, 3);
      const users = [];
      for (const n of ["jo", "kim", "lee"]) users.push((await w.org.CreateUser({ ZoneId: w.zoneId, UserName: n })).UserInfo!);
      const items = users.flatMap((u) => w.members.map((m) => ({ PrincipalId: u.UserId, PrincipalType: "User", TargetUin: m, TargetType: "MemberUin" })));
      await w.org.CreateUserSyncProvisioning({ ZoneId: w.zoneId, UserSyncProvisionings: items });
      const seen: string[] = [];
      let token: string | undefined;
      do {
        const page = await w.org.ListUserSyncProvisionings({ ZoneId: w.zoneId, MaxResults: 4, NextToken: token });
        assert.equal(page.TotalCounts, 9);
        seen.push(...page.UserProvisionings!.map((p) => p.UserProvisioningId!));
        token = page.NextToken ?? undefined;
      } while (token);
      assert.equal(new Set(seen).size, 9);
      assert.equal((await w.org.ListUserSyncProvisionings({ ZoneId: w.zoneId, TargetUin: w.members[1] })).TotalCounts, 3);
      assert.equal((await w.org.ListUserSyncProvisionings({ ZoneId: w.zoneId, PrincipalId: users[0]!.UserId })).TotalCounts, 3);
      assert.equal((await w.org.ListUserSyncProvisionings({ ZoneId: w.zoneId, Filter: "kim" })).TotalCounts, 3);
      assert.equal((await w.org.ListUserSyncProvisionings({ ZoneId: w.zoneId, PrincipalType: "Group" })).TotalCounts, 0);
      const first = await w.org.ListUserSyncProvisionings({ ZoneId: w.zoneId, MaxResults: 2 });
      await expectCode(w.org.ListUserSyncProvisionings({ ZoneId: w.zoneId, MaxResults: 2, TargetUin: w.members[0], NextToken: first.NextToken! }), "InvalidParameter.NextTokenInvalid");
    });
  });
}
