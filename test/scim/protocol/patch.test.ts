/**
 * PATCH (RFC 7644 §3.5.2) with every Entra and Okta quirk of scim.md §6.1–§6.3, the RFC's error
 * cases, atomicity, bounds and hostile paths and values.
 */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { MAX_PATCH_OPERATIONS, PATCH_OP_SCHEMA, applyPatch, parsePatchPath } from "../../../src/dialects/scim/protocol/patch.js";
import { ENTERPRISE_USER_SCHEMA, GROUP_RESOURCE, GROUP_SCHEMA, USER_RESOURCE, USER_SCHEMA } from "../../../src/dialects/scim/protocol/schemas.js";
import { expectScimError } from "./support.js";

type Op = Record<string, unknown>;
const body = (...Operations: Op[]) => ({ schemas: [PATCH_OP_SCHEMA], Operations });

function baseUser(): Record<string, unknown> {
  return {
    schemas: [USER_SCHEMA],
    id: "u-1",
    externalId: "ext-1",
    userName: "babs@example.com",
    displayName: "Babs",
    active: true,
    name: { givenName: "Barbara", familyName: "Jensen" },
    emails: [{ value: "babs@example.com", type: "work", primary: true }],
    meta: { resourceType: "User", created: "2024-01-01T00:00:00Z", lastModified: "2024-01-01T00:00:00Z" },
  };
}

function baseGroup(): Record<string, unknown> {
  return {
    schemas: [GROUP_SCHEMA],
    id: "g-1",
    displayName: "Engineering",
    members: [{ value: "u-1" }, { value: "u-2" }, { value: "u-3" }],
    meta: { resourceType: "Group" },
  };
}

const patchUser = (...ops: Op[]) => applyPatch(baseUser(), body(...ops), USER_RESOURCE);
const patchGroup = (...ops: Op[]) => applyPatch(baseGroup(), body(...ops), GROUP_RESOURCE);
const memberIds = (r: Record<string, unknown>) => ((r.members as { value: string }[] | undefined) ?? []).map((m) => m.value);

