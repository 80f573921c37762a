/**
 * The provisioning timeline through the native API, on both engines, with the world made through the
 * Tencent SDK: why alice_cic exists (a KeepBoth clash with a hand-made CAM sub-user, through a group),
 * why bob's sub-user was deleted (he left the group), an update that follows an email change, a double
 * clash that failed, its retry and the TakeOver adoption it led to, a direct TakeOver, a Keep release;
 * queries per sub-user (uin or name), user, provisioning and account, paging; another tenant sees
 * nothing; decisions past the retention period are hidden and then pruned by the worker (a manual clock).
 */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { ManualClock } from "../../src/core/clock.js";
import { loadConfig } from "../../src/config.js";
import { camClient, ENGINES, startServer, type TestServer } from "../helpers/harness.js";
import { settled, ssoTenant, type SsoTenant, until, zoneIdOf } from "../helpers/cloudsso.js";
import { type NativeClient, nativeClient, refused } from "../helpers/native.js";

type Decision = {
  decisionId: string;
  decision: string;
  cause: string;
  explanation: string;
  accountUin: number;
  provisioningId: string;
  principal: { type: string; id: string; name: string };
  duplicationStrategy: string;
  deletionStrategy: string;
  userId: string;
  userName: string;
  subUser: { uin: number | null; name: string } | null;
  clash: { name: string; uin: number | null; heldBy: string; directoryUserId: string | null } | null;
  changes: { attribute: string; from: string; to: string }[];
  failure: { kind: string; reason: string } | null;
  retryStrategy: string | null;
};

