/** attributes / excludedAttributes with the schema's `returned` characteristic (RFC 7644 §3.4.2.5, §3.9). */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { project } from "../../../src/dialects/scim/protocol/projection.js";
import { ENTERPRISE_USER_SCHEMA, GROUP_RESOURCE, GROUP_SCHEMA, USER_RESOURCE, USER_SCHEMA } from "../../../src/dialects/scim/protocol/schemas.js";
import { expectScimError } from "./support.js";

const user = {
  schemas: [USER_SCHEMA, ENTERPRISE_USER_SCHEMA],
  id: "u-1",
  externalId: "ext-1",
  userName: "babs",
  password: "secret",
  name: { givenName: "Barbara", familyName: "Jensen" },
  emails: [
    { value: "a@x", type: "work" },
    { value: "b@x", type: "home" },
  ],
  active: true,
  costCode: "CC",
  [ENTERPRISE_USER_SCHEMA]: { department: "Eng", employeeNumber: "7" },
  meta: { resourceType: "User", location: "https://h/scim/v2/Users/u-1" },
};

const group = { schemas: [GROUP_SCHEMA], id: "g-1", displayName: "G", members: [{ value: "u-1" }], meta: { resourceType: "Group" } };

describe("project", () => {
  test("an attribute with a value filter is read as the attribute (lenient), commas inside the filter included", () => {
    assert.deepEqual(project(user, { attributes: 'emails[type eq "work"]' }, USER_RESOURCE), { schemas: [USER_SCHEMA], id: "u-1", emails: user.emails });
    assert.deepEqual(project(user, { attributes: 'emails[value eq "a,b" or type eq "x"].value,userName' }, USER_RESOURCE), {
      schemas: [USER_SCHEMA],
      id: "u-1",
      userName: "babs",
      emails: [{ value: "a@x" }, { value: "b@x" }],
    });
    const without = project(user, { excludedAttributes: 'emails[type eq "home"]' }, USER_RESOURCE);
    assert.equal(without.emails, undefined);
    assert.equal(without.userName, "babs");
  });

  test("no query: everything but password (returned never)", () => {
    const out = project(user, {}, USER_RESOURCE);
    const { password: _p, ...rest } = user;
    assert.deepEqual(out, rest);
  });

  test("the plain read (no query) equals the general path with a query that selects nothing away", () => {
    assert.deepEqual(project(user, {}, USER_RESOURCE), project(user, { excludedAttributes: "nosuch" }, USER_RESOURCE));
    assert.deepEqual(project(group, {}, GROUP_RESOURCE), project(group, { excludedAttributes: "nosuch" }, GROUP_RESOURCE));
    const shouty = { ...user, PASSWORD: "x", [ENTERPRISE_USER_SCHEMA.toLowerCase()]: { department: "D" } };
    assert.deepEqual(project(shouty, {}, USER_RESOURCE), project(shouty, { excludedAttributes: "nosuch" }, USER_RESOURCE));
    assert.equal(project(shouty, {}, USER_RESOURCE).PASSWORD, undefined);
  });

  test("password is never returned, even when asked for", () => {
    assert.equal(project(user, { attributes: "password" }, USER_RESOURCE).password, undefined);
  });

  test("attributes: only those, plus id and schemas (returned always)", () => {
    assert.deepEqual(project(user, { attributes: "userName" }, USER_RESOURCE), { schemas: [USER_SCHEMA], id: "u-1", userName: "babs" });
  });

  test("attributes names are case-insensitive and may name sub-attributes", () => {
    assert.deepEqual(project(user, { attributes: "USERNAME,name.givenName,emails.value" }, USER_RESOURCE), {
      schemas: [USER_SCHEMA],
      id: "u-1",
      userName: "babs",
      name: { givenName: "Barbara" },
      emails: [{ value: "a@x" }, { value: "b@x" }],
    });
  });

  test("attributes naming extension attributes, or the whole extension", () => {
    assert.deepEqual(project(user, { attributes: `${ENTERPRISE_USER_SCHEMA}:department` }, USER_RESOURCE), {
      schemas: [USER_SCHEMA, ENTERPRISE_USER_SCHEMA],
      id: "u-1",
      [ENTERPRISE_USER_SCHEMA]: { department: "Eng" },
    });
    assert.deepEqual(project(user, { attributes: ENTERPRISE_USER_SCHEMA }, USER_RESOURCE)[ENTERPRISE_USER_SCHEMA], { department: "Eng", employeeNumber: "7" });
  });

  test("attributes may come as an array (POST /.search)", () => {
    assert.deepEqual(Object.keys(project(user, { attributes: ["userName", "active"] }, USER_RESOURCE)), ["schemas", "id", "userName", "active"]);
  });

  test("excludedAttributes=members on groups (Entra)", () => {
    assert.deepEqual(project(group, { excludedAttributes: "members" }, GROUP_RESOURCE), { schemas: [GROUP_SCHEMA], id: "g-1", displayName: "G", meta: { resourceType: "Group" } });
  });

  test("excludedAttributes cannot remove id or schemas; can remove sub-attributes and extension attributes", () => {
    const out = project(user, { excludedAttributes: `id,schemas,name.familyName,emails.type,${ENTERPRISE_USER_SCHEMA}:department,costCode,meta` }, USER_RESOURCE);
    assert.equal(out.id, "u-1");
    assert.deepEqual(out.schemas, [USER_SCHEMA, ENTERPRISE_USER_SCHEMA]);
    assert.deepEqual(out.name, { givenName: "Barbara" });
    assert.deepEqual(out.emails, [{ value: "a@x" }, { value: "b@x" }]);
    assert.deepEqual(out[ENTERPRISE_USER_SCHEMA], { employeeNumber: "7" });
    assert.equal(out.costCode, undefined);
    assert.equal(out.meta, undefined);
  });

  test("excluding the last extension attribute drops the extension's URN from schemas", () => {
    const out = project(user, { excludedAttributes: ENTERPRISE_USER_SCHEMA }, USER_RESOURCE);
    assert.equal(out[ENTERPRISE_USER_SCHEMA], undefined);
    assert.deepEqual(out.schemas, [USER_SCHEMA]);
  });

  test("unknown names select nothing and exclude nothing", () => {
    assert.deepEqual(project(user, { attributes: "nosuch" }, USER_RESOURCE), { schemas: [USER_SCHEMA], id: "u-1" });
    assert.deepEqual(project(group, { excludedAttributes: "nosuch,urn:x:y:z" }, GROUP_RESOURCE), group);
  });

  test("kept (unknown) attributes can be asked for by name", () => {
    assert.equal(project(user, { attributes: "costcode" }, USER_RESOURCE).costCode, "CC");
  });

  test("the input is not modified", () => {
    const copy = structuredClone(user);
    project(user, { attributes: "name.givenName" }, USER_RESOURCE);
    assert.deepEqual(user, copy);
  });

  test("a huge or non-string list → 400 invalidValue", () => {
    expectScimError(() => project(user, { attributes: "a,".repeat(50_000) }, USER_RESOURCE), 400, "invalidValue");
    expectScimError(() => project(user, { attributes: 5 as unknown as string }, USER_RESOURCE), 400, "invalidValue");
  });
});
