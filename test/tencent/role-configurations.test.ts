/**
 * organization 2021-03-31 role configurations and their policies through the official
 * tencentcloud-sdk-nodejs client over real HTTP, on every engine: CreateRoleConfiguration,
 * GetRoleConfiguration, ListRoleConfigurations, UpdateRoleConfiguration, DeleteRoleConfiguration,
 * AddPermissionPolicyToRoleConfiguration, RemovePermissionPolicyFromRoleConfiguration (Terraform's
 * `RolePolicyId: 0` removal included), UpdateCustomPolicyForRoleConfiguration,
 * ListPermissionPoliciesInRoleConfiguration and GetZoneStatistics' counts. Every documented code, and
 * bad input (names at and over their limits, bad documents, another tenant's ids) leaving the store
 * exactly as it was.
 */
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { after, before, describe, test } from "node:test";
import { ENGINES, isUuid, type Key, orgClient, rejects, startServer, type TestServer } from "../helpers/harness.js";

type Org = ReturnType<typeof orgClient>;

const TIME = /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/;
const CONFIGURATION_ID = /^rc-[a-z0-9]{12}$/;
const hex = () => randomBytes(3).toString("hex");

interface Zone {
  key: Key & { uin: number };
  org: Org;
  zoneId: string;
}

async function openZone(server: TestServer, key?: Key & { uin: number }): Promise<Zone> {
  const k = key ?? (await server.newRoot());
  const org = orgClient(server, k);
  await org.CreateOrganization();
  const { ZoneId } = await org.OpenIdentityCenter({ ZoneName: `zone-${hex()}` });
  return { key: k, org, zoneId: ZoneId! };
}

const CAM_DOCUMENT = JSON.stringify({ version: "2.0", statement: [{ effect: "allow", action: ["cvm:DescribeInstances", "cos:Get*"], resource: ["*"] }] });
const CAM_DOCUMENT_2 = JSON.stringify({ version: "2.0", statement: [{ effect: "deny", action: "cvm:TerminateInstances", resource: "*" }] });

async function create(z: Zone, name: string, extra: { Description?: string; SessionDuration?: number; RelayState?: string } = {}) {
  return (await z.org.CreateRoleConfiguration({ ZoneId: z.zoneId, RoleConfigurationName: name, ...extra })).RoleConfigurationInfo!;
}

async function policies(z: Zone, id: string, type?: string) {
  const r = await z.org.ListPermissionPoliciesInRoleConfiguration({ ZoneId: z.zoneId, RoleConfigurationId: id, ...(type ? { RolePolicyType: type } : {}) });
  assert.equal(r.TotalCounts, r.RolePolicies!.length);
  return r.RolePolicies!;
}

