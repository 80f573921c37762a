/**
 * The native admin API over real HTTP, on both engines: authentication and sub-user keys, the
 * directory (users, groups, memberships, paging, search), provisionings with progress in counts,
 * failures retried with another strategy, deletion with Keep, keys, the engine's queue, and bad input
 * refused as problem details with nothing changed. Every answer is checked against the served
 * OpenAPI document (test/helpers/native.ts).
 */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { camClient, ENGINES, orgClient, startServer, type TestServer } from "../helpers/harness.js";
import { ssoTenant, type SsoTenant, uniq, until, zoneIdOf } from "../helpers/cloudsso.js";
import { type NativeClient, nativeClient, refused } from "../helpers/native.js";

for (const engine of ENGINES) {
  describe(`native API (${engine})`, () => {
    let server: TestServer;
    let t: SsoTenant;
    let api: NativeClient;
    let dir: string;

    before(async () => {
      server = await startServer(engine);
      t = await ssoTenant(server, { members: 2 });
      api = nativeClient(server, t.key);
      dir = `/directories/${zoneIdOf(t.directoryId)}`;
    });
    after(() => server?.close());

    test("an API key as a bearer token authenticates; anything else is 401, a sub-user's key 403", async () => {
      const org = await api.ok(200, "GET", "/organization");
      assert.equal(org.managerUin, t.key.uin);
      const members = await api.ok(200, "GET", "/organization/members");
      assert.deepEqual(members.items.map((m: { uin: number }) => m.uin).sort(), [t.key.uin, ...t.members].sort());

      const anonymous = await refused(server, 401, "auth.malformed", () => nativeClient(server).call("GET", "/organization"));
      assert.equal(anonymous.headers.get("www-authenticate"), 'Bearer realm="opencic"');
      await refused(server, 401, "auth.malformed", () => nativeClient(server, "Basic abc").call("GET", "/organization"));
      await refused(server, 401, "auth.unknown_key", () => nativeClient(server, { secretId: t.key.secretId, secretKey: "wrong" }).call("GET", "/organization"));
      await refused(server, 401, "auth.unknown_key", () => nativeClient(server, { secretId: "AKIDnothing", secretKey: t.key.secretKey }).call("GET", "/organization"));

      const sub = await camClient(server, t.key).AddUser({ Name: uniq("api-sub"), UseApi: 1 });
      const subKey = { secretId: sub.SecretId!, secretKey: sub.SecretKey! };
      await refused(server, 403, "auth.not_permitted", () => nativeClient(server, subKey).call("GET", "/organization"));
      await refused(server, 403, "auth.not_permitted", () => nativeClient(server, subKey).call("POST", `${dir}/users`, { body: { userName: "by-sub-user" } }));
    });

    test("directory users: create, read, change, enable/disable, search, page, delete", async () => {
      const created = await api.ok(201, "POST", `${dir}/users`, { body: { userName: "ada", displayName: "Ada Lovelace", email: "ada@example.com" } });
      assert.equal(created.user.userName, "ada");
      assert.equal(created.user.status, "Enabled");
      assert.ok(created.password.length >= 8, "the initial password is shown once");
      const id = created.user.userId;
      const got = await api.ok(200, "GET", `${dir}/users/${id}`);
      assert.equal(got.displayName, "Ada Lovelace");
      assert.deepEqual(got.tags, []);
      assert.ok(!("password" in got));

      const disabled = await api.ok(200, "PATCH", `${dir}/users/${id}`, { body: { status: "Disabled", description: "on leave" } });
      assert.equal(disabled.status, "Disabled");
      assert.equal(disabled.description, "on leave");
      assert.equal((await api.ok(200, "PATCH", `${dir}/users/${id}`, { body: { status: "Enabled" } })).status, "Enabled");

      for (let i = 0; i < 5; i++) await api.ok(201, "POST", `${dir}/users`, { body: { userName: `pager-${i}` } });
      const seen: string[] = [];
      let token: string | undefined;
      let pages = 0;
      do {
        const p = await api.ok(200, "GET", `${dir}/users`, { query: { maxResults: 2, nextToken: token, search: "pager" } });
        assert.equal(p.totalCount, 5);
        assert.ok(p.items.length <= 2);
        seen.push(...p.items.map((u: { userName: string }) => u.userName));
        token = p.nextToken;
        pages++;
      } while (token);
      assert.equal(pages, 3);
      assert.deepEqual(seen.sort(), ["pager-0", "pager-1", "pager-2", "pager-3", "pager-4"]);
      const disabledOnly = await api.ok(200, "GET", `${dir}/users`, { query: { status: "Disabled" } });
      assert.equal(disabledOnly.totalCount, 0);

      assert.equal((await api.call("DELETE", `${dir}/users/${id}`)).status, 204);
      await refused(server, 404, "directory.user_not_found", () => api.call("GET", `${dir}/users/${id}`));
    });

    test("groups and memberships, with the core's guards", async () => {
      const u = (await api.ok(201, "POST", `${dir}/users`, { body: { userName: "grace" } })).user;
      const g = await api.ok(201, "POST", `${dir}/groups`, { body: { groupName: "pioneers", description: "first" } });
      assert.equal(g.memberCount, 0);
      assert.equal((await api.call("PUT", `${dir}/groups/${g.groupId}/members/${u.userId}`)).status, 204);
      assert.equal((await api.ok(200, "GET", `${dir}/groups/${g.groupId}`)).memberCount, 1);
      const members = await api.ok(200, "GET", `${dir}/groups/${g.groupId}/members`);
      assert.deepEqual(members.items.map((m: { userId: string }) => m.userId), [u.userId]);
      const joined = await api.ok(200, "GET", `${dir}/users/${u.userId}/groups`);
      assert.deepEqual(joined.items.map((x: { groupId: string }) => x.groupId), [g.groupId]);
      await refused(server, 409, "directory.member_exists", () => api.call("PUT", `${dir}/groups/${g.groupId}/members/${u.userId}`));
      await refused(server, 409, "directory.group_has_members", () => api.call("DELETE", `${dir}/groups/${g.groupId}`));
      await refused(server, 409, "directory.user_in_group", () => api.call("DELETE", `${dir}/users/${u.userId}`));
      assert.equal((await api.ok(200, "PATCH", `${dir}/groups/${g.groupId}`, { body: { groupName: "pioneers-2" } })).groupName, "pioneers-2");
      const found = await api.ok(200, "GET", `${dir}/groups`, { query: { search: "PIONEERS" } });
      assert.deepEqual(found.items.map((x: { groupId: string }) => x.groupId), [g.groupId]);
      assert.equal((await api.call("DELETE", `${dir}/groups/${g.groupId}/members/${u.userId}`)).status, 204);
      await refused(server, 404, "directory.member_not_found", () => api.call("DELETE", `${dir}/groups/${g.groupId}/members/${u.userId}`));
      assert.equal((await api.call("DELETE", `${dir}/groups/${g.groupId}`)).status, 204);
    });

    test("bad input is refused as problem details with the right status, and changes nothing", async () => {
      await refused(server, 400, "request.missing_parameter", () => api.call("POST", `${dir}/users`, { body: {} }), "userName");
      await refused(server, 400, "request.unknown_parameter", () => api.call("POST", `${dir}/users`, { body: { userName: "x1", admin: true } }), "admin");
      await refused(server, 400, "request.invalid_type", () => api.call("POST", `${dir}/users`, { body: { userName: 42 } }), "userName");
      await refused(server, 400, "request.invalid_value", () => api.call("POST", `${dir}/users`, { body: { userName: "x2", status: "Sleeping" } }), "status");
      await refused(server, 400, "directory.user_name_invalid", () => api.call("POST", `${dir}/users`, { body: { userName: "has space" } }));
      await refused(server, 400, "request.invalid_type", () => api.call("POST", `${dir}/users`, { rawBody: { text: "{not json", contentType: "application/json" } }));
      await refused(server, 415, "request.unsupported_media_type", () => api.call("POST", `${dir}/users`, { rawBody: { text: "userName=x", contentType: "application/x-www-form-urlencoded" } }));
      await refused(server, 400, "request.invalid_value", () => api.call("PATCH", `${dir}/groups/g-000000000000`, { body: {} }));
      await refused(server, 400, "request.invalid_value", () => api.call("GET", `${dir}/users`, { query: { maxResults: 0 } }), "maxResults");
      await refused(server, 400, "request.invalid_type", () => api.call("GET", `${dir}/users`, { query: { maxResults: "many" } }), "maxResults");
      await refused(server, 400, "request.unknown_parameter", () => api.call("GET", `${dir}/users`, { query: { sort: "name" } }), "sort");
      await refused(server, 400, "paging.token_invalid", () => api.call("GET", `${dir}/users`, { query: { nextToken: "forged.token" } }));
      await refused(server, 400, "request.unknown_parameter", () => api.call("GET", "/engine", { query: { x: 1 } }));
      await refused(server, 400, "request.invalid_type", () => api.call("GET", "/accounts/abc/sub-users"), "uin");
      await api.ok(201, "POST", `${dir}/users`, { body: { userName: "twin" } });
      await refused(server, 409, "directory.user_name_taken", () => api.call("POST", `${dir}/users`, { body: { userName: "TWIN" } }));
      await refused(server, 404, "directory.user_not_found", () => api.call("GET", `${dir}/users/u-000000000000`));
      await refused(server, 404, "route.not_found", () => api.call("GET", "/nothing/here"));
      const wrongMethod = await refused(server, 405, "route.method_not_allowed", () => api.call("PUT", "/engine"));
      assert.match(wrongMethod.body.detail, /GET/);
      await refused(server, 413, "request.too_large", () => api.call("POST", `${dir}/users`, { body: { userName: "big", description: "d".repeat(2 * 1024 * 1024) } }));
    });

    test("a provisioning's progress counts reach its total; the account's sub-users say what manages them; Keep leaves them unmanaged", async () => {
      const g = await api.ok(201, "POST", `${dir}/groups`, { body: { groupName: uniq("prov") } });
      const names = [uniq("p"), uniq("p"), uniq("p")];
      for (const userName of names) {
        const { user } = await api.ok(201, "POST", `${dir}/users`, { body: { userName } });
        await api.call("PUT", `${dir}/groups/${g.groupId}/members/${user.userId}`);
      }
      const target = t.members[0]!;
      const made = await api.ok(202, "POST", `${dir}/provisionings`, { body: { principalType: "Group", principalId: g.groupId, targetUin: target, deletionStrategy: "Keep" } });
      assert.equal(made.provisioning.progress.total, 3);
      assert.equal(made.task.type, "StartProvisioning");
      const pid = made.provisioning.provisioningId;
      let progress = made.provisioning.progress;
      await until(async () => {
        progress = (await api.ok(200, "GET", `${dir}/provisionings/${pid}`)).progress;
        assert.ok(progress.done <= progress.total);
        return progress.done === progress.total;
      }, "the provisioning's progress to reach its total");
      assert.deepEqual(progress, { total: 3, done: 3, failed: 0, heldDeletions: 0 });
      const listed = await api.ok(200, "GET", `${dir}/provisionings`, { query: { principalId: g.groupId } });
      assert.equal(listed.totalCount, 1);
      assert.deepEqual(listed.items[0].progress, progress);
      await until(async () => (await api.ok(200, "GET", `${dir}/provisioning-tasks/${made.task.taskId}`)).status !== "InProgress", "the task");
      const tasks = await api.ok(200, "GET", `${dir}/provisionings/${pid}/tasks`);
      assert.deepEqual(tasks.items.map((x: { type: string; status: string }) => [x.type, x.status]), [["StartProvisioning", "Success"]]);

      const subs = (await api.ok(200, "GET", `/accounts/${target}/sub-users`)).items as { name: string; directoryUserId: string | null; managedBy: { provisioningId: string; principal: { type: string; id: string } }[] }[];
      const managed = subs.filter((s) => names.includes(s.name));
      assert.equal(managed.length, 3);
      for (const s of managed) {
        assert.ok(s.directoryUserId);
        assert.deepEqual(s.managedBy.map((m) => [m.provisioningId, m.principal.type, m.principal.id]), [[pid, "Group", g.groupId]]);
      }

      const deleted = await api.ok(202, "DELETE", `${dir}/provisionings/${pid}`, { query: { deletionStrategy: "Keep" } });
      assert.equal(deleted.task.type, "DeleteProvisioning");
      // Deleting, the provisioning is gone from reads at once; its task says when the engine has released its sub-users.
      assert.equal((await api.call("GET", `${dir}/provisionings/${pid}`)).body.reason, "provisioning.not_found");
      await until(async () => (await api.ok(200, "GET", `${dir}/provisioning-tasks/${deleted.task.taskId}`)).status !== "InProgress", "the deletion's task");
      assert.equal((await api.ok(200, "GET", `${dir}/provisioning-tasks/${deleted.task.taskId}`)).status, "Success");
      const after = (await api.ok(200, "GET", `/accounts/${target}/sub-users`)).items as typeof subs;
      const kept = after.filter((s) => names.includes(s.name));
      assert.equal(kept.length, 3, "Keep leaves the sub-users");
      for (const s of kept) {
        assert.equal(s.directoryUserId, null);
        assert.deepEqual(s.managedBy, []);
      }
    });

    test("a name clash KeepBoth cannot resolve is a failure with its reason; retried with TakeOver it clears", async () => {
      const target = t.members[1]!;
      const cam = camClient(server, await server.keyFor(target));
      const name = uniq("clash");
      await cam.AddUser({ Name: name });
      await cam.AddUser({ Name: `${name}_cic` });
      const { user } = await api.ok(201, "POST", `${dir}/users`, { body: { userName: name } });
      const made = await api.ok(202, "POST", `${dir}/provisionings`, { body: { principalType: "User", principalId: user.userId, targetUin: target, duplicationStrategy: "KeepBoth" } });
      const pid = made.provisioning.provisioningId;
      let failures: { items: { failureId: string; failureKind: string; failureReason: string; userId: string }[] } = { items: [] };
      await until(async () => {
        failures = await api.ok(200, "GET", `${dir}/failures`, { query: { provisioningId: pid } });
        return failures.items.length > 0;
      }, "the failure");
      // The engine is done with the provisioning once its task is settled: nothing writes behind the refusals below.
      await until(async () => (await api.ok(200, "GET", `${dir}/provisioning-tasks/${made.task.taskId}`)).status !== "InProgress", "the task");
      const failure = failures.items[0]!;
      assert.equal(failure.failureKind, "name_clash");
      assert.equal(failure.userId, user.userId);
      assert.match(failure.failureReason, new RegExp(name));
      assert.deepEqual((await api.ok(200, "GET", `${dir}/provisionings/${pid}`)).progress, { total: 1, done: 0, failed: 1, heldDeletions: 0 });
      assert.equal((await api.ok(200, "GET", `${dir}/failures/${failure.failureId}`)).failureId, failure.failureId);

      await refused(server, 400, "request.invalid_value", () => api.call("POST", `${dir}/failures/${failure.failureId}/retry`, { body: { duplicationStrategy: "Sometimes" } }), "duplicationStrategy");
      assert.equal((await api.call("POST", `${dir}/failures/${failure.failureId}/retry`, { body: { duplicationStrategy: "TakeOver" } })).status, 202);
      await until(async () => (await api.ok(200, "GET", `${dir}/provisionings/${pid}`)).progress.done === 1, "the retry to adopt the sub-user");
      await until(async () => (await api.ok(200, "GET", `${dir}/failures`, { query: { provisioningId: pid } })).items.length === 0, "the failure to clear");
      const adopted = ((await api.ok(200, "GET", `/accounts/${target}/sub-users`)).items as { name: string; directoryUserId: string | null }[]).find((s) => s.name === name);
      assert.equal(adopted?.directoryUserId, user.userId);
    });

    test("keys: issued with the secret shown once, listed without it, disabled everywhere, deleted", async () => {
      const issued = await api.ok(201, "POST", "/keys");
      assert.equal(issued.accountUin, t.key.uin);
      const key = { secretId: issued.secretId, secretKey: issued.secretKey };
      assert.equal((await orgClient(server, key).DescribeOrganization({})).OrgId !== undefined, true, "the new key works on the vendor doors");
      const listed = await api.ok(200, "GET", "/keys");
      const row = listed.items.find((k: { secretId: string }) => k.secretId === issued.secretId);
      assert.deepEqual(Object.keys(row).sort(), ["accountUin", "createdAt", "secretId", "status", "subjectUin"]);
      assert.ok(listed.items.every((k: { accountUin: number }) => k.accountUin === t.key.uin), "only the caller's account's keys");

      assert.equal((await api.ok(200, "PATCH", `/keys/${issued.secretId}`, { body: { status: "Disabled" } })).status, "Disabled");
      await refused(server, 401, "auth.unknown_key", () => nativeClient(server, key).call("GET", "/organization"));
      await assert.rejects(orgClient(server, key).DescribeOrganization({}), "a disabled key fails on the Tencent door too");
      assert.equal((await api.ok(200, "PATCH", `/keys/${issued.secretId}`, { body: { status: "Enabled" } })).status, "Enabled");
      await nativeClient(server, key).ok(200, "GET", "/organization");
      assert.equal((await api.call("DELETE", `/keys/${issued.secretId}`)).status, 204);
      await refused(server, 404, "key.not_found", () => api.call("DELETE", `/keys/${issued.secretId}`), "secretId");
      await refused(server, 401, "auth.unknown_key", () => nativeClient(server, key).call("GET", "/organization"));
    });

    test("the engine's queue in counts", async () => {
      const q = await api.ok(200, "GET", "/engine");
      for (const k of ["depth", "due", "leased", "parked"]) assert.ok(Number.isInteger(q[k]) && q[k] >= 0, k);
      assert.ok(q.oldestDueAgeMs === null || q.oldestDueAgeMs >= 0);
    });
  });

  describe(`native API: a tenant sees its own work on the queue only (${engine})`, () => {
    let server: TestServer;
    before(async () => {
      // No worker: what is queued stays queued while it is read.
      server = await startServer(engine, { worker: false });
    });
    after(() => server?.close());

    test("another tenant's queued provisionings are not counted", async () => {
      const busy = await ssoTenant(server, { members: 1 });
      const idle = await ssoTenant(server, { members: 1 });
      const zoneId = zoneIdOf(busy.directoryId);
      const group = (await busy.org.CreateGroup({ ZoneId: zoneId, GroupName: "team" })).GroupInfo!.GroupId!;
      await busy.org.CreateUserSyncProvisioning({ ZoneId: zoneId, UserSyncProvisionings: [{ PrincipalId: group, PrincipalType: "Group", TargetType: "MemberUin", TargetUin: busy.members[0]! }] });
      assert.equal((await nativeClient(server, busy.key).ok(200, "GET", "/engine")).depth, 1);
      assert.equal((await nativeClient(server, idle.key).ok(200, "GET", "/engine")).depth, 0);
    });
  });
}