describe("Entra ID default (non-compliant) payloads, scim.md §6.1", () => {
  test('disable user: {"op":"Replace","path":"active","value":"False"} → active false (boolean)', () => {
    const { resource, changed } = patchUser({ op: "Replace", path: "active", value: "False" });
    assert.equal(resource.active, false);
    assert.equal(changed, true);
    assert.equal(patchUser({ op: "Replace", path: "active", value: "True" }).resource.active, true);
    assert.equal(patchUser({ op: "replace", path: "active", value: "false" }).resource.active, false);
  });

  test("compliant form: lower-case op with a JSON boolean", () => {
    assert.equal(patchUser({ op: "replace", path: "active", value: false }).resource.active, false);
  });

  test('add single-value attribute: {"op":"Add","path":"nickName","value":"Babs"}', () => {
    const { resource } = patchUser({ op: "Add", path: "nickName", value: "Babs" });
    assert.equal(resource.nickName, "Babs");
  });

  test("replace several attributes, one Replace per path (value-filter, sub-attribute, URN)", () => {
    const { resource } = patchUser(
      { op: "Replace", path: 'emails[type eq "work"].value', value: "barbara@example.com" },
      { op: "Replace", path: "name.givenName", value: "Barbie" },
      { op: "Replace", path: `${ENTERPRISE_USER_SCHEMA}:employeeNumber`, value: "701984" },
    );
    assert.deepEqual(resource.emails, [{ value: "barbara@example.com", type: "work", primary: true }]);
    assert.deepEqual(resource.name, { givenName: "Barbie", familyName: "Jensen" });
    assert.deepEqual(resource[ENTERPRISE_USER_SCHEMA], { employeeNumber: "701984" });
    assert.deepEqual(resource.schemas, [USER_SCHEMA, ENTERPRISE_USER_SCHEMA]);
  });

  test("a URN-prefixed value-filter path", () => {
    const { resource } = patchUser({ op: "Replace", path: `${USER_SCHEMA}:emails[type eq "work"].value`, value: "w@example.com" });
    assert.deepEqual(resource.emails, [{ value: "w@example.com", type: "work", primary: true }]);
  });

  test("replace through a value filter that matches nothing creates the element (work email the user lacked)", () => {
    const { resource } = patchUser({ op: "Replace", path: 'emails[type eq "home"].value', value: "b@home.example" });
    assert.deepEqual(resource.emails, [
      { value: "babs@example.com", type: "work", primary: true },
      { type: "home", value: "b@home.example" },
    ]);
  });

  test("compliant form: a path-less replace whose value keys are plain, dotted and URN paths", () => {
    const { resource } = patchUser({
      op: "replace",
      value: {
        displayName: "Barbara J",
        "name.givenName": "Barb",
        [`${ENTERPRISE_USER_SCHEMA}:employeeNumber`]: "42",
        [`${ENTERPRISE_USER_SCHEMA}:manager.value`]: "u-9",
        "urn:ietf:params:scim:schemas:core:2.0:User:title": "Boss",
        active: "False",
      },
    });
    assert.equal(resource.displayName, "Barbara J");
    assert.deepEqual(resource.name, { givenName: "Barb", familyName: "Jensen" });
    assert.deepEqual(resource[ENTERPRISE_USER_SCHEMA], { employeeNumber: "42", manager: { value: "u-9" } });
    assert.equal(resource.title, "Boss");
    assert.equal(resource.active, false);
  });

  test("manager by URN path with a bare id, then removed", () => {
    const { resource } = patchUser({ op: "Add", path: `${ENTERPRISE_USER_SCHEMA}:manager`, value: "u-9" });
    assert.deepEqual(resource[ENTERPRISE_USER_SCHEMA], { manager: { value: "u-9" } });
    const removed = applyPatch(resource, body({ op: "Remove", path: `${ENTERPRISE_USER_SCHEMA}:manager` }), USER_RESOURCE).resource;
    assert.equal(removed[ENTERPRISE_USER_SCHEMA], undefined);
    assert.deepEqual(removed.schemas, [USER_SCHEMA]);
  });

  test('remove a member: {"op":"Remove","path":"members","value":[{"value":"u-2"}]} removes only that member', () => {
    const { resource, changed } = patchGroup({ op: "Remove", path: "members", value: [{ value: "u-2" }] });
    assert.deepEqual(memberIds(resource), ["u-1", "u-3"]);
    assert.equal(changed, true);
  });

  test("remove several listed members; unlisted ones stay; a member not there is a no-op", () => {
    const { resource } = patchGroup({ op: "Remove", path: "members", value: [{ value: "u-1" }, { value: "u-3" }, { value: "u-404" }] });
    assert.deepEqual(memberIds(resource), ["u-2"]);
    const none = patchGroup({ op: "Remove", path: "members", value: [{ value: "u-404" }] });
    assert.deepEqual(memberIds(none.resource), ["u-1", "u-2", "u-3"]);
    assert.equal(none.changed, false);
  });

  test("compliant form: remove by value filter", () => {
    const { resource } = patchGroup({ op: "remove", path: 'members[value eq "u-1"]' });
    assert.deepEqual(memberIds(resource), ["u-2", "u-3"]);
  });

  test('add members with "$ref": null (ignored)', () => {
    const { resource } = patchGroup({ op: "Add", path: "members", value: [{ $ref: null, value: "u-4" }, { $ref: null, value: "u-5" }] });
    assert.deepEqual(resource.members, [{ value: "u-1" }, { value: "u-2" }, { value: "u-3" }, { value: "u-4" }, { value: "u-5" }]);
  });

  test("adding a member already there does not duplicate it", () => {
    const { resource, changed } = patchGroup({ op: "add", path: "members", value: [{ value: "u-1" }] });
    assert.deepEqual(memberIds(resource), ["u-1", "u-2", "u-3"]);
    assert.equal(changed, false);
  });

  test("op in any case", () => {
    for (const op of ["add", "Add", "ADD", "aDd"]) {
      assert.equal(patchUser({ op, path: "title", value: "x" }).resource.title, "x");
    }
    for (const op of ["Remove", "REMOVE"]) assert.equal(patchUser({ op, path: "displayName" }).resource.displayName, undefined);
    for (const op of ["Replace", "REPLACE"]) assert.equal(patchUser({ op, path: "displayName", value: "y" }).resource.displayName, "y");
  });
});