for (const engine of ENGINES) {
  describe(`provisioning timeline (${engine})`, () => {
    let server: TestServer;
    let t: SsoTenant;
    let api: NativeClient;
    let zoneId: string;
    let dir: string;
    let x: number;
    let y: number;
    let cam: ReturnType<typeof camClient>;
    let camY: ReturnType<typeof camClient>;
    const ids: Record<string, string> = {};
    let groupProvisioning: string;

    const timeline = async (query: Record<string, string | number>): Promise<Decision[]> => (await api.ok(200, "GET", `${dir}/timeline`, { query: { maxResults: 100, ...query } })).items;

    before(async () => {
      server = await startServer(engine);
      t = await ssoTenant(server, { members: 2 });
      api = nativeClient(server, t.key);
      zoneId = zoneIdOf(t.directoryId);
      dir = `/directories/${zoneId}`;
      [x, y] = t.members as [number, number];
      cam = camClient(server, await server.keyFor(x));
      camY = camClient(server, await server.keyFor(y));
    });
    after(() => server?.close());

    test('why does alice_cic exist in account X: created for alice, by the provisioning, through group G, KeepBoth, because "alice" was hand-made', async () => {
      await cam.AddUser({ Name: "alice", Remark: "hand-made" });
      const group = (await t.org.CreateGroup({ ZoneId: zoneId, GroupName: "G" })).GroupInfo!;
      ids.group = group.GroupId!;
      for (const name of ["alice", "bob"]) {
        const u = (await t.org.CreateUser({ ZoneId: zoneId, UserName: name, Email: `${name}@example.com`, DisplayName: `${name} display` })).UserInfo!;
        ids[name] = u.UserId!;
        await t.org.AddUserToGroup({ ZoneId: zoneId, GroupId: group.GroupId!, UserId: u.UserId! });
      }
      const created = await t.org.CreateUserSyncProvisioning({
        ZoneId: zoneId,
        UserSyncProvisionings: [{ PrincipalId: group.GroupId, PrincipalType: "Group", TargetUin: x, TargetType: "MemberUin", DuplicationStrategy: "KeepBoth", DeletionStrategy: "Delete" }],
      });
      groupProvisioning = created.Tasks![0]!.UserProvisioningId!;
      assert.equal(await settled(t.org, zoneId, created.Tasks![0]!.TaskId!), "Success");

      const handMade = await cam.GetUser({ Name: "alice" });
      const aliceCic = await cam.GetUser({ Name: "alice_cic" });
      const byName = await timeline({ accountUin: x, subUserName: "alice_cic" });
      assert.equal(byName.length, 1);
      const d = byName[0]!;
      assert.equal(d.decision, "created");
      assert.equal(d.cause, "name_taken");
      assert.equal(d.userId, ids.alice);
      assert.equal(d.userName, "alice");
      assert.equal(d.provisioningId, groupProvisioning);
      assert.deepEqual(d.principal, { type: "Group", id: ids.group, name: "G" });
      assert.equal(d.duplicationStrategy, "KeepBoth");
      assert.equal(d.accountUin, x);
      assert.deepEqual(d.subUser, { uin: aliceCic.Uin, name: "alice_cic" });
      assert.deepEqual(d.clash, { name: "alice", uin: handMade.Uin, heldBy: "hand-made", directoryUserId: null });
      assert.match(d.explanation, /for directory user alice by provisioning up-\S+ through group G, with DuplicationStrategy KeepBoth, because "alice" was taken by a hand-made sub-user/);

      assert.deepEqual(await timeline({ accountUin: x, subUserUin: aliceCic.Uin! }), byName, "by uin as by name");
      assert.deepEqual(await timeline({ accountUin: x, subUserName: "alice" }), [], "the hand-made alice has no decisions");
      const bob = (await timeline({ accountUin: x, subUserName: "bob" }))[0]!;
      assert.equal(bob.cause, "name_free");
      assert.equal(bob.clash, null);
    });

    test("updated: alice's email changed, and the sub-user followed it (from what to what, and why)", async () => {
      await t.org.UpdateUser({ ZoneId: zoneId, UserId: ids.alice!, NewEmail: "alice@new.example.com" });
      let updated: Decision | undefined;
      await until(async () => {
        updated = (await timeline({ accountUin: x, subUserName: "alice_cic" })).find((d) => d.decision === "updated");
        return updated !== undefined;
      }, "the update decision");
      assert.equal(updated!.cause, "user_changed");
      assert.deepEqual(updated!.changes, [{ attribute: "email", from: "alice@example.com", to: "alice@new.example.com" }]);
      assert.equal(updated!.provisioningId, groupProvisioning);
      assert.match(updated!.explanation, /email from "alice@example.com" to "alice@new.example.com", to follow directory user alice's email/);
      assert.equal((await cam.GetUser({ Name: "alice_cic" })).Email, "alice@new.example.com");
    });

    test("why was bob deleted: he left group G, and the provisioning's DeletionStrategy is Delete", async () => {
      const bobUin = (await cam.GetUser({ Name: "bob" })).Uin!;
      await t.org.RemoveUserFromGroup({ ZoneId: zoneId, GroupId: ids.group!, UserId: ids.bob! });
      await until(async () => !((await cam.ListUsers()).Data ?? []).some((u) => u.Name === "bob"), "bob's sub-user to go");
      const history = await timeline({ accountUin: x, subUserName: "bob" });
      assert.deepEqual(history.map((d) => d.decision), ["deleted", "created"], "newest first");
      const deleted = history[0]!;
      assert.equal(deleted.cause, "left_group");
      assert.equal(deleted.provisioningId, groupProvisioning);
      assert.equal(deleted.deletionStrategy, "Delete");
      assert.deepEqual(deleted.subUser, { uin: bobUin, name: "bob" });
      assert.match(deleted.explanation, /Deleted sub-user "bob" .* because bob left group G; DeletionStrategy Delete/);
      assert.deepEqual(await timeline({ accountUin: x, subUserUin: bobUin }), history, "the deleted sub-user by its uin");
      const perUser = await timeline({ userId: ids.bob! });
      assert.deepEqual(perUser.map((d) => d.decision), ["deleted", "created"], "per directory user, the created decision found through the uin");
    });

    test("failed: a double clash, then a retry with TakeOver that adopts the hand-made sub-user; Keep when its provisioning goes", async () => {
      await cam.AddUser({ Name: "erin" });
      await cam.AddUser({ Name: "erin_cic" });
      const erinHandMade = (await cam.GetUser({ Name: "erin" })).Uin!;
      const erin = (await t.org.CreateUser({ ZoneId: zoneId, UserName: "erin" })).UserInfo!;
      ids.erin = erin.UserId!;
      const created = await t.org.CreateUserSyncProvisioning({
        ZoneId: zoneId,
        UserSyncProvisionings: [{ PrincipalId: erin.UserId, PrincipalType: "User", TargetUin: x, TargetType: "MemberUin", DuplicationStrategy: "KeepBoth", DeletionStrategy: "Keep" }],
      });
      const pid = created.Tasks![0]!.UserProvisioningId!;
      assert.equal(await settled(t.org, zoneId, created.Tasks![0]!.TaskId!), "Failed");
      const [failed] = await timeline({ userId: ids.erin! });
      assert.equal(failed!.decision, "failed");
      assert.equal(failed!.cause, "name_clash");
      assert.equal(failed!.subUser, null);
      assert.deepEqual(failed!.principal, { type: "User", id: ids.erin, name: "erin" });
      assert.equal(failed!.failure!.kind, "name_clash");
      assert.match(failed!.failure!.reason, /sub-users "erin" and "erin_cic" both exist/);
      assert.match(failed!.explanation, /Could not provision directory user erin .* directly for the user: sub-users "erin" and "erin_cic" both exist/);

      const failure = (await api.ok(200, "GET", `${dir}/failures`, { query: { provisioningId: pid } })).items[0];
      assert.equal((await api.call("POST", `${dir}/failures/${failure.failureId}/retry`, { body: { duplicationStrategy: "TakeOver" } })).status, 202);
      let history: Decision[] = [];
      await until(async () => (history = await timeline({ userId: ids.erin! }))[0]?.decision === "adopted", "the adoption");
      assert.deepEqual(history.map((d) => d.decision), ["adopted", "retried", "failed"]);
      assert.equal(history[1]!.retryStrategy, "TakeOver");
      assert.equal(history[1]!.cause, "retry_requested");
      const adopted = history[0]!;
      assert.equal(adopted.cause, "take_over");
      assert.deepEqual(adopted.subUser, { uin: erinHandMade, name: "erin" });
      assert.match(adopted.explanation, /Adopted the existing hand-made sub-user "erin" \(uin \d+\) .* TakeOver/);

      const del = await t.org.DeleteUserSyncProvisioning({ ZoneId: zoneId, UserProvisioningId: pid });
      assert.equal(await settled(t.org, zoneId, del.Tasks!.TaskId!), "Success");
      const kept = (await timeline({ accountUin: x, subUserName: "erin" }))[0]!;
      assert.equal(kept.decision, "kept");
      assert.equal(kept.cause, "provisioning_deleted");
      assert.equal(kept.deletionStrategy, "Keep");
      assert.match(kept.explanation, /because provisioning up-\S+ was deleted; DeletionStrategy Keep: it stays as an ordinary, unmanaged sub-user/);
    });

    test("a TakeOver provisioning adopts the hand-made sub-user of the user's name", async () => {
      await camY.AddUser({ Name: "carol" });
      const carolUin = (await camY.GetUser({ Name: "carol" })).Uin!;
      const carol = (await t.org.CreateUser({ ZoneId: zoneId, UserName: "carol" })).UserInfo!;
      const created = await t.org.CreateUserSyncProvisioning({
        ZoneId: zoneId,
        UserSyncProvisionings: [{ PrincipalId: carol.UserId, PrincipalType: "User", TargetUin: y, TargetType: "MemberUin", DuplicationStrategy: "TakeOver" }],
      });
      assert.equal(await settled(t.org, zoneId, created.Tasks![0]!.TaskId!), "Success");
      const history = await timeline({ accountUin: y, subUserUin: carolUin });
      assert.deepEqual(history.map((d) => [d.decision, d.cause, d.duplicationStrategy]), [["adopted", "take_over", "TakeOver"]]);
    });

    test("per provisioning and per account; pages of decisions, newest first", async () => {
      const ofGroup = await timeline({ provisioningId: groupProvisioning });
      assert.deepEqual(ofGroup.map((d) => `${d.decision} ${d.subUser?.name}`).sort(), ["created alice_cic", "created bob", "deleted bob", "updated alice_cic"]);
      assert.ok(ofGroup.every((d) => d.provisioningId === groupProvisioning));

      const ofX = await timeline({ accountUin: x });
      assert.ok(ofX.every((d) => d.accountUin === x));
      assert.deepEqual(new Set(ofX.map((d) => d.userName)), new Set(["alice", "bob", "erin"]));
      assert.deepEqual((await timeline({ accountUin: y })).map((d) => d.userName), ["carol"]);
      const ids = ofX.map((d) => Number(d.decisionId));
      assert.deepEqual(ids, [...ids].sort((a, b) => b - a), "newest first");

      const walked: string[] = [];
      let nextToken: string | undefined;
      do {
        const page = await api.ok(200, "GET", `${dir}/timeline`, { query: { accountUin: x, maxResults: 2, nextToken } });
        assert.ok(page.items.length <= 2);
        walked.push(...page.items.map((d: Decision) => d.decisionId));
        nextToken = page.nextToken;
      } while (nextToken);
      assert.deepEqual(walked, ofX.map((d) => d.decisionId));
      assert.deepEqual((await timeline({})).length, ofX.length + 1, "the whole directory: both accounts");

      await refused(server, 400, "directory.field_invalid", () => api.call("GET", `${dir}/timeline`, { query: { subUserName: "alice_cic" } }), "accountUin");
      await refused(server, 400, "request.invalid_type", () => api.call("GET", `${dir}/timeline`, { query: { accountUin: "x" } }), "accountUin");
      await refused(server, 400, "paging.token_invalid", () => api.call("GET", `${dir}/timeline`, { query: { accountUin: y, nextToken: "forged.token" } }), "nextToken");
    });

    test("another tenant sees none of it", async () => {
      const other = await ssoTenant(server, { members: 1 });
      const theirs = nativeClient(server, other.key);
      const theirDir = `/directories/${zoneIdOf(other.directoryId)}`;
      assert.deepEqual((await theirs.ok(200, "GET", `${theirDir}/timeline`, { query: { accountUin: x } })).items, []);
      assert.deepEqual((await theirs.ok(200, "GET", `${theirDir}/timeline`, { query: { userId: ids.alice! } })).items, []);
      assert.deepEqual((await theirs.ok(200, "GET", `${theirDir}/timeline`, { query: { provisioningId: groupProvisioning } })).items, []);
      await refused(server, 404, "directory.not_found", () => theirs.call("GET", `${dir}/timeline`, { query: { accountUin: x } }));
    });
  });

  describe(`provisioning timeline retention (${engine})`, () => {
    const clock = new ManualClock();
    let server: TestServer;
    before(async () => {
      server = await startServer(engine, { clock });
    });
    after(() => server?.close());

    test("decisions past the retention period are hidden at once and pruned by the worker; newer ones stay", async () => {
      const t = await ssoTenant(server, { members: 1 });
      const api = nativeClient(server, t.key);
      const zoneId = zoneIdOf(t.directoryId);
      const dir = `/directories/${zoneId}`;
      // Through the native API (a bearer key, no signed timestamp), so the clock may move past any signature window.
      const provision = async (userName: string) => {
        const { user } = await api.ok(201, "POST", `${dir}/users`, { body: { userName } });
        const { provisioning } = await api.ok(202, "POST", `${dir}/provisionings`, { body: { principalType: "User", principalId: user.userId, targetUin: t.members[0] } });
        await until(async () => (await api.ok(200, "GET", `${dir}/provisionings/${provisioning.provisioningId}`)).progress.done === 1, `${userName}'s sub-user`);
      };
      const shown = async () => ((await api.ok(200, "GET", `/directories/${zoneId}/timeline`, { query: { accountUin: t.members[0]! } })).items as Decision[]).map((d) => d.userName);
      const stored = async () => Number((await server.store.db.selectFrom("timeline_decisions").select((eb) => eb.fn.countAll().as("n")).executeTakeFirstOrThrow()).n);

      await provision("old");
      assert.deepEqual(await shown(), ["old"]);
      assert.equal(await stored(), 1);
      clock.advance(29 * 86_400_000);
      assert.deepEqual(await shown(), ["old"], "within the default 30 days");
      clock.advance(2 * 86_400_000);
      assert.deepEqual(await shown(), [], "past 30 days: hidden before it is pruned");
      await until(async () => (await stored()) === 0, "the worker to prune the old decision");
      await provision("new");
      assert.deepEqual(await shown(), ["new"]);
      assert.deepEqual(await server.core.timeline.prune(), { pruned: 0, more: false }, "nothing else to prune");
      assert.equal(await stored(), 1);
    });

    test("a backlog is pruned a few batches a transaction, a bounded number of transactions at a time", async () => {
      const old = clock.now() - 40 * 86_400_000;
      const { db } = server.store;
      for (let i = 0; i < 45; i++) {
        const { batch_seq } = await db
          .insertInto("timeline_batches")
          .values({ at: old, directory_id: "z-backlog", provisioning_id: "up-backlog", target_uin: 1, principal_type: "User", principal_id: "u-x", principal_name: "x", duplication_strategy: "KeepBoth", deletion_strategy: "Keep", created_uin_first: null, created_uin_last: null })
          .returning("batch_seq")
          .executeTakeFirstOrThrow();
        await db.insertInto("timeline_decisions").values({ seq: batch_seq * 1000, decision: "failed", user_id: "u-x", user_name: "x", sub_user_uin: null, sub_user_name: null, detail: null }).execute();
      }
      // The clock has not moved since the worker last pruned, so it is not due: this call alone prunes.
      assert.deepEqual(await server.core.timeline.prune(1), { pruned: 20, more: true }, "20 batches in one transaction, and more are left");
      clock.advance(61_000);
      await until(async () => (await db.selectFrom("timeline_batches").select("batch_seq").where("directory_id", "=", "z-backlog").execute()).length === 0, "the backlog to go");
      assert.equal((await db.selectFrom("timeline_decisions").select("seq").where("user_id", "=", "u-x").execute()).length, 0);
    });

    test("the retention is a server setting: OPENCIC_TIMELINE_RETENTION_DAYS, a whole number of days", () => {
      assert.equal(loadConfig({}, {}).timelineRetentionDays, 30);
      assert.equal(loadConfig({}, { OPENCIC_TIMELINE_RETENTION_DAYS: "7" }).timelineRetentionDays, 7);
      assert.throws(() => loadConfig({}, { OPENCIC_TIMELINE_RETENTION_DAYS: "0" }), /OPENCIC_TIMELINE_RETENTION_DAYS/);
      assert.throws(() => loadConfig({}, { OPENCIC_TIMELINE_RETENTION_DAYS: "2.5" }), /OPENCIC_TIMELINE_RETENTION_DAYS/);
    });
  });
}
