/**
 * The identity providers' documented request sequences (spec §6.1 Microsoft Entra ID, §6.2 Okta),
 * sent as they send them, on each engine. No configuration: the endpoint is tolerant by default.
 */
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { after, before, describe, test } from "node:test";
import { ENGINES, startServer, type TestServer } from "../helpers/harness.js";
import { ENTERPRISE, GROUP_SCHEMA, LIST, newTenant, PATCH_OP, USER_SCHEMA } from "../helpers/scim.js";

for (const engine of ENGINES) {
  describe(`identity-provider flows (${engine})`, () => {
    let server: TestServer;
    before(async () => {
      server = await startServer(engine);
    });
    after(() => server?.close());

    test("Microsoft Entra ID: test connection, match, create with \"True\", capitalised Replace ops, dotted/URN paths, group create + member PATCH (204), Remove by value array, excludedAttributes=members, soft delete", async () => {
      const t = await newTenant(server);
      // Test connection: a random user and group that do not exist → 200, empty ListResponse.
      for (const [path, attr] of [
        ["/Users", "userName"],
        ["/Groups", "displayName"],
      ] as const) {
        const a = await t.scim("GET", `${path}?filter=${encodeURIComponent(`${attr} eq "${randomUUID()}"`)}`);
        assert.equal(a.status, 200, a.text);
        assert.deepEqual(a.body, { schemas: [LIST], totalResults: 0, startIndex: 1, itemsPerPage: 0, Resources: [] });
      }
      // Matching by externalId (Entra's default matching attribute for users can be objectId → externalId).
      const objectId = randomUUID();
      const match = await t.scim("GET", `/Users?filter=${encodeURIComponent(`externalId eq "${objectId}"`)}`);
      assert.equal(match.body.totalResults, 0);

      // Create: the default job sends booleans as strings.
      const created = await t.scim("POST", "/Users", {
        schemas: [USER_SCHEMA, ENTERPRISE],
        externalId: objectId,
        userName: "Test_User_ab6490ee-1e48-479e-a20b-2d77186b5dd1@contoso.com",
        active: "True",
        displayName: "Test User",
        emails: [{ primary: true, type: "work", value: "Test_User_fd0ea19b-0777-472c-9f96-4f70d2226f2e@testuser.com" }],
        name: { formatted: "givenName familyName", familyName: "familyName", givenName: "givenName" },
        [ENTERPRISE]: { department: "Sales", employeeNumber: "1001" },
        roles: [],
      });
      assert.equal(created.status, 201, created.text);
      const u = created.body;
      assert.equal(u.active, true);
      assert.equal((await t.scim("GET", `/Users?filter=${encodeURIComponent(`externalId eq "${objectId}"`)}`)).body.Resources[0].id, u.id);
      assert.equal((await t.scim("GET", `/Users?filter=${encodeURIComponent(`userName eq "${u.userName.toUpperCase()}"`)}`)).body.totalResults, 1);

      // Update: one capitalised Replace per attribute, value-filter and URN paths, booleans as strings.
      const p1 = await t.scim("PATCH", `/Users/${u.id}`, {
        schemas: [PATCH_OP],
        Operations: [
          { op: "Replace", path: 'emails[type eq "work"].value', value: "updatedEmail@microsoft.com" },
          { op: "Replace", path: "name.familyName", value: "updatedFamilyName" },
          { op: "Replace", path: `${ENTERPRISE}:employeeNumber`, value: "2002" },
          { op: "Add", path: "nickName", value: "Babs" },
        ],
      });
      assert.equal(p1.status, 200, p1.text);
      assert.equal(p1.body.emails[0].value, "updatedEmail@microsoft.com");
      assert.equal(p1.body.name.familyName, "updatedFamilyName");
      // The formatted name Entra sent was the two names: it follows them.
      assert.equal(p1.body.name.formatted, "givenName updatedFamilyName");
      assert.equal(p1.body[ENTERPRISE].employeeNumber, "2002");
      assert.equal(p1.body.nickName, "Babs");
      assert.equal((await server.core.users.get(t.caller, t.directoryId, u.id)).email, "updatedEmail@microsoft.com");
      // The compliant form (aadOptscim062020): one path-less replace with dotted and URN keys.
      const p2 = await t.scim("PATCH", `/Users/${u.id}`, {
        schemas: [PATCH_OP],
        Operations: [{ op: "replace", value: { displayName: "New Display", "name.givenName": "Newgiven", [`${ENTERPRISE}:department`]: "Support" } }],
      });
      assert.equal(p2.status, 200, p2.text);
      assert.deepEqual([p2.body.displayName, p2.body.name.givenName, p2.body[ENTERPRISE].department], ["New Display", "Newgiven", "Support"]);

      // Groups: created empty, looked up with excludedAttributes=members, members by PATCH → 204.
      const gname = "Entra Group 1";
      assert.equal((await t.scim("GET", `/Groups?excludedAttributes=members&filter=${encodeURIComponent(`displayName eq "${gname}"`)}`)).body.totalResults, 0);
      const g = await t.scim("POST", "/Groups", { schemas: [GROUP_SCHEMA], externalId: randomUUID(), displayName: gname, members: [] });
      assert.equal(g.status, 201, g.text);
      const second = (await t.scim("POST", "/Users", { schemas: [USER_SCHEMA], userName: "second@contoso.com", active: "True" })).body;
      const add = await t.scim("PATCH", `/Groups/${g.body.id}`, {
        schemas: [PATCH_OP],
        Operations: [{ op: "Add", path: "members", value: [{ $ref: null, value: u.id }, { $ref: null, value: second.id }] }],
      });
      assert.equal(add.status, 204, add.text);
      assert.equal(add.text, "");
      const read = await t.scim("GET", `/Groups/${g.body.id}?excludedAttributes=members`);
      assert.equal(read.status, 200);
      assert.equal(read.body.members, undefined);
      // Remove by value array: only the listed member goes (a literal server would remove all).
      const remove = await t.scim("PATCH", `/Groups/${g.body.id}`, { schemas: [PATCH_OP], Operations: [{ op: "Remove", path: "members", value: [{ value: u.id }] }] });
      assert.equal(remove.status, 204, remove.text);
      assert.deepEqual((await t.scim("GET", `/Groups/${g.body.id}`)).body.members.map((m: { value: string }) => m.value), [second.id]);
      const rename = await t.scim("PATCH", `/Groups/${g.body.id}`, { schemas: [PATCH_OP], Operations: [{ op: "Replace", path: "displayName", value: "Entra Group One" }] });
      assert.equal(rename.status, 204);

      // Soft delete: active "False", still returned while inactive; then active again; then hard DELETE.
      const off = await t.scim("PATCH", `/Users/${u.id}`, { schemas: [PATCH_OP], Operations: [{ op: "Replace", path: "active", value: "False" }] });
      assert.equal(off.body.active, false);
      assert.equal((await server.core.users.get(t.caller, t.directoryId, u.id)).status, "Disabled");
      assert.equal((await t.scim("GET", `/Users/${u.id}`)).body.active, false);
      const on = await t.scim("PATCH", `/Users/${u.id}`, { schemas: [PATCH_OP], Operations: [{ op: "Replace", path: "active", value: true }] });
      assert.equal(on.body.active, true);
      assert.equal((await t.scim("DELETE", `/Users/${u.id}`)).status, 204);
      assert.equal((await t.scim("DELETE", `/Groups/${g.body.id}`)).status, 204);
    });

    test("Okta: existence check, POST with password placeholder, GET + PUT profile, path-less deactivate, group push (create, lookup, rename with id, members add/remove, full replace), delete", async () => {
      const t = await newTenant(server);
      const check = await t.scim("GET", `/Users?filter=${encodeURIComponent('userName eq "okta.user@example.com"')}&startIndex=1&count=100`);
      assert.equal(check.status, 200);
      assert.equal(check.body.totalResults, 0);
      assert.equal(typeof check.body.itemsPerPage, "number");
      const created = await t.scim("POST", "/Users", {
        schemas: [USER_SCHEMA],
        userName: "okta.user@example.com",
        name: { givenName: "Okta", familyName: "User" },
        emails: [{ primary: true, value: "okta.user@example.com", type: "work" }],
        displayName: "Okta User",
        locale: "en-US",
        externalId: "00ujl29u0le5T6Aj10h7",
        groups: [],
        password: "1mz050nq",
        active: true,
      });
      assert.equal(created.status, 201, created.text);
      const u = created.body;
      assert.equal(u.password, undefined);
      assert.equal(u.locale, "en-US");
      // Duplicate create → 409.
      const dup = await t.scim("POST", "/Users", { schemas: [USER_SCHEMA], userName: "okta.user@example.com" });
      assert.equal(dup.status, 409);
      // Profile update: GET, then PUT of the whole user.
      const current = (await t.scim("GET", `/Users/${u.id}`)).body;
      const put = await t.scim("PUT", `/Users/${u.id}`, { ...current, name: { givenName: "Okta", familyName: "Renamed" }, displayName: "Okta Renamed" });
      assert.equal(put.status, 200, put.text);
      assert.equal(put.body.name.familyName, "Renamed");
      assert.equal(put.body.externalId, "00ujl29u0le5T6Aj10h7");
      // Deactivate: path-less replace with a value object.
      const off = await t.scim("PATCH", `/Users/${u.id}`, { schemas: [PATCH_OP], Operations: [{ op: "replace", value: { active: false } }] });
      assert.equal(off.status, 200, off.text);
      assert.equal(off.body.active, false);
      // Import: paged by 100, integers.
      const page = await t.scim("GET", "/Users?startIndex=1&count=100");
      assert.deepEqual([page.body.totalResults, page.body.startIndex, page.body.itemsPerPage], [1, 1, 1]);
      const test = await t.scim("GET", "/Users?count=2&startIndex=1");
      assert.equal(test.status, 200);

      // Group push.
      const other = (await t.scim("POST", "/Users", { schemas: [USER_SCHEMA], userName: "okta.two@example.com", active: true })).body;
      const g = await t.scim("POST", "/Groups", { schemas: [GROUP_SCHEMA], displayName: "Okta Push Group", members: [] });
      assert.equal(g.status, 201, g.text);
      const lookup = await t.scim("GET", `/Groups?filter=${encodeURIComponent('displayName eq "Okta Push Group"')}`);
      assert.equal(lookup.body.Resources[0].id, g.body.id);
      const rename = await t.scim("PATCH", `/Groups/${g.body.id}`, { schemas: [PATCH_OP], Operations: [{ op: "replace", value: { id: g.body.id, displayName: "Okta Pushed" } }] });
      assert.ok(rename.status === 204 || rename.status === 200, rename.text);
      const addBoth = await t.scim("PATCH", `/Groups/${g.body.id}`, {
        schemas: [PATCH_OP],
        Operations: [{ op: "add", path: "members", value: [{ value: u.id, display: "okta.user@example.com" }, { value: other.id, display: "okta.two@example.com" }] }],
      });
      assert.equal(addBoth.status, 204, addBoth.text);
      const removeOne = await t.scim("PATCH", `/Groups/${g.body.id}`, { schemas: [PATCH_OP], Operations: [{ op: "remove", path: `members[value eq "${u.id}"]` }] });
      assert.equal(removeOne.status, 204, removeOne.text);
      let members = (await t.scim("GET", `/Groups/${g.body.id}`)).body;
      assert.equal(members.displayName, "Okta Pushed");
      assert.deepEqual(members.members.map((m: { value: string }) => m.value), [other.id]);
      // AIW apps: PUT with the full member list.
      const put2 = await t.scim("PUT", `/Groups/${g.body.id}`, { schemas: [GROUP_SCHEMA], id: g.body.id, displayName: "Okta Pushed", members: [{ value: u.id }] });
      assert.equal(put2.status, 200, put2.text);
      members = (await t.scim("GET", `/Groups/${g.body.id}`)).body;
      assert.deepEqual(members.members.map((m: { value: string }) => m.value), [u.id]);
      // A full replace of members through PATCH.
      const replace = await t.scim("PATCH", `/Groups/${g.body.id}`, { schemas: [PATCH_OP], Operations: [{ op: "replace", path: "members", value: [{ value: other.id }] }] });
      assert.equal(replace.status, 204);
      members = (await t.scim("GET", `/Groups/${g.body.id}`)).body;
      assert.deepEqual(members.members.map((m: { value: string }) => m.value), [other.id]);
      assert.equal((await t.scim("DELETE", `/Groups/${g.body.id}`)).status, 204);
      assertGone(await t.scim("GET", `/Groups/${g.body.id}`));
    });
  });
}

function assertGone(a: { status: number }): void {
  assert.equal(a.status, 404);
}