describe("Okta, scim.md §6.2", () => {
  test('deactivate: path-less {"op":"replace","value":{"active":false}}', () => {
    const { resource } = patchUser({ op: "replace", value: { active: false } });
    assert.equal(resource.active, false);
    assert.equal(resource.userName, "babs@example.com");
  });

  test("group rename sends the id inside the value: ignored, not a mutation", () => {
    const { resource } = patchGroup({ op: "replace", value: { id: "g-1", displayName: "Eng" } });
    assert.equal(resource.id, "g-1");
    assert.equal(resource.displayName, "Eng");
    const other = patchGroup({ op: "replace", value: { id: "something-else", displayName: "Eng", schemas: ["x"], meta: { version: "1" } } });
    assert.equal(other.resource.id, "g-1");
    assert.deepEqual(other.resource.schemas, [GROUP_SCHEMA]);
    assert.deepEqual(other.resource.meta, { resourceType: "Group" });
  });

  test("group push: remove by filter, add by array, replace the whole list", () => {
    const removed = patchGroup({ op: "remove", path: 'members[value eq "u-3"]' }, { op: "add", path: "members", value: [{ value: "u-7", display: "Seven" }] });
    assert.deepEqual(removed.resource.members, [{ value: "u-1" }, { value: "u-2" }, { value: "u-7", display: "Seven" }]);
    const replaced = patchGroup({ op: "replace", path: "members", value: [{ value: "u-9" }] });
    assert.deepEqual(memberIds(replaced.resource), ["u-9"]);
    const emptied = patchGroup({ op: "replace", path: "members", value: [] });
    assert.equal(emptied.resource.members, undefined);
  });

  test("activate again", () => {
    const off = applyPatch(baseUser(), body({ op: "replace", value: { active: false } }), USER_RESOURCE).resource;
    assert.equal(applyPatch(off, body({ op: "replace", value: { active: true } }), USER_RESOURCE).resource.active, true);
  });
});

