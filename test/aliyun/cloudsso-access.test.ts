/**
 * CloudSSO 2021-05-15 access configurations and their policies through the official Alibaba client
 * (@alicloud/openapi-client, V3 and V1 signatures) over real HTTP, on every engine:
 * CreateAccessConfiguration, GetAccessConfiguration, ListAccessConfigurations, UpdateAccessConfiguration,
 * DeleteAccessConfiguration (ForceRemovePermissionPolicies), AddPermissionPolicyToAccessConfiguration,
 * RemovePermissionPolicyFromAccessConfiguration, UpdateInlinePolicyForAccessConfiguration,
 * ListPermissionPoliciesInAccessConfiguration and GetDirectoryStatistics' counts; every code, bad input
 * changing nothing, another tenant's ids, and the same configuration through the Tencent door.
 */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { ALIYUN_TIME, plain, ssoRejects as rejects, ssoTenant, type SsoTenant, uniq, walk, zoneIdOf } from "../helpers/cloudsso.js";
import { ENGINES, expectCode, startServer, type TestServer } from "../helpers/harness.js";

const ACCESS_CONFIGURATION_ID = /^ac-[a-z0-9]{12}$/;
const RAM_DOCUMENT = JSON.stringify({ Version: "1", Statement: [{ Effect: "Allow", Action: ["ecs:Describe*", "oss:GetObject"], Resource: "*" }] });
const RAM_DOCUMENT_2 = JSON.stringify({ Version: "1", Statement: [{ Effect: "Deny", NotAction: "ecs:*", Resource: ["acs:ecs:*:*:instance/*"], Condition: { Bool: { "acs:MFAPresent": "false" } } }] });
const CAM_DOCUMENT = JSON.stringify({ version: "2.0", statement: [{ effect: "allow", action: ["cvm:DescribeInstances"], resource: ["*"] }] });

async function create(t: SsoTenant, name: string, extra: Record<string, unknown> = {}) {
  const r = await t.sso.call("CreateAccessConfiguration", { DirectoryId: t.directoryId, AccessConfigurationName: name, ...extra });
  return r.AccessConfiguration as Record<string, any>;
}

async function policies(t: SsoTenant, id: string, type?: string) {
  const r = await t.sso.call("ListPermissionPoliciesInAccessConfiguration", { DirectoryId: t.directoryId, AccessConfigurationId: id, ...(type ? { PermissionPolicyType: type } : {}) });
  assert.equal(r.TotalCounts, r.PermissionPolicies.length);
  return r.PermissionPolicies as Record<string, any>[];
}