for (const engine of ENGINES) {
  describe(`role configurations [${engine}]`, () => {
    let server: TestServer;
    let z: Zone;
    let other: Zone;
    before(async () => {
      server = await startServer(engine);
      z = await openZone(server, server.root);
      other = await openZone(server);
    });
    after(async () => {
      await server?.close();
    });

    test("create, get, update, list and delete a configuration", async () => {
      const created = await create(z, "Admins-1", { Description: "admins", SessionDuration: 900, RelayState: "https://console.cloud.tencent.com/cvm" });
      assert.match(created.RoleConfigurationId!, CONFIGURATION_ID);
      assert.equal(created.RoleConfigurationName, "Admins-1");
      assert.equal(created.Description, "admins");
      assert.equal(created.SessionDuration, 900);
      assert.equal(created.RelayState, "https://console.cloud.tencent.com/cvm");
      assert.match(created.CreateTime!, TIME);
      assert.equal(created.IsSelected, false);

      const defaults = await create(z, "defaults");
      assert.equal(defaults.SessionDuration, 3600);
      assert.equal(defaults.RelayState, "");
      assert.equal(defaults.Description, "");

      const got = await z.org.GetRoleConfiguration({ ZoneId: z.zoneId, RoleConfigurationId: created.RoleConfigurationId! });
      assert.ok(isUuid(got.RequestId));
      assert.deepEqual(got.RoleConfigurationInfo, created);

      // Terraform sends all three New* values at once.
      const updated = await z.org.UpdateRoleConfiguration({ ZoneId: z.zoneId, RoleConfigurationId: created.RoleConfigurationId!, NewDescription: "ops", NewSessionDuration: 43200, NewRelayState: "" });
      assert.equal(updated.RoleConfigurationInfo!.Description, "ops");
      assert.equal(updated.RoleConfigurationInfo!.SessionDuration, 43200);
      assert.equal(updated.RoleConfigurationInfo!.RelayState, "");
      assert.equal(updated.RoleConfigurationInfo!.RoleConfigurationName, "Admins-1");
      const partial = await z.org.UpdateRoleConfiguration({ ZoneId: z.zoneId, RoleConfigurationId: created.RoleConfigurationId!, NewSessionDuration: 1800 });
      assert.equal(partial.RoleConfigurationInfo!.Description, "ops", "an absent field keeps its value");
      assert.deepEqual((await z.org.GetRoleConfiguration({ ZoneId: z.zoneId, RoleConfigurationId: created.RoleConfigurationId! })).RoleConfigurationInfo, partial.RoleConfigurationInfo);

      // Filter: a case-insensitive substring of the name or the description.
      const byName = await z.org.ListRoleConfigurations({ ZoneId: z.zoneId, Filter: "ADMINS" });
      assert.deepEqual(byName.RoleConfigurations!.map((c) => c.RoleConfigurationName), ["Admins-1"]);
      assert.equal(byName.IsTruncated, false);
      const byDescription = await z.org.ListRoleConfigurations({ ZoneId: z.zoneId, Filter: "op" });
      assert.deepEqual(byDescription.RoleConfigurations!.map((c) => c.RoleConfigurationId), [created.RoleConfigurationId]);

      await z.org.DeleteRoleConfiguration({ ZoneId: z.zoneId, RoleConfigurationId: created.RoleConfigurationId! });
      await z.org.DeleteRoleConfiguration({ ZoneId: z.zoneId, RoleConfigurationId: defaults.RoleConfigurationId! });
      await rejects(server, "InvalidParameter.RoleConfigurationNotExist", () => z.org.GetRoleConfiguration({ ZoneId: z.zoneId, RoleConfigurationId: created.RoleConfigurationId! }));
      await rejects(server, "InvalidParameter.RoleConfigurationNotExist", () => z.org.DeleteRoleConfiguration({ ZoneId: z.zoneId, RoleConfigurationId: created.RoleConfigurationId! }));
    });

    test("ListRoleConfigurations pages with NextToken and always answers IsTruncated", async () => {
      const zone = await openZone(server);
      for (let i = 0; i < 5; i++) await create(zone, `page-${i}`);
      const seen: string[] = [];
      let token: string | undefined;
      for (let page = 0; page < 10; page++) {
        const r = await zone.org.ListRoleConfigurations({ ZoneId: zone.zoneId, MaxResults: 2, ...(token ? { NextToken: token } : {}) });
        assert.equal(r.TotalCounts, 5);
        assert.equal(r.MaxResults, 2);
        assert.equal(typeof r.IsTruncated, "boolean");
        seen.push(...r.RoleConfigurations!.map((c) => c.RoleConfigurationName!));
        if (!r.IsTruncated) break;
        token = r.NextToken!;
      }
      assert.deepEqual(seen, ["page-0", "page-1", "page-2", "page-3", "page-4"]);
      await rejects(server, "InvalidParameter.NextTokenInvalid", () => zone.org.ListRoleConfigurations({ ZoneId: zone.zoneId, NextToken: "forged.token" }));
      await rejects(server, "InvalidParameter.ParamError", () => zone.org.ListRoleConfigurations({ ZoneId: zone.zoneId, MaxResults: 101 }));
      // PrincipalId only with FilterTargets; with them, nothing is selected while nothing is assigned there (role-assignments.test.ts selects).
      await rejects(server, "InvalidParameter.ParamError", () => zone.org.ListRoleConfigurations({ ZoneId: zone.zoneId, PrincipalId: "u-000000000000" }));
      const selected = await zone.org.ListRoleConfigurations({ ZoneId: zone.zoneId, FilterTargets: [zone.key.uin], MaxResults: 100 });
      assert.ok(selected.RoleConfigurations!.every((c) => c.IsSelected === false));
    });

    test("names, durations, relay states and descriptions: at and over each limit", async () => {
      const max = "a".repeat(128);
      assert.equal((await create(z, max)).RoleConfigurationName, max);
      await rejects(server, "InvalidParameter.ConfigurationNameFormatError", () => create(z, "a".repeat(129)));
      for (const bad of ["with space", "under_score", "dot.name", "ümlaut", "😀"]) {
        await rejects(server, "InvalidParameter.ConfigurationNameFormatError", () => create(z, bad));
      }
      await rejects(server, "MissingParameter", () => z.org.CreateRoleConfiguration({ ZoneId: z.zoneId } as never));
      // Unique per zone without regard to case (the role in the account is named after it).
      await create(z, "Unique-Name");
      await rejects(server, "InvalidParameter.ConfigurationNameAlreadyExists", () => create(z, "unique-name"));
      // …but another zone may use it.
      await create(other, "Unique-Name");

      await create(z, "dur-min", { SessionDuration: 900 });
      await create(z, "dur-max", { SessionDuration: 43200 });
      for (const d of [899, 43201, 0, -1]) await rejects(server, "InvalidParameter.ParamError", () => create(z, `dur-${hex()}`, { SessionDuration: d }));
      await rejects(server, "InvalidParameter", () => z.org.CreateRoleConfiguration({ ZoneId: z.zoneId, RoleConfigurationName: "typed", SessionDuration: "an hour" as never }));

      await create(z, "relay-ok", { RelayState: "https://console.tencentcloud.com/cam" });
      for (const bad of ["http://console.cloud.tencent.com", "https://evil.example.com", "https://console.cloud.tencent.com.evil.com/", "javascript:alert(1)", "not a url", `https://console.cloud.tencent.com/${"a".repeat(1100)}`]) {
        await rejects(server, "InvalidParameter.ParamError", () => create(z, `relay-${hex()}`, { RelayState: bad }));
      }
      await create(z, "desc-max", { Description: "d".repeat(1024) });
      await rejects(server, "InvalidParameter.ParamError", () => create(z, `desc-${hex()}`, { Description: "d".repeat(1025) }));

      const id = (await create(z, "upd-limits")).RoleConfigurationId!;
      await rejects(server, "InvalidParameter.ParamError", () => z.org.UpdateRoleConfiguration({ ZoneId: z.zoneId, RoleConfigurationId: id, NewSessionDuration: 43201 }));
      await rejects(server, "InvalidParameter.ParamError", () => z.org.UpdateRoleConfiguration({ ZoneId: z.zoneId, RoleConfigurationId: id, NewRelayState: "ftp://console.cloud.tencent.com" }));
      await rejects(server, "InvalidParameter.ParamError", () => z.org.UpdateRoleConfiguration({ ZoneId: z.zoneId, RoleConfigurationId: id, NewDescription: "x".repeat(1025) }));
    });

    test("system and custom policies: add, list, update, remove (Terraform's shapes), delete guards", async () => {
      const id = (await create(z, `pol-${hex()}`)).RoleConfigurationId!;
      const before = (await z.org.GetRoleConfiguration({ ZoneId: z.zoneId, RoleConfigurationId: id })).RoleConfigurationInfo!;
      // Terraform's system attachment: RolePolicies by id.
      await z.org.AddPermissionPolicyToRoleConfiguration({ ZoneId: z.zoneId, RoleConfigurationId: id, RolePolicyType: "System", RolePolicies: [{ PolicyId: 1 }] });
      // By name, with the doc example's stray document (ignored for System).
      await z.org.AddPermissionPolicyToRoleConfiguration({ ZoneId: z.zoneId, RoleConfigurationId: id, RolePolicyType: "System", RolePolicyNames: ["QcloudCVMFullAccess"], CustomPolicyDocument: "{}" });
      // Terraform's custom attachment.
      await z.org.AddPermissionPolicyToRoleConfiguration({ ZoneId: z.zoneId, RoleConfigurationId: id, RolePolicyType: "Custom", RolePolicyNames: ["my-custom"], CustomPolicyDocument: CAM_DOCUMENT });

      const all = await policies(z, id);
      assert.deepEqual(
        all.map((p) => [p.RolePolicyName, p.RolePolicyType]),
        [["AdministratorAccess", "System"], ["QcloudCVMFullAccess", "System"], ["my-custom", "Custom"]],
      );
      assert.equal(all[0]!.RolePolicyId, 1, "system policies carry their id (Terraform reads them back by it)");
      assert.ok(all[1]!.RolePolicyId! > 0);
      assert.equal(all[1]!.RolePolicyDocument, "");
      assert.equal(all[2]!.RolePolicyDocument, CAM_DOCUMENT);
      for (const p of all) assert.match(p.AddTime!, TIME);
      assert.deepEqual((await policies(z, id, "System")).map((p) => p.RolePolicyName), ["AdministratorAccess", "QcloudCVMFullAccess"]);
      assert.deepEqual((await policies(z, id, "Custom")).map((p) => p.RolePolicyName), ["my-custom"]);
      assert.deepEqual((await z.org.ListPermissionPoliciesInRoleConfiguration({ ZoneId: z.zoneId, RoleConfigurationId: id, Filter: "cvm" })).RolePolicies!.map((p) => p.RolePolicyName), ["QcloudCVMFullAccess"]);
      const after = (await z.org.GetRoleConfiguration({ ZoneId: z.zoneId, RoleConfigurationId: id })).RoleConfigurationInfo!;
      assert.ok(after.UpdateTime! >= before.UpdateTime!);

      await z.org.UpdateCustomPolicyForRoleConfiguration({ ZoneId: z.zoneId, RoleConfigurationId: id, CustomPolicyName: "my-custom", NewCustomPolicyDocument: CAM_DOCUMENT_2 });
      assert.equal((await policies(z, id, "Custom"))[0]!.RolePolicyDocument, CAM_DOCUMENT_2);

      // A configuration holding policies is not deleted.
      await rejects(server, "InvalidParameter.RolePolicyAlreadyExist", () => z.org.DeleteRoleConfiguration({ ZoneId: z.zoneId, RoleConfigurationId: id }));

      // Terraform: a system policy by RolePolicyId, a custom one by RolePolicyId 0 and its name.
      await z.org.RemovePermissionPolicyFromRoleConfiguration({ ZoneId: z.zoneId, RoleConfigurationId: id, RolePolicyType: "System", RolePolicyId: 1 });
      await z.org.RemovePermissionPolicyFromRoleConfiguration({ ZoneId: z.zoneId, RoleConfigurationId: id, RolePolicyType: "Custom", RolePolicyId: 0, RolePolicyName: "my-custom" });
      await z.org.RemovePermissionPolicyFromRoleConfiguration({ ZoneId: z.zoneId, RoleConfigurationId: id, RolePolicyType: "System", RolePolicyName: "QcloudCVMFullAccess" });
      assert.deepEqual(await policies(z, id), []);
      await z.org.DeleteRoleConfiguration({ ZoneId: z.zoneId, RoleConfigurationId: id });
    });

    test("every documented policy code, and bad documents change nothing", async () => {
      const id = (await create(z, `bad-${hex()}`)).RoleConfigurationId!;
      const add = (extra: Record<string, unknown>) => z.org.AddPermissionPolicyToRoleConfiguration({ ZoneId: z.zoneId, RoleConfigurationId: id, ...extra } as never);
      const custom = (doc: string | undefined, name = "doc") => add({ RolePolicyType: "Custom", RolePolicyNames: [name], ...(doc !== undefined ? { CustomPolicyDocument: doc } : {}) });

      await rejects(server, "InvalidParameter.ParamError", () => add({ RolePolicyType: "System", RolePolicies: [{ PolicyId: 999999 }] }));
      await rejects(server, "InvalidParameter.ParamError", () => add({ RolePolicyType: "System", RolePolicyNames: ["NoSuchPolicy"] }));
      await rejects(server, "InvalidParameter.ParamError", () => add({ RolePolicyType: "System", RolePolicyNames: ["AliyunECSFullAccess"] }), "AliyunECSFullAccess");
      await rejects(server, "InvalidParameter.ParamError", () => add({ RolePolicyType: "System", RolePolicies: [{ PolicyId: 1, PolicyName: "ReadOnlyAccess" }] }));
      await rejects(server, "InvalidParameter.ParamError", () => add({ RolePolicyType: "Nonsense", RolePolicyNames: ["x"] }));
      await rejects(server, "InvalidParameter.ParamError", () => add({ RolePolicyType: "System" }));
      await rejects(server, "MissingParameter", () => add({}));
      await rejects(server, "InvalidParameter", () => add({ RolePolicyType: "System", RolePolicyNames: "ReadOnlyAccess" }));
      await rejects(server, "InvalidParameter", () => add({ RolePolicyType: "System", RolePolicies: [{ PolicyId: "one" }] }));

      await rejects(server, "InvalidParameter.PolicyDocumentEmpty", () => custom(undefined));
      await rejects(server, "InvalidParameter.PolicyDocumentEmpty", () => custom("  "));
      for (const bad of [
        "{not json",
        "[]",
        JSON.stringify({ version: "1", statement: [{ effect: "allow", action: "cvm:*", resource: "*" }] }),
        JSON.stringify({ Version: "1", Statement: [{ Effect: "Allow", Action: "ecs:*", Resource: "*" }] }),
        JSON.stringify({ version: "2.0", statement: [] }),
        JSON.stringify({ version: "2.0", statement: [{ effect: "maybe", action: "cvm:*", resource: "*" }] }),
        JSON.stringify({ version: "2.0", statement: [{ effect: "allow", action: "RunInstances", resource: "*" }] }),
        JSON.stringify({ version: "2.0", statement: [{ effect: "allow", action: [], resource: "*" }] }),
        JSON.stringify({ version: "2.0", statement: [{ effect: "allow", action: "cvm:*" }] }),
        JSON.stringify({ version: "2.0", statement: [{ effect: "allow", action: 7, resource: "*" }] }),
        JSON.stringify({ version: "2.0", statement: [{ effect: "allow", action: "cvm:*", resource: "*", extra: 1 }] }),
      ]) {
        await rejects(server, "InvalidParameter.ParamError", () => custom(bad));
      }
      // Longer than any parameter may be (1 MB, and one past the 4096 documented): refused at the door.
      await rejects(server, "InvalidParameterValue", () => custom(JSON.stringify({ version: "2.0", statement: [{ effect: "allow", action: "cvm:*", resource: "x".repeat(1 << 20) }] })));
      await rejects(server, "InvalidParameterValue", () => custom("x".repeat(4097)));

      await rejects(server, "InvalidParameter.PolicyNameSizeOverUpperLimit", () => custom(CAM_DOCUMENT, "n".repeat(33)));
      await custom(CAM_DOCUMENT, "n".repeat(32));
      await rejects(server, "FailedOperation.CustomPolicyOverUpperLimit", () => custom(CAM_DOCUMENT, "second"));
      await rejects(server, "InvalidParameter.PolicyNameAlreadyExists", () => custom(CAM_DOCUMENT, "n".repeat(32)));

      await add({ RolePolicyType: "System", RolePolicyNames: ["ReadOnlyAccess"] });
      await rejects(server, "InvalidParameter.PolicyNameAlreadyExists", () => add({ RolePolicyType: "System", RolePolicyNames: ["readonlyaccess"] }));
      await rejects(server, "InvalidParameter.PolicyNameAlreadyExists", () => add({ RolePolicyType: "System", RolePolicies: [{ PolicyId: 1 }, { PolicyId: 1 }] }));

      const update = (name: string, doc?: string) =>
        z.org.UpdateCustomPolicyForRoleConfiguration({ ZoneId: z.zoneId, RoleConfigurationId: id, CustomPolicyName: name, ...(doc !== undefined ? { NewCustomPolicyDocument: doc } : {}) });
      await rejects(server, "InvalidParameter.PolicyTypeError", () => update("ReadOnlyAccess", CAM_DOCUMENT));
      await rejects(server, "InvalidParameter.RolePolicyNotExist", () => update("nope", CAM_DOCUMENT));
      await rejects(server, "InvalidParameter.PolicyDocumentEmpty", () => update("n".repeat(32)));
      await rejects(server, "InvalidParameter.ParamError", () => update("n".repeat(32), "{"));

      const remove = (extra: Record<string, unknown>) => z.org.RemovePermissionPolicyFromRoleConfiguration({ ZoneId: z.zoneId, RoleConfigurationId: id, ...extra } as never);
      await rejects(server, "InvalidParameter.RolePolicyNotExist", () => remove({ RolePolicyType: "System", RolePolicyId: 5 }));
      await rejects(server, "InvalidParameter.RolePolicyNotExist", () => remove({ RolePolicyType: "Custom", RolePolicyId: 0, RolePolicyName: "ReadOnlyAccess" }));
      await rejects(server, "InvalidParameter.ParamError", () => remove({ RolePolicyType: "System", RolePolicyId: 0 }));
      await rejects(server, "InvalidParameter.ParamError", () => remove({ RolePolicyType: "System", RolePolicyId: -3 }));
    });

    test("quotas: configurations per zone and system policies per configuration, with GetZoneStatistics", async () => {
      const small = await startServer(engine, { limits: { accessConfigurationsPerDirectory: 2, systemPoliciesPerConfiguration: 2 } });
      try {
        const zone = await openZone(small, small.root);
        const stats = async () => (await zone.org.GetZoneStatistics({ ZoneId: zone.zoneId })).ZoneStatistics!;
        assert.equal((await stats()).RoleConfigurationCount, 0);
        assert.equal((await stats()).RoleConfigurationQuota, 2);
        assert.equal((await stats()).SystemPolicyPerRoleConfigurationQuota, 2);
        const id = (await create(zone, "q-1")).RoleConfigurationId!;
        await create(zone, "q-2");
        assert.equal((await stats()).RoleConfigurationCount, 2);
        await rejects(small, "FailedOperation.ConfigurationOverUpperLimit", () => create(zone, "q-3"));
        await zone.org.AddPermissionPolicyToRoleConfiguration({ ZoneId: zone.zoneId, RoleConfigurationId: id, RolePolicyType: "System", RolePolicies: [{ PolicyId: 1 }, { PolicyId: 2 }] });
        await rejects(small, "FailedOperation.SystemPolicyOverUpperLimit", () =>
          zone.org.AddPermissionPolicyToRoleConfiguration({ ZoneId: zone.zoneId, RoleConfigurationId: id, RolePolicyType: "System", RolePolicyNames: ["QcloudCVMFullAccess"] }),
        );
        // All or none: a batch that would pass the quota adds nothing.
        await zone.org.RemovePermissionPolicyFromRoleConfiguration({ ZoneId: zone.zoneId, RoleConfigurationId: id, RolePolicyType: "System", RolePolicyId: 2 });
        await rejects(small, "FailedOperation.SystemPolicyOverUpperLimit", () =>
          zone.org.AddPermissionPolicyToRoleConfiguration({ ZoneId: zone.zoneId, RoleConfigurationId: id, RolePolicyType: "System", RolePolicyNames: ["QcloudCVMFullAccess", "QcloudVPCFullAccess"] }),
        );
      } finally {
        await small.close();
      }
    });

    test("another tenant's zone and configuration ids name nothing", async () => {
      const theirs = (await create(other, `theirs-${hex()}`)).RoleConfigurationId!;
      await other.org.AddPermissionPolicyToRoleConfiguration({ ZoneId: other.zoneId, RoleConfigurationId: theirs, RolePolicyType: "System", RolePolicies: [{ PolicyId: 1 }] });
      const NOT = "InvalidParameter.RoleConfigurationNotExist";
      const ref = { ZoneId: z.zoneId, RoleConfigurationId: theirs };
      await rejects(server, NOT, () => z.org.GetRoleConfiguration(ref));
      await rejects(server, NOT, () => z.org.UpdateRoleConfiguration({ ...ref, NewDescription: "mine now" }));
      await rejects(server, NOT, () => z.org.DeleteRoleConfiguration(ref));
      await rejects(server, NOT, () => z.org.AddPermissionPolicyToRoleConfiguration({ ...ref, RolePolicyType: "System", RolePolicies: [{ PolicyId: 2 }] }));
      await rejects(server, NOT, () => z.org.RemovePermissionPolicyFromRoleConfiguration({ ...ref, RolePolicyType: "System", RolePolicyId: 1 }));
      await rejects(server, NOT, () => z.org.UpdateCustomPolicyForRoleConfiguration({ ...ref, CustomPolicyName: "x", NewCustomPolicyDocument: CAM_DOCUMENT }));
      await rejects(server, NOT, () => z.org.ListPermissionPoliciesInRoleConfiguration(ref));
      await rejects(server, NOT, () => z.org.GetRoleConfiguration({ ZoneId: z.zoneId, RoleConfigurationId: "rc-000000000000" }));
      // Their zone: the caller's key does not reach it.
      await rejects(server, "FailedOperation.ZoneIdNotExist", () => z.org.GetRoleConfiguration({ ZoneId: other.zoneId, RoleConfigurationId: theirs }));
      await rejects(server, "FailedOperation.ZoneIdNotExist", () => z.org.ListRoleConfigurations({ ZoneId: other.zoneId }));
      await rejects(server, "FailedOperation.ZoneIdNotExist", () => z.org.CreateRoleConfiguration({ ZoneId: other.zoneId, RoleConfigurationName: "intruder" }));
      assert.equal((await other.org.ListPermissionPoliciesInRoleConfiguration({ ZoneId: other.zoneId, RoleConfigurationId: theirs })).TotalCounts, 1);
    });
  });
}