describe("RFC 7644 §3.5.2 operations", () => {
  test("add to a multi-valued attribute appends; a single value is accepted", () => {
    const { resource } = patchUser({ op: "add", path: "emails", value: { value: "b@home.example", type: "home" } });
    assert.equal((resource.emails as unknown[]).length, 2);
  });

  test("a new primary value clears the old primary", () => {
    const { resource } = patchUser({ op: "add", path: "emails", value: [{ value: "new@example.com", type: "other", primary: true }] });
    assert.deepEqual(resource.emails, [
      { value: "babs@example.com", type: "work", primary: false },
      { value: "new@example.com", type: "other", primary: true },
    ]);
    expectScimError(
      () => patchUser({ op: "add", path: "emails", value: [{ value: "a@x", primary: true }, { value: "b@x", primary: true }] }),
      400,
      "invalidValue",
    );
  });

  test("add/replace on a complex single-valued attribute merges sub-attributes", () => {
    assert.deepEqual(patchUser({ op: "add", path: "name", value: { middleName: "M" } }).resource.name, {
      givenName: "Barbara",
      familyName: "Jensen",
      middleName: "M",
    });
    assert.deepEqual(patchUser({ op: "replace", path: "name", value: { givenName: "B" } }).resource.name, { givenName: "B", familyName: "Jensen" });
  });

  test("path-less add with an object value", () => {
    const { resource } = patchUser({ op: "add", value: { nickName: "B", emails: [{ value: "x@y", type: "home" }] } });
    assert.equal(resource.nickName, "B");
    assert.equal((resource.emails as unknown[]).length, 2);
  });

  test("path-less replace of a multi-valued attribute replaces the list", () => {
    const { resource } = patchUser({ op: "replace", value: { emails: [{ value: "x@y", type: "home" }] } });
    assert.deepEqual(resource.emails, [{ value: "x@y", type: "home" }]);
  });

  test("replace a whole extension by its URN path", () => {
    const start = { ...baseUser(), schemas: [USER_SCHEMA, ENTERPRISE_USER_SCHEMA], [ENTERPRISE_USER_SCHEMA]: { department: "Sales", costCenter: "1" } };
    const { resource } = applyPatch(start, body({ op: "replace", path: ENTERPRISE_USER_SCHEMA, value: { department: "R&D" } }), USER_RESOURCE);
    assert.deepEqual(resource[ENTERPRISE_USER_SCHEMA], { department: "R&D" });
    const removed = applyPatch(start, body({ op: "remove", path: ENTERPRISE_USER_SCHEMA }), USER_RESOURCE).resource;
    assert.equal(removed[ENTERPRISE_USER_SCHEMA], undefined);
    assert.deepEqual(removed.schemas, [USER_SCHEMA]);
  });

  test("remove an extension attribute; the empty extension and its schema URN go away", () => {
    const start = { ...baseUser(), schemas: [USER_SCHEMA, ENTERPRISE_USER_SCHEMA], [ENTERPRISE_USER_SCHEMA]: { department: "Sales" } };
    const { resource } = applyPatch(start, body({ op: "remove", path: `${ENTERPRISE_USER_SCHEMA}:department` }), USER_RESOURCE);
    assert.equal(resource[ENTERPRISE_USER_SCHEMA], undefined);
    assert.deepEqual(resource.schemas, [USER_SCHEMA]);
  });

  test("remove a sub-attribute, a whole multi-valued attribute, and a sub-attribute of filtered values", () => {
    assert.deepEqual(patchUser({ op: "remove", path: "name.familyName" }).resource.name, { givenName: "Barbara" });
    assert.equal(patchUser({ op: "remove", path: "emails" }).resource.emails, undefined);
    assert.equal(patchGroup({ op: "remove", path: "members" }).resource.members, undefined, "no value: all members go (RFC)");
    assert.deepEqual(patchUser({ op: "remove", path: 'emails[type eq "work"].primary' }).resource.emails, [{ value: "babs@example.com", type: "work" }]);
  });

  test("replace the elements a value filter selects", () => {
    const start = { ...baseUser(), emails: [{ value: "a@x", type: "work" }, { value: "b@x", type: "home" }] };
    const { resource } = applyPatch(start, body({ op: "replace", path: 'emails[type eq "home"]', value: { value: "c@x", type: "home" } }), USER_RESOURCE);
    assert.deepEqual(resource.emails, [{ value: "a@x", type: "work" }, { value: "c@x", type: "home" }]);
  });

  test("operations apply in order", () => {
    const { resource } = patchUser(
      { op: "replace", path: "displayName", value: "One" },
      { op: "remove", path: "displayName" },
      { op: "add", path: "displayName", value: "Two" },
    );
    assert.equal(resource.displayName, "Two");
  });

  test("userName may change here; the caller compares (uniqueness and ownership are the door's)", () => {
    const { resource, changed } = patchUser({ op: "replace", path: "userName", value: "barbara@example.com" });
    assert.equal(resource.userName, "barbara@example.com");
    assert.equal(changed, true);
  });

  test("attribute names in any case are written canonically, without a second spelling", () => {
    const { resource } = patchUser({ op: "replace", path: "DISPLAYNAME", value: "X" }, { op: "replace", path: "Name.GivenName", value: "G" });
    assert.equal(resource.displayName, "X");
    assert.equal(resource.DISPLAYNAME, undefined);
    assert.deepEqual(resource.name, { givenName: "G", familyName: "Jensen" });
    const shouty: Record<string, unknown> = { ...baseUser(), DisplayName: "Old" };
    delete shouty.displayName;
    const r = applyPatch(shouty, body({ op: "replace", path: "displayName", value: "New" }), USER_RESOURCE).resource;
    assert.equal(r.displayName, "New");
    assert.equal(r.DisplayName, undefined);
  });

  test("unknown attributes are kept as sent (Entra's configured mappings)", () => {
    const { resource } = patchUser({ op: "add", path: "costCode", value: "CC-7" }, { op: "add", path: "urn:example:custom:2.0:User:badge", value: "B12" });
    assert.equal(resource.costCode, "CC-7");
    assert.deepEqual(resource["urn:example:custom:2.0:User"], { badge: "B12" });
  });

  test("changed is false when nothing changes", () => {
    assert.equal(patchUser({ op: "replace", path: "displayName", value: "Babs" }).changed, false);
    assert.equal(patchUser({ op: "replace", value: { active: "True" } }).changed, false);
    assert.equal(patchGroup({ op: "remove", path: 'members[value eq "nobody"]' }).changed, false);
  });

  test("null replaces mean unassigned", () => {
    assert.equal(patchUser({ op: "replace", path: "displayName", value: null }).resource.displayName, undefined);
  });
});