for (const engine of ENGINES) {
  describe(`CloudSSO access configurations [${engine}]`, () => {
    let server: TestServer;
    let t: SsoTenant;
    let other: SsoTenant;
    before(async () => {
      server = await startServer(engine);
      t = await ssoTenant(server);
      other = await ssoTenant(server, { signing: "v1" });
    });
    after(async () => {
      await server?.close();
    });

    test("create, get, update, list (eq/sw filters, paging) and delete", async () => {
      const created = await create(t, "Admin-Access", { Description: "admins", SessionDuration: 7200, RelayState: "https://ecs.console.aliyun.com/" });
      assert.match(created.AccessConfigurationId, ACCESS_CONFIGURATION_ID);
      assert.equal(created.AccessConfigurationName, "Admin-Access");
      assert.equal(created.SessionDuration, 7200);
      assert.equal(created.RelayState, "https://ecs.console.aliyun.com/");
      assert.deepEqual(plain(created.StatusNotifications), []);
      assert.match(created.CreateTime, ALIYUN_TIME);
      const defaults = await create(t, "defaults");
      assert.equal(defaults.SessionDuration, 3600);
      assert.equal(defaults.RelayState, "");

      const got = await t.sso.call("GetAccessConfiguration", { DirectoryId: t.directoryId, AccessConfigurationId: created.AccessConfigurationId });
      assert.deepEqual(plain(got.AccessConfiguration), plain(created));
      const updated = await t.sso.call("UpdateAccessConfiguration", { DirectoryId: t.directoryId, AccessConfigurationId: created.AccessConfigurationId, NewDescription: "ops", NewSessionDuration: 900 });
      assert.equal(updated.AccessConfiguration.Description, "ops");
      assert.equal(updated.AccessConfiguration.SessionDuration, 900);
      assert.equal(updated.AccessConfiguration.RelayState, "https://ecs.console.aliyun.com/", "an absent field keeps its value");

      for (let i = 0; i < 3; i++) await create(t, `page-${i}`);
      const eq = await t.sso.call("ListAccessConfigurations", { DirectoryId: t.directoryId, Filter: "AccessConfigurationName eq admin-access" });
      assert.deepEqual(eq.AccessConfigurations.map((c: any) => c.AccessConfigurationId), [created.AccessConfigurationId]);
      const sw = await t.sso.call("ListAccessConfigurations", { DirectoryId: t.directoryId, Filter: "AccessConfigurationName sw PAGE-" });
      assert.equal(sw.AccessConfigurations.length, 3);
      const { items } = await walk((token) => t.sso.call("ListAccessConfigurations", { DirectoryId: t.directoryId, MaxResults: 2, ...(token ? { NextToken: token } : {}) }), "AccessConfigurations", 2);
      assert.deepEqual(items.map((c: any) => c.AccessConfigurationName), ["Admin-Access", "defaults", "page-0", "page-1", "page-2"]);
      // No configuration needs re-provisioning before anything is provisioned.
      const reprovision = await t.sso.call("ListAccessConfigurations", { DirectoryId: t.directoryId, StatusNotifications: "ReprovisionRequired" });
      assert.deepEqual(plain(reprovision.AccessConfigurations), []);
      assert.equal(reprovision.TotalCounts, 0);

      await t.sso.call("DeleteAccessConfiguration", { DirectoryId: t.directoryId, AccessConfigurationId: defaults.AccessConfigurationId });
      await rejects(server, "EntityNotExists.AccessConfiguration", 404, () => t.sso.call("GetAccessConfiguration", { DirectoryId: t.directoryId, AccessConfigurationId: defaults.AccessConfigurationId }));
    });

    test("system and inline policies, the delete guard and ForceRemovePermissionPolicies", async () => {
      const id = (await create(t, uniq("pol"))).AccessConfigurationId;
      const ref = { DirectoryId: t.directoryId, AccessConfigurationId: id };
      await t.sso.call("AddPermissionPolicyToAccessConfiguration", { ...ref, PermissionPolicyType: "System", PermissionPolicyName: "AliyunECSFullAccess" });
      await t.sso.call("AddPermissionPolicyToAccessConfiguration", { ...ref, PermissionPolicyType: "system", PermissionPolicyName: "ReadOnlyAccess" });
      await t.sso.call("AddPermissionPolicyToAccessConfiguration", { ...ref, PermissionPolicyType: "Inline", PermissionPolicyName: "inline-1", InlinePolicyDocument: RAM_DOCUMENT }, { inBody: true });
      const all = await policies(t, id);
      assert.deepEqual(all.map((p) => [p.PermissionPolicyName, p.PermissionPolicyType]), [["AliyunECSFullAccess", "System"], ["ReadOnlyAccess", "System"], ["inline-1", "Inline"]]);
      assert.equal(all[2]!.PermissionPolicyDocument, RAM_DOCUMENT);
      assert.ok(!("PermissionPolicyDocument" in all[0]!));
      for (const p of all) assert.match(p.AddTime, ALIYUN_TIME);
      assert.deepEqual((await policies(t, id, "Inline")).map((p) => p.PermissionPolicyName), ["inline-1"]);

      await t.sso.call("UpdateInlinePolicyForAccessConfiguration", { ...ref, InlinePolicyName: "inline-1", NewInlinePolicyDocument: RAM_DOCUMENT_2 });
      assert.equal((await policies(t, id, "Inline"))[0]!.PermissionPolicyDocument, RAM_DOCUMENT_2);

      await rejects(server, "DeletionConflict.AccessConfiguration.PermissionPolicy", 409, () => t.sso.call("DeleteAccessConfiguration", ref));
      await t.sso.call("RemovePermissionPolicyFromAccessConfiguration", { ...ref, PermissionPolicyType: "System", PermissionPolicyName: "ReadOnlyAccess" });
      assert.equal((await policies(t, id)).length, 2);
      await t.sso.call("DeleteAccessConfiguration", { ...ref, ForceRemovePermissionPolicies: true });
      await rejects(server, "EntityNotExists.AccessConfiguration", 404, () => policies(t, id));
      const rows = await server.store.db.selectFrom("access_configuration_policies").selectAll().where("configuration_id", "=", id.replace(/^ac-/, "rc-")).execute();
      assert.deepEqual(rows, [], "the forced delete removed the policies with it");
    });

    test("every code, limits, and bad input that changes nothing", async () => {
      await create(t, "n".repeat(32));
      await rejects(server, "InvalidParameter.AccessConfigurationName", 400, () => create(t, "n".repeat(33)));
      await rejects(server, "InvalidParameter.AccessConfigurationName", 400, () => create(t, "bad_name"));
      await rejects(server, "MissingAccessConfigurationName", 400, () => t.sso.call("CreateAccessConfiguration", { DirectoryId: t.directoryId }));
      await rejects(server, "EntityAlreadyExists.AccessConfiguration", 409, () => create(t, "N".repeat(32)));
      await rejects(server, "InvalidParameter.SessionDuration", 400, () => create(t, uniq("d"), { SessionDuration: 899 }));
      await rejects(server, "InvalidParameter.SessionDuration", 400, () => create(t, uniq("d"), { SessionDuration: 43201 }));
      await rejects(server, "InvalidParameter.SessionDuration", 400, () => create(t, uniq("d"), { SessionDuration: "long" }));
      await rejects(server, "InvalidParameter.RelayState", 400, () => create(t, uniq("r"), { RelayState: "https://example.com/" }));
      await rejects(server, "InvalidParameter.Description", 400, () => create(t, uniq("r"), { Description: "d".repeat(1025) }));
      await rejects(server, "InvalidParameter.Tags", 400, () => create(t, uniq("t"), { Tags: [{ Key: "k", Value: "v" }] }));
      await rejects(server, "InvalidParameter.Filter", 400, () => t.sso.call("ListAccessConfigurations", { DirectoryId: t.directoryId, Filter: "Description eq x" }));
      await rejects(server, "InvalidParameter.StatusNotifications", 400, () => t.sso.call("ListAccessConfigurations", { DirectoryId: t.directoryId, StatusNotifications: "Other" }));
      await rejects(server, "InvalidParameter.MaxResults", 400, () => t.sso.call("ListAccessConfigurations", { DirectoryId: t.directoryId, MaxResults: 101 }));

      const id = (await create(t, uniq("codes"))).AccessConfigurationId;
      const ref = { DirectoryId: t.directoryId, AccessConfigurationId: id };
      const add = (p: Record<string, unknown>) => t.sso.call("AddPermissionPolicyToAccessConfiguration", { ...ref, ...p }, { inBody: true });
      const inline = (doc: string | undefined, name = "doc") => add({ PermissionPolicyType: "Inline", PermissionPolicyName: name, ...(doc !== undefined ? { InlinePolicyDocument: doc } : {}) });
      await rejects(server, "EntityNotExists.PermissionPolicy", 404, () => add({ PermissionPolicyType: "System", PermissionPolicyName: "NoSuchPolicy" }));
      await rejects(server, "EntityNotExists.PermissionPolicy", 404, () => add({ PermissionPolicyType: "System", PermissionPolicyName: "QcloudCVMFullAccess" }));
      await rejects(server, "InvalidParameter.PermissionPolicyType", 400, () => add({ PermissionPolicyType: "Custom", PermissionPolicyName: "x" }));
      await rejects(server, "MissingPermissionPolicyName", 400, () => add({ PermissionPolicyType: "System" }));
      await rejects(server, "MissingInlinePolicyDocument", 400, () => inline(undefined));
      for (const bad of [
        "{",
        "null",
        CAM_DOCUMENT,
        JSON.stringify({ Version: "2", Statement: [{ Effect: "Allow", Action: "ecs:*", Resource: "*" }] }),
        JSON.stringify({ Version: "1", Statement: [{ Effect: "allow", Action: "ecs:*", Resource: "*" }] }),
        JSON.stringify({ Version: "1", Statement: [{ Effect: "Allow", Action: "DescribeInstances", Resource: "*" }] }),
        JSON.stringify({ Version: "1", Statement: [{ Effect: "Allow", Action: "ecs:*" }] }),
        JSON.stringify({ Version: "1", Statement: [{ Effect: "Allow", Action: "ecs:*", Resource: "*", Principal: "*" }] }),
      ]) {
        await rejects(server, "InvalidParameter.InlinePolicyDocument", 400, () => inline(bad));
      }
      // 1 MB: the door's limit on any text refuses it before the core sees it.
      await rejects(server, "InvalidParameter.InlinePolicyDocument", 400, () => inline(JSON.stringify({ Version: "1", Statement: [{ Effect: "Allow", Action: "ecs:*", Resource: "x".repeat(1 << 20) }] })));
      await rejects(server, "InvalidParameter.PermissionPolicyName", 400, () => inline(RAM_DOCUMENT, "n".repeat(33)));
      await inline(RAM_DOCUMENT, "n".repeat(32));
      await rejects(server, "LimitExceeded.PermissionPolicy", 409, () => inline(RAM_DOCUMENT, "second"));
      await add({ PermissionPolicyType: "System", PermissionPolicyName: "AdministratorAccess" });
      await rejects(server, "EntityAlreadyExists.PermissionPolicy", 409, () => add({ PermissionPolicyType: "System", PermissionPolicyName: "administratoraccess" }));

      const update = (name: string, doc: string) => t.sso.call("UpdateInlinePolicyForAccessConfiguration", { ...ref, InlinePolicyName: name, NewInlinePolicyDocument: doc }, { inBody: true });
      await rejects(server, "EntityNotExists.PermissionPolicy", 404, () => update("nope", RAM_DOCUMENT));
      await rejects(server, "InvalidParameter.InlinePolicyName", 400, () => update("AdministratorAccess", RAM_DOCUMENT));
      await rejects(server, "InvalidParameter.NewInlinePolicyDocument", 400, () => update("n".repeat(32), "[1]"));
      await rejects(server, "MissingNewInlinePolicyDocument", 400, () => t.sso.call("UpdateInlinePolicyForAccessConfiguration", { ...ref, InlinePolicyName: "x" }));
      await rejects(server, "EntityNotExists.PermissionPolicy", 404, () => t.sso.call("RemovePermissionPolicyFromAccessConfiguration", { ...ref, PermissionPolicyType: "Inline", PermissionPolicyName: "AdministratorAccess" }));
    });

    test("quotas and GetDirectoryStatistics", async () => {
      const small = await startServer(engine, { limits: { accessConfigurationsPerDirectory: 1, systemPoliciesPerConfiguration: 1 } });
      try {
        const s = await ssoTenant(small);
        const stats = async () => (await s.sso.call("GetDirectoryStatistics", { DirectoryId: s.directoryId })).DirectoryStatistics;
        assert.equal((await stats()).AccessConfigurationCount, 0);
        assert.equal((await stats()).AccessConfigurationQuota, 1);
        assert.equal((await stats()).SystemPolicyPerAccessConfigurationQuota, 1);
        assert.equal((await stats()).InlinePolicyPerAccessConfigurationQuota, 1);
        const id = (await create(s, "only")).AccessConfigurationId;
        assert.equal((await stats()).AccessConfigurationCount, 1);
        await rejects(small, "LimitExceeded.AccessConfiguration", 409, () => create(s, "second"));
        await s.sso.call("AddPermissionPolicyToAccessConfiguration", { DirectoryId: s.directoryId, AccessConfigurationId: id, PermissionPolicyType: "System", PermissionPolicyName: "ReadOnlyAccess" });
        await rejects(small, "LimitExceeded.PermissionPolicy", 409, () =>
          s.sso.call("AddPermissionPolicyToAccessConfiguration", { DirectoryId: s.directoryId, AccessConfigurationId: id, PermissionPolicyType: "System", PermissionPolicyName: "AliyunOSSFullAccess" }),
        );
        // The directory is not deleted while it has configurations.
        await rejects(small, "DeletionConflict.Directory.AccessConfiguration", 409, () => s.sso.call("DeleteDirectory", { DirectoryId: s.directoryId }));
      } finally {
        await small.close();
      }
    });

    test("another tenant's directory and configuration ids name nothing", async () => {
      const theirs = (await create(other, uniq("theirs"))).AccessConfigurationId;
      const ref = { DirectoryId: t.directoryId, AccessConfigurationId: theirs };
      const NOT = "EntityNotExists.AccessConfiguration";
      await rejects(server, NOT, 404, () => t.sso.call("GetAccessConfiguration", ref));
      await rejects(server, NOT, 404, () => t.sso.call("UpdateAccessConfiguration", { ...ref, NewDescription: "mine" }));
      await rejects(server, NOT, 404, () => t.sso.call("DeleteAccessConfiguration", { ...ref, ForceRemovePermissionPolicies: true }));
      await rejects(server, NOT, 404, () => t.sso.call("AddPermissionPolicyToAccessConfiguration", { ...ref, PermissionPolicyType: "System", PermissionPolicyName: "ReadOnlyAccess" }));
      await rejects(server, NOT, 404, () => t.sso.call("RemovePermissionPolicyFromAccessConfiguration", { ...ref, PermissionPolicyType: "System", PermissionPolicyName: "ReadOnlyAccess" }));
      await rejects(server, NOT, 404, () => t.sso.call("UpdateInlinePolicyForAccessConfiguration", { ...ref, InlinePolicyName: "x", NewInlinePolicyDocument: RAM_DOCUMENT }));
      await rejects(server, NOT, 404, () => t.sso.call("ListPermissionPoliciesInAccessConfiguration", ref));
      await rejects(server, NOT, 404, () => t.sso.call("GetAccessConfiguration", { DirectoryId: t.directoryId, AccessConfigurationId: "ac-000000000000" }));
      await rejects(server, "EntityNotExists.Directory", 404, () => t.sso.call("GetAccessConfiguration", { DirectoryId: other.directoryId, AccessConfigurationId: theirs }));
      await rejects(server, "EntityNotExists.Directory", 404, () => t.sso.call("CreateAccessConfiguration", { DirectoryId: other.directoryId, AccessConfigurationName: "intruder" }));
      assert.equal((await other.sso.call("GetAccessConfiguration", { DirectoryId: other.directoryId, AccessConfigurationId: theirs })).AccessConfiguration.Description, "");
    });

    test("one configuration, two doors: made through one, read and changed through the other", async () => {
      const zoneId = zoneIdOf(t.directoryId);
      // Made through Alibaba, read through Tencent: rc- and ac- name the same row.
      const viaAliyun = await create(t, uniq("both"), { Description: "from aliyun" });
      const rcId = viaAliyun.AccessConfigurationId.replace(/^ac-/, "rc-");
      const seen = (await t.org.GetRoleConfiguration({ ZoneId: zoneId, RoleConfigurationId: rcId })).RoleConfigurationInfo!;
      assert.equal(seen.RoleConfigurationName, viaAliyun.AccessConfigurationName);
      assert.equal(seen.Description, "from aliyun");
      await t.sso.call("AddPermissionPolicyToAccessConfiguration", { DirectoryId: t.directoryId, AccessConfigurationId: viaAliyun.AccessConfigurationId, PermissionPolicyType: "System", PermissionPolicyName: "AliyunECSFullAccess" });
      // Tencent adds its own CAM policy and changes the duration.
      await t.org.AddPermissionPolicyToRoleConfiguration({ ZoneId: zoneId, RoleConfigurationId: rcId, RolePolicyType: "System", RolePolicies: [{ PolicyId: 1 }] });
      await t.org.UpdateRoleConfiguration({ ZoneId: zoneId, RoleConfigurationId: rcId, NewSessionDuration: 5400 });
      const tencentView = (await t.org.ListPermissionPoliciesInRoleConfiguration({ ZoneId: zoneId, RoleConfigurationId: rcId })).RolePolicies!;
      // Attached in two calls that may share a millisecond: compared as sets.
      assert.deepEqual(tencentView.map((p) => [p.RolePolicyName, p.RolePolicyId]).sort(), [["AdministratorAccess", 1], ["AliyunECSFullAccess", 0]]);
      assert.equal((await t.sso.call("GetAccessConfiguration", { DirectoryId: t.directoryId, AccessConfigurationId: viaAliyun.AccessConfigurationId })).AccessConfiguration.SessionDuration, 5400);
      assert.deepEqual((await policies(t, viaAliyun.AccessConfigurationId)).map((p) => p.PermissionPolicyName).sort(), ["AdministratorAccess", "AliyunECSFullAccess"]);

      // Made through Tencent with a CAM custom document, changed through Alibaba with a RAM one.
      const viaTencent = (await t.org.CreateRoleConfiguration({ ZoneId: zoneId, RoleConfigurationName: uniq("tc") })).RoleConfigurationInfo!;
      const acId = viaTencent.RoleConfigurationId!.replace(/^rc-/, "ac-");
      await t.org.AddPermissionPolicyToRoleConfiguration({ ZoneId: zoneId, RoleConfigurationId: viaTencent.RoleConfigurationId!, RolePolicyType: "Custom", RolePolicyNames: ["shared"], CustomPolicyDocument: CAM_DOCUMENT });
      assert.deepEqual((await policies(t, acId)).map((p) => [p.PermissionPolicyName, p.PermissionPolicyType, p.PermissionPolicyDocument]), [["shared", "Inline", CAM_DOCUMENT]]);
      await t.sso.call("UpdateInlinePolicyForAccessConfiguration", { DirectoryId: t.directoryId, AccessConfigurationId: acId, InlinePolicyName: "shared", NewInlinePolicyDocument: RAM_DOCUMENT }, { inBody: true });
      const custom = (await t.org.ListPermissionPoliciesInRoleConfiguration({ ZoneId: zoneId, RoleConfigurationId: viaTencent.RoleConfigurationId!, RolePolicyType: "Custom" })).RolePolicies!;
      assert.equal(custom[0]!.RolePolicyDocument, RAM_DOCUMENT);
      // Names are unique across both doors.
      await expectCode(t.org.CreateRoleConfiguration({ ZoneId: zoneId, RoleConfigurationName: viaAliyun.AccessConfigurationName.toUpperCase() }), "InvalidParameter.ConfigurationNameAlreadyExists");
      // Delete through Alibaba (forced), gone through Tencent.
      await t.sso.call("DeleteAccessConfiguration", { DirectoryId: t.directoryId, AccessConfigurationId: acId, ForceRemovePermissionPolicies: true });
      await expectCode(t.org.GetRoleConfiguration({ ZoneId: zoneId, RoleConfigurationId: viaTencent.RoleConfigurationId! }), "InvalidParameter.RoleConfigurationNotExist");
      const stats = (await t.org.GetZoneStatistics({ ZoneId: zoneId })).ZoneStatistics!;
      const aliyunStats = (await t.sso.call("GetDirectoryStatistics", { DirectoryId: t.directoryId })).DirectoryStatistics;
      assert.equal(stats.RoleConfigurationCount, aliyunStats.AccessConfigurationCount);
    });
  });
}
