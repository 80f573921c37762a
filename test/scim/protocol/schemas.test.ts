/** Discovery documents (RFC 7643 §6, §7) and attribute lookup. */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import {
  ENTERPRISE_USER_SCHEMA,
  GROUP_RESOURCE,
  GROUP_SCHEMA,
  USER_RESOURCE,
  USER_SCHEMA,
  resolveAttrPath,
  resourceTypeDocuments,
  schemaDocuments,
} from "../../../src/dialects/scim/protocol/schemas.js";

type Doc = Record<string, any>;

describe("schemaDocuments", () => {
  const docs = schemaDocuments("https://example.com/scim/v2/") as Doc[];

  test("User, EnterpriseUser and Group, each a Schema resource with its location", () => {
    assert.deepEqual(docs.map((d) => d.id), [USER_SCHEMA, ENTERPRISE_USER_SCHEMA, GROUP_SCHEMA]);
    for (const d of docs) {
      assert.deepEqual(d.schemas, ["urn:ietf:params:scim:schemas:core:2.0:Schema"]);
      assert.equal(d.meta.resourceType, "Schema");
      assert.equal(d.meta.location, `https://example.com/scim/v2/Schemas/${d.id}`);
    }
  });

  test("every attribute carries all RFC 7643 §2.2 characteristics", () => {
    const check = (a: Doc) => {
      for (const key of ["name", "type", "multiValued", "description", "required", "caseExact", "mutability", "returned", "uniqueness"]) {
        assert.ok(key in a, `${a.name} lacks ${key}`);
      }
      (a.subAttributes ?? []).forEach(check);
      if (a.type === "complex") assert.ok(Array.isArray(a.subAttributes), `${a.name} has no subAttributes`);
    };
    docs.forEach((d) => d.attributes.forEach(check));
  });

  test("the User rules: userName required, server-unique, case-insensitive; password writeOnly/never; groups readOnly", () => {
    const user = docs[0]!.attributes as Doc[];
    const byName = (n: string) => user.find((a) => a.name === n)!;
    assert.deepEqual([byName("userName").required, byName("userName").uniqueness, byName("userName").caseExact], [true, "server", false]);
    assert.deepEqual([byName("password").mutability, byName("password").returned], ["writeOnly", "never"]);
    assert.equal(byName("groups").mutability, "readOnly");
    assert.equal(byName("active").type, "boolean");
  });

  test("Group members: value/$ref/type immutable", () => {
    const members = (docs[2]!.attributes as Doc[]).find((a) => a.name === "members")!;
    assert.equal(members.multiValued, true);
    for (const sub of ["value", "$ref", "type"]) assert.equal(members.subAttributes.find((s: Doc) => s.name === sub).mutability, "immutable");
  });

  test("JSON-serialisable and stable", () => {
    assert.deepEqual(JSON.parse(JSON.stringify(schemaDocuments())), schemaDocuments());
  });
});

describe("resourceTypeDocuments", () => {
  test("User with the enterprise extension, Group", () => {
    const [user, group] = resourceTypeDocuments("https://example.com/scim/v2") as Doc[];
    assert.deepEqual(user, {
      schemas: ["urn:ietf:params:scim:schemas:core:2.0:ResourceType"],
      id: "User",
      name: "User",
      endpoint: "/Users",
      description: "User Account",
      schema: USER_SCHEMA,
      schemaExtensions: [{ schema: ENTERPRISE_USER_SCHEMA, required: false }],
      meta: { resourceType: "ResourceType", location: "https://example.com/scim/v2/ResourceTypes/User" },
    });
    assert.equal(group!.schema, GROUP_SCHEMA);
    assert.deepEqual(group!.schemaExtensions, []);
  });
});

describe("resolveAttrPath", () => {
  test("case-insensitive, canonical spelling, common attributes", () => {
    assert.equal(resolveAttrPath(USER_RESOURCE, "USERNAME")?.path, "userName");
    assert.equal(resolveAttrPath(USER_RESOURCE, "Meta.LastModified")?.path, "meta.lastModified");
    assert.equal(resolveAttrPath(GROUP_RESOURCE, "EXTERNALID")?.def?.caseExact, true);
    assert.equal(resolveAttrPath(USER_RESOURCE, "schemas")?.def?.returned, "always");
  });

  test("URN prefixes: core, extension; unknown URN is not a path", () => {
    assert.equal(resolveAttrPath(USER_RESOURCE, `${USER_SCHEMA}:name.givenName`)?.path, "name.givenName");
    const ext = resolveAttrPath(USER_RESOURCE, `${ENTERPRISE_USER_SCHEMA.toLowerCase()}:manager.value`);
    assert.equal(ext?.path, `${ENTERPRISE_USER_SCHEMA}:manager.value`);
    assert.equal(ext?.extension, true);
    assert.equal(resolveAttrPath(USER_RESOURCE, "urn:x:y:attr"), undefined);
    assert.equal(resolveAttrPath(GROUP_RESOURCE, `${ENTERPRISE_USER_SCHEMA}:department`), undefined, "no enterprise extension on groups");
  });

  test("malformed names", () => {
    for (const bad of ["", "a..b", "a.b.c", "1abc", "a b", "userName.x", "name.", ".name"]) {
      assert.equal(resolveAttrPath(USER_RESOURCE, bad), undefined, bad);
    }
  });

  test("unknown attributes resolve without a definition", () => {
    const ref = resolveAttrPath(USER_RESOURCE, "costCode");
    assert.equal(ref?.def, undefined);
    assert.equal(ref?.attr, "costCode");
  });
});
