/**
 * The system-policy catalogue: the built-in policies per cloud, a catalogue file (OPENCIC_POLICY_CATALOGUE)
 * that adds or replaces entries and is refused at start when malformed, and a server using the file
 * through both doors' official clients.
 */
import assert from "node:assert/strict";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { loadCatalogueFile, PolicyCatalogue } from "../../src/core/access/policies.js";
import { loadConfig } from "../../src/config.js";
import { aliyunClient } from "../helpers/aliyun.js";
import { expectAliyunError } from "../helpers/aliyun.js";
import { ENGINES, expectCode, orgClient, startServer, type TestServer } from "../helpers/harness.js";

const dir = mkdtempSync(join(tmpdir(), "opencic-catalogue-"));
function file(name: string, content: unknown): string {
  const path = join(dir, name);
  writeFileSync(path, typeof content === "string" ? content : JSON.stringify(content));
  return path;
}

const EXTRA = { cam: [{ name: "QcloudTeamPolicy", id: 90001, description: "the team's" }, { name: "ReadOnlyAccess", id: 219188, description: "CAM's real id" }], ram: [{ name: "AliyunTeamPolicy", description: "the team's" }] };

describe("the policy catalogue", () => {
  test("built in: each cloud's most used policies, by name (any case) and CAM id", () => {
    const c = new PolicyCatalogue();
    assert.equal(c.byPolicyId(1)?.name, "AdministratorAccess");
    assert.equal(c.byPolicyName("cam", "qcloudcvmfullaccess")?.name, "QcloudCVMFullAccess");
    assert.equal(c.byPolicyName("ram", "AliyunECSReadOnlyAccess")?.name, "AliyunECSReadOnlyAccess");
    assert.equal(c.byPolicyName("ram", "QcloudCVMFullAccess"), undefined, "a CAM policy is not a RAM one");
    assert.equal(c.byPolicyName("cam", "AliyunECSFullAccess"), undefined);
    for (const grammar of ["cam", "ram"] as const) for (const name of ["AdministratorAccess", "ReadOnlyAccess"]) assert.ok(c.byPolicyName(grammar, name));
  });

  test("a file adds policies and replaces built-in entries; malformed files stop the start", () => {
    const path = file("good.json", EXTRA);
    const c = new PolicyCatalogue(loadCatalogueFile(path));
    assert.equal(c.byPolicyId(90001)?.name, "QcloudTeamPolicy");
    assert.equal(c.byPolicyName("cam", "ReadOnlyAccess")?.id, 219188);
    assert.equal(c.byPolicyId(2), undefined, "the replaced entry's old id names nothing");
    assert.equal(c.byPolicyName("ram", "aliyunteampolicy")?.name, "AliyunTeamPolicy");
    assert.equal(loadConfig({ "policy-catalogue": path }, {}).policyCatalogue?.cam?.[0]?.id, 90001);
    assert.equal(loadConfig({}, { OPENCIC_POLICY_CATALOGUE: path }).policyCatalogue?.ram?.[0]?.name, "AliyunTeamPolicy");
    for (const [name, content, message] of [
      ["not-json.json", "{", /policy catalogue/],
      ["array.json", [], /expected an object/],
      ["unknown-key.json", { iam: [] }, /unknown key "iam"/],
      ["no-id.json", { cam: [{ name: "X" }] }, /id must be a positive integer/],
      ["ram-id.json", { ram: [{ name: "X", id: 3 }] }, /RAM policies have no numeric id/],
      ["bad-name.json", { ram: [{ name: "has space" }] }, /name must be/],
    ] as const) {
      assert.throws(() => loadCatalogueFile(file(name, content)), message);
    }
    assert.throws(() => loadCatalogueFile(join(dir, "missing.json")), /policy catalogue/);
  });
});

for (const engine of ENGINES) {
  describe(`a server with a catalogue file [${engine}]`, () => {
    let server: TestServer;
    before(async () => {
      server = await startServer(engine, { policyCatalogue: loadCatalogueFile(file("server.json", EXTRA)) });
    });
    after(async () => {
      await server?.close();
    });

    test("both doors attach the file's policies; unknown ones stay refused", async () => {
      const org = orgClient(server, server.root);
      await org.CreateOrganization();
      const { ZoneId } = await org.OpenIdentityCenter({ ZoneName: "catalogue-zone" });
      const rc = (await org.CreateRoleConfiguration({ ZoneId: ZoneId!, RoleConfigurationName: "team" })).RoleConfigurationInfo!.RoleConfigurationId!;
      await org.AddPermissionPolicyToRoleConfiguration({ ZoneId: ZoneId!, RoleConfigurationId: rc, RolePolicyType: "System", RolePolicies: [{ PolicyId: 90001 }, { PolicyId: 219188 }] });
      await expectCode(org.AddPermissionPolicyToRoleConfiguration({ ZoneId: ZoneId!, RoleConfigurationId: rc, RolePolicyType: "System", RolePolicies: [{ PolicyId: 90002 }] }), "InvalidParameter.ParamError");
      const sso = aliyunClient(server, server.root, "cloudsso");
      const directoryId = ZoneId!.replace(/^z-/, "d-");
      const ac = rc.replace(/^rc-/, "ac-");
      await sso.call("AddPermissionPolicyToAccessConfiguration", { DirectoryId: directoryId, AccessConfigurationId: ac, PermissionPolicyType: "System", PermissionPolicyName: "AliyunTeamPolicy" });
      await expectAliyunError(sso.call("AddPermissionPolicyToAccessConfiguration", { DirectoryId: directoryId, AccessConfigurationId: ac, PermissionPolicyType: "System", PermissionPolicyName: "AliyunOtherPolicy" }), "EntityNotExists.PermissionPolicy", 404);
      const listed = (await org.ListPermissionPoliciesInRoleConfiguration({ ZoneId: ZoneId!, RoleConfigurationId: rc })).RolePolicies!;
      assert.deepEqual(listed.map((p) => [p.RolePolicyName, p.RolePolicyId]).sort(), [["AliyunTeamPolicy", 0], ["QcloudTeamPolicy", 90001], ["ReadOnlyAccess", 219188]]);
    });
  });
}