describe("RFC 7644 errors", () => {
  test("remove without a path → 400 noTarget", () => {
    expectScimError(() => patchUser({ op: "remove" }), 400, "noTarget");
    expectScimError(() => patchUser({ op: "remove", path: "" }), 400, "invalidPath");
  });

  test("replace through a filter that matches nothing (and cannot seed an element) → 400 noTarget", () => {
    expectScimError(() => patchUser({ op: "replace", path: 'emails[value co "nothing"].type', value: "home" }), 400, "noTarget");
    expectScimError(() => patchUser({ op: "replace", path: 'emails[type eq "home"]', value: { value: "x@y" } }), 400, "noTarget");
  });

  test("bad paths → 400 invalidPath", () => {
    for (const path of [
      "emails[type eq",
      'emails[type eq "work"',
      "name..givenName",
      "name.givenName.more",
      "a b",
      'emails[type eq "work"].value.more',
      'emails[type eq "work"] junk',
      "displayName.sub",
      'userName[value eq "x"]',
      'emails[type eq "work"].nosuchsub',
      42,
      { path: "x" },
    ]) {
      expectScimError(() => patchUser({ op: "replace", path, value: "x" }), 400, "invalidPath");
    }
  });

  test("a sub-attribute of a multi-valued attribute without a filter → 400 invalidPath", () => {
    expectScimError(() => patchUser({ op: "replace", path: "emails.value", value: "x@y" }), 400, "invalidPath");
  });

  test("bad value types → 400 invalidValue", () => {
    expectScimError(() => patchUser({ op: "replace", path: "active", value: "maybe" }), 400, "invalidValue");
    expectScimError(() => patchUser({ op: "replace", path: "active", value: 1 }), 400, "invalidValue");
    expectScimError(() => patchUser({ op: "replace", path: "displayName", value: 12 }), 400, "invalidValue");
    expectScimError(() => patchUser({ op: "replace", path: "displayName", value: { a: 1 } }), 400, "invalidValue");
    expectScimError(() => patchUser({ op: "replace", path: "emails", value: "x@y" }), 400, "invalidValue");
    expectScimError(() => patchUser({ op: "add", path: "emails", value: ["x@y"] }), 400, "invalidValue");
    expectScimError(() => patchUser({ op: "replace", path: "name", value: "Babs" }), 400, "invalidValue");
    expectScimError(() => patchUser({ op: "replace", value: "not an object" }), 400, "invalidValue");
    expectScimError(() => patchUser({ op: "replace", value: [{ active: false }] }), 400, "invalidValue");
    expectScimError(() => patchUser({ op: "replace", path: "meta.created", value: 5 }), 400, "mutability");
    expectScimError(() => patchUser({ op: "add", path: "title" }), 400, "invalidValue");
    expectScimError(() => patchUser({ op: "add", path: "urn:example:custom", value: "not an object" }), 400, "invalidValue");
  });

  test("read-only attributes named by a path → 400 mutability", () => {
    expectScimError(() => patchUser({ op: "replace", path: "id", value: "u-2" }), 400, "mutability");
    expectScimError(() => patchUser({ op: "remove", path: "id" }), 400, "mutability");
    expectScimError(() => patchUser({ op: "replace", path: "meta.lastModified", value: "2030-01-01T00:00:00Z" }), 400, "mutability");
    expectScimError(() => patchUser({ op: "add", path: "groups", value: [{ value: "g-1" }] }), 400, "mutability");
    expectScimError(() => patchUser({ op: "replace", path: "schemas", value: [USER_SCHEMA] }), 400, "mutability");
  });

  test("immutable sub-attributes: a member's value cannot be rewritten", () => {
    expectScimError(() => patchGroup({ op: "replace", path: 'members[value eq "u-1"].value', value: "u-9" }), 400, "mutability");
    expectScimError(() => patchGroup({ op: "replace", path: 'members[value eq "u-1"]', value: { value: "u-9" } }), 400, "mutability");
  });

  test("a required attribute cannot be removed → 400 invalidValue", () => {
    expectScimError(() => patchUser({ op: "remove", path: "userName" }), 400, "invalidValue");
    expectScimError(() => patchGroup({ op: "remove", path: "displayName" }), 400, "invalidValue");
    expectScimError(() => patchGroup({ op: "replace", path: "displayName", value: null }), 400, "invalidValue");
  });

  test("the message itself: schemas, Operations, op", () => {
    expectScimError(() => applyPatch(baseUser(), null, USER_RESOURCE), 400, "invalidSyntax");
    expectScimError(() => applyPatch(baseUser(), [], USER_RESOURCE), 400, "invalidSyntax");
    expectScimError(() => applyPatch(baseUser(), { Operations: [{ op: "add", path: "title", value: "x" }] }, USER_RESOURCE), 400, "invalidSyntax");
    expectScimError(() => applyPatch(baseUser(), { schemas: [USER_SCHEMA], Operations: [] }, USER_RESOURCE), 400, "invalidSyntax");
    expectScimError(() => applyPatch(baseUser(), { schemas: [PATCH_OP_SCHEMA] }, USER_RESOURCE), 400, "invalidSyntax");
    expectScimError(() => applyPatch(baseUser(), { schemas: [PATCH_OP_SCHEMA], Operations: {} }, USER_RESOURCE), 400, "invalidSyntax");
    expectScimError(() => patchUser({ op: "move", path: "title", value: "x" }), 400, "invalidSyntax");
    expectScimError(() => patchUser({ path: "title", value: "x" }), 400, "invalidSyntax");
    expectScimError(() => applyPatch(baseUser(), body("op" as unknown as Op), USER_RESOURCE), 400, "invalidSyntax");
  });

  test("the failing operation is named in the detail", () => {
    const err = expectScimError(() => patchUser({ op: "replace", path: "title", value: "ok" }, { op: "replace", path: "active", value: "nope" }), 400, "invalidValue");
    assert.match(err.detail, /Operations\[1\]/);
  });
});

