/**
 * POST/PUT bodies (RFC 7644 §3.3, §3.5.1) through normalizeResourceInput: schemas, required
 * attributes, types, the Entra "True"/"False" strings, kept unknown attributes, ignored read-only ones.
 */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { normalizeResourceInput } from "../../../src/dialects/scim/protocol/coerce.js";
import { ENTERPRISE_USER_SCHEMA, GROUP_RESOURCE, GROUP_SCHEMA, USER_RESOURCE, USER_SCHEMA } from "../../../src/dialects/scim/protocol/schemas.js";
import { expectScimError } from "./support.js";

const minimalUser = (extra: Record<string, unknown> = {}) => ({ schemas: [USER_SCHEMA], userName: "babs@example.com", ...extra });

describe("normalizeResourceInput: Users", () => {
  test("Entra's create: booleans as strings, enterprise extension, roles and custom mappings kept", () => {
    const body = {
      schemas: [USER_SCHEMA, ENTERPRISE_USER_SCHEMA],
      externalId: "0a21f0f2-8d2a-4f8e-bf98-7363c4aed4ef",
      userName: "Test_User_ab6490ee-1e48-479e-a20b-2d77186b5dd1",
      active: "True",
      emails: [{ primary: "true", type: "work", value: "Test_User_fd0ea19b@testuser.com" }],
      meta: { resourceType: "User" },
      name: { formatted: "givenName familyName", familyName: "familyName", givenName: "givenName" },
      roles: [],
      [ENTERPRISE_USER_SCHEMA]: { department: "Eng", manager: { value: "u-2", $ref: null } },
      "urn:ietf:params:scim:schemas:extension:CustomExtensionName:2.0:User": { tag: "x" },
    };
    const out = normalizeResourceInput(body, USER_RESOURCE, "create");
    assert.equal(out.active, true);
    assert.deepEqual(out.emails, [{ primary: true, type: "work", value: "Test_User_fd0ea19b@testuser.com" }]);
    assert.equal(out.meta, undefined, "meta is read-only: ignored");
    assert.deepEqual(out[ENTERPRISE_USER_SCHEMA], { department: "Eng", manager: { value: "u-2" } });
    assert.deepEqual(out["urn:ietf:params:scim:schemas:extension:CustomExtensionName:2.0:User"], { tag: "x" });
    assert.deepEqual(out.schemas, [USER_SCHEMA, ENTERPRISE_USER_SCHEMA, "urn:ietf:params:scim:schemas:extension:CustomExtensionName:2.0:User"]);
    assert.deepEqual(out.roles, []);
  });

  test("Okta's create: password placeholder and groups:[] (read-only) sent", () => {
    const out = normalizeResourceInput(
      {
        schemas: [USER_SCHEMA],
        userName: "isaac.brock@example.com",
        name: { givenName: "Isaac", familyName: "Brock" },
        emails: [{ primary: true, value: "isaac.brock@example.com", type: "work" }],
        displayName: "Isaac Brock",
        locale: "en-US",
        externalId: "00ujl29u0le5T6Aj10h7",
        groups: [],
        password: "1mz050nq",
        active: true,
      },
      USER_RESOURCE,
      "create",
    );
    assert.equal(out.groups, undefined);
    assert.equal(out.password, "1mz050nq", "kept for the caller, which ignores it (never returned)");
    assert.equal(out.locale, "en-US");
  });

  test("attribute names in any case are written canonically; id, meta and groups ignored", () => {
    const out = normalizeResourceInput(minimalUser({ USERNAME: undefined, DisplayName: "B", ID: "mine", Meta: {}, Groups: [{ value: "g" }] }), USER_RESOURCE, "replace");
    assert.deepEqual(out, { schemas: [USER_SCHEMA], userName: "babs@example.com", displayName: "B" });
  });

  test("dotted and URN-prefixed keys in a body", () => {
    const out = normalizeResourceInput(
      minimalUser({ "name.givenName": "B", [`${ENTERPRISE_USER_SCHEMA}:employeeNumber`]: "7", "urn:ietf:params:scim:schemas:core:2.0:User:title": "T" }),
      USER_RESOURCE,
      "create",
    );
    assert.deepEqual(out.name, { givenName: "B" });
    assert.deepEqual(out[ENTERPRISE_USER_SCHEMA], { employeeNumber: "7" });
    assert.equal(out.title, "T");
  });

  test("the enterprise manager as a bare id (Entra) is the manager's value", () => {
    const out = normalizeResourceInput(minimalUser({ [ENTERPRISE_USER_SCHEMA]: { manager: "u-2" } }), USER_RESOURCE, "create");
    assert.deepEqual(out[ENTERPRISE_USER_SCHEMA], { manager: { value: "u-2" } });
  });

  test("unknown attributes are kept as sent", () => {
    const out = normalizeResourceInput(minimalUser({ costCode: "CC", badges: [1, 2], nested: { a: { b: true } } }), USER_RESOURCE, "create");
    assert.equal(out.costCode, "CC");
    assert.deepEqual(out.badges, [1, 2]);
    assert.deepEqual(out.nested, { a: { b: true } });
  });

  test("null values are unassigned", () => {
    const out = normalizeResourceInput(minimalUser({ displayName: null, name: { givenName: null, familyName: "J" } }), USER_RESOURCE, "create");
    assert.equal("displayName" in out, false);
    assert.deepEqual(out.name, { familyName: "J" });
  });

  test("schemas: missing, empty, not an array, without the core schema, or not URIs", () => {
    expectScimError(() => normalizeResourceInput({ userName: "a" }, USER_RESOURCE, "create"), 400, "invalidSyntax");
    expectScimError(() => normalizeResourceInput({ schemas: [], userName: "a" }, USER_RESOURCE, "create"), 400, "invalidSyntax");
    expectScimError(() => normalizeResourceInput({ schemas: USER_SCHEMA, userName: "a" }, USER_RESOURCE, "create"), 400, "invalidSyntax");
    expectScimError(() => normalizeResourceInput({ schemas: [GROUP_SCHEMA], userName: "a" }, USER_RESOURCE, "create"), 400, "invalidSyntax");
    expectScimError(() => normalizeResourceInput({ schemas: [USER_SCHEMA, 5], userName: "a" }, USER_RESOURCE, "create"), 400, "invalidSyntax");
    expectScimError(() => normalizeResourceInput({ schemas: [USER_SCHEMA, "not a urn"], userName: "a" }, USER_RESOURCE, "create"), 400, "invalidValue");
  });

  test("the body must be an object", () => {
    for (const body of [null, undefined, "x", 1, [], true]) {
      expectScimError(() => normalizeResourceInput(body, USER_RESOURCE, "create"), 400, "invalidSyntax");
    }
  });

  test("userName is required", () => {
    expectScimError(() => normalizeResourceInput({ schemas: [USER_SCHEMA] }, USER_RESOURCE, "create"), 400, "invalidValue");
    expectScimError(() => normalizeResourceInput({ schemas: [USER_SCHEMA], userName: "  " }, USER_RESOURCE, "replace"), 400, "invalidValue");
    expectScimError(() => normalizeResourceInput({ schemas: [USER_SCHEMA], userName: null }, USER_RESOURCE, "create"), 400, "invalidValue");
  });

  test("wrong types → 400 invalidValue", () => {
    const cases: Record<string, unknown>[] = [
      { userName: 42 },
      { userName: ["a"] },
      { active: "yes" },
      { active: 0 },
      { displayName: { a: 1 } },
      { name: "Babs" },
      { name: { givenName: 3 } },
      { emails: "a@b" },
      { emails: { value: "a@b" } },
      { emails: ["a@b"] },
      { emails: [{ value: "a@b", primary: "sometimes" }] },
      { emails: [{ value: "a@b", primary: true }, { value: "c@d", primary: true }] },
      { [ENTERPRISE_USER_SCHEMA]: "Sales" },
      { [ENTERPRISE_USER_SCHEMA]: { manager: 5 } },
      { [ENTERPRISE_USER_SCHEMA]: { manager: ["u-2"] } },
      { x509Certificates: [{ value: 5 }] },
    ];
    for (const extra of cases) {
      expectScimError(() => normalizeResourceInput(minimalUser(extra), USER_RESOURCE, "create"), 400, "invalidValue");
    }
  });

  test("prototype keys and deep nesting are refused, nothing polluted", () => {
    for (const raw of [
      '{"schemas":["' + USER_SCHEMA + '"],"userName":"a","__proto__":{"polluted":1}}',
      '{"schemas":["' + USER_SCHEMA + '"],"userName":"a","constructor":{"prototype":{"polluted":1}}}',
      '{"schemas":["' + USER_SCHEMA + '"],"userName":"a","name":{"__proto__":{"polluted":1}}}',
      '{"schemas":["' + USER_SCHEMA + '"],"userName":"a","custom":{"__proto__":{"polluted":1}}}',
      '{"schemas":["' + USER_SCHEMA + '"],"userName":"a","emails":[{"value":"x","__proto__":{"polluted":1}}]}',
      '{"schemas":["' + USER_SCHEMA + '"],"userName":"a","' + ENTERPRISE_USER_SCHEMA + ':__proto__":{"polluted":1}}',
    ]) {
      expectScimError(() => normalizeResourceInput(JSON.parse(raw), USER_RESOURCE, "create"), 400, "invalidValue");
    }
    let deep: unknown = 1;
    for (let i = 0; i < 10_000; i++) deep = [deep];
    expectScimError(() => normalizeResourceInput(minimalUser({ custom: deep }), USER_RESOURCE, "create"), 400, "invalidValue");
    assert.equal(({} as Record<string, unknown>).polluted, undefined);
  });

  test("the input object is not modified", () => {
    const body = minimalUser({ active: "True", Meta: { x: 1 } });
    const copy = structuredClone(body);
    normalizeResourceInput(body, USER_RESOURCE, "create");
    assert.deepEqual(body, copy);
  });
});

