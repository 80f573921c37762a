/** Versions and preconditions (RFC 7644 §3.14). */
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { describe, test } from "node:test";
import fc from "fast-check";
import { checkPreconditions, etagOf } from "../../../src/dialects/scim/protocol/etag.js";

const resource = { schemas: ["s"], id: "u-1", userName: "a", emails: [{ value: "x", type: "work" }], meta: { resourceType: "User", lastModified: "2024-01-01T00:00:00Z" } };

describe("etagOf", () => {
  test("a weak entity tag, stable for equal content whatever the key order", () => {
    const tag = etagOf(resource);
    assert.match(tag, /^W\/"[A-Za-z0-9_-]{22}"$/);
    const reordered = { meta: { lastModified: "2024-01-01T00:00:00Z", resourceType: "User" }, emails: [{ type: "work", value: "x" }], userName: "a", id: "u-1", schemas: ["s"] };
    assert.equal(etagOf(reordered), tag);
  });

  test("changes with the content, array order included", () => {
    assert.notEqual(etagOf({ ...resource, userName: "b" }), etagOf(resource));
    assert.notEqual(etagOf({ ...resource, emails: [] }), etagOf(resource));
    assert.notEqual(etagOf({ a: [1, 2] }), etagOf({ a: [2, 1] }));
  });

  test("keys that need escaping stay distinct", () => {
    assert.notEqual(etagOf({ 'a"b': 1 }), etagOf({ 'a\\"b': 1 }));
    assert.notEqual(etagOf({ "a\nb": 1 }), etagOf({ "a\\nb": 1 }));
  });

  test("a flat object (a directory row) gets the version the key-by-key walk gives", () => {
    // The walk, written out: keys sorted, each value as JSON, undefined left out.
    const walked = (o: Record<string, unknown>) => {
      const parts = Object.keys(o).sort().filter((k) => o[k] !== undefined).map((k) => `${JSON.stringify(k)}:${JSON.stringify(o[k])}`);
      return `W/"${createHash("sha256").update(`{${parts.join(",")}}`).digest("base64url").slice(0, 22)}"`;
    };
    const value = fc.oneof(fc.string({ unit: "binary" }), fc.integer(), fc.double({ noNaN: true }), fc.boolean(), fc.constant(null), fc.constant(undefined));
    fc.assert(fc.property(fc.dictionary(fc.string({ unit: "binary" }), value), (o) => etagOf(o) === walked(o)));
    assert.equal(etagOf({ b: 1, a: "x", c: null, d: undefined }), walked({ a: "x", b: 1, c: null }));
  });

  test("meta.version itself does not change the version", () => {
    assert.equal(etagOf({ ...resource, meta: { ...resource.meta, version: 'W/"old"' } }), etagOf(resource));
  });
});

describe("checkPreconditions", () => {
  const current = etagOf(resource);
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
