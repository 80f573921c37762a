/** Versions and preconditions (RFC 7644 §3.14). */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import fc from "fast-check";
import { checkPreconditions, versionOf, type VersionValue } from "../../../src/dialects/scim/protocol/etag.js";

type Flat = Record<string, VersionValue>;
const user = { id: "u-1", userName: "a", active: true, created: 1700000000000, externalId: null as string | null, attributes: '{"emails":[{"value":"x"}]}' };
const USER_FIELDS = ["id", "userName", "active", "created", "externalId", "attributes"] as const;

describe("versionOf", () => {
  test("a weak entity tag, stable for equal content whatever the object's key order", () => {
    const tag = versionOf(user, USER_FIELDS);
    assert.match(tag, /^W\/"[A-Za-z0-9_-]{22}"$/);
    const reordered = { attributes: user.attributes, externalId: null, created: user.created, active: true, userName: "a", id: "u-1" };
    assert.equal(versionOf(reordered, USER_FIELDS), tag);
  });

  test("changes with any listed field", () => {
    const tag = versionOf(user, USER_FIELDS);
    for (const [field, other] of [["id", "u-2"], ["userName", "b"], ["active", false], ["created", 1700000000001], ["externalId", "e"], ["attributes", null]] as const)
      assert.notEqual(versionOf({ ...user, [field]: other }, USER_FIELDS), tag, field);
  });

  // Property: two different lists of values never write the same text, so (short of a SHA-256 collision)
  // never the same version: values of different types, and strings that would join alike, stay apart.
  test("different values give different versions: types and string boundaries are kept apart", () => {
    const value = fc.oneof(fc.string({ unit: "binary" }), fc.integer(), fc.double({ noNaN: true, noDefaultInfinity: true }), fc.boolean(), fc.constant(null), fc.constant(undefined));
    const asRecord = (values: VersionValue[]) => Object.fromEntries(values.map((v, i) => [`f${i}`, v])) as Flat;
    const fields = (n: number) => Array.from({ length: n }, (_, i) => `f${i}`);
    const same = (a: VersionValue[], b: VersionValue[]) => a.length === b.length && a.every((v, i) => Object.is(v, b[i]) || (v === 0 && b[i] === 0));
    fc.assert(
      fc.property(fc.array(value, { maxLength: 6 }), fc.array(value, { maxLength: 6 }), (a, b) => {
        const n = Math.max(a.length, b.length);
        const [pa, pb] = [[...a, ...Array(n - a.length).fill(undefined)], [...b, ...Array(n - b.length).fill(undefined)]];
        return same(pa, pb) === (versionOf(asRecord(pa), fields(n)) === versionOf(asRecord(pb), fields(n)));
      }),
    );
    // The cases a plain join would confuse.
    const v = (...values: VersionValue[]) => versionOf(asRecord(values), fields(values.length));
    assert.notEqual(v("a", "bc"), v("ab", "c"));
    assert.notEqual(v(1), v("1"));
    assert.notEqual(v(null), v("null"));
    assert.notEqual(v(null), v(undefined));
    assert.notEqual(v(true), v("t"));
    assert.notEqual(v("s1:x"), v("x", "x"));
  });
});

describe("checkPreconditions", () => {
  const current = versionOf(user, USER_FIELDS);
  const opaque = current.slice(2);

  test("no headers → ok", () => {
    assert.equal(checkPreconditions({}, current), "ok");
    assert.equal(checkPreconditions({ ifMatch: "", ifNoneMatch: " " }, current), "ok");
  });

  test("If-Match: current (weak or strong form, in a list, or *) → ok; else 412", () => {
    assert.equal(checkPreconditions({ ifMatch: current }, current, "PUT"), "ok");
    assert.equal(checkPreconditions({ ifMatch: opaque }, current, "PATCH"), "ok");
    assert.equal(checkPreconditions({ ifMatch: `W/"other", ${current}` }, current, "DELETE"), "ok");
    assert.equal(checkPreconditions({ ifMatch: "*" }, current, "PUT"), "ok");
    assert.equal(checkPreconditions({ ifMatch: 'W/"stale"' }, current, "PUT"), 412);
    assert.equal(checkPreconditions({ ifMatch: 'W/"stale"' }, current), 412);
  });

  test("If-None-Match: current → 304 on GET/HEAD, 412 on writes; other → ok", () => {
    assert.equal(checkPreconditions({ ifNoneMatch: current }, current), 304);
    assert.equal(checkPreconditions({ ifNoneMatch: current }, current, "HEAD"), 304);
    assert.equal(checkPreconditions({ ifNoneMatch: "*" }, current, "get"), 304);
    assert.equal(checkPreconditions({ ifNoneMatch: current }, current, "PUT"), 412);
    assert.equal(checkPreconditions({ ifNoneMatch: 'W/"other"' }, current), "ok");
  });

  test("If-Match is checked first", () => {
    assert.equal(checkPreconditions({ ifMatch: 'W/"stale"', ifNoneMatch: current }, current), 412);
  });
});