describe("atomicity and bounds", () => {
  test("a failing later operation leaves the input untouched (the caller keeps the stored resource)", () => {
    const stored = baseGroup();
    const snapshot = structuredClone(stored);
    expectScimError(
      () => applyPatch(stored, body({ op: "remove", path: "members", value: [{ value: "u-1" }] }, { op: "replace", path: "id", value: "x" }), GROUP_RESOURCE),
      400,
      "mutability",
    );
    assert.deepEqual(stored, snapshot);
    const ok = applyPatch(stored, body({ op: "remove", path: "members", value: [{ value: "u-1" }] }), GROUP_RESOURCE);
    assert.deepEqual(stored, snapshot, "a successful PATCH returns a new object too");
    assert.notEqual(ok.resource, stored);
  });

  test(`${MAX_PATCH_OPERATIONS} operations are applied; 10,000 are refused with a 400 before any work`, () => {
    const adds = Array.from({ length: MAX_PATCH_OPERATIONS }, (_, i) => ({ op: "add", path: "members", value: [{ value: `u-x${i}` }] }));
    const { resource } = applyPatch(baseGroup(), body(...adds), GROUP_RESOURCE);
    assert.equal((resource.members as unknown[]).length, 3 + MAX_PATCH_OPERATIONS);
    const many = Array.from({ length: 10_000 }, (_, i) => ({ op: "add", path: "members", value: [{ value: `u-y${i}` }] }));
    expectScimError(() => applyPatch(baseGroup(), body(...many), GROUP_RESOURCE), 400, "invalidValue");
  });

  test("one add of 10,000 members in a single operation is handled correctly", () => {
    const value = Array.from({ length: 10_000 }, (_, i) => ({ value: `u-z${i}` }));
    const { resource } = applyPatch(baseGroup(), body({ op: "add", path: "members", value }), GROUP_RESOURCE);
    assert.equal((resource.members as unknown[]).length, 10_003);
  });
});