describe("normalizeResourceInput: Groups", () => {
  test("Entra's group create: empty members; Okta's with members:[]", () => {
    const out = normalizeResourceInput({ schemas: [GROUP_SCHEMA], externalId: "8aa1a0c0", displayName: "Group1DisplayName", members: [] }, GROUP_RESOURCE, "create");
    assert.deepEqual(out, { schemas: [GROUP_SCHEMA], externalId: "8aa1a0c0", displayName: "Group1DisplayName", members: [] });
  });

  test("members with $ref null and display; type checked", () => {
    const out = normalizeResourceInput(
      { schemas: [GROUP_SCHEMA], displayName: "G", members: [{ value: "u-1", $ref: null, display: "One" }, { value: "u-2", type: "User" }] },
      GROUP_RESOURCE,
      "replace",
    );
    assert.deepEqual(out.members, [{ value: "u-1", display: "One" }, { value: "u-2", type: "User" }]);
    expectScimError(() => normalizeResourceInput({ schemas: [GROUP_SCHEMA], displayName: "G", members: [{ value: 5 }] }, GROUP_RESOURCE, "create"), 400, "invalidValue");
  });

  test("displayName is required", () => {
    expectScimError(() => normalizeResourceInput({ schemas: [GROUP_SCHEMA], members: [] }, GROUP_RESOURCE, "create"), 400, "invalidValue");
  });
});
