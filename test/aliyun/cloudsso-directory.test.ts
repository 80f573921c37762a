/**
 * CloudSSO 2021-05-15 service and directory actions through the official Alibaba clients over real
 * HTTP: EnableService, GetServiceStatus, DisableService, CreateDirectory, GetDirectory,
 * ListDirectories, UpdateDirectory, DeleteDirectory, GetDirectoryStatistics. The CloudSSO directory
 * is the Tencent door's zone: both doors see one directory. Every rejected request is checked to
 * have left the store as it was.
 */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { aliyunClient, expectAliyunError, popClient } from "../helpers/aliyun.js";
import {
  ALIYUN_TIME,
  DIRECTORY_ID,
  expectPopError,
  plain,
  ssoRejects,
  ssoTenant,
  UNKNOWN_DIRECTORY,
  uniq,
  zoneIdOf,
} from "../helpers/cloudsso.js";
import { ENGINES, orgClient, orgWithMembers, startServer, type TestServer } from "../helpers/harness.js";

const REQUEST_ID = /^[0-9A-F]{8}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{12}$/;

for (const engine of ENGINES) {
  describe(`CloudSSO service and directory (${engine})`, () => {
    let server: TestServer;
    before(async () => {
      server = await startServer(engine);
    });
    after(() => server?.close());

    test("service: an account outside an organization is not eligible; EnableService and DisableService are idempotent; a member account may not", async () => {
      const key = await server.newRoot();
      const sso = aliyunClient(server, key, "cloudsso");
      const lone = await sso.call("GetServiceStatus");
      assert.match(lone.RequestId, REQUEST_ID);
      assert.deepEqual(lone.ServiceStatus, { AccountId: String(key.uin), Status: "Disabled", PrerequisiteCheckResult: "Failed", RegionsInUse: [] });
      await ssoRejects(server, "EntityNotExists.ResourceDirectory", 404, () => sso.call("EnableService"));
      await ssoRejects(server, "EntityNotExists.ResourceDirectory", 404, () => sso.call("CreateDirectory", { DirectoryName: uniq("dir") }));
      await ssoRejects(server, "EntityNotExists.ResourceDirectory", 404, () => sso.call("ListDirectories"));

      const { members } = await orgWithMembers(server, key, 1);
      assert.deepEqual((await sso.call("GetServiceStatus")).ServiceStatus, { AccountId: String(key.uin), Status: "Disabled", PrerequisiteCheckResult: "Success", RegionsInUse: [] });
      for (let i = 0; i < 2; i++) {
        assert.deepEqual(Object.keys(await sso.call("EnableService")), ["RequestId"]);
        assert.equal((await sso.call("GetServiceStatus")).ServiceStatus.Status, "Enabled");
      }
      for (let i = 0; i < 2; i++) {
        await sso.call("DisableService");
        assert.equal((await sso.call("GetServiceStatus")).ServiceStatus.Status, "Disabled");
      }

      // A member account is not the resource directory's management account.
      const member = aliyunClient(server, await server.keyFor(members[0]!), "cloudsso");
      assert.deepEqual((await member.call("GetServiceStatus")).ServiceStatus, { AccountId: String(members[0]), Status: "Disabled", PrerequisiteCheckResult: "Failed", RegionsInUse: [] });
      await ssoRejects(server, "NoPermission", 403, () => member.call("EnableService"));
      await ssoRejects(server, "NoPermission", 403, () => member.call("CreateDirectory", { DirectoryName: uniq("dir") }));
      await ssoRejects(server, "NoPermission", 403, () => member.call("ListDirectories"));
    });

    test("CreateDirectory: the organization's one directory, its fields, the service turned on with it; a second one is refused", async () => {
      const key = await server.newRoot();
      await orgWithMembers(server, key, 0);
      const sso = aliyunClient(server, key, "cloudsso");
      assert.deepEqual(await sso.call("ListDirectories").then(({ RequestId: _, ...r }) => r), { Directories: [], TotalCounts: 0 });
      await ssoRejects(server, "EntityNotExists.Directory", 404, () => sso.call("GetDirectory", { DirectoryId: UNKNOWN_DIRECTORY }));

      const name = uniq("dir");
      const before = Date.now() - 1000;
      const created = await sso.call("CreateDirectory", { DirectoryName: name });
      assert.match(created.RequestId, REQUEST_ID);
      const d = created.Directory;
      assert.deepEqual(Object.keys(d).sort(), ["CreateTime", "DirectoryId", "DirectoryName", "Region", "SCIMSyncStatus", "UpdateTime"]);
      assert.match(d.DirectoryId, DIRECTORY_ID);
      assert.equal(d.DirectoryName, name);
      assert.equal(d.Region, "cn-shanghai");
      assert.equal(d.SCIMSyncStatus, "Disabled");
      assert.match(d.CreateTime, ALIYUN_TIME);
      assert.equal(d.UpdateTime, d.CreateTime);
      assert.ok(Date.parse(d.CreateTime) >= before && Date.parse(d.CreateTime) <= Date.now());

      // Creating the directory turned the service on (EnableService was never called).
      assert.deepEqual((await sso.call("GetServiceStatus")).ServiceStatus, { AccountId: String(key.uin), Status: "Enabled", PrerequisiteCheckResult: "Success", RegionsInUse: ["cn-shanghai"] });
      assert.deepEqual((await sso.call("GetDirectory", { DirectoryId: d.DirectoryId })).Directory, d);
      const listed = await sso.call("ListDirectories");
      assert.deepEqual(listed.Directories, [d]);
      assert.equal(listed.TotalCounts, 1);

      await ssoRejects(server, "EntityAlreadyExists.Directory", 409, () => sso.call("CreateDirectory", { DirectoryName: uniq("dir") }));
      await ssoRejects(server, "EntityAlreadyExists.Directory", 409, () => sso.call("CreateDirectory"));
      await ssoRejects(server, "DeletionConflict.Directory", 409, () => sso.call("DisableService"));
      await ssoRejects(server, "MissingDirectoryId", 400, () => sso.call("GetDirectory"));
    });

    test("CreateDirectory without a name (or with an empty one) generates a valid one", async () => {
      for (const params of [{}, { DirectoryName: "" }]) {
        const key = await server.newRoot();
        await orgWithMembers(server, key, 0);
        const sso = aliyunClient(server, key, "cloudsso");
        const { Directory } = await sso.call("CreateDirectory", params);
        assert.match(Directory.DirectoryName, /^[a-z0-9][a-z0-9-]{0,62}[a-z0-9]$/);
        assert.ok(!Directory.DirectoryName.startsWith("d-") && !Directory.DirectoryName.includes("--"));
      }
    });

    test("directory names: format, the reserved d- prefix, global uniqueness — refused, nothing changed", async () => {
      const other = await ssoTenant(server);
      const key = await server.newRoot();
      await orgWithMembers(server, key, 0);
      const sso = aliyunClient(server, key, "cloudsso");
      for (const bad of ["Upper-case", "a", "-lead", "trail-", "two--dashes", "under_score", "dot.ted", "d-looks-like-an-id", "d-000000000000", "x".repeat(65)]) {
        await ssoRejects(server, "InvalidParameter.DirectoryName", 400, () => sso.call("CreateDirectory", { DirectoryName: bad }));
      }
      await ssoRejects(server, "EntityAlreadyExists.DirectoryName", 409, () => sso.call("CreateDirectory", { DirectoryName: other.directoryName }));
      // Limits: 2 and 64 characters; a "d" not followed by "-" is an ordinary name.
      const { Directory } = await sso.call("CreateDirectory", { DirectoryName: "d" + "x".repeat(63) });
      assert.equal(Directory.DirectoryName.length, 64);
      const key2 = await server.newRoot();
      await orgWithMembers(server, key2, 0);
      assert.equal((await aliyunClient(server, key2, "cloudsso").call("CreateDirectory", { DirectoryName: "d2" })).Directory.DirectoryName, "d2");
    });

    test("UpdateDirectory renames and returns the directory; its own id is a valid name; bad, taken, missing names and foreign ids are refused", async () => {
      const t = await ssoTenant(server);
      const other = await ssoTenant(server);
      const created = (await t.sso.call("GetDirectory", { DirectoryId: t.directoryId })).Directory;
      await new Promise((r) => setTimeout(r, 1100)); // UpdateTime has whole seconds
      const name = uniq("renamed");
      const { Directory } = await t.sso.call("UpdateDirectory", { DirectoryId: t.directoryId, NewDirectoryName: name });
      assert.equal(Directory.DirectoryId, t.directoryId);
      assert.equal(Directory.DirectoryName, name);
      assert.equal(Directory.CreateTime, created.CreateTime);
      assert.ok(Directory.UpdateTime > created.UpdateTime, "UpdateTime moves on a rename");
      assert.deepEqual((await t.sso.call("GetDirectory", { DirectoryId: t.directoryId })).Directory, Directory);

      // CloudSSO lets a directory be named after its own id, and no other id.
      assert.equal((await t.sso.call("UpdateDirectory", { DirectoryId: t.directoryId, NewDirectoryName: t.directoryId })).Directory.DirectoryName, t.directoryId);
      await ssoRejects(server, "InvalidParameter.NewDirectoryName", 400, () => t.sso.call("UpdateDirectory", { DirectoryId: t.directoryId, NewDirectoryName: other.directoryId }));
      await ssoRejects(server, "InvalidParameter.NewDirectoryName", 400, () => t.sso.call("UpdateDirectory", { DirectoryId: t.directoryId, NewDirectoryName: "Bad_Name" }));
      await ssoRejects(server, "InvalidParameter.NewDirectoryName", 400, () => t.sso.call("UpdateDirectory", { DirectoryId: t.directoryId, NewDirectoryName: "x".repeat(65) }));
      await ssoRejects(server, "EntityAlreadyExists.DirectoryName", 409, () => t.sso.call("UpdateDirectory", { DirectoryId: t.directoryId, NewDirectoryName: other.directoryName }));
      await ssoRejects(server, "MissingNewDirectoryName", 400, () => t.sso.call("UpdateDirectory", { DirectoryId: t.directoryId }));
      await ssoRejects(server, "EntityNotExists.Directory", 404, () => t.sso.call("UpdateDirectory", { DirectoryId: other.directoryId, NewDirectoryName: uniq("mine") }));
      await ssoRejects(server, "EntityNotExists.Directory", 404, () => t.sso.call("UpdateDirectory", { DirectoryId: UNKNOWN_DIRECTORY, NewDirectoryName: uniq("mine") }));
    });

    test("GetDirectoryStatistics counts users and groups, reports the quotas, and agrees with Tencent's GetZoneStatistics", async () => {
      const t = await ssoTenant(server);
      const users: string[] = [];
      for (let i = 0; i < 3; i++) users.push((await t.sso.call("CreateUser", { DirectoryId: t.directoryId, UserName: `user${i}` })).User.UserId);
      for (let i = 0; i < 2; i++) await t.sso.call("CreateGroup", { DirectoryId: t.directoryId, GroupName: `group${i}` });
      const { DirectoryStatistics: s } = await t.sso.call("GetDirectoryStatistics", { DirectoryId: t.directoryId });
      assert.deepEqual(s, {
        DirectoryId: t.directoryId,
        DirectoryName: t.directoryName,
        Region: "cn-shanghai",
        UserCount: 3,
        UserQuota: 1000,
        GroupCount: 2,
        GroupQuota: 500,
        AccessConfigurationCount: 0,
        AccessConfigurationQuota: 1000,
        AccessAssignmentCount: 0,
        SystemPolicyPerAccessConfigurationQuota: 20,
        InlinePolicyPerAccessConfigurationQuota: 1,
        SCIMServerCredentialCount: 0,
        InProgressTaskCount: 0,
        SSOEnabled: false,
        SCIMSyncEnabled: false,
      });
      const z = (await t.org.GetZoneStatistics({ ZoneId: zoneIdOf(t.directoryId) })).ZoneStatistics!;
      assert.equal(z.UserCount, 3);
      assert.equal(z.GroupCount, 2);
      assert.equal(z.UserQuota, s.UserQuota);
      assert.equal(z.GroupQuota, s.GroupQuota);
      // Per-directory quota overrides (opencic directories set-quota) show through.
      await server.core.directories.setQuotas(zoneIdOf(t.directoryId), { users: 7, groups: 3 });
      const again = (await t.sso.call("GetDirectoryStatistics", { DirectoryId: t.directoryId })).DirectoryStatistics;
      assert.equal(again.UserQuota, 7);
      assert.equal(again.GroupQuota, 3);
      await ssoRejects(server, "EntityNotExists.Directory", 404, () => t.sso.call("GetDirectoryStatistics", { DirectoryId: UNKNOWN_DIRECTORY }));
    });

    test("DeleteDirectory: refused while users or groups remain; then deleted, the service stays on, and a new directory may be opened", async () => {
      const t = await ssoTenant(server);
      const { User } = await t.sso.call("CreateUser", { DirectoryId: t.directoryId, UserName: "alice" });
      await ssoRejects(server, "DeletionConflict.Directory.User", 409, () => t.sso.call("DeleteDirectory", { DirectoryId: t.directoryId }));
      await t.sso.call("DeleteUser", { DirectoryId: t.directoryId, UserId: User.UserId });
      const { Group } = await t.sso.call("CreateGroup", { DirectoryId: t.directoryId, GroupName: "devs" });
      await ssoRejects(server, "DeletionConflict.Directory.Group", 409, () => t.sso.call("DeleteDirectory", { DirectoryId: t.directoryId }));
      await t.sso.call("DeleteGroup", { DirectoryId: t.directoryId, GroupId: Group.GroupId });

      const other = await ssoTenant(server);
      await ssoRejects(server, "EntityNotExists.Directory", 404, () => t.sso.call("DeleteDirectory", { DirectoryId: other.directoryId }));
      assert.deepEqual(Object.keys(await t.sso.call("DeleteDirectory", { DirectoryId: t.directoryId })), ["RequestId"]);
      await expectAliyunError(t.sso.call("GetDirectory", { DirectoryId: t.directoryId }), "EntityNotExists.Directory", 404);
      await ssoRejects(server, "EntityNotExists.Directory", 404, () => t.sso.call("DeleteDirectory", { DirectoryId: t.directoryId }));
      assert.deepEqual((await t.sso.call("ListDirectories")).Directories, []);
      assert.deepEqual((await t.sso.call("GetServiceStatus")).ServiceStatus, { AccountId: String(t.key.uin), Status: "Enabled", PrerequisiteCheckResult: "Success", RegionsInUse: [] });
      assert.equal((await t.org.DescribeIdentityCenter()).ServiceStatus, "Disabled");
      const row = await server.store.db.selectFrom("directories").select("directory_id").where("directory_id", "=", zoneIdOf(t.directoryId)).executeTakeFirst();
      assert.equal(row, undefined);

      // The name is free again, and so is the organization's one directory.
      const { Directory } = await t.sso.call("CreateDirectory", { DirectoryName: t.directoryName });
      assert.notEqual(Directory.DirectoryId, t.directoryId);
      await t.sso.call("DeleteDirectory", { DirectoryId: Directory.DirectoryId });
      await t.sso.call("DisableService");
      assert.equal((await t.sso.call("GetServiceStatus")).ServiceStatus.Status, "Disabled");
    });

    test("one directory for both doors: a Tencent zone is the CloudSSO directory, and the other way round", async () => {
      // Opened through Tencent, seen and renamed through CloudSSO.
      const key = await server.newRoot();
      await orgWithMembers(server, key, 0);
      const org = orgClient(server, key);
      const sso = aliyunClient(server, key, "cloudsso");
      const zoneName = uniq("zone");
      const { ZoneId } = await org.OpenIdentityCenter({ ZoneName: zoneName });
      const listed = await sso.call("ListDirectories");
      assert.equal(listed.TotalCounts, 1);
      const d = listed.Directories[0];
      assert.equal(d.DirectoryId, ZoneId!.replace(/^z-/, "d-"));
      assert.equal(d.DirectoryName, zoneName);
      assert.equal((await sso.call("GetServiceStatus")).ServiceStatus.Status, "Enabled");
      await ssoRejects(server, "EntityAlreadyExists.Directory", 409, () => sso.call("CreateDirectory", { DirectoryName: uniq("dir") }));
      const renamed = uniq("renamed");
      await sso.call("UpdateDirectory", { DirectoryId: d.DirectoryId, NewDirectoryName: renamed });
      assert.equal((await org.DescribeIdentityCenter()).ZoneName, renamed);
      const tencentName = uniq("tencent");
      await org.UpdateZone({ ZoneId: ZoneId!, NewZoneName: tencentName });
      assert.equal((await sso.call("GetDirectory", { DirectoryId: d.DirectoryId })).Directory.DirectoryName, tencentName);
      // The Tencent spelling of the id names the same directory.
      assert.equal((await sso.call("GetDirectory", { DirectoryId: ZoneId })).Directory.DirectoryId, d.DirectoryId);

      // Created through CloudSSO, seen through Tencent.
      const t = await ssoTenant(server);
      const dic = await t.org.DescribeIdentityCenter();
      assert.equal(dic.ServiceStatus, "Enabled");
      assert.equal(dic.ZoneId, zoneIdOf(t.directoryId));
      assert.equal(dic.ZoneName, t.directoryName);
    });

    test("tenant isolation: another tenant's directory id is unknown to every directory action, and nothing changes", async () => {
      const a = await ssoTenant(server);
      const b = await ssoTenant(server);
      for (const [action, extra] of [
        ["GetDirectory", {}],
        ["UpdateDirectory", { NewDirectoryName: uniq("steal") }],
        ["DeleteDirectory", {}],
        ["GetDirectoryStatistics", {}],
      ] as const) {
        await ssoRejects(server, "EntityNotExists.Directory", 404, () => b.sso.call(action, { DirectoryId: a.directoryId, ...extra }));
      }
      assert.deepEqual((await b.sso.call("ListDirectories")).Directories.map((d: { DirectoryId: string }) => d.DirectoryId), [b.directoryId]);
    });

    test("wire shapes: signature V1 over GET and over a form body, and @alicloud/pop-core, give the same answers", async () => {
      const t = await ssoTenant(server, { signing: "v1" });
      const v3 = (await aliyunClient(server, t.key, "cloudsso").call("GetDirectory", { DirectoryId: t.directoryId })).Directory;
      const v1 = aliyunClient(server, t.key, "cloudsso", "v1");
      assert.deepEqual((await v1.call("GetDirectory", { DirectoryId: t.directoryId }, { method: "GET" })).Directory, v3);
      assert.deepEqual((await v1.call("GetDirectory", { DirectoryId: t.directoryId }, { inBody: true })).Directory, v3);
      const pop = popClient(server, t.key, "cloudsso");
      assert.deepEqual(plain((await pop.call("GetDirectory", { DirectoryId: t.directoryId })).Directory), v3);
      assert.deepEqual(plain((await pop.call("ListDirectories", {}, "GET")).Directories), [v3]);
      const stats = await pop.call("GetDirectoryStatistics", { DirectoryId: t.directoryId });
      assert.equal(stats.DirectoryStatistics.UserCount, 0);
      await expectPopError(pop.call("GetDirectory", { DirectoryId: UNKNOWN_DIRECTORY }), "EntityNotExists.Directory", 404);
      await expectPopError(pop.call("UpdateDirectory", { DirectoryId: t.directoryId }), "MissingNewDirectoryName", 400);
      await expectAliyunError(v1.call("GetDirectory", {}, { method: "GET" }), "MissingDirectoryId", 400);
    });
  });
}