describe("hostile paths and values never pollute a prototype", () => {
  const hostile: Op[] = [
    { op: "add", path: "__proto__.polluted", value: "yes" },
    { op: "add", path: "__proto__", value: { polluted: "yes" } },
    { op: "replace", path: "constructor.prototype", value: { polluted: "yes" } },
    { op: "add", path: "name.__proto__", value: { polluted: "yes" } },
    { op: "add", path: 'emails[type eq "work"].__proto__', value: { polluted: "yes" } },
    { op: "add", path: '__proto__[value eq "x"]', value: { polluted: "yes" } },
    { op: "add", value: JSON.parse('{"__proto__": {"polluted": "yes"}}') },
    { op: "add", value: JSON.parse('{"constructor": {"prototype": {"polluted": "yes"}}}') },
    { op: "add", value: JSON.parse('{"name": {"__proto__": {"polluted": "yes"}}}') },
    { op: "add", path: "costCode", value: JSON.parse('{"__proto__": {"polluted": "yes"}}') },
    { op: "add", path: "members", value: JSON.parse('[{"value": "u-9", "__proto__": {"polluted": "yes"}}]') },
    { op: "add", value: JSON.parse(`{"${ENTERPRISE_USER_SCHEMA}": {"__proto__": {"polluted": "yes"}}}`) },
  ];
  for (const op of hostile) {
    test(JSON.stringify(op), () => {
      const err = expectScimError(() => applyPatch(baseGroup(), body(op), GROUP_RESOURCE), 400);
      assert.ok(err.scimType === "invalidPath" || err.scimType === "invalidValue", String(err.scimType));
      expectScimError(() => applyPatch(baseUser(), body(op), USER_RESOURCE), 400);
      assert.equal(({} as Record<string, unknown>).polluted, undefined);
      assert.equal(Object.prototype.hasOwnProperty.call(Object.prototype, "polluted"), false);
    });
  }

  test("a deeply nested value for a kept attribute is refused, not a stack overflow", () => {
    let deep: unknown = "x";
    for (let i = 0; i < 5000; i++) deep = { a: deep };
    expectScimError(() => patchUser({ op: "add", path: "costCode", value: deep }), 400, "invalidValue");
  });

  test("a long path → 400 invalidPath", () => {
    expectScimError(() => patchUser({ op: "add", path: "a".repeat(5000), value: "x" }), 400, "invalidPath");
    expectScimError(() => patchUser({ op: "add", path: `emails[${'type eq "x" or '.repeat(300)}type eq "y"].value`, value: "x" }), 400, "invalidPath");
  });
});

describe("parsePatchPath", () => {
  test("the three forms", () => {
    const plain = parsePatchPath("name.givenName", USER_RESOURCE);
    assert.ok(plain.kind === "attribute");
    assert.equal(plain.ref.path, "name.givenName");
    const filtered = parsePatchPath('emails[type eq "work"].value', USER_RESOURCE);
    assert.ok(filtered.kind === "filtered");
    assert.equal(filtered.ref.path, "emails");
    assert.equal(filtered.subAttr, "value");
    const ext = parsePatchPath(ENTERPRISE_USER_SCHEMA.toUpperCase(), USER_RESOURCE);
    assert.deepEqual(ext, { kind: "extension", urn: ENTERPRISE_USER_SCHEMA });
  });

  test('a "]." inside a quoted filter value is not the end of the value path', () => {
    const p = parsePatchPath('members[display eq "a].b"]', GROUP_RESOURCE);
    assert.ok(p.kind === "filtered");
    assert.equal(p.subAttr, undefined);
  });
});
